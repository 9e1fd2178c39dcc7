"""View models for the pages: what a page shows, decided in the pure core and tested without a UI.

Pages read widgets, call the facade, pass the results through these functions and render what
comes back. Everything here returns plain Python or Polars values (never Streamlit objects), so
the same wording (RAG labels, units, rules in plain English) is shared by pages, exports and tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from shared_outcomes.access.roles import Action, Identity, decide
from shared_outcomes.checking.report import Finding, Report
from shared_outcomes.config.contracts import ColumnSpec, Contract, date_format_words
from shared_outcomes.config.definitions import Measure, OutcomeDefinition
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.period import Period
from shared_outcomes.present.exports import to_safe_csv
from shared_outcomes.present.patterns import pattern_words
from shared_outcomes.warehouse.erasure import Erasure
from shared_outcomes.warehouse.store import Submission

# --- text shown as written --------------------------------------------------------------------

# Streamlit renders GitHub-flavoured Markdown, plus its own directives (`:red[…]`,
# `:material/…:`, emoji short codes, `$…$` maths), in st.markdown, captions, alerts, headings,
# widget labels, metric values and every st.table cell (column names too). Text that comes from
# a partner or from configuration (file names, header cells, cell values, partner and user names,
# messages that quote them) goes through `literal` (and tables through `literal_table`) before a
# page renders it, so it is shown exactly as written: never a link, an image or bold type.

#: Every ASCII punctuation character: CommonMark shows each one literally when backslash-escaped.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
#: Where the autolinker would start a link in the text *after* escapes are resolved (Streamlit
#: links `https://…`, `www.…` and `name@host.tld` in plain text): a word joiner breaks each.
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
#: U+2060 WORD JOINER: invisible, zero width, no line break; ignored by screen readers.
WORD_JOINER = "\u2060"
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def literal(text: object) -> str:
    """`text` as Markdown that Streamlit renders as exactly these characters.

    Every ASCII punctuation character is backslash-escaped (no link, image, emphasis, heading,
    list, HTML, entity, directive or maths can start), an invisible word joiner goes between the
    parts of a would-be autolink (`https:⁠//`, `www⁠.`, `name⁠@host`), and line breaks become
    spaces (the text is shown on one line, as in a table cell). The one place this is done: pages
    pass what they did not write themselves through it, and tables through `literal_table`.
    """
    plain = _LINE_BREAKS.sub(" ", str(text))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", _AUTOLINK_STARTS.sub(WORD_JOINER, plain))


def literal_table(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` for st.table: every text cell and every column name through `literal`.

    Numbers, dates and booleans are unchanged (they cannot hold Markdown); so are nulls.
    """
    names = [literal(name) for name in frame.columns]
    if len(set(names)) < len(names):  # two names differing only by a line break
        names = [f"{name} ({i + 1})" for i, name in enumerate(names)]
    texts = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]
    escaped = frame.with_columns(
        pl.Series(
            name,
            [None if v is None else literal(v) for v in frame[name].cast(pl.String).to_list()],
            dtype=pl.String,
        )
        for name in texts
    )
    return escaped.rename(dict(zip(frame.columns, names, strict=True)))


# --- who is acting (demo mode) ---------------------------------------------------------------


def is_sample_partnership(partnership: Partnership) -> bool:
    """Whether this is the shipped sample (its partners.yaml names it '… (sample)').

    The app then says on every page that the figures are synthetic; a real partnership writes
    its own partners.yaml and never sees that banner.
    """
    return partnership.name.rstrip().lower().endswith("(sample)")


# --- numbers with their units ----------------------------------------------------------------

UNIT_SUFFIX = {
    "count": "",
    "percent": "%",
    "per_1000": " per 1,000",
    "per_100": " per 100",
    "ratio": "",
}

UNIT_TITLE = {
    "count": "count",
    "percent": "per cent",
    "per_1000": "per 1,000",
    "per_100": "per 100",
    "ratio": "ratio",
}


def format_value(value: float | None, unit: str, *, suppressed: bool = False) -> str:
    """A figure as people read it, with its unit: '1.23 per 1,000', '45.2%', '1,234'."""
    if suppressed:
        return "suppressed: small number"
    if value is None:
        return "no figure"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}{UNIT_SUFFIX.get(unit, '')}"


def format_size(size_bytes: int) -> str:
    """A file size as people read it: '812 bytes', '10.1 KB', '48.3 MB'."""
    if size_bytes < 1000:
        return f"{size_bytes} bytes"
    if size_bytes < 1_000_000:
        return f"{size_bytes / 1000:.1f} KB"
    return f"{size_bytes / 1_000_000:.1f} MB"


def format_change(change: float | None, unit: str) -> str:
    """A signed change with its unit, in words a projector audience can read: '+0.12 per 1,000'."""
    if change is None:
        return "no earlier month to compare"
    if abs(change) < (0.5 if unit == "count" else 0.005):  # rounds to zero as shown
        return "no change"
    sign = "+" if change > 0 else "−"
    if unit == "percent":  # a change of a percentage is in points, not per cent of itself
        return f"{sign}{abs(change):,.2f} percentage points"
    return sign + format_value(abs(change), unit)


# --- RAG: a word and a symbol, never colour alone (WCAG 1.4.1) ---------------------------------


@dataclass(frozen=True)
class RagStyle:
    """How a RAG status is shown: its word, a symbol and a colour-blind-safe colour."""

    word: str
    symbol: str
    colour: str

    @property
    def label(self) -> str:
        return f"{self.symbol} {self.word}"


# Okabe–Ito colours (safe for the common colour-vision deficiencies); the word and the symbol
# carry the meaning, so the colour only reinforces it.
RAG_STYLES: dict[str, RagStyle] = {
    "green": RagStyle("On track", "✔", "#0072B2"),
    "amber": RagStyle("Near target", "▲", "#E69F00"),
    "red": RagStyle("Off track", "✖", "#D55E00"),
    "none": RagStyle("No target", "–", "#999999"),
}
_RAG_ALIASES = {
    "on_track": "green",
    "within_tolerance": "amber",
    "near": "amber",
    "off_track": "red",
    "no_target": "none",
}


#: How a hidden figure is shown where a RAG status would be (grey: no judgement can be made).
HIDDEN_STYLES: dict[str, RagStyle] = {
    "suppressed": RagStyle("Suppressed: small number", "⊘", "#BBBBBB"),
    "withheld": RagStyle("Withheld: partners missing", "…", "#DDDDDD"),
    "missing": RagStyle("Not yet submitted", "…", "#EEEEEE"),
    "erased": RagStyle("Data erased", "⌫", "#DDDDDD"),
}

#: Decimal places a download keeps, by unit: the precision the figure means (no float noise).
EXPORT_DECIMALS = {"count": 0, "percent": 2, "per_100": 3, "per_1000": 3}
#: Decimal places of numerators and denominators in a download (sums of submitted values).
COUNT_DECIMALS = 3
#: What a download says of its numbers (beside the button and in the README).
EXPORT_ROUNDING = (
    "Numbers are rounded to the precision of their unit: counts to whole numbers, percentages "
    "to 2 decimal places, rates per 100 or per 1,000 to 3; numerators and denominators to 3."
)


def hidden_style(state: str) -> RagStyle:
    """The style of a figure with no number (`suppressed`, `withheld`, `erased`, or `missing`:
    not yet submitted) in place of its RAG status."""
    return HIDDEN_STYLES[state]


def rag_style(status: str | None) -> RagStyle:
    """The style for a status, accepting 'green'/'amber'/'red' or 'on_track'/'off_track' names."""
    key = (status or "none").lower()
    return RAG_STYLES[_RAG_ALIASES.get(key, key if key in RAG_STYLES else "none")]


# --- the validation report, errors first ------------------------------------------------------

ROWS_SHOWN = 10


def describe_rows(finding: Finding) -> str:
    """The rows a finding names, short enough for a table: '2, 17, 250 and 9 more'."""
    if not finding.rows:
        return "whole file" if finding.column is None else "—"
    shown = ", ".join(str(row) for row in finding.rows[:ROWS_SHOWN])
    more = max(finding.count, len(finding.rows)) - min(len(finding.rows), ROWS_SHOWN)
    return f"{shown} and {more:,} more" if more > 0 else shown


def findings_table(report: Report) -> pl.DataFrame:
    """The report's findings as a table, errors before warnings, each with rows, column and fix."""
    ordered = report.errors + report.warnings
    return pl.DataFrame(
        {
            "Severity": [f.severity.capitalize() for f in ordered],
            "Column": [f.column or "(whole file)" for f in ordered],
            "Rows": [describe_rows(f) for f in ordered],
            # A whole-file finding has no rows to count: its Count is blank, not 0.
            "Count": [f"{f.count:,}" if f.count or f.rows else "" for f in ordered],
            "What is wrong": [f.message for f in ordered],
            "How to fix it": [f.fix or "" for f in ordered],
            "Code": [f.code for f in ordered],
        },
        schema={
            "Severity": pl.String,
            "Column": pl.String,
            "Rows": pl.String,
            "Count": pl.String,
            "What is wrong": pl.String,
            "How to fix it": pl.String,
            "Code": pl.String,
        },
    )


def report_headline(report: Report) -> str:
    """One sentence saying whether the extract can be loaded, and why not."""
    errors, warnings = len(report.errors), len(report.warnings)
    rows = f"{report.rows:,} rows" + (f" of the worksheet '{report.sheet}'" if report.sheet else "")
    if report.accepted:
        tail = f" with {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        return f"Accepted: {rows} checked against contract version {report.contract_version}{tail}."
    return (
        f"Rejected: {errors} problem{'s' if errors != 1 else ''} must be fixed before this "
        f"file can be loaded ({rows} checked). Nothing has been loaded."
    )


# --- standards in plain English ---------------------------------------------------------------

TYPE_WORDS = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "date": "date",
    "boolean": "yes/no",
}


def _bound(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def column_rules(column: ColumnSpec, primary_key: Sequence[str] = ()) -> list[str]:
    """Each rule a column carries, as a sentence fragment a non-programmer can follow."""
    rules: list[str] = []
    if column.name in primary_key:
        rules.append("part of the row's key (no two rows may share it)")
    if column.unique:
        rules.append("no two rows may have the same value")
    if column.date_format_jdk:
        rules.append(f"written as {date_format_words(column.date_format_jdk)}")
    if column.minimum is not None and column.maximum is not None:
        rules.append(f"between {_bound(column.minimum)} and {_bound(column.maximum)}")
    elif column.minimum is not None:
        rules.append(f"at least {_bound(column.minimum)}")
    elif column.maximum is not None:
        rules.append(f"at most {_bound(column.maximum)}")
    if column.min_length is not None or column.max_length is not None:
        low = column.min_length if column.min_length is not None else 0
        high = "any number of" if column.max_length is None else str(column.max_length)
        rules.append(f"{low} to {high} characters long")
    if column.allowed_values:
        rules.append("one of: " + ", ".join(column.allowed_values))
    if column.pattern:
        rules.append(f"in the form: {pattern_words(column.pattern)}")
    if column.reference is not None:
        rules.append(f"a code listed in {column.reference.table} ({column.reference.column})")
    return rules


def contract_table(contract: Contract) -> pl.DataFrame:
    """A contract's columns as a table for people: name, meaning, type, required, rules."""
    columns = contract.columns
    return pl.DataFrame(
        {
            "Column": [c.name for c in columns],
            "Meaning": [
                " — ".join(part for part in (c.title, c.description) if part) for c in columns
            ],
            "Type": [TYPE_WORDS.get(c.logical_type, c.logical_type) for c in columns],
            "Required": ["required" if c.required else "optional" for c in columns],
            "Rules": ["; ".join(column_rules(c, contract.primary_key)) or "—" for c in columns],
        }
    )


def contract_patterns(contract: Contract) -> pl.DataFrame:
    """The exact patterns (regular expressions and date formats) behind the words, for the
    people who build the exports: shown on request, not by default."""
    rows = [(c.name, "text pattern", c.pattern) for c in contract.columns if c.pattern] + [
        (c.name, "date format", c.date_format_jdk) for c in contract.columns if c.date_format_jdk
    ]
    return pl.DataFrame(
        rows, schema={"Column": pl.String, "Kind": pl.String, "Exactly": pl.String}, orient="row"
    )


def template_csv(contract: Contract) -> bytes:
    """A blank extract for a dataset: the header row only, in the contract's column order.

    Written like every other CSV (`exports.to_safe_csv`: quoted where needed, a name a
    spreadsheet would run as a formula escaped, UTF-8 with a BOM so Excel reads it right).
    """
    return to_safe_csv(pl.DataFrame(schema={name: pl.String for name in contract.column_names}))


# --- outcome definitions in plain English ----------------------------------------------------

PROBLEM_TITLES = {
    "homelessness": "Homelessness",
    "workforce": "Workforce",
    "digital_inclusion": "Digital inclusion",
    "climate_resilience": "Climate resilience",
    "health": "Health",
}

UNIT_WORDS = {
    "count": "a count",
    "percent": "a percentage (numerator ÷ denominator × 100)",
    "per_1000": "a rate per 1,000 (numerator ÷ denominator × 1,000)",
    "per_100": "a rate per 100 (numerator ÷ denominator × 100)",
    "ratio": "a ratio (numerator ÷ denominator)",
}


def problem_title(problem: str) -> str:
    return PROBLEM_TITLES.get(problem, problem.replace("_", " ").capitalize())


def sorted_definitions(definitions: Mapping[str, OutcomeDefinition]) -> list[OutcomeDefinition]:
    """Definitions grouped by shared problem (in PROBLEM_TITLES order), then by title."""
    order = list(PROBLEM_TITLES)

    def key(d: OutcomeDefinition) -> tuple[int, str]:
        return (order.index(d.problem) if d.problem in order else len(order), d.title)

    return sorted(definitions.values(), key=key)


def describe_measure(measure: Measure) -> str:
    """'the number of rows of homelessness_cases where duty_type is prevention'."""
    if measure.source == "reference":
        what = f"{measure.column or 'the value'} from the reference table {measure.name}"
    elif measure.measure == "count":
        what = f"the number of rows of {measure.name}"
    else:
        what = f"the total of {measure.column} in {measure.name}"
    conditions = [f"{f.column} is {' or '.join(f.values)}" for f in measure.filters if f.values]
    if conditions:
        what += " where " + " and ".join(conditions)
    return what + f", by area ({measure.area_column})"


def describe_definition(definition: OutcomeDefinition, partnership: Partnership) -> str:
    """A definition as a short Markdown note a board member can read.

    Its words come from configuration (the question, partner names, columns), so each value
    goes through `literal`; only the bold labels are Markdown.
    """
    names = {pid: p.name for pid, p in partnership.partners.items()}
    lines = [
        ("Question", definition.question),
        ("Shared problem", problem_title(definition.problem)),
        ("Measured as", f"{UNIT_WORDS.get(definition.unit, definition.unit)}."),
        ("Numerator", f"{describe_measure(definition.numerator)}."),
    ]
    if definition.denominator is not None:
        lines.append(("Denominator", f"{describe_measure(definition.denominator)}."))
    better = "higher" if definition.direction == "higher_is_better" else "lower"
    if definition.target is not None:
        lines.append(
            (
                "Target",
                f"{format_value(definition.target.value, definition.unit)} from "
                f"{definition.target.from_period}; {better} is better. Within "
                f"{definition.tolerance:.0%} of the target counts as near target.",
            )
        )
    else:
        lines.append(("Target", f"none set; {better} is better."))
    accountable = ", ".join(names.get(p, p) for p in definition.accountable)
    lines.append(("Jointly accountable", f"{accountable}."))
    missing = "shown as provisional" if definition.incomplete == "provisional" else "withheld"
    lines.append(
        (
            "When a partner's data is missing",
            f"the figure is {missing}, naming who is missing.",
        )
    )
    lines.append(
        (
            "Disclosure control",
            f"counts below {definition.threshold} are suppressed in shared views and downloads.",
        )
    )
    return "  \n".join(f"**{label}:** {literal(text)}" for label, text in lines)


# --- submitting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerChoice:
    """The partners the acting person may pick for an action (id -> name) and each one's
    datasets (id -> contract title); a refusal to show when there are none."""

    partners: dict[str, str]
    datasets: dict[str, dict[str, str]]  # partner id -> dataset id -> contract title
    refusal: str | None = None


def _allowed_partners(
    identity: Identity,
    action: Action,
    partnership: Partnership,
    contracts: Mapping[str, Contract],
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The partners `identity` may act on, by name, and their datasets with contracts."""
    partners = {
        pid: p
        for pid, p in sorted(partnership.partners.items(), key=lambda item: item[1].name)
        if decide(identity, action, partner=pid).allowed
    }
    datasets = {
        pid: {d: contracts[d].title for d in p.datasets if d in contracts}
        for pid, p in partners.items()
    }
    return {pid: p.name for pid, p in partners.items()}, datasets


def submission_choices(
    identity: Identity, partnership: Partnership, contracts: Mapping[str, Contract]
) -> PartnerChoice:
    """The partners and datasets `identity` may submit for; a refusal to show when none."""
    names, datasets = _allowed_partners(identity, Action.SUBMIT_EXTRACT, partnership, contracts)
    names = {pid: name for pid, name in names.items() if datasets[pid]}
    if not names:
        reason = decide(identity, Action.SUBMIT_EXTRACT, partner=identity.partner_id).reason
        return PartnerChoice(
            {},
            {},
            refusal=(reason or f"{identity.display_name} has no datasets to submit.")
            + " In the demo, pick a partner submitter in the sidebar.",
        )
    return PartnerChoice(names, {pid: datasets[pid] for pid in names})


def month_options(
    today: date, latest: str | None = None, count: int = 24, *, asked: str | None = None
) -> list[str]:
    """The months one may submit for, newest first, `count` of them.

    The newest is the month after the latest month in the register (the next extract due),
    never later than this month; with an empty register, this month. A month's extract is
    normally sent early in the following month, so pages preselect the second entry. `asked`
    (a month from the page's address: a return someone followed a link to send) is offered
    too, in its place, when it is a month and not after this one.
    """
    this_month = Period.of(today)
    newest = this_month
    if latest is not None:
        newest = min(newest, Period.parse(latest).next())
    months = [newest.shifted(-back) for back in range(count)]
    if asked is not None and Period.is_valid(asked) and Period.parse(asked) <= this_month:
        months = sorted({*months, Period.parse(asked)}, reverse=True)
    return [str(m) for m in months]


# --- helpers for choices --------------------------------------------------------------------


def pick(value: str | None, options: Iterable[str], default: str | None = None) -> str | None:
    """`value` if it is one of `options` (e.g. from a shared URL), else the default.

    Query parameters come from the address bar, so an unknown value is ignored rather than
    trusted or turned into an error.
    """
    allowed = list(options)
    if value in allowed:
        return value
    if default in allowed:
        return default
    return allowed[0] if allowed else None


# --- a partner's submission history -----------------------------------------------------------


def history_choices(
    identity: Identity, partnership: Partnership, contracts: Mapping[str, Contract]
) -> PartnerChoice:
    """The partners whose submissions `identity` may list (one for a partner's submitter, all
    for analysts and admins), by name; a refusal when none."""
    action = Action.VIEW_SUBMISSION_HISTORY
    names, datasets = _allowed_partners(identity, action, partnership, contracts)
    if not names:
        return PartnerChoice({}, {}, refusal=decide(identity, action).reason)
    return PartnerChoice(names, datasets)


def submission_status(
    submission: Submission,
    *,
    superseded_by: int | None = None,
    warnings: int = 0,
    erasure: Erasure | None = None,
) -> str:
    """A register row's status in words: 'accepted', 'accepted with warnings', 'nil return
    (nothing to report)', 'superseded by #N' (a nil return: 'nil return, superseded by #N'),
    'rejected', or for a tombstone 'erased under retention on 2 Dec 2026 by admin' ('erased
    on request …, confirmed by …')."""
    if submission.status == "erased":
        if erasure is None:
            return "erased"
        asked = f"asked by {erasure.requested_by}, " if erasure.requested_by else ""
        by = "confirmed by" if erasure.requested_by else "by"
        return (
            f"erased {erasure.under} on {erasure.erased_at:%d %b %Y} ({asked}{by} "
            f"{erasure.erased_by})"
        )
    nil = "nil return, " if submission.is_nil else ""
    if submission.status == "superseded":
        by = f"superseded by #{superseded_by}" if superseded_by is not None else "superseded"
        return nil + by
    if submission.is_nil:
        return "nil return (nothing to report)"
    if submission.status == "accepted":
        return "accepted with warnings" if warnings else "accepted"
    return submission.status


def submission_history_table(
    submissions: Iterable[Submission],
    titles: Mapping[str, str],
    warnings: Mapping[int, int] | None = None,
    erasures: Mapping[int, Erasure] | None = None,
) -> pl.DataFrame:
    """A partner's submissions as people read them, newest first by time: the submission (its
    id), the dataset's title, the month ('Mar 2016'), file, rows, who sent it and when (UTC) and
    the status in words (`submission_status`, the superseding version found among `submissions`;
    an erased one's tombstone from `erasures`).
    """
    rows = sorted(submissions, key=lambda s: (s.submitted_at, s.submission_id), reverse=True)
    replaced_by = {s.supersedes: s.submission_id for s in rows if s.supersedes is not None}
    counts = warnings or {}
    return pl.DataFrame(
        {
            "Submission": [s.submission_id for s in rows],
            "Dataset": [titles.get(s.dataset, s.dataset) for s in rows],
            "Month": [Period.parse(s.period).label for s in rows],
            "File": [s.file_name or "" for s in rows],
            "Rows": [s.rows for s in rows],
            "Submitted by": [s.submitted_by for s in rows],
            "Submitted (UTC)": [s.submitted_at.strftime("%Y-%m-%d %H:%M") for s in rows],
            "Status": [
                submission_status(
                    s,
                    superseded_by=replaced_by.get(s.submission_id),
                    warnings=counts.get(s.submission_id, 0),
                    erasure=(erasures or {}).get(s.submission_id),
                )
                for s in rows
            ],
        },
        schema={
            "Submission": pl.Int64,
            "Dataset": pl.String,
            "Month": pl.String,
            "File": pl.String,
            "Rows": pl.Int64,
            "Submitted by": pl.String,
            "Submitted (UTC)": pl.String,
            "Status": pl.String,
        },
    )


def history_labels(table: pl.DataFrame) -> dict[int, str]:
    """Each row of a `submission_history_table` as one line for a picker:
    '#985 · NHS emergency admissions · Aug 2017 · accepted'."""
    return {
        row["Submission"]: f"#{row['Submission']} · {row['Dataset']} · {row['Month']} · "
        f"{row['Status']}"
        for row in table.iter_rows(named=True)
    }
