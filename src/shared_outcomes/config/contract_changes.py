"""What changed between two versions of a data contract, and what version the new one needs.

Partners build their monthly extracts to a contract, so a new version of it can break their
work. `diff_contracts` compares two resolved versions of one dataset's contract and lists every
change, each classified under semantic versioning (MAJOR.MINOR.PATCH):

* **breaking (major)**: an extract that passed the old contract may fail the new one, or a
  measure built on the old columns may stop working: a column removed (a renamed column is a
  removal plus an addition), a new required column, a type changed (other than whole numbers
  widened to any number), a column made required or unique, an allowed value removed or a list
  of allowed values introduced, a pattern added or changed, a limit tightened or added, the date
  format changed, a reference check added or changed, the key changed, a no-value marker
  removed, the period or area column changed;
* **minor**: the rules are added to or loosened, so every extract that passed still passes: an
  optional column added, an allowed value added, a limit loosened or removed, a pattern removed,
  a column made optional or no longer unique, a reference check removed, a no-value marker
  added, whole numbers widened to any number;
* **patch**: only wording changed: names for people, descriptions, example values, the owner,
  the name of the contract's table.

A removed and an added column of the same type, described alike, also get the hint
`column-maybe-renamed` (it needs no bump of its own).

A pattern is a regular expression, and whether one pattern accepts everything another does
cannot be decided in general, so any changed pattern counts as breaking, even one that only
accepts more. Columns are matched by name (an extract's columns are too, in any order), so
moving a column is no change at all.

The comparison sees the rules and wording that the resolved `Contract` carries. Wording it does
not carry (the usage and limitations notes, the labels of allowed values, the status) is not
compared: that is why a patch bump with no change found is accepted (see
`ContractDiff.version_problem`). Versions are strictly MAJOR.MINOR.PATCH (no pre-release
suffix), and a 0.x version is treated like any other: a breaking change needs 1.0.0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from shared_outcomes.config.contracts import ColumnSpec, Contract, date_format_words
from shared_outcomes.errors import UsageError

#: Change codes other modules act on (`checking.impact`): a column gone, a value no longer
#: allowed.
COLUMN_REMOVED = "column-removed"
ALLOWED_VALUE_REMOVED = "allowed-value-removed"

Bump = Literal["major", "minor", "patch"]
BumpBetween = Literal["major", "minor", "patch", "same", "backwards"]

_RANK: dict[str, int] = {"patch": 1, "minor": 2, "major": 3}
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_TYPE_WORDS = {
    "string": "text",
    "integer": "whole numbers",
    "number": "numbers",
    "date": "dates",
    "boolean": "yes/no values",
}


@dataclass(frozen=True)
class Change:
    """One change between two versions of a contract, in a data officer's words.

    `code` is stable (kebab-case, e.g. `allowed-value-removed`) for programs and tests; `words`
    is one sentence for people. `bump` is the least version bump the change needs on its own;
    `values` holds the values concerned, where there are some: the allowed values or no-value
    markers added or removed, the columns of the new key, the old name of a column that may
    have been renamed.
    """

    code: str
    column: str | None  # None: the contract as a whole
    breaking: bool
    bump: Bump
    words: str
    values: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The change as plain JSON values."""
        return {
            "code": self.code,
            "column": self.column,
            "breaking": self.breaking,
            "bump": self.bump,
            "words": self.words,
            "values": list(self.values),
        }


@dataclass(frozen=True)
class ContractDiff:
    """Every change from one version of a dataset's contract to the next, in order: the
    contract's own changes first, then the columns' in the new contract's order (a removed
    column where it used to be)."""

    dataset: str
    old_version: str
    new_version: str
    changes: tuple[Change, ...]

    @property
    def breaking(self) -> tuple[Change, ...]:
        """The changes that can make an extract which passed the old contract fail the new."""
        return tuple(c for c in self.changes if c.breaking)

    @property
    def needed_bump(self) -> Bump | None:
        """The least version bump the changes need together; None when nothing changed."""
        if not self.changes:
            return None
        return max((c.bump for c in self.changes), key=_RANK.__getitem__)

    @property
    def changed_columns(self) -> frozenset[str]:
        """The names of the columns with a change (added and removed ones included)."""
        return frozenset(c.column for c in self.changes if c.column is not None)

    def version_problem(self) -> str | None:
        """None if the new version number suits the changes; else one sentence saying why not
        and which version it needs.

        The new version must be at least the bump the changes need (a larger bump is fine: a
        major version may carry minor changes). A version that goes backwards, or stays the same
        although something changed, is a problem. With no change found, keeping the version or
        a patch bump is accepted (the comparison does not see every piece of wording, such as
        the usage notes or the labels of allowed values), but a minor or major bump is a
        problem: it would tell partners the rules changed when they did not.
        """
        try:
            moved = bump_between(self.old_version, self.new_version)
        except UsageError as error:
            return f"{self.dataset}: {error.message}"
        needed = self.needed_bump
        if moved == "backwards":
            start = (
                f"{self.dataset} goes backwards from version {self.old_version} to "
                f"{self.new_version}; a new version must come after the old one"
            )
            if needed is None:
                return f"{start}, and as nothing changed it can stay {self.old_version}."
            return f"{start}. It {self._reasons(needed)}, so it needs {self._needs(needed)}."
        if needed is None:
            if moved in ("same", "patch"):
                return None
            return (
                f"Nothing changed between {self.dataset} {self.old_version} and "
                f"{self.new_version}, so it needs no new {moved} version: keep "
                f"{self.old_version} (or {next_version(self.old_version, 'patch')} if only "
                "wording changed, such as the usage notes or the labels of values)."
            )
        if moved == "same":
            return (
                f"{self.dataset} keeps version {self.old_version} but {self._reasons(needed)}, "
                f"so it needs {self._needs(needed)}."
            )
        if _RANK[moved] < _RANK[needed]:
            return (
                f"{self.dataset} {self.new_version} {self._reasons(needed)}, "
                f"so it needs {self._needs(needed)}."
            )
        return None

    def as_json(self) -> dict[str, object]:
        """The diff as plain JSON values, for the command line's `--json` and for programs."""
        return {
            "dataset": self.dataset,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "needed_bump": self.needed_bump,
            "breaking": bool(self.breaking),
            "changed_columns": sorted(self.changed_columns),
            "version_problem": self.version_problem(),
            "changes": [c.as_json() for c in self.changes],
        }

    def _needs(self, bump: Bump) -> str:
        return f"a new {bump} version: {next_version(self.old_version, bump)}"

    def _reasons(self, bump: Bump) -> str:
        """`narrows duty_type (a breaking change)`: the changes that need `bump`, briefly."""
        gists = list(dict.fromkeys(_gist(c) for c in self.changes if c.bump == bump))
        listed = _and(gists[:3] + ([f"{len(gists) - 3} more"] if len(gists) > 3 else []))
        one, many = _KINDS[bump]
        return f"{listed} ({many if len(gists) > 1 else one})"


_KINDS: dict[str, tuple[str, str]] = {
    "major": ("a breaking change", "breaking changes"),
    "minor": ("a change that breaks nothing", "changes that break nothing"),
    "patch": ("a wording change", "wording changes"),
}


def diff_contracts(old: Contract, new: Contract) -> ContractDiff:
    """The changes from `old` to `new`, two versions of the same dataset's contract.

    Raises `UsageError` if they are contracts of two different datasets.
    """
    if old.dataset != new.dataset:
        raise UsageError(
            f"these are contracts of two different datasets, {old.dataset!r} and "
            f"{new.dataset!r}; compare two versions of the same dataset's contract."
        )
    changes: list[Change] = []
    for check in _CONTRACT_CHECKS:
        changes.extend(check(old, new))
    old_columns = {c.name: c for c in old.columns}
    new_columns = {c.name: c for c in new.columns}
    hints = _rename_hints(
        [c for c in old.columns if c.name not in new_columns],
        [c for c in new.columns if c.name not in old_columns],
    )
    for name in _merged_order(old.column_names, new.column_names):
        before, after = old_columns.get(name), new_columns.get(name)
        if after is None:
            changes.append(_change("column-removed", name, f"The column {name} was removed."))
        elif before is None:
            changes.append(_added(after))
            changes.extend(hints.get(name, ()))
        else:
            for column_check in _COLUMN_CHECKS:
                changes.extend(column_check(before, after))
    return ContractDiff(new.dataset, old.version, new.version, tuple(changes))


def bump_between(old: str, new: str) -> BumpBetween:
    """How `new` moves on from `old`: `major`, `minor` or `patch` (the highest part that went
    up), `same`, or `backwards`. Versions are MAJOR.MINOR.PATCH, e.g. 1.2.0 (UsageError
    otherwise)."""
    before, after = _parse(old), _parse(new)
    if after == before:
        return "same"
    if after < before:
        return "backwards"
    if after[0] != before[0]:
        return "major"
    return "minor" if after[1] != before[1] else "patch"


def next_version(old: str, bump: Bump) -> str:
    """The version after `old` for a `bump`: 1.4.2 → 2.0.0 (major), 1.5.0 (minor), 1.4.3."""
    major, minor, patch = _parse(old)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


# --- the checks: each returns the changes of one kind --------------------------------------------

_BREAKING: frozenset[str] = frozenset(
    {
        "column-removed",
        "required-column-added",
        "type-changed",
        "column-made-required",
        "column-made-unique",
        "allowed-value-removed",
        "allowed-values-introduced",
        "pattern-added",
        "pattern-changed",
        "minimum-raised",
        "minimum-added",
        "maximum-lowered",
        "maximum-added",
        "min-length-raised",
        "min-length-added",
        "max-length-lowered",
        "max-length-added",
        "date-format-changed",
        "reference-added",
        "reference-changed",
        "primary-key-changed",
        "period-column-changed",
        "area-column-changed",
        "null-marker-removed",
    }
)
_MINOR: frozenset[str] = frozenset(
    {
        "optional-column-added",
        "type-widened",
        "column-made-optional",
        "column-no-longer-unique",
        "allowed-value-added",
        "allowed-values-lifted",
        "pattern-removed",
        "minimum-lowered",
        "minimum-removed",
        "maximum-raised",
        "maximum-removed",
        "min-length-lowered",
        "min-length-removed",
        "max-length-raised",
        "max-length-removed",
        "reference-removed",
        "null-marker-added",
    }
)


def _change(code: str, column: str | None, words: str, values: Iterable[str] = ()) -> Change:
    breaking = code in _BREAKING
    bump: Bump = "major" if breaking else "minor" if code in _MINOR else "patch"
    return Change(code, column, breaking, bump, words, tuple(values))


def _added(spec: ColumnSpec) -> Change:
    kind = _TYPE_WORDS[spec.logical_type]
    if spec.required:
        words = f"The new column {spec.name} ({kind}) is required: every extract must have it."
        return _change("required-column-added", spec.name, words)
    words = f"The new column {spec.name} ({kind}) is optional: extracts without it still pass."
    return _change("optional-column-added", spec.name, words)


def _rename_hints(removed: list[ColumnSpec], added: list[ColumnSpec]) -> dict[str, list[Change]]:
    """A hint for an added column that may be a removed one renamed: same type and the same
    description (or name for people). Only a hint: the removal and the addition carry the
    bump."""
    hints: dict[str, list[Change]] = {}
    left = list(removed)
    for spec in added:
        for gone in left:
            alike = [
                mine
                for mine, theirs in ((spec.description, gone.description), (spec.title, gone.title))
                if mine is not None and mine == theirs
            ]
            if spec.logical_type == gone.logical_type and alike:
                left.remove(gone)
                words = (
                    f"The new column {spec.name} may be the column {gone.name} renamed: both "
                    f"hold {_TYPE_WORDS[spec.logical_type]} and are described alike."
                )
                hints[spec.name] = [_change("column-maybe-renamed", spec.name, words, [gone.name])]
                break
    return hints


def _merged_order(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """The new column order, each removed column put back after the column it followed."""
    merged = list(new)
    kept = set(new)
    for i, name in enumerate(old):
        if name in kept:
            continue
        previous = next((p for p in reversed(old[:i]) if p in merged), None)
        merged.insert(0 if previous is None else merged.index(previous) + 1, name)
    return merged


def _type(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    if old.logical_type == new.logical_type:
        return []
    before, after = _TYPE_WORDS[old.logical_type], _TYPE_WORDS[new.logical_type]
    if (old.logical_type, new.logical_type) == ("integer", "number"):
        words = f"The column {new.name} now takes any number, not only whole numbers."
        return [_change("type-widened", new.name, words)]
    words = f"The column {new.name} now holds {after} instead of {before}."
    return [_change("type-changed", new.name, words)]


def _required(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    if old.required == new.required:
        return []
    if new.required:
        words = f"The column {new.name} is now required: it may no longer be left empty."
        return [_change("column-made-required", new.name, words)]
    words = f"The column {new.name} is now optional: it may be left empty."
    return [_change("column-made-optional", new.name, words)]


def _unique(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    if old.unique == new.unique:
        return []
    if new.unique:
        words = f"The column {new.name} must now be unique: no two rows may share a value."
        return [_change("column-made-unique", new.name, words)]
    words = f"The column {new.name} no longer needs to be unique: rows may share a value."
    return [_change("column-no-longer-unique", new.name, words)]


def _allowed(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    before, after, name = old.allowed_values, new.allowed_values, new.name
    if before is None or after is None:
        if after is not None:
            words = f"The column {name} now allows only {_or(_quoted(after))}."
            return [_change("allowed-values-introduced", name, words, after)]
        if before is not None:
            words = (
                f"The column {name} no longer limits its values to a list: any value is allowed."
            )
            return [_change("allowed-values-lifted", name, words, before)]
        return []
    changes: list[Change] = []
    removed = [v for v in before if v not in after]
    added = [v for v in after if v not in before]
    if removed:
        words = f"The column {name} no longer allows {_or(_quoted(removed))}."
        changes.append(_change("allowed-value-removed", name, words, removed))
    if added:
        words = f"The column {name} now also allows {_and(_quoted(added))}."
        changes.append(_change("allowed-value-added", name, words, added))
    return changes


def _pattern(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    before, after, name = old.pattern, new.pattern, new.name
    if before == after:
        return []
    if before is None:
        words = f"The column {name} must now match the pattern {after}."
        return [_change("pattern-added", name, words)]
    if after is None:
        words = f"The column {name} no longer needs to match a pattern (it was {before})."
        return [_change("pattern-removed", name, words)]
    words = f"The column {name} must now match the pattern {after} instead of {before}."
    return [_change("pattern-changed", name, words)]


@dataclass(frozen=True)
class _Limit:
    attribute: str  # of ColumnSpec
    code: str
    what: str  # worded for numbers and texts; for dates, see `_limits`


_LIMITS = (
    _Limit("minimum", "minimum", "smallest value"),
    _Limit("maximum", "maximum", "largest value"),
    _Limit("min_length", "min-length", "shortest text"),
    _Limit("max_length", "max-length", "longest text"),
)


def _limits(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    """Each limit added, removed, raised or lowered (whether that is breaking is in the code:
    a minimum raised or a maximum lowered is)."""
    changes: list[Change] = []
    for limit in _LIMITS:
        before, after = getattr(old, limit.attribute), getattr(new, limit.attribute)
        if before == after or _unlike(before, after):
            continue  # the same, or a number against a date: the type change says it all
        what = limit.what
        if isinstance(after if after is not None else before, date):
            what = "earliest date" if limit.attribute == "minimum" else "latest date"
        what = f"The {what} allowed in {new.name}"
        if before is None:
            words = f"{what} is now {_limit_text(limit, after)} (there was no limit)."
            changes.append(_change(f"{limit.code}-added", new.name, words))
        elif after is None:
            words = f"{what} is no longer limited (it was {_limit_text(limit, before)})."
            changes.append(_change(f"{limit.code}-removed", new.name, words))
        else:
            was, now = _limit_text(limit, before), _limit_text(limit, after)
            moved = "raised" if after > before else "lowered"
            words = f"{what} is now {now} (it was {was})."
            changes.append(_change(f"{limit.code}-{moved}", new.name, words))
    return changes


def _unlike(before: object, after: object) -> bool:
    """Whether two limits, both set, are of different kinds (a date and a number)."""
    both = before is not None and after is not None
    return both and isinstance(before, date) != isinstance(after, date)


def _limit_text(limit: _Limit, value: float | date) -> str:
    if isinstance(value, date):
        return value.isoformat()
    number = int(value) if float(value).is_integer() else value
    return f"{number} characters" if limit.attribute.endswith("length") else str(number)


def _date_format(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    if (
        old.logical_type != "date"
        or new.logical_type != "date"
        or old.date_format == new.date_format
    ):
        return []
    before, after = old.date_format_jdk or "", new.date_format_jdk or ""
    words = (
        f"Dates in {new.name} must now be written {after} ({date_format_words(after)}) "
        f"instead of {before}."
    )
    return [_change("date-format-changed", new.name, words)]


def _reference(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    before = None if old.reference is None else (old.reference.table, old.reference.column)
    after = None if new.reference is None else (new.reference.table, new.reference.column)
    if before == after:
        return []
    if before is None:
        words = f"The column {new.name} must now hold a code from the reference table "
        return [_change("reference-added", new.name, words + f"{_table(after)}.")]
    if after is None:
        words = f"The column {new.name} no longer needs to hold a code from {_table(before)}."
        return [_change("reference-removed", new.name, words)]
    words = f"The column {new.name} must now hold a code from {_table(after)}"
    words += f" instead of {_table(before)}."
    return [_change("reference-changed", new.name, words)]


def _table(target: tuple[str, str] | None) -> str:
    return "" if target is None else f"{target[0]} (column {target[1]})"


def _wording(old: ColumnSpec, new: ColumnSpec) -> list[Change]:
    changes: list[Change] = []
    name = new.name
    if old.title != new.title:
        words = f"The name for people of the column {name} {_now(old.title, new.title)}"
        changes.append(_change("column-title-changed", name, words))
    if old.description != new.description:
        words = f"The description of the column {name} changed."
        changes.append(_change("column-description-changed", name, words))
    if old.example != new.example:
        words = f"The example value of the column {name} {_now(old.example, new.example)}"
        changes.append(_change("column-example-changed", name, words))
    return changes


_COLUMN_CHECKS: tuple[Callable[[ColumnSpec, ColumnSpec], list[Change]], ...] = (
    _type,
    _required,
    _unique,
    _allowed,
    _pattern,
    _limits,
    _date_format,
    _reference,
    _wording,
)


def _primary_key(old: Contract, new: Contract) -> list[Change]:
    if old.primary_key == new.primary_key:
        return []
    before, after = ", ".join(old.primary_key), ", ".join(new.primary_key)
    words = f"The key identifying each row is now {after} (it was {before})."
    if not before:
        words = f"Rows now have a key, {after}: no two rows may share it (there was no key)."
    elif not after:
        words = f"The contract no longer has a key identifying each row (it was {before})."
    return [_change("primary-key-changed", None, words, new.primary_key)]


def _role_columns(old: Contract, new: Contract) -> list[Change]:
    changes: list[Change] = []
    for role, before, after in (
        ("period", old.period_column, new.period_column),
        ("area", old.area_column, new.area_column),
    ):
        if before == after:
            continue
        words = f"The column giving each row's {role} is now {after} (it was {before})."
        if before is None:
            words = f"The column giving each row's {role} is now {after} (there was none)."
        elif after is None:
            words = f"The contract no longer names a column giving each row's {role} "
            words += f"(it was {before})."
        changes.append(_change(f"{role}-column-changed", None, words))
    return changes


def _null_markers(old: Contract, new: Contract) -> list[Change]:
    removed = [m for m in dict.fromkeys(old.null_markers) if m not in new.null_markers]
    added = [m for m in dict.fromkeys(new.null_markers) if m not in old.null_markers]
    changes: list[Change] = []
    if len(removed) == 1:
        words = f"The no-value marker {_markers(removed)} is removed: it is now read as a value."
        changes.append(_change("null-marker-removed", None, words, removed))
    elif removed:
        words = (
            f"The no-value markers {_markers(removed)} are removed: they are now read as values."
        )
        changes.append(_change("null-marker-removed", None, words, removed))
    if len(added) == 1:
        words = f"The no-value marker {_markers(added)} is added: a cell holding it now counts as "
        changes.append(_change("null-marker-added", None, words + "having no value.", added))
    elif added:
        words = f"The no-value markers {_markers(added)} are added: a cell holding one now counts "
        changes.append(_change("null-marker-added", None, words + "as having no value.", added))
    return changes


def _contract_wording(old: Contract, new: Contract) -> list[Change]:
    changes: list[Change] = []
    if old.title != new.title:
        words = f"The contract's name {_now(old.title, new.title)}"
        changes.append(_change("title-changed", None, words))
    if old.description != new.description:
        changes.append(_change("description-changed", None, "The contract's description changed."))
    if old.owner != new.owner:
        words = f"The contract's owner {_now(old.owner, new.owner, quote=False)}"
        changes.append(_change("owner-changed", None, words))
    if old.schema_name != new.schema_name:
        words = f"The name of the contract's table {_now(old.schema_name, new.schema_name)}"
        changes.append(_change("schema-name-changed", None, words))
    return changes


_CONTRACT_CHECKS: tuple[Callable[[Contract, Contract], list[Change]], ...] = (
    _primary_key,
    _role_columns,
    _null_markers,
    _contract_wording,
)


# --- words ---------------------------------------------------------------------------------------


def _gist(change: Change) -> str:
    """The change in a few words, for a sentence about the version: `narrows duty_type`."""
    column = change.column or ""
    code = change.code
    for stem in ("minimum", "maximum", "min-length", "max-length"):
        if code.startswith(stem + "-"):
            return f"{'tightens' if change.breaking else 'loosens'} the limits of {column}"
    fixed = {
        "column-removed": f"removes the column {column}",
        "required-column-added": f"adds the required column {column}",
        "optional-column-added": f"adds the optional column {column}",
        "column-maybe-renamed": f"may rename a column to {column}",
        "type-changed": f"changes the type of {column}",
        "type-widened": f"lets {column} take any number",
        "column-made-required": f"makes {column} required",
        "column-made-optional": f"makes {column} optional",
        "column-made-unique": f"makes {column} unique",
        "column-no-longer-unique": f"lets values of {column} repeat",
        "allowed-value-removed": f"narrows {column}",
        "allowed-value-added": f"widens {column}",
        "allowed-values-introduced": f"limits {column} to a list of values",
        "allowed-values-lifted": f"lets {column} take any value",
        "pattern-added": f"adds a pattern to {column}",
        "pattern-changed": f"changes the pattern of {column}",
        "pattern-removed": f"removes the pattern of {column}",
        "date-format-changed": f"changes the date format of {column}",
        "reference-added": f"adds a reference check to {column}",
        "reference-changed": f"changes the reference check of {column}",
        "reference-removed": f"removes the reference check of {column}",
        "primary-key-changed": "changes the key",
        "period-column-changed": "changes the period column",
        "area-column-changed": "changes the area column",
        "null-marker-removed": f"no longer reads {_markers(change.values)} as no value",
        "null-marker-added": f"reads {_markers(change.values)} as no value",
    }
    if code in fixed:
        return fixed[code]
    return f"rewords {column}" if column else "rewords the contract"


def _now(before: str | None, after: str | None, *, quote: bool = True) -> str:
    """`is now 'B' (it was 'A').`, `is now 'B' (there was none).` or `was removed (it was 'A').`"""

    def text(value: str) -> str:
        return f"'{value}'" if quote else value

    if after is None:
        return f"was removed (it was {text(before or '')})."
    if before is None:
        return f"is now {text(after)} (there was none)."
    return f"is now {text(after)} (it was {text(before)})."


def _quoted(values: Iterable[str]) -> list[str]:
    return [f"'{v}'" for v in values]


def _markers(values: Iterable[str]) -> str:
    """`'NA' and '' (an empty cell)`."""
    return _and(["'' (an empty cell)" if v == "" else f"'{v}'" for v in values])


def _and(items: Sequence[str]) -> str:
    return _join(items, "and")


def _or(items: Sequence[str]) -> str:
    return _join(items, "or")


def _join(items: Sequence[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _parse(version: str) -> tuple[int, int, int]:
    found = _VERSION.fullmatch(version)
    if found is None:
        raise UsageError(
            f"the version {version!r} is not of the form MAJOR.MINOR.PATCH, e.g. 1.2.0."
        )
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch
