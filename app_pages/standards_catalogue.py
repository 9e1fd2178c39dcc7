"""Standards: every data contract and shared outcome definition, readable by a non-programmer."""

from __future__ import annotations

import streamlit as st

from app_pages._shell import acting_identity, guarded, page_header, show_table, workspace
from shared_outcomes.present import views
from shared_outcomes.present.views import literal

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

    st.header("Shared outcome definitions")
    for definition in views.sorted_definitions(ws.definitions):
        with st.expander(literal(f"{definition.title} ({definition.id})")):
            st.markdown(views.describe_definition(definition, ws.partnership))
