"""Contract changes: each kind of change between two versions of a contract is found, classified
(breaking or not, the version bump it needs) and worded; the new version number is checked."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared_outcomes.config.contract_changes import (
    Change,
    ContractDiff,
    bump_between,
    diff_contracts,
    next_version,
)
from shared_outcomes.config.contracts import Contract, load_contract
from shared_outcomes.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "data_contracts"
SOURCE = CONTRACTS / "homelessness_cases.odcs.yaml"

Doc = dict[str, Any]
Edit = Callable[[Doc], None]


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contract_changes")


@pytest.fixture(scope="module")
def original() -> Doc:
    loaded: Doc = yaml.safe_load(SOURCE.read_text())
    return loaded


@pytest.fixture(scope="module")
def base(folders: Path, original: Doc) -> Contract:
    """The real homelessness_cases contract, version 1.0.0, loaded from a copy."""
    return write(folders / "base", original)


def write(folder: Path, doc: Doc) -> Contract:
    """`doc` written as folder/homelessness_cases.odcs.yaml, reference tables beside it, loaded."""
    folder.mkdir(parents=True)
    shutil.copytree(CONTRACTS / "reference", folder / "reference")
    path = folder / "homelessness_cases.odcs.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_contract(path)


def edited(original: Doc, *edits: Edit, version: str | None = None) -> Doc:
    doc = copy.deepcopy(original)
    for edit in edits:
        edit(doc)
    if version is not None:
        doc["version"] = version
    return doc


def prop(doc: Doc, name: str) -> Doc:
    found: Doc = next(p for p in doc["schema"][0]["properties"] if p["name"] == name)
    return found


def options(doc: Doc, name: str) -> Doc:
    opts: Doc = prop(doc, name).setdefault("logicalTypeOptions", {})
    return opts


def custom(doc: Doc, key: str) -> Doc:
    found: Doc = next(p for p in doc["customProperties"] if p["property"] == key)
    return found


# --- edits, each one kind of change -------------------------------------------------------------


def set_prop(column: str, **values: Any) -> Edit:
    def edit(doc: Doc) -> None:
        prop(doc, column).update(values)

    return edit


def drop_prop_key(name: str, key: str) -> Edit:
    def edit(doc: Doc) -> None:
        del prop(doc, name)[key]

    return edit


def set_option(column: str, **values: Any) -> Edit:
    def edit(doc: Doc) -> None:
        options(doc, column).update(values)

    return edit


def drop_option(name: str, key: str) -> Edit:
    def edit(doc: Doc) -> None:
        del options(doc, name)[key]

    return edit


def remove_column(name: str) -> Edit:
    def edit(doc: Doc) -> None:
        doc["schema"][0]["properties"].remove(prop(doc, name))

    return edit


def add_column(name: str, *, required: bool) -> Edit:
    def edit(doc: Doc) -> None:
        doc["schema"][0]["properties"].append(
            {"name": name, "logicalType": "string", "required": required}
        )

    return edit


def drop_allowed(name: str, value: str) -> Edit:
    def edit(doc: Doc) -> None:
        prop(doc, name)["enum"] = [e for e in prop(doc, name)["enum"] if e["value"] != value]

    return edit


def add_allowed(name: str, value: str) -> Edit:
    def edit(doc: Doc) -> None:
        prop(doc, name)["enum"].append({"value": value})

    return edit


def set_custom(key: str, value: Any) -> Edit:
    def edit(doc: Doc) -> None:
        custom(doc, key)["value"] = value

    return edit


def drop_custom(key: str) -> Edit:
    def edit(doc: Doc) -> None:
        doc["customProperties"].remove(custom(doc, key))

    return edit


def set_key(*names: str) -> Edit:
    def edit(doc: Doc) -> None:
        for position, name in enumerate(names, start=1):
            prop(doc, name).update(primaryKey=True, primaryKeyPosition=position)

    return edit


def set_top(**values: Any) -> Edit:
    def edit(doc: Doc) -> None:
        doc.update(values)

    return edit


def set_purpose(text: str) -> Edit:
    def edit(doc: Doc) -> None:
        doc["description"]["purpose"] = text

    return edit


def rename_schema(name: str) -> Edit:
    def edit(doc: Doc) -> None:
        doc["schema"][0]["name"] = name

    return edit


def as_number(name: str) -> Edit:
    return set_prop(name, logicalType="number")


TO_HOUSEHOLDS = [{"type": "foreignKey", "to": "households_by_district.area_code"}]

# (code, column, breaking, bump, edits of the old version, of the new version, values): each
# version is the real contract with its edits.
KINDS: list[tuple[str, str | None, bool, str, list[Edit], list[Edit], tuple[str, ...]]] = [
    # breaking
    ("column-removed", "outcome_date", True, "major", [], [remove_column("outcome_date")], ()),
    (
        "required-column-added",
        "referral",
        True,
        "major",
        [],
        [add_column("referral", required=True)],
        (),
    ),
    ("type-changed", "applicant_age", True, "major", [as_number("applicant_age")], [], ()),
    (
        "type-changed",
        "outcome_date",
        True,
        "major",
        [],
        [
            set_prop("outcome_date", logicalType="string"),
            drop_prop_key("outcome_date", "logicalTypeOptions"),
        ],
        (),
    ),
    (
        "column-made-required",
        "outcome",
        True,
        "major",
        [],
        [set_prop("outcome", required=True)],
        (),
    ),
    (
        "column-made-unique",
        "area_code",
        True,
        "major",
        [],
        [set_prop("area_code", unique=True)],
        (),
    ),
    (
        "allowed-value-removed",
        "household_type",
        True,
        "major",
        [],
        [drop_allowed("household_type", "other")],
        ("other",),
    ),
    (
        "allowed-values-introduced",
        "month",
        True,
        "major",
        [],
        [set_prop("month", enum=[{"value": "2016-03"}])],
        ("2016-03",),
    ),
    (
        "pattern-added",
        "approach_type",
        True,
        "major",
        [],
        [set_option("approach_type", pattern="^[a-z_]+$")],
        (),
    ),
    (
        "pattern-changed",
        "case_id",
        True,
        "major",
        [],
        [set_option("case_id", pattern="^[A-Z]{3}-[0-9A-F]{12}$")],
        (),
    ),
    (
        "pattern-changed",
        "case_id",
        True,
        "major",
        [],
        [set_option("case_id", pattern="^[A-Z]{3}-[0-9A-F]{8,12}$")],
        (),
    ),
    (
        "minimum-raised",
        "applicant_age",
        True,
        "major",
        [],
        [set_option("applicant_age", minimum=18)],
        (),
    ),
    (
        "maximum-lowered",
        "applicant_age",
        True,
        "major",
        [],
        [set_option("applicant_age", maximum=100)],
        (),
    ),
    (
        "minimum-added",
        "approach_date",
        True,
        "major",
        [],
        [set_option("approach_date", minimum="2010-01-01")],
        (),
    ),
    (
        "maximum-added",
        "approach_date",
        True,
        "major",
        [],
        [set_option("approach_date", maximum="2030-12-31")],
        (),
    ),
    ("min-length-added", "case_id", True, "major", [], [set_option("case_id", minLength=14)], ()),
    (
        "min-length-raised",
        "case_id",
        True,
        "major",
        [set_option("case_id", minLength=10)],
        [set_option("case_id", minLength=14)],
        (),
    ),
    ("max-length-added", "case_id", True, "major", [], [set_option("case_id", maxLength=20)], ()),
    (
        "max-length-lowered",
        "case_id",
        True,
        "major",
        [set_option("case_id", maxLength=30)],
        [set_option("case_id", maxLength=20)],
        (),
    ),
    (
        "date-format-changed",
        "approach_date",
        True,
        "major",
        [],
        [set_option("approach_date", format="yyyy-MM-dd")],
        (),
    ),
    (
        "reference-added",
        "area_code",
        True,
        "major",
        [drop_prop_key("area_code", "relationships")],
        [],
        (),
    ),
    (
        "reference-changed",
        "area_code",
        True,
        "major",
        [],
        [set_prop("area_code", relationships=TO_HOUSEHOLDS)],
        (),
    ),
    ("primary-key-changed", None, True, "major", [], [set_key("case_id")], ("case_id",)),
    (
        "primary-key-changed",
        None,
        True,
        "major",
        [set_key("month", "case_id")],
        [set_key("case_id", "month")],
        ("case_id", "month"),
    ),
    ("primary-key-changed", None, True, "major", [set_key("month", "case_id")], [], ()),
    (
        "period-column-changed",
        None,
        True,
        "major",
        [],
        [set_custom("periodColumn", "approach_date")],
        (),
    ),
    ("area-column-changed", None, True, "major", [], [drop_custom("areaColumn")], ()),
    (
        "null-marker-removed",
        None,
        True,
        "major",
        [],
        [set_custom("nullMarkers", ["", "NULL", "N/A", "n/a", "NA"])],
        ("-",),
    ),
    # loosening or adding, never breaking
    (
        "optional-column-added",
        "referral",
        False,
        "minor",
        [],
        [add_column("referral", required=False)],
        (),
    ),
    ("type-widened", "applicant_age", False, "minor", [], [as_number("applicant_age")], ()),
    ("column-made-optional", "month", False, "minor", [], [set_prop("month", required=False)], ()),
    (
        "column-no-longer-unique",
        "case_id",
        False,
        "minor",
        [],
        [set_prop("case_id", unique=False)],
        (),
    ),
    (
        "allowed-value-added",
        "outcome",
        False,
        "minor",
        [],
        [add_allowed("outcome", "referred"), add_allowed("outcome", "died")],
        ("referred", "died"),
    ),
    (
        "allowed-values-lifted",
        "case_status",
        False,
        "minor",
        [],
        [drop_prop_key("case_status", "enum")],
        ("open", "closed"),
    ),
    ("pattern-removed", "month", False, "minor", [], [drop_option("month", "pattern")], ()),
    (
        "minimum-lowered",
        "applicant_age",
        False,
        "minor",
        [],
        [set_option("applicant_age", minimum=14)],
        (),
    ),
    (
        "minimum-removed",
        "applicant_age",
        False,
        "minor",
        [],
        [drop_option("applicant_age", "minimum")],
        (),
    ),
    (
        "maximum-raised",
        "applicant_age",
        False,
        "minor",
        [],
        [set_option("applicant_age", maximum=120)],
        (),
    ),
    (
        "maximum-removed",
        "applicant_age",
        False,
        "minor",
        [],
        [drop_option("applicant_age", "maximum")],
        (),
    ),
    (
        "min-length-lowered",
        "case_id",
        False,
        "minor",
        [set_option("case_id", minLength=14)],
        [set_option("case_id", minLength=10)],
        (),
    ),
    (
        "min-length-removed",
        "case_id",
        False,
        "minor",
        [set_option("case_id", minLength=14)],
        [],
        (),
    ),
    (
        "max-length-raised",
        "case_id",
        False,
        "minor",
        [set_option("case_id", maxLength=20)],
        [set_option("case_id", maxLength=30)],
        (),
    ),
    (
        "max-length-removed",
        "case_id",
        False,
        "minor",
        [set_option("case_id", maxLength=20)],
        [],
        (),
    ),
    (
        "reference-removed",
        "area_code",
        False,
        "minor",
        [],
        [drop_prop_key("area_code", "relationships")],
        (),
    ),
    (
        "null-marker-added",
        None,
        False,
        "minor",
        [],
        [set_custom("nullMarkers", ["", "NULL", "N/A", "n/a", "NA", "-", "unknown"])],
        ("unknown",),
    ),
    # wording only
    ("title-changed", None, False, "patch", [], [set_top(name="Homelessness cases")], ()),
    (
        "description-changed",
        None,
        False,
        "patch",
        [],
        [set_purpose("Every case, one row each.")],
        (),
    ),
    (
        "owner-changed",
        None,
        False,
        "patch",
        [],
        [set_custom("owner", "Housing options leads")],
        (),
    ),
    ("schema-name-changed", None, False, "patch", [], [rename_schema("cases")], ()),
    (
        "column-title-changed",
        "applicant_age",
        False,
        "patch",
        [],
        [set_prop("applicant_age", businessName="Age")],
        (),
    ),
    (
        "column-title-changed",
        "applicant_age",
        False,
        "patch",
        [],
        [drop_prop_key("applicant_age", "businessName")],
        (),
    ),
    (
        "column-description-changed",
        "household_type",
        False,
        "patch",
        [],
        [set_prop("household_type", description="Who is in the household.")],
        (),
    ),
    (
        "column-example-changed",
        "case_id",
        False,
        "patch",
        [],
        [set_prop("case_id", examples=["MAN-0123456789"])],
        (),
    ),
]


@pytest.mark.parametrize(
    ("code", "column", "breaking", "bump", "old_edits", "new_edits", "values"),
    KINDS,
    ids=[f"{k[0]}-{i}" for i, k in enumerate(KINDS)],
)
def test_each_kind_of_change_is_found_and_classified(
    tmp_path: Path,
    original: Doc,
    code: str,
    column: str | None,
    breaking: bool,
    bump: str,
    old_edits: list[Edit],
    new_edits: list[Edit],
    values: tuple[str, ...],
) -> None:
    old = write(tmp_path / "old", edited(original, *old_edits))
    new = write(tmp_path / "new", edited(original, *new_edits, version="9.0.0"))
    diff = diff_contracts(old, new)
    assert [(c.code, c.column, c.breaking, c.bump, c.values) for c in diff.changes] == [
        (code, column, breaking, bump, values)
    ]
    words = diff.changes[0].words
    assert words[0].isupper() and words.endswith(".") and "\n" not in words
    if column is not None:
        assert column in words
    assert diff.needed_bump == bump
    assert diff.breaking == (diff.changes if breaking else ())
    assert diff.changed_columns == (frozenset() if column is None else {column})


def test_narrowing_duty_type_is_breaking_and_needs_a_major_version(
    tmp_path: Path, original: Doc, base: Contract
) -> None:
    assert {"prevention", "relief", "main_duty"} == set(
        base.column("duty_type").allowed_values or ()
    )
    doc = edited(original, drop_allowed("duty_type", "relief"), version="1.1.0")
    new = write(tmp_path / "new", doc)
    diff = diff_contracts(base, new)
    assert diff.changes == (
        Change(
            code="allowed-value-removed",
            column="duty_type",
            breaking=True,
            bump="major",
            words="The column duty_type no longer allows 'relief'.",
            values=("relief",),
        ),
    )
    assert diff.needed_bump == "major"
    assert diff.version_problem() == (
        "homelessness_cases 1.1.0 narrows duty_type (a breaking change), so it needs a new major "
        "version: 2.0.0."
    )
    assert dataclasses.replace(diff, new_version="2.0.0").version_problem() is None


def test_a_description_change_is_a_patch(tmp_path: Path, original: Doc, base: Contract) -> None:
    doc = edited(original, set_prop("duty_type", description="The duty owed at month end."))
    diff = diff_contracts(base, write(tmp_path / "new", edited(doc, version="1.0.1")))
    assert [c.code for c in diff.changes] == ["column-description-changed"]
    assert (diff.needed_bump, diff.breaking, diff.version_problem()) == ("patch", (), None)
    same = diff_contracts(base, write(tmp_path / "same", doc))
    assert same.version_problem() == (
        "homelessness_cases keeps version 1.0.0 but rewords duty_type (a wording change), so it "
        "needs a new patch version: 1.0.1."
    )


def test_an_optional_column_added_is_minor(tmp_path: Path, original: Doc, base: Contract) -> None:
    doc = edited(original, add_column("referral", required=False))
    diff = diff_contracts(base, write(tmp_path / "minor", edited(doc, version="1.1.0")))
    assert [(c.code, c.column, c.breaking) for c in diff.changes] == [
        ("optional-column-added", "referral", False)
    ]
    assert (diff.needed_bump, diff.version_problem()) == ("minor", None)
    assert diff.changes[0].words == (
        "The new column referral (text) is optional: extracts without it still pass."
    )
    patch = diff_contracts(base, write(tmp_path / "patch", edited(doc, version="1.0.1")))
    assert patch.version_problem() == (
        "homelessness_cases 1.0.1 adds the optional column referral (a change that breaks "
        "nothing), so it needs a new minor version: 1.1.0."
    )
    major = diff_contracts(base, write(tmp_path / "major", edited(doc, version="2.0.0")))
    assert major.version_problem() is None  # more than needed is allowed


def diff_of(changes: tuple[Change, ...], old: str, new: str) -> ContractDiff:
    return ContractDiff("homelessness_cases", old, new, changes)


BREAKING = Change("column-removed", "outcome", True, "major", "The column outcome was removed.")
MINOR = Change("type-widened", "applicant_age", False, "minor", "Any number.")
WORDING = Change("title-changed", None, False, "patch", "The contract's name changed.")


@pytest.mark.parametrize(
    ("changes", "old", "new", "problem"),
    [
        ((BREAKING,), "1.0.0", "2.0.0", None),
        ((BREAKING,), "1.4.2", "3.0.0", None),
        ((MINOR, WORDING), "1.4.2", "1.5.0", None),
        ((WORDING,), "1.4.2", "1.4.3", None),
        ((), "1.4.2", "1.4.2", None),
        ((), "1.4.2", "1.4.3", None),  # wording the comparison cannot see may have changed
        (
            (BREAKING,),
            "1.0.0",
            "1.0.0",
            "homelessness_cases keeps version 1.0.0 but removes the column outcome (a breaking "
            "change), so it needs a new major version: 2.0.0.",
        ),
        (
            (BREAKING, MINOR),
            "1.0.0",
            "1.1.0",
            "homelessness_cases 1.1.0 removes the column outcome (a breaking change), so it needs "
            "a new major version: 2.0.0.",
        ),
        (
            (MINOR, WORDING),
            "1.2.0",
            "1.2.1",
            "homelessness_cases 1.2.1 lets applicant_age take any number (a change that breaks "
            "nothing), so it needs a new minor version: 1.3.0.",
        ),
        (
            (BREAKING,),
            "1.2.0",
            "1.1.0",
            "homelessness_cases goes backwards from version 1.2.0 to 1.1.0; a new version must "
            "come after the old one. It removes the column outcome (a breaking change), so it "
            "needs a new major version: 2.0.0.",
        ),
        (
            (),
            "1.2.0",
            "1.1.9",
            "homelessness_cases goes backwards from version 1.2.0 to 1.1.9; a new version must "
            "come after the old one, and as nothing changed it can stay 1.2.0.",
        ),
        (
            (),
            "1.2.0",
            "2.0.0",
            "Nothing changed between homelessness_cases 1.2.0 and 2.0.0, so it needs no new major "
            "version: keep 1.2.0 (or 1.2.1 if only wording changed, such as the usage notes or "
            "the labels of values).",
        ),
        (
            (WORDING,),
            "1.0",
            "1.1",
            "homelessness_cases: the version '1.0' is not of the form MAJOR.MINOR.PATCH, e.g. "
            "1.2.0.",
        ),
    ],
)
def test_version_problem(
    changes: tuple[Change, ...], old: str, new: str, problem: str | None
) -> None:
    assert diff_of(changes, old, new).version_problem() == problem


def test_several_reasons_are_listed_briefly() -> None:
    removed = [
        Change("column-removed", name, True, "major", f"The column {name} was removed.")
        for name in ("a", "b", "c", "d", "e")
    ]
    problem = diff_of((*removed, MINOR), "1.0.0", "1.0.0").version_problem()
    assert problem == (
        "homelessness_cases keeps version 1.0.0 but removes the column a, removes the column b, "
        "removes the column c and 2 more (breaking changes), so it needs a new major version: "
        "2.0.0."
    )


@pytest.mark.parametrize(
    ("old", "new", "moved"),
    [
        ("1.0.0", "1.0.0", "same"),
        ("1.0.0", "1.0.1", "patch"),
        ("1.0.9", "1.1.0", "minor"),
        ("1.9.9", "1.10.0", "minor"),  # numbers, not text: 10 comes after 9
        ("1.2.3", "2.0.0", "major"),
        ("1.2.3", "2.5.1", "major"),
        ("0.9.0", "1.0.0", "major"),
        ("1.2.3", "1.2.2", "backwards"),
        ("2.0.0", "1.9.9", "backwards"),
        ("1.10.0", "1.9.0", "backwards"),
    ],
)
def test_bump_between(old: str, new: str, moved: str) -> None:
    assert bump_between(old, new) == moved


@pytest.mark.parametrize(
    ("old", "bump", "new"),
    [
        ("1.4.2", "major", "2.0.0"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "patch", "1.4.3"),
        ("0.9.9", "minor", "0.10.0"),
    ],
)
def test_next_version(old: str, bump: Any, new: str) -> None:
    assert next_version(old, bump) == new
    assert bump_between(old, new) == bump


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0.0", "01.0.0", "one", ""])
def test_a_version_not_major_minor_patch_is_refused(version: str) -> None:
    with pytest.raises(UsageError, match=r"MAJOR\.MINOR\.PATCH"):
        bump_between(version, "1.0.0")
    with pytest.raises(UsageError, match=r"MAJOR\.MINOR\.PATCH"):
        next_version(version, "patch")


def test_the_same_contract_has_no_changes(tmp_path: Path, original: Doc, base: Contract) -> None:
    diff = diff_contracts(base, write(tmp_path / "same", original))
    assert (diff.changes, diff.needed_bump, diff.changed_columns) == ((), None, frozenset())
    assert diff.version_problem() is None


def test_moving_a_column_is_no_change(tmp_path: Path, original: Doc, base: Contract) -> None:
    doc = copy.deepcopy(original)
    doc["schema"][0]["properties"].reverse()
    assert diff_contracts(base, write(tmp_path / "moved", doc)).changes == ()


def test_a_rename_is_a_removal_an_addition_and_a_hint(
    tmp_path: Path, original: Doc, base: Contract
) -> None:
    new = write(tmp_path / "new", edited(original, set_prop("case_id", name="case_ref")))
    diff = diff_contracts(base, new)
    assert [(c.code, c.column, c.bump) for c in diff.changes] == [
        ("column-removed", "case_id", "major"),  # where it was: before case_ref
        ("required-column-added", "case_ref", "major"),
        ("column-maybe-renamed", "case_ref", "patch"),
    ]
    assert diff.changes[2].values == ("case_id",)
    assert diff.changes[2].words == (
        "The new column case_ref may be the column case_id renamed: both hold text and are "
        "described alike."
    )


def test_changes_come_contract_first_then_in_column_order(
    tmp_path: Path, original: Doc, base: Contract
) -> None:
    doc = edited(
        original,
        remove_column("approach_date"),
        remove_column("approach_type"),
        remove_column("outcome_date"),
        add_column("referral", required=False),
        drop_allowed("duty_type", "relief"),
        set_option("applicant_age", minimum=18),
        set_prop("case_id", businessName="Case"),
        set_top(name="Homeless cases"),
        set_key("case_id"),
    )
    diff = diff_contracts(base, write(tmp_path / "new", doc))
    assert [(c.code, c.column) for c in diff.changes] == [
        ("primary-key-changed", None),
        ("title-changed", None),
        ("column-title-changed", "case_id"),
        ("column-removed", "approach_date"),
        ("column-removed", "approach_type"),
        ("allowed-value-removed", "duty_type"),
        ("minimum-raised", "applicant_age"),
        ("column-removed", "outcome_date"),
        ("optional-column-added", "referral"),
    ]
    assert diff.changed_columns == {
        "case_id",
        "approach_date",
        "approach_type",
        "duty_type",
        "applicant_age",
        "outcome_date",
        "referral",
    }
    assert len(diff.breaking) == 6


def test_the_words_of_limits_dates_and_markers(
    tmp_path: Path, original: Doc, base: Contract
) -> None:
    doc = edited(
        original,
        set_option("applicant_age", minimum=18, maximum=99.5),
        set_option("approach_date", format="yyyy-MM-dd", minimum="2010-01-01"),
        set_custom("nullMarkers", ["NULL", "N/A", "n/a", "NA", "unknown"]),
    )
    words = [c.words for c in diff_contracts(base, write(tmp_path / "new", doc)).changes]
    assert words == [
        "The no-value markers '' (an empty cell) and '-' are removed: they are now read as values.",
        "The no-value marker 'unknown' is added: a cell holding it now counts as having no value.",
        "The earliest date allowed in approach_date is now 2010-01-01 (there was no limit).",
        "Dates in approach_date must now be written yyyy-MM-dd (year-month-day, e.g. "
        "2016-03-28) instead of dd/MM/yyyy.",
        "The smallest value allowed in applicant_age is now 18 (it was 16).",
        "The largest value allowed in applicant_age is now 99.5 (it was 110).",
    ]


def test_contracts_of_two_datasets_are_refused(base: Contract) -> None:
    other = load_contract(CONTRACTS / "claimant_count.odcs.yaml")
    with pytest.raises(UsageError, match="two different datasets") as caught:
        diff_contracts(base, other)
    assert "'homelessness_cases'" in str(caught.value) and "'claimant_count'" in str(caught.value)


def test_as_json(tmp_path: Path, original: Doc, base: Contract) -> None:
    doc = edited(original, drop_allowed("duty_type", "relief"), set_purpose("Cases."))
    diff = diff_contracts(base, write(tmp_path / "new", edited(doc, version="1.1.0")))
    data = json.loads(json.dumps(diff.as_json()))
    assert data == {
        "dataset": "homelessness_cases",
        "old_version": "1.0.0",
        "new_version": "1.1.0",
        "needed_bump": "major",
        "breaking": True,
        "changed_columns": ["duty_type"],
        "version_problem": diff.version_problem(),
        "changes": [
            {
                "code": "description-changed",
                "column": None,
                "breaking": False,
                "bump": "patch",
                "words": "The contract's description changed.",
                "values": [],
            },
            {
                "code": "allowed-value-removed",
                "column": "duty_type",
                "breaking": True,
                "bump": "major",
                "words": "The column duty_type no longer allows 'relief'.",
                "values": ["relief"],
            },
        ],
    }
    assert data["version_problem"] is not None
