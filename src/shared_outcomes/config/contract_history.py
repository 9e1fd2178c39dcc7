"""Every published version of each contract, kept so any stored submission can be re-read under
the version it passed, and the discipline of changing them.

A version is published by copying the contract file, as it stands, to
`data_contracts/history/<dataset>/<version>.odcs.yaml` (`publish`, or `shared-outcomes
contracts publish DATASET`). Files rather than git: a deployment copied without its git history
(a release archive, a container) still has every version, and a version is read with the same
loader as the current contract (its reference tables are the contracts folder's own).

`check_history` is the rule the test command runs (`shared-outcomes contracts check`): the
current contract of each dataset is published, identical to its published copy, and every step
between published versions has the version bump its changes need (`contract_changes`).
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from shared_outcomes.config.contract_changes import ContractDiff, diff_contracts
from shared_outcomes.config.contracts import (
    CONTRACT_SUFFIX,
    REFERENCE_FOLDER,
    Contract,
    load_contract,
    load_contracts,
)
from shared_outcomes.config.odcs import load_odcs
from shared_outcomes.errors import UsageError

HISTORY_FOLDER = "history"


def load_any(path: Path, reference_dir: Path) -> Contract:
    """A contract file of any name (a proposed version, `homelessness_cases_v2.odcs.yaml`, or
    a published one): its dataset is its own `id`, its reference tables those in
    `reference_dir`. A broken file is one `ContractError` naming it."""
    if not path.is_file():
        raise UsageError(f"{path} does not exist or is not a file: check the path.")
    found = load_odcs(path).id
    return load_contract(path, dataset=str(found) if found else None, reference_dir=reference_dir)


def history_dir(contracts_dir: Path, dataset: str) -> Path:
    """Where the published versions of `dataset` are kept."""
    return contracts_dir / HISTORY_FOLDER / dataset


def version_key(version: str) -> tuple[int, ...]:
    """A semantic version as numbers, for ordering (`1.10.0` after `1.9.0`)."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise UsageError(
            f"{version!r} is not a version: write it as MAJOR.MINOR.PATCH, e.g. 1.2.0."
        ) from None


def published(contracts_dir: Path, dataset: str) -> list[str]:
    """The published versions of `dataset`, oldest first."""
    folder = history_dir(contracts_dir, dataset)
    found = [p.name.removesuffix(CONTRACT_SUFFIX) for p in folder.glob(f"*{CONTRACT_SUFFIX}")]
    return sorted(found, key=version_key)


def load_version(contracts_dir: Path, dataset: str, version: str) -> Contract:
    """A published version of `dataset`'s contract; an unknown one is a `UsageError` listing
    those there are."""
    path = history_dir(contracts_dir, dataset) / f"{version}{CONTRACT_SUFFIX}"
    if not path.is_file():
        known = ", ".join(published(contracts_dir, dataset)) or "none yet"
        raise UsageError(
            f"version {version} of the {dataset} contract was never published (published: {known})."
        )
    return load_contract(path, dataset=dataset, reference_dir=contracts_dir / REFERENCE_FOLDER)


def changelog(contracts_dir: Path, dataset: str) -> list[ContractDiff]:
    """The changes from each published version of `dataset` to the next, oldest first (empty
    with fewer than two). Kept per process for the versions published (`_changelog`): a new
    publication is a new key, and the Standards page does not re-read every file each run."""
    return list(_changelog(contracts_dir, dataset, tuple(published(contracts_dir, dataset))))


@functools.cache
def _changelog(
    contracts_dir: Path, dataset: str, versions: tuple[str, ...]
) -> tuple[ContractDiff, ...]:
    steps = [load_version(contracts_dir, dataset, v) for v in versions]
    return tuple(diff_contracts(old, new) for old, new in pairwise(steps))


@dataclass(frozen=True)
class HistoryProblem:
    """One thing `check_history` found wrong, and what to do about it."""

    dataset: str
    message: str


def check_history(contracts_dir: Path) -> list[HistoryProblem]:
    """Every dataset's current contract against its published versions (see the module)."""
    problems: list[HistoryProblem] = []
    for dataset, current in load_contracts(contracts_dir).items():
        versions = published(contracts_dir, dataset)
        if not versions:
            problems.append(HistoryProblem(dataset, _unpublished(current)))
            continue
        for step in changelog(contracts_dir, dataset):
            problem = step.version_problem()
            if problem:
                problems.append(HistoryProblem(dataset, f"published versions: {problem}"))
        latest = load_version(contracts_dir, dataset, versions[-1])
        if current.previous_version is not None and current.previous_version not in versions:
            problems.append(
                HistoryProblem(
                    dataset,
                    f"{dataset}.odcs.yaml accepts its previous version "
                    f"{current.previous_version} until {current.accept_previous_until}, but that "
                    "version was never published in history/.",
                )
            )
        if current.version in versions:
            kept = load_version(contracts_dir, dataset, current.version)
            changed = diff_contracts(kept, current)
            if changed.changes:
                what = "; ".join(c.words for c in changed.changes[:3])
                problems.append(
                    HistoryProblem(
                        dataset,
                        f"{dataset}.odcs.yaml differs from its published version "
                        f"{current.version} ({what}) but keeps its version number: give it "
                        f"the version its changes need, then publish it.",
                    )
                )
            elif current.version != latest.version:
                problems.append(
                    HistoryProblem(
                        dataset,
                        f"{dataset}.odcs.yaml is version {current.version}, older than the "
                        f"latest published version {latest.version}: a version never goes "
                        "backwards.",
                    )
                )
            continue
        step = diff_contracts(latest, current)
        problem = step.version_problem()
        problems.append(HistoryProblem(dataset, problem or _unpublished(current)))
    return problems


def _unpublished(current: Contract) -> str:
    return (
        f"version {current.version} of {current.dataset}.odcs.yaml is not published: check "
        f"`shared-outcomes contracts diff`, then run `shared-outcomes contracts publish "
        f"{current.dataset}`."
    )


def publish(contracts_dir: Path, dataset: str) -> tuple[Path, ContractDiff | None]:
    """Copy the current contract of `dataset` into its history, after checking that its
    version is the bump its changes since the latest published version need; return where it
    went and those changes (None for the first version). Nothing is written when refused."""
    source = contracts_dir / f"{dataset}{CONTRACT_SUFFIX}"
    if not source.is_file():
        raise UsageError(f"there is no contract {source.name} in {contracts_dir}.")
    current = load_contract(source)
    versions = published(contracts_dir, dataset)
    step: ContractDiff | None = None
    if versions:
        latest = load_version(contracts_dir, dataset, versions[-1])
        if current.version in versions:
            raise UsageError(
                f"version {current.version} of {dataset} is published already; a changed "
                "contract needs a new version number."
            )
        step = diff_contracts(latest, current)
        problem = step.version_problem()
        if problem:
            raise UsageError(problem)
    target = history_dir(contracts_dir, dataset) / f"{current.version}{CONTRACT_SUFFIX}"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    try:
        shutil.copyfile(source, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target, step
