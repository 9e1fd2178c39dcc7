"""A small stand-in partnership (three areas, two councils and an NHS body) for definition and
outcome tests, so they need no partners.yaml (definitions only rely on its structure)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    datasets: list[str]
    deadline_day: int = 10
    areas: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Partnership:
    partners: dict[str, Partner]
    areas: dict[str, str]


AREAS = {"A1": "Area one", "A2": "Area two", "A3": "Area three"}
PARTNERS = {
    "council_a": Partner("council_a", "Council A", ["cases"], 10, ["A1"]),
    "council_b": Partner("council_b", "Council B", ["cases"], 12, ["A2", "A3"]),
    "nhs": Partner("nhs", "NHS", ["admissions"], 15, ["A1", "A2", "A3"]),
}
PARTNERSHIP = Partnership(partners=dict(PARTNERS), areas=dict(AREAS))
