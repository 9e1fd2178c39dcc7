"""Standards: every data contract and shared outcome definition, readable by a non-programmer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from app_pages._shell import (
    acting_identity,
    guarded,
    page_header,
    show_refusal,
    show_table,
    workspace,
)
from shared_outcomes.access.roles import Action, decide
from shared_outcomes.errors import SharedOutcomesError
from shared_outcomes.present import contract_changes as changes
from shared_outcomes.present import views
from shared_outcomes.present.views import literal

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.workspace import Workspace


def _assess(ws: Workspace, me: Identity) -> None:
    """For the centre: a proposed contract file's changes and impact, before it is made."""
    st.header("Assess a proposed contract change")
    st.caption(
        "Upload a proposed version of a contract (an .odcs.yaml file): its changes from the "
        "current version, the shared outcomes that read what changes, and every partner's "
        "current submissions of the last 12 months checked again against it. Nothing is stored."
    )
    upload = st.file_uploader("Proposed contract", type=["yaml", "yml"], key="proposed")
    if upload is None:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            with st.status(f"Re-checking the archived submissions against {literal(upload.name)}…"):
                bar = st.progress(0.0)

                def step(done: int, total: int) -> None:
                    bar.progress(done / max(total, 1), text=f"Checked {done} of {total}")

                impact = ws.contract_impact(me, path, progress=step)
        except SharedOutcomesError as error:
            show_refusal(error)
            return
    st.markdown(f"**{literal(changes.diff_heading(impact.diff))}**")
    problem = impact.diff.version_problem()
    if problem:
        st.warning(literal(problem), icon=":material/warning:")
    show_table(changes.changes_table(impact.diff))
    st.subheader("Shared outcomes that read what changes")
    if impact.outcomes:
        show_table(changes.impact_outcomes_table(impact))
    else:
        st.markdown("No shared outcome reads a column that changes.")
    st.subheader("Partners' current submissions, checked again")
    st.markdown(literal(changes.impact_summary(impact)))
    show_table(changes.impact_partners_table(impact))


page_header(
    "Standards",
    "The data contracts partners' extracts are checked against, and the definitions of the "
    "shared outcomes. Both are versioned files, reviewed like code.",
)

with guarded():
    ws = workspace()
    me = acting_identity()
    st.header("Data contracts")
    for dataset, contract in sorted(ws.contracts.items()):
        # A contract's words are configuration, shown as written (`literal`), never as Markdown.
        with st.expander(literal(f"{contract.title} ({dataset}), version {contract.version}")):
            st.markdown(
                f"**Owner:** {literal(contract.owner or 'not stated')}  \n"
                f"**Version:** {literal(contract.version)}  \n"
                f"**Month column:** {literal(contract.period_column or '—')} · "
                f"**Area column:** {literal(contract.area_column or '—')}"
            )
            if contract.description:
                st.markdown(literal(contract.description))
            versions = ws.published_versions(dataset)
            st.markdown(literal(f"Published versions: {', '.join(versions) or 'none yet'}."))
            window = changes.transition_words(contract)
            if window:
                st.info(literal(window), icon=":material/schedule:")
            show_table(views.contract_table(contract))
            exact = views.contract_patterns(contract)
            if exact.height and st.toggle(
                "Show the exact patterns (for the people who build the export)",
                key=f"patterns-{dataset}",
            ):
                show_table(exact)
            st.download_button(
                literal(f"Download a blank template CSV for {contract.title}"),
                data=views.template_csv(contract),
                file_name=f"{dataset}_template.csv",
                mime="text/csv",
                key=f"template-{dataset}",
                on_click=ws.record_download,
                args=(me, f"{dataset}_template.csv"),
                kwargs={"dataset": dataset},
            )

            for step in ws.contract_changelog(dataset):
                st.markdown(f"**{literal(changes.diff_heading(step))}**")
                show_table(changes.changes_table(step))

    if decide(me, Action.ASSESS_CONTRACT_CHANGE).allowed:
        _assess(ws, me)

    st.header("Shared outcome definitions")
    for definition in views.sorted_definitions(ws.definitions):
        with st.expander(literal(f"{definition.title} ({definition.id})")):
            st.markdown(views.describe_definition(definition, ws.partnership))
