"""One catalogue of finding codes (checking/findings.py), true to docs/findings.md.

Every finding the product raises is made by `findings.describe` from `CATALOGUE`: no other module
words a finding, every code the package names is in the catalogue, and docs/findings.md lists
exactly the catalogue's codes, each with its severity.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import shared_outcomes
from shared_outcomes.checking.findings import CATALOGUE, Entry, Wording, describe

PACKAGE = Path(shared_outcomes.__file__).parent
FINDINGS_MODULE = PACKAGE / "checking" / "findings.py"
DOC = PACKAGE.parents[1] / "docs" / "findings.md"


# --- docs/findings.md ---------------------------------------------------------------------------


def documented_severities(text: str) -> dict[str, list[str]]:
    """Code -> the severity cells of the rows that list it, from every table with those columns."""
    found: dict[str, list[str]] = {}
    columns: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = None  # a table ends at the first line that is not a row
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if columns is None:
            columns = [c.lower() for c in cells]
        elif set("".join(cells)) <= set("-: ") or "code" not in columns:
            continue  # the line under the column names, or a table of something else
        else:
            code = re.fullmatch(r"`([a-z0-9-]+)`", cells[columns.index("code")])
            assert code, f"docs/findings.md: a row of a table of codes names no code: {line}"
            found.setdefault(code[1], []).append(cells[columns.index("severity")])
    return found


def severity_problems(catalogue: dict[str, Entry], text: str) -> list[str]:
    """What makes the doc untrue to the catalogue (empty when it is true)."""
    documented = documented_severities(text)
    problems = [
        f"{c} is in the catalogue but not in docs/findings.md"
        for c in catalogue.keys() - documented.keys()
    ]
    problems += [
        f"{c} is in docs/findings.md but not in the catalogue"
        for c in documented.keys() - catalogue.keys()
    ]
    for code in sorted(catalogue.keys() & documented.keys()):
        cells, entry = documented[code], catalogue[code]
        if len(cells) > 1:
            problems.append(f"{code} is listed {len(cells)} times in docs/findings.md")
        words = re.findall(r"[a-z]+", cells[0].lower())
        if not words or words[0] != entry.severity:
            problems.append(f"{code}: documented as {cells[0]!r}, catalogued as {entry.severity}")
        for name, wording in entry.variants.items():
            if wording.severity is not None and wording.severity not in words:
                problems.append(
                    f"{code}: its {name!r} wording is a {wording.severity}, which the doc's "
                    f"severity {cells[0]!r} does not mention"
                )
    return sorted(problems)


def test_docs_findings_md_lists_exactly_the_catalogue_with_its_severities() -> None:
    assert severity_problems(CATALOGUE, DOC.read_text()) == []


def test_the_doc_check_sees_a_missing_an_extra_and_a_wrong_code() -> None:
    text = DOC.read_text()
    assert len(documented_severities(text)) == len(CATALOGUE) > 30  # it read the tables
    without = re.sub(r"^\| `empty-file` \|.*\n", "", text, flags=re.M)
    assert severity_problems(CATALOGUE, without) == [
        "empty-file is in the catalogue but not in docs/findings.md"
    ]
    extra = text + "\n| code | severity |\n| --- | --- |\n| `made-up-code` | error |\n"
    assert severity_problems(CATALOGUE, extra) == [
        "made-up-code is in docs/findings.md but not in the catalogue"
    ]
    wrong = text.replace("| `ragged-row` | error |", "| `ragged-row` | warning |")
    assert severity_problems(CATALOGUE, wrong) == [
        "ragged-row: documented as 'warning', catalogued as error"
    ]
    quiet = re.sub(r"\| `blank-column-name` \| [^|]*\|", "| `blank-column-name` | error |", text)
    assert severity_problems(CATALOGUE, quiet) == [
        "blank-column-name: its 'empty-column' wording is a warning, which the doc's severity "
        "'error' does not mention"
    ]


# --- the package's source -----------------------------------------------------------------------


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def findings_made_outside(source: str) -> list[int]:
    """The lines where `source` constructs a Finding with a `code=` (only findings.py may)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and _called(node) in ("Finding", "model_construct")
        and any(k.arg == "code" for k in node.keywords)
    ]


def codes_named(source: str) -> list[tuple[int, str, str | None]]:
    """(line, code, variant) for each finding code `source` names as a literal: the code of a
    `describe(...)` (and its `variant=`) or a validation `Rule(...)`, a `code=` keyword and a
    string compared with a `.code`."""
    named: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            keywords = {k.arg: k.value for k in node.keywords}
            first = node.args[0] if node.args else keywords.get("code")
            code = _literal(first) if _called(node) in ("describe", "Rule") else None
            code = code or _literal(keywords.get("code"))
            if code is not None:
                named.append((node.lineno, code, _literal(keywords.get("variant"))))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "code" for s in sides):
                for side in sides:
                    items = (
                        side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                    )
                    named += [(node.lineno, c, None) for c in map(_literal, items) if c]
    return named


def unknown_codes(source: str, catalogue: dict[str, Entry]) -> list[str]:
    problems = []
    for line, code, variant in codes_named(source):
        if code not in catalogue:
            problems.append(f"line {line}: {code!r} is not a code of the catalogue")
        elif variant is not None and variant not in catalogue[code].variants:
            problems.append(f"line {line}: {code!r} has no wording {variant!r}")
    return problems


def package_sources() -> dict[str, str]:
    return {
        str(path.relative_to(PACKAGE)): path.read_text()
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != FINDINGS_MODULE
    }


def test_no_module_but_findings_py_constructs_a_finding() -> None:
    made = {
        name: lines
        for name, src in package_sources().items()
        if (lines := findings_made_outside(src))
    }
    assert made == {}, "make findings with findings.describe(code, ...) from the catalogue"


def test_every_code_the_package_names_is_in_the_catalogue() -> None:
    sources = package_sources()
    unknown = {name: p for name, src in sources.items() if (p := unknown_codes(src, CATALOGUE))}
    assert unknown == {}
    named = {code for src in sources.values() for _, code, _ in codes_named(src)}
    # The scan sees the codes of reading, the header, the census, the rules and the drop folder.
    # (A code a rule picks from a table, such as rules._TYPE_CODES, is not a literal call
    # argument: `describe` raises KeyError for it, which the validation tests would show.)
    assert len(named) > 30
    assert {
        "blank-column-name",
        "unreadable-csv",
        "required-missing",
        "submission-refused",
    } <= named


def test_every_code_and_wording_of_the_catalogue_is_raised_somewhere() -> None:
    """No dead entry: each code (and each variant's name) is a literal of some other module."""
    literals = {
        node.value
        for src in package_sources().values()
        for node in ast.walk(ast.parse(src))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert set(CATALOGUE) - literals == set()
    variants = {name for entry in CATALOGUE.values() for name in entry.variants}
    assert variants - literals == set()


def test_the_source_checks_see_a_finding_worded_inline_and_an_unknown_code() -> None:
    inline = (
        "from shared_outcomes.checking.report import Finding\n"
        "def f(name):\n"
        "    return Finding(code='empty-file', severity='error', message=f'{name} is empty.')\n"
    )
    assert findings_made_outside(inline) == [3]
    assert findings_made_outside("describe('empty-file', name='x')\n") == []
    source = (
        "describe('empty-fille', name=n)\n"
        "describe('blank-column-name', variant='no-such-wording')\n"
        "Rule('not-a-nubmer', name, mask, shown)\n"
        "if f.code in ('ragged-row', 'raged-row'): pass\n"
        "describe('excel-workbook', variant='ods', name=n)\n"
    )
    assert unknown_codes(source, CATALOGUE) == [
        "line 1: 'empty-fille' is not a code of the catalogue",
        "line 2: 'blank-column-name' has no wording 'no-such-wording'",
        "line 3: 'not-a-nubmer' is not a code of the catalogue",
        "line 4: 'raged-row' is not a code of the catalogue",
    ]


# --- the catalogue itself -----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_wording_is_a_message_and_a_fix_with_named_fields(code: str) -> None:
    entry = CATALOGUE[code]
    wordings: list[Entry | Wording] = [entry, *entry.variants.values()]
    for wording in wordings:
        assert wording.message.strip() and wording.fix.strip()
        for template in (wording.message, wording.fix):
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
            assert all(re.fullmatch(r"[a-z_]+", f) for f in fields), (code, template)
            assert template.format(**dict.fromkeys(fields, "x"))  # fills with names alone


def test_a_variant_keeps_the_code_and_may_change_the_severity() -> None:
    empty = describe("blank-column-name", variant="empty-column", rows=[1], row=1, letter="C")
    named = describe("blank-column-name", rows=[1], row=1, letter="B")
    assert (empty.code, empty.severity) == ("blank-column-name", "warning")
    assert (named.code, named.severity) == ("blank-column-name", "error")
    assert empty.message == "Column C has no name in the header row and no values; it was ignored."
    assert named.fix == "Type the column's name in cell B1, or delete the column."
    with pytest.raises(KeyError):
        describe("blank-column-name", variant="no-such-wording")
