"""Standards: every data contract and shared outcome definition, readable by a non-programmer."""

from __future__ import annotations

import streamlit as st

from app_pages._shell import acting_identity, guarded, page_header, workspace
from shared_outcomes import views

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
        with st.expander(f"{contract.title} ({dataset}), version {contract.version}"):
            st.markdown(
                f"**Owner:** {contract.owner or 'not stated'}  \n"
                f"**Version:** {contract.version}  \n"
                f"**Month column:** {contract.period_column or '—'} · "
                f"**Area column:** {contract.area_column or '—'}"
            )
            if contract.description:
                st.write(contract.description)
            st.table(views.contract_table(contract), hide_index=True)
            st.download_button(
                f"Download a blank template CSV for {contract.title}",
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
        with st.expander(f"{definition.title} ({definition.id})"):
            st.markdown(views.describe_definition(definition, ws.partnership))
