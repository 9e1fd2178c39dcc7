"""Submit an extract: choose dataset and month, upload (a CSV or an Excel workbook, and for a
workbook of several sheets the sheet), read the report, download the rows with their problems
marked, confirm, load."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from app_pages import uploads
from app_pages._shell import (
    acting_identity,
    asked_index,
    guarded,
    page_header,
    show_table,
    workspace,
)
from shared_outcomes.checking.report import report_json
from shared_outcomes.figures import timeliness
from shared_outcomes.present import picture, views
from shared_outcomes.present.report_text import NO_FAILING_ROWS, has_failing_rows
from shared_outcomes.present.views import literal

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.workspace import Workspace


def audited_file(
    ws: Workspace,
    me: Identity,
    path: Path,
    *,
    partner: str,
    dataset: str,
    period: str,
    what: str = "failing_rows.csv",
) -> Callable[[], bytes]:
    """A file made at the check (the failing rows, the errors workbook) for
    st.download_button, read from disk when the person clicks and audited only once it is
    read: a file that is gone raises, the browser says the download failed, and nothing is
    recorded."""

    def made() -> bytes:
        data = path.read_bytes()
        ws.record_download(me, what, partner=partner, dataset=dataset, detail={"period": period})
        return data

    return made


page_header(
    "Submit an extract",
    "Check your monthly extract (a CSV file or an Excel workbook) against its data contract, "
    "read the report, and load it into the shared warehouse once it is clean.",
)

with guarded():
    ws = workspace()
    me = acting_identity()
    choice = ws.submission_choices(me)  # a refusal is audited
    if choice.refusal:
        st.warning(literal(choice.refusal), icon=":material/block:")
        st.stop()

    if len(choice.partners) == 1:  # a partner's submitter: the partner comes from the sign-in
        partner_id = next(iter(choice.partners))
        partner_name = literal(choice.partners[partner_id])
        st.markdown(f"**Submitting for:** {partner_name} (from your sign-in)")
    else:  # an administrator may submit for any partner
        partner_id = st.selectbox(
            "Partner",
            options=list(choice.partners),
            index=asked_index("partner", list(choice.partners)),
            format_func=lambda pid: choice.partners[pid],
            key="partner",
        )
    # A link from Your returns names the return in the address: ?partner=&dataset=&period=.
    datasets = choice.datasets[partner_id]
    dataset = st.selectbox(
        "Dataset",
        options=list(datasets),
        index=asked_index("dataset", list(datasets)),
        format_func=lambda d: datasets[d],
        key="dataset",
    )
    register = timeliness.register_frame(ws.submissions(me))
    months = views.month_options(
        datetime.now(UTC).date(), picture.latest_period(register),
        asked=st.query_params.get("period"),
    )  # fmt: skip
    period = st.selectbox(
        "Month the extract is for",
        options=months,
        index=asked_index("period", months, default=1),
        key="period",
        help="YYYY-MM",
    )
    limit_mb = int(st.get_option("server.maxUploadSize"))
    st.markdown(
        f"Upload a **CSV file or an Excel workbook (.xlsx, .xlsm) of at most {limit_mb} MB** "
        "(the server's upload limit). A workbook's worksheet is the one named like the "
        "dataset, or its only one, or the one you choose. A blank template for each dataset "
        "is on the Standards page."
    )
    # Each upload is copied to disk at once and the uploader replaced by a fresh one (a new key),
    # so neither the widget nor Streamlit keeps the file's bytes (see `uploads`).
    rounds = int(st.session_state.get("upload_round", 0))
    upload = st.file_uploader(
        f"Extract file (CSV or Excel workbook, up to {limit_mb} MB)",
        type=["csv", "xlsx", "xlsm"],
        key="file" if rounds == 0 else f"file-{rounds}",
    )
    if upload is not None:
        with st.spinner(f"Receiving {literal(upload.name)}…"):
            uploads.receive(upload)
        st.session_state["upload_round"] = rounds + 1
        st.session_state.pop("loaded", None)
        st.session_state.pop("confirm", None)  # a new file is confirmed afresh
        st.session_state.pop("sheet", None)  # and its worksheet chosen afresh
        st.rerun()

    file = uploads.received()
    if file is None:
        if "loaded" in st.session_state:
            status_word, sentence = st.session_state["loaded"]
            if status_word == "rejected":
                st.error(literal(sentence), icon=":material/error:")  # names the file
            else:
                st.success(literal(sentence), icon=":material/cloud_done:")
        st.stop()

    size = views.format_size(file.size)
    name = literal(file.name)  # as the partner's computer named it
    st.markdown(f"**File:** {name} ({size}). Upload another file above to replace it.")
    st.button("Remove this file", key="remove-file", on_click=uploads.discard)
    sheet = st.session_state.get("sheet")  # a workbook's worksheet, once chosen below
    key = (partner_id, dataset, period, sheet)
    checked = uploads.current(key)
    if checked is None:
        with st.status(f"Checking {name} ({size})…", expanded=True) as status:
            bar = st.progress(0.5, text=f"Received {size}; checking every row and column")
            checked = uploads.check(
                ws, me, file, key, dataset=dataset, partner=partner_id, period=period,
                sheet=sheet,
            )  # fmt: skip
            bar.progress(1.0, text=f"Checked {checked.report.rows:,} rows")
            status.update(label=f"Checked {name}.", state="complete", expanded=False)
    report = checked.report
    if len(checked.sheets) > 1:  # a workbook of several worksheets: which one is the extract
        sheets = list(checked.sheets)
        st.selectbox(
            "Worksheet holding the extract",
            options=sheets,
            index=sheets.index(report.sheet) if report.sheet in sheets else None,
            placeholder="Choose the worksheet",
            key="sheet",
            help="The workbook has several worksheets; the one chosen is checked and loaded.",
        )

    st.header("Report")
    if report.accepted:
        st.success(literal(views.report_headline(report)), icon=":material/check_circle:")
    else:
        st.error(literal(views.report_headline(report)), icon=":material/error:")
    if report.findings:
        show_table(views.findings_table(report))
    if checked.failing_rows is not None and has_failing_rows(report):
        st.download_button(
            "Download the failing rows (CSV)",
            data=audited_file(
                ws, me, checked.failing_rows, partner=partner_id, dataset=dataset, period=period
            ),
            file_name=f"{dataset}_{period}_failing_rows.csv",
            mime="text/csv",
            on_click="ignore",  # no rerun: making the file is the download (audited_file)
        )
    elif not report.accepted:
        st.info(
            f"{NO_FAILING_ROWS}, so there are no failing rows to download. The report above "
            "says what to change in the file.",
            icon=":material/info:",
        )
    if checked.errors_workbook is not None:
        st.download_button(
            "Download your rows with the problems marked (Excel)",
            data=audited_file(
                ws,
                me,
                checked.errors_workbook,
                partner=partner_id,
                dataset=dataset,
                period=period,
                what="errors_workbook.xlsx",
            ),
            file_name=f"{dataset}_{period}_errors.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            help="Your rows as sent, each cell at fault highlighted with a note saying what to "
            "fix, and an Errors sheet listing every problem with a link to its cell.",
        )
    st.download_button(
        "Download the full report (JSON)",
        data=report_json(report),
        file_name=f"{dataset}_{period}_report.json",
        mime="application/json",
        on_click=ws.record_download,
        args=(me, "report.json"),
        kwargs={"partner": partner_id, "dataset": dataset, "detail": {"period": period}},
    )

    if report.accepted:
        confirmed = st.checkbox(
            literal(
                f"I confirm this is {choice.partners[partner_id]}'s {datasets[dataset]} "
                f"extract for {period}, and it should replace any earlier version."
            ),
            key="confirm",
        )
        if st.button("Load into the shared warehouse", type="primary", disabled=not confirmed):
            with st.status(f"Loading {name} into the shared warehouse…") as status:
                result = ws.submit(
                    me,
                    file.path,
                    dataset=dataset,
                    partner=partner_id,
                    period=period,
                    file_name=file.name,
                    sheet=report.sheet,
                )
                status.update(label="Loaded.", state="complete", expanded=False)
            st.session_state["loaded"] = (result.status, result.summary)
            st.session_state.pop("confirm", None)
            uploads.discard()
            st.rerun()
