"""Data sharing agreements: `data_contracts/agreements.yaml`, who shares what with whom, for which
purposes, on which lawful basis, kept for how long (the ICO's data sharing code).

Each agreement names its parties (partner ids, each a controller, joint controller or
processor, with its lawful basis under UK GDPR Article 6 from a controlled list and its legal
gateway in words), its purposes, the datasets it covers (each with the columns shared, or all of
them, and a retention period in months), and its start, review and end dates.

Read in two stages like the other configuration files: the file as written is checked by strict
pydantic models (a misspelt key is an error), then resolved against the partnership and the
contracts: unknown partners, datasets or columns, dates out of order, and two agreements that
cover the same partner and dataset on the same days but disagree on retention are each one
`DefinitionError` naming the file and the place.

What is enforced (`Workspace`): a partner may submit a dataset only while an agreement in force
covers it for that partner and dataset (`covering`); a column the agreement does not cover is
an error finding (data minimisation). Without the file, nothing is enforced and the product
says so on the Standards page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import Field

from shared_outcomes.config.problems import StrictModel, did_you_mean, explain, field_names
from shared_outcomes.config.yaml_files import read_yaml_mapping
from shared_outcomes.errors import ConfigError, DefinitionError
from shared_outcomes.period import Period

AGREEMENTS_FILE = "agreements.yaml"

PartyRole = Literal["controller", "joint_controller", "processor"]

#: The lawful bases of UK GDPR Article 6(1), as written in the file, and in words.
LAWFUL_BASES: dict[str, str] = {
    "consent": "consent (Article 6(1)(a))",
    "contract": "contract (Article 6(1)(b))",
    "legal_obligation": "legal obligation (Article 6(1)(c))",
    "vital_interests": "vital interests (Article 6(1)(d))",
    "public_task": "public task (Article 6(1)(e))",
    "legitimate_interests": "legitimate interests (Article 6(1)(f))",
}
LawfulBasis = Literal[
    "consent", "contract", "legal_obligation", "vital_interests", "public_task",
    "legitimate_interests",
]  # fmt: skip


class PartyFile(StrictModel):
    partner: str
    role: PartyRole
    lawful_basis: LawfulBasis
    #: The legal gateway in words, e.g. "Homelessness Reduction Act 2017, s.213B (duty to refer)".
    legal_gateway: str = Field(min_length=3)


class CoveredDatasetFile(StrictModel):
    dataset: str
    #: The columns shared; "all" for every column of the contract.
    columns: list[str] | Literal["all"]
    retention_months: int = Field(ge=1, le=1200)


class AgreementFile(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=3)
    parties: list[PartyFile] = Field(min_length=1)
    purposes: list[str] = Field(min_length=1)
    datasets: list[CoveredDatasetFile] = Field(min_length=1)
    start: date
    review: date
    end: date


class AgreementsFile(StrictModel):
    agreements: list[AgreementFile]


@dataclass(frozen=True)
class Party:
    partner: str
    role: PartyRole
    lawful_basis: LawfulBasis
    legal_gateway: str

    @property
    def basis_words(self) -> str:
        return LAWFUL_BASES[self.lawful_basis]


@dataclass(frozen=True)
class CoveredDataset:
    dataset: str
    columns: tuple[str, ...]  # every column shared (a file's "all" resolved)
    retention_months: int

    def kept_until(self, period: str) -> date:
        """The first day past retention of data about `period` ('YYYY-MM'), kept
        `retention_months` after the end of that month (March 2016 under 120 months: 1 April
        2026)."""
        return Period.parse(period).shifted(self.retention_months + 1).first_day


@dataclass(frozen=True)
class Agreement:
    id: str
    title: str
    parties: tuple[Party, ...]
    purposes: tuple[str, ...]
    datasets: tuple[CoveredDataset, ...]
    start: date
    review: date
    end: date

    def in_force(self, day: date) -> bool:
        return self.start <= day <= self.end

    def party(self, partner: str) -> Party | None:
        return next((p for p in self.parties if p.partner == partner), None)

    def covered(self, dataset: str) -> CoveredDataset | None:
        return next((d for d in self.datasets if d.dataset == dataset), None)


@dataclass(frozen=True)
class Agreements:
    """The partnership's agreements (none when the file is absent: `enforced` is then False)."""

    agreements: tuple[Agreement, ...]
    enforced: bool
    path: Path | None = None

    def covering(self, partner: str, dataset: str, day: date) -> Agreement | None:
        """The agreement in force on `day` under which `partner` shares `dataset`, else None."""
        for agreement in self.agreements:
            if agreement.in_force(day) and agreement.party(partner) and agreement.covered(dataset):
                return agreement
        return None

    def refusal(self, partner: str, partner_name: str, dataset: str, day: date) -> str | None:
        """Why `partner` may not share `dataset` on `day` (no agreement in force covers it),
        naming what is missing; None when one does, or nothing is enforced."""
        if not self.enforced or self.covering(partner, dataset, day) is not None:
            return None
        ended = [
            a for a in self.agreements if a.party(partner) and a.covered(dataset) and a.end < day
        ]
        if ended:
            last = max(ended, key=lambda a: a.end)
            return (
                f"the data sharing agreement {last.id!r} ({last.title}) under which "
                f"{partner_name} shared {dataset} ended on {last.end:%d %B %Y}, so it can no "
                "longer be accepted. Ask the centre to renew or extend the agreement."
            )
        later = [
            a for a in self.agreements if a.party(partner) and a.covered(dataset) and a.start > day
        ]
        if later:
            first = min(later, key=lambda a: a.start)
            return (
                f"the data sharing agreement {first.id!r} covering {dataset} for {partner_name} "
                f"starts on {first.start:%d %B %Y}; nothing can be accepted before then."
            )
        return (
            f"no data sharing agreement covers {partner_name} sharing {dataset}: the "
            f"partnership's agreements ({AGREEMENTS_FILE}) must name {partner_name} as a party "
            f"and {dataset} among the datasets before its extracts can be accepted. Ask the "
            "centre's information governance lead."
        )

    def uncovered_columns(
        self, partner: str, dataset: str, day: date, columns: Sequence[str]
    ) -> list[str]:
        """The `columns` the covering agreement does not share (data minimisation)."""
        agreement = self.covering(partner, dataset, day) if self.enforced else None
        covered = agreement.covered(dataset) if agreement else None
        if covered is None:
            return []
        return [c for c in columns if c not in covered.columns]

    def due_for_review(self, day: date, within_days: int = 60) -> list[Agreement]:
        """The agreements in force whose review date falls within `within_days` of `day`."""
        return sorted(
            (
                a
                for a in self.agreements
                if a.in_force(day) and 0 <= (a.review - day).days <= within_days
            ),
            key=lambda a: a.review,
        )


def no_agreements() -> Agreements:
    return Agreements((), enforced=False)


def load_agreements(
    path: Path, partners: Sequence[str], contracts: Mapping[str, Sequence[str]]
) -> Agreements:
    """Read `agreements.yaml` and resolve it against the partner ids and each dataset's
    columns (`contracts`: dataset id -> column names); absent, nothing is enforced."""
    if not path.is_file():
        return no_agreements()
    raw = read_yaml_mapping(
        path, DefinitionError, expected="a mapping with `agreements`, a list of agreements"
    )
    try:
        written = AgreementsFile.model_validate(raw)
    except pydantic.ValidationError as failure:
        raise _explain(failure, path) from None
    resolved = tuple(
        _resolve(a, i, path, partners, contracts) for i, a in enumerate(written.agreements)
    )
    _check_ids_and_overlaps(resolved, path)
    return Agreements(resolved, enforced=True, path=path)


def _resolve(
    written: AgreementFile,
    index: int,
    path: Path,
    partners: Sequence[str],
    contracts: Mapping[str, Sequence[str]],
) -> Agreement:
    where = f"agreements[{index}] ({written.id})"

    def fail(message: str, place: str) -> DefinitionError:
        return DefinitionError(message, path=path, place=f"{where}.{place}")

    if not written.start <= written.review <= written.end:
        raise fail(
            f"the dates are out of order: start {written.start}, review {written.review}, end "
            f"{written.end}; the review falls between the start and the end.",
            "start",
        )
    seen: set[str] = set()
    for j, party in enumerate(written.parties):
        if party.partner not in partners:
            raise fail(
                f"there is no partner {party.partner!r} in partners.yaml."
                + did_you_mean(party.partner, partners),
                f"parties[{j}].partner",
            )
        if party.partner in seen:
            raise fail(f"the partner {party.partner!r} is a party twice.", f"parties[{j}]")
        seen.add(party.partner)
    datasets = []
    for j, covered in enumerate(written.datasets):
        if covered.dataset not in contracts:
            raise fail(
                f"there is no contract for the dataset {covered.dataset!r}."
                + did_you_mean(covered.dataset, list(contracts)),
                f"datasets[{j}].dataset",
            )
        known = list(contracts[covered.dataset])
        columns = known if covered.columns == "all" else covered.columns
        for k, column in enumerate(columns):
            if column not in known:
                raise fail(
                    f"the {covered.dataset} contract has no column {column!r}."
                    + did_you_mean(column, known),
                    f"datasets[{j}].columns[{k}]",
                )
        datasets.append(CoveredDataset(covered.dataset, tuple(columns), covered.retention_months))
    parties = tuple(
        Party(p.partner, p.role, p.lawful_basis, p.legal_gateway) for p in written.parties
    )
    return Agreement(
        written.id, written.title, parties, tuple(written.purposes), tuple(datasets),
        written.start, written.review, written.end,
    )  # fmt: skip


def _check_ids_and_overlaps(agreements: Sequence[Agreement], path: Path) -> None:
    ids: set[str] = set()
    for a in agreements:
        if a.id in ids:
            raise DefinitionError(f"the agreement id {a.id!r} is used twice.", path=path)
        ids.add(a.id)
    for i, a in enumerate(agreements):
        for b in agreements[i + 1 :]:
            if a.end < b.start or b.end < a.start:
                continue
            for covered in a.datasets:
                other = b.covered(covered.dataset)
                shared = {p.partner for p in a.parties} & {p.partner for p in b.parties}
                if other and shared and other.retention_months != covered.retention_months:
                    raise DefinitionError(
                        f"the agreements {a.id!r} and {b.id!r} both cover {covered.dataset} for "
                        f"{', '.join(sorted(shared))} over the same days but keep it for "
                        f"{covered.retention_months} and {other.retention_months} months: "
                        "agree one retention period.",
                        path=path,
                    )


def _explain(failure: pydantic.ValidationError, path: Path) -> ConfigError:
    def known(loc: Sequence[Any]) -> list[str]:
        names = [str(part) for part in loc if isinstance(part, str)]
        if "parties" in names:
            return field_names(PartyFile)
        if "datasets" in names:
            return field_names(CoveredDatasetFile)
        return field_names(AgreementFile if names[:1] == ["agreements"] else AgreementsFile)

    return explain(failure, path, error=DefinitionError, known_keys=known)
