"""Retention (`shared-outcomes retention`): the submissions kept past their agreement's period,
and their erasure.

**Which submissions** (`plan_retention`, pure). Each data sharing agreement keeps a dataset for
a number of months (`retention_months` in `agreements.yaml`), counted from the end of the month
the data is about: a submission for March 2016 under a 120-month rule is kept until 31 March
2026 and is past retention from 1 April 2026. The rule is the one of the agreement under which
the partner shared the dataset when the submission was made (else the one in force in the month
it is about). Every version of the month is past retention together: accepted, superseded,
rejected and nil returns alike, since each may hold content (a rejected file is archived too).
A submission no agreement names a period for is kept, and listed so someone can decide.

**Erasing them** (`apply_retention`). One `Warehouse.erase` per submission, one transaction
each, with its tombstone (see `warehouse.erasure`); a run killed half-way leaves every
submission either whole or erased with its tombstone, and the next run carries on with the rest.
Two runs at once would race for the same submissions: a run holds the database's `retention`
lock, and a second stops at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from shared_outcomes.config.agreements import Agreements
from shared_outcomes.period import Period

if TYPE_CHECKING:
    from shared_outcomes.access.roles import Identity
    from shared_outcomes.warehouse.store import Submission
    from shared_outcomes.workspace import Workspace


@dataclass(frozen=True)
class Expired:
    """A submission past its retention period: under which agreement, kept how long, since when."""

    submission: Submission
    agreement_id: str
    retention_months: int
    #: The first day past retention (the day after the period kept ends).
    expired_on: date

    @property
    def rule(self) -> str:
        """The rule in words, as the tombstone records it."""
        return (
            f"agreement {self.agreement_id} keeps {self.submission.dataset} for "
            f"{self.retention_months} months after the month's end; past retention since "
            f"{self.expired_on.isoformat()}"
        )


@dataclass(frozen=True)
class RetentionPlan:
    """What a run on `today` finds: the submissions past retention, and those no rule covers."""

    today: date
    expired: list[Expired]
    no_rule: list[Submission]
    #: False when the partnership has no agreements file (so no retention rules at all).
    enforced: bool


def plan_retention(
    submissions: Iterable[Submission], agreements: Agreements, today: date
) -> RetentionPlan:
    """The submissions past retention on `today` (oldest first) and those no rule covers."""
    expired: list[Expired] = []
    no_rule: list[Submission] = []
    for sub in sorted(submissions, key=lambda s: s.submission_id):
        if sub.status == "erased":
            continue
        month = Period.parse(sub.period).first_day
        agreement = agreements.covering(
            sub.partner_id, sub.dataset, sub.submitted_at.date()
        ) or agreements.covering(sub.partner_id, sub.dataset, month)
        covered = agreement.covered(sub.dataset) if agreement else None
        if agreement is None or covered is None:
            no_rule.append(sub)
            continue
        until = covered.kept_until(sub.period)
        if until <= today:
            expired.append(Expired(sub, agreement.id, covered.retention_months, until))
    return RetentionPlan(today, expired, no_rule, agreements.enforced)


@dataclass
class RetentionResult:
    """What `apply_retention` did: the tombstones it kept, in order."""

    plan: RetentionPlan
    erased: list[Submission] = field(default_factory=list)


#: Called after each erasure with (how many done, how many in all).
Progress = Callable[[int, int], None]


def apply_retention(
    workspace: Workspace,
    identity: Identity,
    *,
    today: date,
    progress: Progress | None = None,
) -> RetentionResult:
    """Erase every submission past retention on `today`, one transaction each, audited."""
    with workspace.warehouse.only_run("retention"):
        plan = retention_plan(workspace, identity, today=today)
        result = RetentionResult(plan)
        for done, item in enumerate(plan.expired, start=1):
            tomb = workspace.erase_under_retention(
                identity, item.submission.submission_id, agreement_id=item.agreement_id,
                months=item.retention_months, rule=item.rule,
            )  # fmt: skip
            result.erased.append(tomb)
            if progress is not None:
                progress(done, len(plan.expired))
    return result


def retention_plan(workspace: Workspace, identity: Identity, *, today: date) -> RetentionPlan:
    """`plan_retention` of the workspace's register and agreements (administrators only)."""
    return plan_retention(workspace.register_for_retention(identity), workspace.agreements, today)
