"""The facade's cache of computed figures: reused within a register version, never across one.

The common picture asks for the figures twice per page view; `Workspace.figures` keeps them per
suppression class, request and register version (bench/bench_pages.py measures the speed),
and sessions asking for the same figures at once share one computation.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from support import make_extracts

from shared_outcomes.access.roles import Identity, Role
from shared_outcomes.figures import outcomes
from shared_outcomes.settings import load_settings
from shared_outcomes.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
ANALYST = Identity("an", "Analyst", Role.ANALYST)
LEADERSHIP = Identity("le", "Leadership", Role.LEADERSHIP)


@pytest.fixture
def counted(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Workspace, list[bool]]:
    """A workspace over a copy of the sample, counting real computations (their `suppress`)."""
    calls: list[bool] = []
    original = outcomes.compute_outcomes

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("suppress")))
        return original(*args, **kwargs)

    monkeypatch.setattr(outcomes, "compute_outcomes", counting)
    return Workspace.open(load_settings(db=app_db, root=ROOT)), calls


def test_figures_are_computed_once_per_register_version_and_suppression_class(
    counted: tuple[Workspace, list[bool]],
) -> None:
    ws, calls = counted
    first = ws.figures(ANALYST)
    assert ws.figures(Identity("an2", "Another analyst", Role.ANALYST)).equals(first)
    assert len(calls) == 1
    shown = ws.figures(LEADERSHIP)  # suppressed: another class, computed separately
    assert len(calls) == 2
    assert shown["suppressed"].sum() > first["suppressed"].sum()
    ws.figures(ANALYST, unsuppressed=False)  # a board pack: suppressed whoever asks
    assert calls[-1] is True and len(calls) == 3


def test_a_new_submission_is_seen_at_the_next_call(
    counted: tuple[Workspace, list[bool]],
) -> None:
    ws, calls = counted
    before_version = ws.register_version()
    before = ws.figures(ANALYST)
    files = make_extracts()
    admin = Identity("ad", "Admin", Role.ADMIN)
    result = ws.submit(
        admin, files.good, dataset=files.dataset, partner=files.partner, period=files.period
    )
    assert result.status == "loaded"
    assert ws.register_version() == (result.submission_id, before_version[1] + 1)
    after = ws.figures(ANALYST)
    assert len(calls) == 2
    assert not after.equals(before)
    newest = ws.latest_submission_time(ANALYST)
    assert newest is not None
    assert newest == max(s.submitted_at for s in ws.submissions(ANALYST))


def _at_once(ws: Workspace, threads: int) -> list[Any]:
    """`threads` threads asking for the analyst's figures together: each one's frame or error."""
    start = threading.Barrier(threads)

    def ask() -> Any:
        start.wait()
        try:
            return ws.figures(ANALYST)
        except RuntimeError as error:
            return error

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: ask(), range(threads)))


def _slow_workspace(
    app_db: Path, monkeypatch: pytest.MonkeyPatch, *, fail_first: bool
) -> tuple[Workspace, list[float]]:
    """A workspace whose computations take 0.5 s (long enough for every thread to ask
    meanwhile), the first failing if `fail_first`; with the moment each began."""
    calls: list[float] = []
    original = outcomes.compute_outcomes

    def slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(time.monotonic())
        time.sleep(0.5)
        if fail_first and len(calls) == 1:
            raise RuntimeError("the catalog went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(outcomes, "compute_outcomes", slow)
    return Workspace.open(load_settings(db=app_db, root=ROOT)), calls


def test_sessions_asking_together_wait_for_one_computation(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, calls = _slow_workspace(app_db, monkeypatch, fail_first=False)
    results = _at_once(ws, 4)
    assert len(calls) == 1
    assert all(r.equals(results[0]) for r in results)


def test_when_the_one_computation_fails_a_waiting_session_computes_again(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, calls = _slow_workspace(app_db, monkeypatch, fail_first=True)
    results = _at_once(ws, 4)
    errors = [r for r in results if isinstance(r, RuntimeError)]
    frames = [r for r in results if not isinstance(r, RuntimeError)]
    assert len(errors) == 1 and len(frames) == 3
    assert len(calls) == 2  # the first waiter computed; the other two had its figures
    assert all(f.equals(frames[0]) for f in frames)
    assert ws.figures(ANALYST).equals(frames[0]) and len(calls) == 2


def test_a_view_of_the_common_picture_reads_the_register_once(
    open_page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared_outcomes.warehouse.store import Warehouse

    reads: list[tuple[int, int]] = []
    original = Warehouse.register_stamp

    def counting(self: Warehouse) -> tuple[int, int]:
        reads.append(original(self))
        return reads[-1]

    at = open_page("Common picture", user="demo-leadership")
    monkeypatch.setattr(Warehouse, "register_stamp", counting)
    at.run()  # figures now and at the last meeting: two sets, one state of the register
    assert not at.exception and len(reads) == 1
    assert "Since the last meeting" in [h.value for h in at.header]
