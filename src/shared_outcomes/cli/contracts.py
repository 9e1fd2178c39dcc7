"""Contract change control on the command line: `shared-outcomes contracts diff|check|publish|
impact`.

- `diff OLD NEW [--json]`: every change between two contract files, breaking or not, and the
  version bump they need; exit 0, or 2 for files that are not contracts, of two datasets, the
  same, or a version going backwards.
- `check`: every current contract is published in `data_contracts/history/` and versioned as
  its changes need; exit 0, else 1 with each problem (run by the test command).
- `publish DATASET`: the current contract copied into its history once its version is right.
- `impact NEW [--json] [--db PATH] [--as USER]`: what a proposed contract would do to this
  partnership: the outcomes that read what changes, and the current submissions re-checked
  against it from the archive (a dry run; nothing is stored).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shared_outcomes.cli.opening import DbOption, open_existing
from shared_outcomes.errors import UsageError

if TYPE_CHECKING:
    from shared_outcomes.checking.impact import ContractImpact
    from shared_outcomes.config.contract_changes import ContractDiff

RunSafely = Callable[[Callable[[], int]], int]
AsOption = Annotated[
    str | None, typer.Option("--as", metavar="USER", help="Act as this user (an administrator).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _console() -> Console:
    return Console(file=sys.stdout, width=160, highlight=False, soft_wrap=True)


def contracts_commands(run_safely: RunSafely) -> typer.Typer:
    """The `contracts` sub-commands, run through the CLI's error handling."""
    group = typer.Typer(
        help="Contract change control: compare versions, check the history, publish a version, "
        "and assess a proposed change's impact before it is made.",
        no_args_is_help=True,
    )
    group.command("diff")(_diff_command(run_safely))
    group.command("check")(_check_command(run_safely))
    group.command("publish")(_publish_command(run_safely))
    group.command("impact")(_impact_command(run_safely))
    return group


def _diff_command(run_safely: RunSafely) -> Callable[..., None]:
    def diff(
        old: Annotated[Path, typer.Argument(help="The contract as it is (an .odcs.yaml file).")],
        new: Annotated[Path, typer.Argument(help="The contract as proposed.")],
        as_json: JsonOption = False,
    ) -> None:
        """Every change from OLD to NEW, breaking or not, and the version NEW needs."""

        def body() -> int:
            from shared_outcomes.config.contract_changes import diff_contracts
            from shared_outcomes.config.contract_history import load_any
            from shared_outcomes.settings import load_settings

            reference = load_settings().reference_dir
            before, after = load_any(old, reference), load_any(new, reference)
            found = diff_contracts(before, after)
            _refuse_no_change_or_backwards(found, old, new)
            if as_json:
                sys.stdout.write(json.dumps(found.as_json(), indent=2) + "\n")
            else:
                _print_diff(found)
            return 0

        raise typer.Exit(run_safely(body))

    return diff


def _check_command(run_safely: RunSafely) -> Callable[..., None]:
    def check() -> None:
        """Every contract published in data_contracts/history/ and versioned as its changes
        need: exit 0, else 1 listing each problem."""

        def body() -> int:
            from shared_outcomes.config.contract_history import check_history
            from shared_outcomes.settings import load_settings

            folder = load_settings().contracts_dir
            problems = check_history(folder)
            out = _console()
            if not problems:
                out.print(
                    Text(
                        f"Every contract in {folder} is published and versioned as its "
                        "changes need."
                    )
                )
                return 0
            for problem in problems:
                out.print(Text(f"{problem.dataset}: {problem.message}"))
            return 1

        raise typer.Exit(run_safely(body))

    return check


def _publish_command(run_safely: RunSafely) -> Callable[..., None]:
    def publish(
        dataset: Annotated[str, typer.Argument(help="The dataset whose contract to publish.")],
    ) -> None:
        """Copy the current contract of DATASET into data_contracts/history/, once its version
        is the bump its changes need."""

        def body() -> int:
            from shared_outcomes.config.contract_history import publish as publish_version
            from shared_outcomes.settings import load_settings

            target, step = publish_version(load_settings().contracts_dir, dataset)
            changes = f" ({len(step.changes)} changes from {step.old_version})" if step else ""
            _console().print(Text(f"Published {target}{changes}."))
            return 0

        raise typer.Exit(run_safely(body))

    return publish


def _impact_command(run_safely: RunSafely) -> Callable[..., None]:
    def impact(
        new: Annotated[Path, typer.Argument(help="The proposed contract (an .odcs.yaml file).")],
        as_json: JsonOption = False,
        db: DbOption = None,
        acting_as: AsOption = None,
    ) -> None:
        """What the proposed contract NEW would do: the outcomes reading what changes, and the
        current submissions re-checked against it from the archive (nothing is stored)."""

        def body() -> int:
            workspace = open_existing(db)
            me = workspace.cli_identity(acting_as)
            if me is None:
                raise UsageError(
                    "say who assesses the change with --as USER (an administrator or the "
                    "data-standards team; in demo mode, --as demo-admin).",
                    title="Who is assessing it?",
                )
            sys.stderr.write(f"Re-checking the archived submissions against {new.name}…\n")
            found = workspace.contract_impact(me, new)
            if as_json:
                sys.stdout.write(json.dumps(found.as_json(), indent=2) + "\n")
            else:
                _print_impact(found)
            return 0

        raise typer.Exit(run_safely(body))

    return impact


def _refuse_no_change_or_backwards(found: ContractDiff, old: Path, new: Path) -> None:
    from shared_outcomes.config.contract_changes import bump_between

    if not found.changes:
        raise UsageError(
            f"{old.name} and {new.name} are the same {found.dataset} contract: nothing changed."
        )
    if bump_between(found.old_version, found.new_version) == "backwards":
        raise UsageError(found.version_problem() or "the version goes backwards.")


def _print_diff(found: ContractDiff) -> None:
    out = _console()
    breaking = len(found.breaking)
    out.print(
        Text(
            f"{found.dataset} {found.old_version} → {found.new_version}: "
            f"{len(found.changes)} change(s), {breaking} breaking; it needs a "
            f"{found.needed_bump} version."
        )
    )
    table = Table("", "change", "column", "what changes", show_lines=False)
    for change in found.changes:
        table.add_row(
            "BREAKING" if change.breaking else change.bump,
            change.code,
            Text(change.column or "(contract)"),
            Text(change.words),
        )
    out.print(table)
    problem = found.version_problem()
    out.print(Text(problem or f"Version {found.new_version} is the bump these changes need."))


def _print_impact(found: ContractImpact) -> None:
    out = _console()
    _print_diff(found.diff)
    out.print()
    if found.outcomes:
        out.print(Text("Shared outcomes that read what changes:"))
        for o in found.outcomes:
            out.print(Text(f"  {o.effect.upper()}: {o.words}"))
    else:
        out.print(Text("No shared outcome reads a column that changes."))
    out.print()
    months = f"{found.months[0]} to {found.months[-1]}" if found.months else "none"
    out.print(
        Text(
            f"Current submissions re-checked against the proposed version ({months}): "
            f"{found.rejected} would have been rejected."
        )
    )
    table = Table("partner", "checked", "would be rejected", "finding codes", "months rejected")
    for p in found.partners:
        codes = ", ".join(f"{code} ({n})" for code, n in sorted(p.codes.items()))
        missing = f" ({p.missing_files} not in the archive)" if p.missing_files else ""
        table.add_row(
            Text(p.name), f"{p.checked}{missing}", str(p.rejected), Text(codes or "–"),
            Text(", ".join(p.rejected_months) or "–"),
        )  # fmt: skip
    out.print(table)
