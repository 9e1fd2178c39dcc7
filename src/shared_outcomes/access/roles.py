"""Who is acting, and what their role allows: the permission table the core applies to every action.

Every core function that submits or reads data takes an `Identity` and asks `require(...)` here,
so a page, a script or a crafted URL cannot skip the check. The table is data (`RULES`), one
function per action, and the tests walk it role by role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from shared_outcomes.errors import AccessDenied


class Role(StrEnum):
    """The roles of the partnership, mapped to users in the users file."""

    PARTNER_SUBMITTER = "partner_submitter"
    ANALYST = "analyst"
    LEADERSHIP = "leadership"
    ADMIN = "admin"
    #: The centre's data-standards team: every partner's obligations, reports and timeliness,
    #: but no rows and no unsuppressed figures; excuses obligations and pauses reminders.
    OVERSIGHT = "oversight"


ROLE_TITLES: dict[Role, str] = {
    Role.PARTNER_SUBMITTER: "Partner submitter",
    Role.ANALYST: "Joint analysis team",
    Role.LEADERSHIP: "Leadership",
    Role.ADMIN: "Administrator",
    Role.OVERSIGHT: "Data-standards team",
}


class Action(StrEnum):
    """Everything the product lets someone do that the permission table decides."""

    VIEW_SHARED_FIGURES = "view_shared_figures"
    VIEW_UNSUPPRESSED_FIGURES = "view_unsuppressed_figures"
    DOWNLOAD_FIGURES = "download_figures"
    SUBMIT_EXTRACT = "submit_extract"
    VIEW_SUBMISSION_REPORTS = "view_submission_reports"
    VIEW_SUBMISSION_HISTORY = "view_submission_history"
    DOWNLOAD_SUBMITTED_FILE = "download_submitted_file"
    VIEW_TIMELINESS = "view_timeliness"
    VIEW_ROW_LEVEL_DATA = "view_row_level_data"
    VIEW_STANDARDS = "view_standards"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_USERS = "manage_users"
    COMMENT_ON_FIGURES = "comment_on_figures"
    COMMENT_ON_SUBMISSIONS = "comment_on_submissions"
    SIGN_OFF = "sign_off"
    EXCUSE_OBLIGATION = "excuse_obligation"
    PAUSE_REMINDERS = "pause_reminders"
    ASSESS_CONTRACT_CHANGE = "assess_contract_change"
    APPLY_RETENTION = "apply_retention"
    ERASE_SUBMISSION = "erase_submission"


@dataclass(frozen=True)
class Identity:
    """A signed-in person (or the CLI acting as a named user)."""

    user_id: str
    display_name: str
    role: Role
    partner_id: str | None = None
    #: Datasets whose row-level data this person may see (an analyst's data-sharing agreement).
    row_level_datasets: frozenset[str] = field(default_factory=frozenset)

    @property
    def sees_unsuppressed(self) -> bool:
        """Analysts and admins may see small counts; everyone else sees suppressed figures."""
        return is_allowed(self, Action.VIEW_UNSUPPRESSED_FIGURES)

    @property
    def label(self) -> str:
        return f"{self.display_name} ({ROLE_TITLES[self.role]})"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


Rule = Callable[[Identity, str | None, str | None], Decision]

ALLOW = Decision(True)


def _everyone(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    return ALLOW


def _roles(*roles: Role, why: str) -> Rule:
    def rule(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
        if identity.role in roles:
            return ALLOW
        return Decision(False, f"{identity.label} cannot {why}.")

    return rule


def _submit(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    if identity.role == Role.ADMIN:
        return ALLOW
    if identity.role != Role.PARTNER_SUBMITTER:
        return Decision(
            False,
            f"{identity.label} cannot submit extracts: only a partner's submitters can. "
            "Ask an administrator for the submitter role.",
        )
    if partner is None or identity.partner_id != partner:
        return Decision(
            False,
            f"{identity.display_name} submits for {identity.partner_id}, not for {partner}: "
            "each partner submits only its own extracts.",
        )
    return ALLOW


def _submission_reports(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    if identity.role in (Role.ANALYST, Role.ADMIN, Role.OVERSIGHT):
        return ALLOW
    if identity.role == Role.PARTNER_SUBMITTER and partner is not None:
        if identity.partner_id == partner:
            return ALLOW
        return Decision(
            False,
            f"{identity.display_name} may see only {identity.partner_id}'s submission reports, "
            f"not {partner}'s.",
        )
    return Decision(False, f"{identity.label} cannot see partners' submission reports.")


def _submission_history(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    """As the reports: a partner's submitters see their own partner's (asked without naming a
    partner, their own), analysts and admins every partner's; leadership none."""
    if identity.role == Role.PARTNER_SUBMITTER and partner is None:
        partner = identity.partner_id
    return _submission_reports(identity, partner, dataset)


def _submitted_file(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    """A raw file as it was sent is row-level data: its own partner's submitters may download it
    again, analysts as far as their data-sharing agreement goes, admins always."""
    if identity.role != Role.PARTNER_SUBMITTER:
        return _row_level(identity, partner, dataset)
    if partner is not None and identity.partner_id == partner:
        return ALLOW
    return Decision(
        False,
        f"{identity.display_name} may download only {identity.partner_id}'s submitted files, "
        f"not {partner}'s.",
    )


def _row_level(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    if identity.role == Role.ADMIN:
        return ALLOW
    if identity.role == Role.ANALYST and dataset is not None:
        if dataset in identity.row_level_datasets:
            return ALLOW
        return Decision(
            False,
            f"{identity.display_name}'s data-sharing agreement does not cover row-level data "
            f"of {dataset}. Ask the centre to extend the agreement.",
        )
    return Decision(False, f"{identity.label} cannot see row-level data.")


def _comment_on_figures(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    """The joint analysis team, leadership and admins comment on any figure; a partner's
    submitters only on the figures their own data feeds (`partner`: the submitter's partner when
    the facade has found that its data feeds the figure, else None)."""
    if identity.role in (Role.ANALYST, Role.LEADERSHIP, Role.ADMIN):
        return ALLOW
    if identity.role == Role.PARTNER_SUBMITTER and partner and partner == identity.partner_id:
        return ALLOW
    if identity.role != Role.PARTNER_SUBMITTER:
        return Decision(
            False,
            f"{identity.label} cannot comment on the shared figures: comment on a partner's "
            "submission instead.",
        )
    return Decision(
        False,
        f"{identity.display_name} may comment only on the figures {identity.partner_id}'s own "
        "data feeds. Pick a figure of an outcome your partner submits data for.",
    )


def _comment_on_submissions(
    identity: Identity, partner: str | None, dataset: str | None
) -> Decision:
    """A partner's submitters comment on their own partner's submissions, the joint analysis team
    and admins on any; leadership comments on the figures, not on partners' files."""
    if identity.role in (Role.ANALYST, Role.ADMIN, Role.OVERSIGHT):
        return ALLOW
    if identity.role == Role.PARTNER_SUBMITTER:
        if partner is not None and identity.partner_id == partner:
            return ALLOW
        return Decision(
            False,
            f"{identity.display_name} may comment only on {identity.partner_id}'s own "
            f"submissions, not on {partner or 'another partner'}'s.",
        )
    return Decision(
        False,
        f"{identity.label} cannot comment on partners' submissions: comment on the figures "
        "instead.",
    )


def _pause_reminders(identity: Identity, partner: str | None, dataset: str | None) -> Decision:
    """A partner's submitters pause their own partner's reminders; the data-standards team and
    admins any partner's."""
    if identity.role in (Role.OVERSIGHT, Role.ADMIN):
        return ALLOW
    if identity.role == Role.PARTNER_SUBMITTER and partner is not None:
        if identity.partner_id == partner:
            return ALLOW
        return Decision(
            False,
            f"{identity.display_name} may pause only {identity.partner_id}'s reminders, "
            f"not {partner}'s.",
        )
    return Decision(False, f"{identity.label} cannot pause partners' reminders.")


RULES: dict[Action, Rule] = {
    Action.VIEW_SHARED_FIGURES: _everyone,
    Action.VIEW_UNSUPPRESSED_FIGURES: _roles(
        Role.ANALYST,
        Role.ADMIN,
        why="see unsuppressed figures: shared views suppress small counts; "
        "unsuppressed figures are for the joint analysis team",
    ),
    Action.DOWNLOAD_FIGURES: _everyone,
    Action.SUBMIT_EXTRACT: _submit,
    Action.VIEW_SUBMISSION_REPORTS: _submission_reports,
    Action.VIEW_SUBMISSION_HISTORY: _submission_history,
    Action.DOWNLOAD_SUBMITTED_FILE: _submitted_file,
    Action.VIEW_TIMELINESS: _everyone,
    Action.VIEW_ROW_LEVEL_DATA: _row_level,
    Action.VIEW_STANDARDS: _everyone,
    Action.VIEW_AUDIT_LOG: _roles(Role.ADMIN, why="see the audit log"),
    Action.MANAGE_USERS: _roles(Role.ADMIN, why="manage users and partners"),
    Action.COMMENT_ON_FIGURES: _comment_on_figures,
    Action.COMMENT_ON_SUBMISSIONS: _comment_on_submissions,
    Action.SIGN_OFF: _roles(
        Role.LEADERSHIP,
        Role.ADMIN,
        why="sign off the month's picture: recording that it was reviewed is for leadership",
    ),
    Action.EXCUSE_OBLIGATION: _roles(
        Role.OVERSIGHT,
        Role.ADMIN,
        why="excuse a partner's return: that is for the centre's data-standards team",
    ),
    Action.PAUSE_REMINDERS: _pause_reminders,
    Action.ASSESS_CONTRACT_CHANGE: _roles(
        Role.OVERSIGHT,
        Role.ADMIN,
        why="re-check partners' archived files against a proposed contract: that is for the "
        "centre, which sets the standards",
    ),
    Action.APPLY_RETENTION: _roles(
        Role.ADMIN,
        why="list or apply the retention rules of the data sharing agreements: that is for an "
        "administrator",
    ),
    Action.ERASE_SUBMISSION: _roles(
        Role.ADMIN,
        why="ask for or confirm the erasure of a submission: that is for two administrators",
    ),
}


def decide(
    identity: Identity, action: Action, *, partner: str | None = None, dataset: str | None = None
) -> Decision:
    """Whether `identity` may do `action` (for `partner`'s data or `dataset` where it matters)."""
    return RULES[action](identity, partner, dataset)


def is_allowed(
    identity: Identity, action: Action, *, partner: str | None = None, dataset: str | None = None
) -> bool:
    return decide(identity, action, partner=partner, dataset=dataset).allowed


def require(
    identity: Identity, action: Action, *, partner: str | None = None, dataset: str | None = None
) -> None:
    """Raise `AccessDenied` with a reason the person can act on, unless the action is allowed."""
    decision = decide(identity, action, partner=partner, dataset=dataset)
    if not decision.allowed:
        raise AccessDenied(decision.reason)


#: The identity the CLI uses for tools that act for the centre (demo build, drop-folder ingest).
SYSTEM = Identity(user_id="system", display_name="Shared Outcomes system", role=Role.ADMIN)
