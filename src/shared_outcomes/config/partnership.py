"""The partnership: `partners.yaml` read into typed partners, each resolved against the contracts.

Two stages, as for outcome definitions: the file as written is checked by pydantic models with
`extra="forbid"` (a misspelt key is an error, never a silently ignored line), then resolved:
every dataset a partner submits must have a contract, every area a partner covers must be one of
the partnership's areas, and partner ids must be unique. Whatever is wrong raises one
`DefinitionError` that names the file, the place in it and what was expected, with a "did you
mean" where a name is close. Only the dataset ids of the contracts are needed, so the function
accepts any mapping keyed by dataset id.

**Reminders.** A partner's `contacts` are the e-mail addresses its reminders go to (none: it
gets none, and `shared-outcomes remind` warns); the optional top-level `reminders` section
sets when the "due soon" reminder goes (`due_soon_days` before the due date; default
`figures.obligations.DUE_SOON_DAYS`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import AfterValidator, Field

from shared_outcomes.config.problems import StrictModel, did_you_mean, explain, field_names
from shared_outcomes.config.yaml_files import read_yaml_mapping
from shared_outcomes.errors import ConfigError, DefinitionError
from shared_outcomes.period import Period

Sector = Literal[
    "local_authority",
    "nhs",
    "police",
    "fire_and_rescue",
    "central_government",
    "combined_authority",
    "voluntary_sector",
    "housing_association",
]

#: ONS codes of English, Welsh, Scottish and Northern Irish local authority districts.
AREA_CODE_PATTERN = r"^[ENSW][0-9]{8}$"

#: An e-mail address as a contact is written: a plain `local@domain` (no display name, no
#: spaces, no quoting), the domain of dot-separated labels. Strict on purpose: an address goes
#: into a message header, so nothing that could break one gets through.
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def _email_address(text: str) -> str:
    if len(text) > 254 or not EMAIL_PATTERN.fullmatch(text):
        raise ValueError(
            "this is not an e-mail address: write one plain address, like "
            "returns@council.example (no name, no spaces)"
        )
    return text


EmailAddress = Annotated[str, AfterValidator(_email_address)]


class ReminderSettings(StrictModel):
    """`reminders:` in partners.yaml: when the reminders go (see `jobs.reminders`)."""

    #: Days before its due date from which a return not yet received is reminded as "due soon"
    #: (None: `figures.obligations.DUE_SOON_DAYS`).
    due_soon_days: int | None = Field(default=None, ge=1, le=28)


class Partner(StrictModel):
    """One partner: who it is, which datasets it submits, for which areas, by which day."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    name: str = Field(min_length=2, max_length=120)
    sector: Sector
    description: str | None = None
    datasets: list[str] = Field(min_length=1)
    #: Day of the following month by which the extract for a month is due (28 at the latest, so
    #: that every month has it).
    deadline_day: int = Field(ge=1, le=28)
    areas: list[str] = Field(min_length=1)
    #: Who gets its reminders: e-mail addresses (none: no reminders, and a warning).
    contacts: list[EmailAddress] = Field(default_factory=list)

    def due_date(self, period: str) -> date:
        """The day the extract for `period` (YYYY-MM) is due: `deadline_day` of the next month."""
        return Period.parse(period).due_date(self.deadline_day)

    def submits(self, dataset: str, area: str | None = None) -> bool:
        """True when this partner submits `dataset` (for `area`, when one is given)."""
        return dataset in self.datasets and (area is None or area in self.areas)


class PartnershipFile(StrictModel):
    """`partners.yaml` exactly as written."""

    name: str = Field(min_length=2)
    description: str | None = None
    areas: dict[str, str] = Field(min_length=1)
    partners: list[Partner] = Field(min_length=1)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)


class Partnership(StrictModel):
    """The resolved partnership: its areas (ONS code -> name) and partners (id -> partner)."""

    name: str
    description: str | None = None
    areas: dict[str, str]
    partners: dict[str, Partner]
    path: Path | None = None
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)

    def submitters(self, dataset: str, area: str | None = None) -> list[str]:
        """Ids of the partners that submit `dataset` (for `area`, when given), in file order."""
        return [p.id for p in self.partners.values() if p.submits(dataset, area)]

    def datasets(self) -> list[str]:
        """Every dataset some partner submits, in first-mentioned order."""
        seen: dict[str, None] = {}
        for partner in self.partners.values():
            seen.update(dict.fromkeys(partner.datasets))
        return list(seen)


def load_partnership(path: Path, contracts: Mapping[str, object]) -> Partnership:
    """Read `partners.yaml` and resolve it against the contracts (a mapping keyed by dataset id).

    Raises `DefinitionError` naming the file and the place for anything that cannot be used.
    """
    raw = _read_yaml(path)
    try:
        written = PartnershipFile.model_validate(raw)
    except pydantic.ValidationError as failure:
        raise _explain(failure, path, raw) from None
    return _resolve(written, path, list(contracts))


def _read_yaml(path: Path) -> Any:
    return read_yaml_mapping(
        path,
        DefinitionError,
        expected="a mapping with `name`, `areas` and `partners`",
        missing="the partners file does not exist; create it (see docs/architecture.md).",
    )


def _resolve(written: PartnershipFile, path: Path, datasets: list[str]) -> Partnership:
    for code in written.areas:
        if not re.fullmatch(AREA_CODE_PATTERN, code):
            raise DefinitionError(
                f"{code!r} is not an ONS area code (a letter and eight digits, like E08000001).",
                path=path,
                place=f"areas.{code}",
            )
    partners: dict[str, Partner] = {}
    for i, partner in enumerate(written.partners):
        where = f"partners[{i}] ({partner.id})"
        if partner.id in partners:
            raise DefinitionError(
                f"the partner id {partner.id!r} is used twice; each partner needs its own id.",
                path=path,
                place=f"{where}.id",
            )
        _check_names(partner.datasets, datasets, "dataset", path, f"{where}.datasets", "contract")
        _check_names(partner.areas, list(written.areas), "area", path, f"{where}.areas", "area")
        _check_contacts(partner.contacts, path, f"{where}.contacts")
        partners[partner.id] = partner
    return Partnership(
        name=written.name,
        description=written.description,
        areas=dict(written.areas),
        partners=partners,
        path=path,
        reminders=written.reminders,
    )


def _check_contacts(contacts: Sequence[str], path: Path, place: str) -> None:
    seen: set[str] = set()
    for j, address in enumerate(contacts):
        if address.lower() in seen:
            raise DefinitionError(
                f"the contact {address!r} is listed twice.", path=path, place=f"{place}[{j}]"
            )
        seen.add(address.lower())


def _check_names(
    names: Sequence[str], known: Sequence[str], noun: str, path: Path, place: str, what: str
) -> None:
    seen: set[str] = set()
    for j, name in enumerate(names):
        if name in seen:
            raise DefinitionError(
                f"the {noun} {name!r} is listed twice.", path=path, place=f"{place}[{j}]"
            )
        seen.add(name)
        if name not in known:
            where = "with a contract in data_contracts/" if what == "contract" else "under `areas`"
            raise DefinitionError(
                f"there is no {noun} {name!r} {where}." + did_you_mean(name, known),
                path=path,
                place=f"{place}[{j}]",
            )


def _explain(failure: pydantic.ValidationError, path: Path, raw: Any) -> ConfigError:
    def known(loc: Sequence[Any]) -> list[str]:
        if list(loc[:1]) == ["reminders"]:
            return field_names(ReminderSettings)
        return field_names(Partner if list(loc[:1]) == ["partners"] else PartnershipFile)

    def label(depth: int, index: int) -> str | None:
        return _partner_id(raw, index) if depth == 1 else None

    return explain(failure, path, error=DefinitionError, known_keys=known, label=label)


def _partner_id(raw: Any, index: int) -> str | None:
    partners = raw.get("partners") if isinstance(raw, dict) else None
    if isinstance(partners, list) and 0 <= index < len(partners):
        entry = partners[index]
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            return str(entry["id"])
    return None
