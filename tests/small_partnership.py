"""A small partnership (three areas, two councils and an NHS body) for definition and outcome
tests: real `Partnership` and `Partner` values, built without a partners.yaml."""

from __future__ import annotations

from shared_outcomes.config.partnership import Partner, Partnership


def partner(
    id: str, name: str, datasets: list[str], deadline_day: int, areas: list[str]
) -> Partner:
    """A partner of the small partnership; the sector only matters for the pages."""
    sector = "nhs" if id.startswith("nhs") else "local_authority"
    return Partner(
        id=id, name=name, sector=sector, datasets=datasets, deadline_day=deadline_day, areas=areas
    )


def partnership(partners: dict[str, Partner], areas: dict[str, str]) -> Partnership:
    return Partnership(name="Small partnership", areas=areas, partners=partners)


AREAS = {"A1": "Area one", "A2": "Area two", "A3": "Area three"}
PARTNERS = {
    "council_a": partner("council_a", "Council A", ["cases"], 10, ["A1"]),
    "council_b": partner("council_b", "Council B", ["cases"], 12, ["A2", "A3"]),
    "nhs": partner("nhs", "NHS", ["admissions"], 15, ["A1", "A2", "A3"]),
}
PARTNERSHIP = partnership(dict(PARTNERS), dict(AREAS))
