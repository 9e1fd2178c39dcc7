"""The audit log: who signed in, submitted, downloaded or was refused what, and when.

Entries live in the warehouse's `audit_log` table (migration 2 of `warehouse_schema`), one row
per event: `id, at (UTC), user_id, role, action, partner, dataset, detail (JSON), outcome`.
`outcome` is the access decision: `allowed` or `denied`. What happened beyond that (a submission
`loaded`, `unchanged`, `rejected` or `refused`, the file downloaded) is in `detail`.

The facade (`service.Workspace`) writes the entries; only `Workspace.audit_entries`, which
requires `VIEW_AUDIT_LOG` (admins), reads them back. The log is append-only: nothing in the
product updates or deletes a row. Every value is a bound parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal, Protocol

import polars as pl

from shared_outcomes.access.roles import Action, Identity, decide
from shared_outcomes.errors import AccessDenied
from shared_outcomes.warehouse.audit_log import AuditFilter, AuditRow

Outcome = Literal["allowed", "denied"]

#: Actions recorded beside the permission table's (`access.Action` values are used as they are).
SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
DOWNLOAD = "download"
BUILD_DEMO = "build_demo"
MIGRATE = "migrate"

#: The most entries one read returns (the admin page pages through older ones with `before`).
MAX_ENTRIES = 5000

AUDIT_SCHEMA = pl.Schema(
    {
        "id": pl.Int64(),
        "at": pl.Datetime("us"),
        "user_id": pl.String(),
        "role": pl.String(),
        "action": pl.String(),
        "partner": pl.String(),
        "dataset": pl.String(),
        "detail": pl.String(),
        "outcome": pl.String(),
    }
)


class _Store(Protocol):
    """What the log needs of the warehouse (`warehouse.Warehouse` fits)."""

    def append_audit(self, row: AuditRow) -> None: ...
    def audit_rows(self, wanted: AuditFilter) -> pl.DataFrame: ...


@dataclass(frozen=True)
class AuditEntry:
    """One event of the audit log."""

    id: int
    at: datetime
    user_id: str
    role: str | None
    action: str
    partner: str | None
    dataset: str | None
    outcome: Outcome
    detail: dict[str, Any] = field(default_factory=dict)


def audit_row(
    identity: Identity | None,
    action: str,
    *,
    outcome: Outcome = "allowed",
    partner: str | None = None,
    dataset: str | None = None,
    detail: Mapping[str, Any] | None = None,
    user_id: str | None = None,
    at: datetime | None = None,
) -> AuditRow:
    """One entry as stored (see `AuditLog.record`), for a write that records it in its own
    transaction (an erasure and its audit entry commit together)."""
    who = identity.user_id if identity is not None else (user_id or "(unknown)")
    role = str(identity.role) if identity is not None else None
    moment = (at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    text = json.dumps(dict(detail or {}), default=str, sort_keys=True)
    return AuditRow(moment, who, role, action, partner, dataset, text, outcome)


class AuditLog:
    """Append and read audit entries in one warehouse."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def record(
        self,
        identity: Identity | None,
        action: str,
        *,
        outcome: Outcome = "allowed",
        partner: str | None = None,
        dataset: str | None = None,
        detail: Mapping[str, Any] | None = None,
        user_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append one entry. `user_id` names who tried when there is no identity (a failed
        sign-in); otherwise the identity's user id and role are recorded."""
        self._store.append_audit(
            audit_row(
                identity, action, outcome=outcome, partner=partner, dataset=dataset,
                detail=detail, user_id=user_id, at=at,
            )
        )  # fmt: skip

    def frame(
        self,
        *,
        limit: int = 200,
        user_id: str | None = None,
        action: str | None = None,
        outcome: Outcome | None = None,
        since: datetime | None = None,
        before: int | None = None,
    ) -> pl.DataFrame:
        """The newest entries matching every given filter, newest first (`AUDIT_SCHEMA`).

        `before` is an entry id: only older entries (to page back through the log).
        """
        found = self._store.audit_rows(
            AuditFilter(
                user_id=user_id,
                action=action,
                outcome=outcome,
                since=None if since is None else since.astimezone(UTC).replace(tzinfo=None),
                before=before,
                limit=max(1, min(limit, MAX_ENTRIES)),
            )
        )
        return found.cast(AUDIT_SCHEMA) if found.height else pl.DataFrame(schema=AUDIT_SCHEMA)

    def entries(self, **filters: Any) -> list[AuditEntry]:
        """As `frame`, one `AuditEntry` per row."""
        return list(_entries(self.frame(**filters)))


def _entries(frame: pl.DataFrame) -> Iterator[AuditEntry]:
    for row in frame.iter_rows(named=True):
        yield AuditEntry(
            id=row["id"],
            at=row["at"].replace(tzinfo=UTC),
            user_id=row["user_id"],
            role=row["role"],
            action=row["action"],
            partner=row["partner"],
            dataset=row["dataset"],
            outcome=row["outcome"],
            detail=json.loads(row["detail"]) if row["detail"] else {},
        )


class AuditedAccess:
    """The facade's permission checks with their audit trail (mixed into `service.Workspace`).

    Kept here so that every refusal the facade raises is written to the log the same way.
    """

    warehouse: _Store

    @cached_property
    def audit(self) -> AuditLog:
        """The audit log kept in this workspace's warehouse."""
        return AuditLog(self.warehouse)

    def require(
        self,
        identity: Identity,
        action: Action,
        *,
        partner: str | None = None,
        dataset: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """`access.require`, with a refusal written to the audit log before it is raised."""
        decision = decide(identity, action, partner=partner, dataset=dataset)
        if not decision.allowed:
            why = {"reason": decision.reason} | (detail or {})
            self.audit.record(
                identity, action, outcome="denied", partner=partner, dataset=dataset, detail=why
            )
            raise AccessDenied(decision.reason)

    def record_download(
        self,
        identity: Identity,
        what: str,
        *,
        partner: str | None = None,
        dataset: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record that `identity` downloaded `what` (e.g. "figures.csv"); the data itself was
        read through a checked method, so this only writes the audit entry."""
        self.audit.record(
            identity,
            DOWNLOAD,
            partner=partner,
            dataset=dataset,
            detail={"what": what} | (detail or {}),
        )

    def audit_entries(
        self,
        identity: Identity,
        *,
        limit: int = 200,
        user_id: str | None = None,
        action: str | None = None,
        outcome: Outcome | None = None,
        since: datetime | None = None,
        before: int | None = None,
    ) -> pl.DataFrame:
        """The newest audit entries, newest first (admins only); see `AuditLog.frame`."""
        self.require(identity, Action.VIEW_AUDIT_LOG)
        return self.audit.frame(
            limit=limit, user_id=user_id, action=action, outcome=outcome, since=since, before=before
        )
