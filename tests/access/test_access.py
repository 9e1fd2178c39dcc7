"""The role × action table: every row is asserted against the core's permission checks."""

from __future__ import annotations

import pytest

from shared_outcomes.access.roles import (
    Action,
    Identity,
    Role,
    decide,
    require,
)
from shared_outcomes.errors import AccessDenied

SUBMITTER = Identity("amira", "Amira Khan", Role.PARTNER_SUBMITTER, partner_id="bolton_council")
ANALYST = Identity(
    "li", "Li Wei", Role.ANALYST, row_level_datasets=frozenset({"homelessness_cases"})
)
LEADER = Identity("jo", "Jo Brennan", Role.LEADERSHIP)
ADMIN = Identity("sam", "Sam Okafor", Role.ADMIN)
OVERSIGHT = Identity("pat", "Pat Standards", Role.OVERSIGHT)

OWN, OTHER = "bolton_council", "bury_council"
COVERED, NOT_COVERED = "homelessness_cases", "nfa_emergency_admissions"

# (who, action, partner, dataset, allowed)
TABLE = [
    (SUBMITTER, Action.VIEW_SHARED_FIGURES, None, None, True),
    (ANALYST, Action.VIEW_SHARED_FIGURES, None, None, True),
    (LEADER, Action.VIEW_SHARED_FIGURES, None, None, True),
    (ADMIN, Action.VIEW_SHARED_FIGURES, None, None, True),
    (SUBMITTER, Action.VIEW_UNSUPPRESSED_FIGURES, None, None, False),
    (ANALYST, Action.VIEW_UNSUPPRESSED_FIGURES, None, None, True),
    (LEADER, Action.VIEW_UNSUPPRESSED_FIGURES, None, None, False),
    (ADMIN, Action.VIEW_UNSUPPRESSED_FIGURES, None, None, True),
    (SUBMITTER, Action.SUBMIT_EXTRACT, OWN, None, True),
    (SUBMITTER, Action.SUBMIT_EXTRACT, OTHER, None, False),
    (ANALYST, Action.SUBMIT_EXTRACT, OWN, None, False),
    (LEADER, Action.SUBMIT_EXTRACT, OWN, None, False),
    (ADMIN, Action.SUBMIT_EXTRACT, OTHER, None, True),
    (SUBMITTER, Action.VIEW_SUBMISSION_REPORTS, OWN, None, True),
    (SUBMITTER, Action.VIEW_SUBMISSION_REPORTS, OTHER, None, False),
    (SUBMITTER, Action.VIEW_SUBMISSION_REPORTS, None, None, False),
    (ANALYST, Action.VIEW_SUBMISSION_REPORTS, OTHER, None, True),
    (LEADER, Action.VIEW_SUBMISSION_REPORTS, OWN, None, False),
    (ADMIN, Action.VIEW_SUBMISSION_REPORTS, OTHER, None, True),
    (SUBMITTER, Action.VIEW_ROW_LEVEL_DATA, None, COVERED, False),
    (ANALYST, Action.VIEW_ROW_LEVEL_DATA, None, COVERED, True),
    (ANALYST, Action.VIEW_ROW_LEVEL_DATA, None, NOT_COVERED, False),
    (LEADER, Action.VIEW_ROW_LEVEL_DATA, None, COVERED, False),
    (ADMIN, Action.VIEW_ROW_LEVEL_DATA, None, NOT_COVERED, True),
    (SUBMITTER, Action.VIEW_SUBMISSION_HISTORY, None, None, True),
    (SUBMITTER, Action.VIEW_SUBMISSION_HISTORY, OTHER, None, False),
    (ANALYST, Action.VIEW_SUBMISSION_HISTORY, OTHER, None, True),
    (LEADER, Action.VIEW_SUBMISSION_HISTORY, None, None, False),
    (ADMIN, Action.VIEW_SUBMISSION_HISTORY, OTHER, None, True),
    (SUBMITTER, Action.DOWNLOAD_SUBMITTED_FILE, OWN, COVERED, True),
    (SUBMITTER, Action.DOWNLOAD_SUBMITTED_FILE, OTHER, COVERED, False),
    (ANALYST, Action.DOWNLOAD_SUBMITTED_FILE, OTHER, COVERED, True),
    (ANALYST, Action.DOWNLOAD_SUBMITTED_FILE, OTHER, NOT_COVERED, False),
    (LEADER, Action.DOWNLOAD_SUBMITTED_FILE, OWN, COVERED, False),
    (ADMIN, Action.DOWNLOAD_SUBMITTED_FILE, OTHER, NOT_COVERED, True),
    (SUBMITTER, Action.VIEW_TIMELINESS, None, None, True),
    (LEADER, Action.VIEW_TIMELINESS, None, None, True),
    (SUBMITTER, Action.DOWNLOAD_FIGURES, None, None, True),
    (LEADER, Action.VIEW_STANDARDS, None, None, True),
    (SUBMITTER, Action.VIEW_AUDIT_LOG, None, None, False),
    (ANALYST, Action.VIEW_AUDIT_LOG, None, None, False),
    (LEADER, Action.VIEW_AUDIT_LOG, None, None, False),
    (ADMIN, Action.VIEW_AUDIT_LOG, None, None, True),
    (SUBMITTER, Action.MANAGE_USERS, None, None, False),
    (ANALYST, Action.MANAGE_USERS, None, None, False),
    (LEADER, Action.MANAGE_USERS, None, None, False),
    (ADMIN, Action.MANAGE_USERS, None, None, True),
    # A submitter comments on a figure only when the facade found its own data feeds it (it
    # then passes the submitter's partner); everyone else on any figure.
    (SUBMITTER, Action.COMMENT_ON_FIGURES, OWN, None, True),
    (SUBMITTER, Action.COMMENT_ON_FIGURES, OTHER, None, False),
    (SUBMITTER, Action.COMMENT_ON_FIGURES, None, None, False),
    (ANALYST, Action.COMMENT_ON_FIGURES, None, None, True),
    (LEADER, Action.COMMENT_ON_FIGURES, None, None, True),
    (ADMIN, Action.COMMENT_ON_FIGURES, None, None, True),
    (SUBMITTER, Action.COMMENT_ON_SUBMISSIONS, OWN, COVERED, True),
    (SUBMITTER, Action.COMMENT_ON_SUBMISSIONS, OTHER, COVERED, False),
    (SUBMITTER, Action.COMMENT_ON_SUBMISSIONS, None, None, False),
    (ANALYST, Action.COMMENT_ON_SUBMISSIONS, OTHER, NOT_COVERED, True),
    (LEADER, Action.COMMENT_ON_SUBMISSIONS, OWN, COVERED, False),
    (ADMIN, Action.COMMENT_ON_SUBMISSIONS, OTHER, NOT_COVERED, True),
    (SUBMITTER, Action.SIGN_OFF, None, None, False),
    (ANALYST, Action.SIGN_OFF, None, None, False),
    (LEADER, Action.SIGN_OFF, None, None, True),
    (ADMIN, Action.SIGN_OFF, None, None, True),
    # The data-standards team: every partner's reports, history and timeliness; no rows, no
    # unsuppressed figures; excuses returns and pauses reminders.
    (OVERSIGHT, Action.VIEW_SHARED_FIGURES, None, None, True),
    (OVERSIGHT, Action.VIEW_UNSUPPRESSED_FIGURES, None, None, False),
    (OVERSIGHT, Action.VIEW_SUBMISSION_REPORTS, OTHER, None, True),
    (OVERSIGHT, Action.VIEW_SUBMISSION_HISTORY, OTHER, None, True),
    (OVERSIGHT, Action.VIEW_TIMELINESS, None, None, True),
    (OVERSIGHT, Action.VIEW_ROW_LEVEL_DATA, None, COVERED, False),
    (OVERSIGHT, Action.DOWNLOAD_SUBMITTED_FILE, OTHER, COVERED, False),
    (OVERSIGHT, Action.SUBMIT_EXTRACT, OWN, None, False),
    (OVERSIGHT, Action.COMMENT_ON_SUBMISSIONS, OTHER, COVERED, True),
    (OVERSIGHT, Action.COMMENT_ON_FIGURES, None, None, False),
    (OVERSIGHT, Action.SIGN_OFF, None, None, False),
    (OVERSIGHT, Action.VIEW_AUDIT_LOG, None, None, False),
    (OVERSIGHT, Action.MANAGE_USERS, None, None, False),
    (OVERSIGHT, Action.EXCUSE_OBLIGATION, OTHER, COVERED, True),
    (OVERSIGHT, Action.ASSESS_CONTRACT_CHANGE, None, COVERED, True),
    (ADMIN, Action.ASSESS_CONTRACT_CHANGE, None, COVERED, True),
    (SUBMITTER, Action.ASSESS_CONTRACT_CHANGE, OWN, COVERED, False),
    (ANALYST, Action.ASSESS_CONTRACT_CHANGE, None, COVERED, False),
    (LEADER, Action.ASSESS_CONTRACT_CHANGE, None, COVERED, False),
    (OVERSIGHT, Action.PAUSE_REMINDERS, OTHER, None, True),
    (SUBMITTER, Action.EXCUSE_OBLIGATION, OWN, COVERED, False),
    (ANALYST, Action.EXCUSE_OBLIGATION, OWN, COVERED, False),
    (LEADER, Action.EXCUSE_OBLIGATION, OWN, COVERED, False),
    (ADMIN, Action.EXCUSE_OBLIGATION, OTHER, COVERED, True),
    (SUBMITTER, Action.PAUSE_REMINDERS, OWN, None, True),
    (SUBMITTER, Action.PAUSE_REMINDERS, OTHER, None, False),
    (ANALYST, Action.PAUSE_REMINDERS, OWN, None, False),
    (LEADER, Action.PAUSE_REMINDERS, OWN, None, False),
    (ADMIN, Action.PAUSE_REMINDERS, OTHER, None, True),
    (ADMIN, Action.APPLY_RETENTION, None, None, True),
    (OVERSIGHT, Action.APPLY_RETENTION, None, None, False),
    (ANALYST, Action.APPLY_RETENTION, None, None, False),
    (SUBMITTER, Action.APPLY_RETENTION, OWN, None, False),
    (ADMIN, Action.ERASE_SUBMISSION, OTHER, None, True),
    (OVERSIGHT, Action.ERASE_SUBMISSION, OTHER, None, False),
    (LEADER, Action.ERASE_SUBMISSION, None, None, False),
    (SUBMITTER, Action.ERASE_SUBMISSION, OWN, None, False),
]


@pytest.mark.parametrize(
    ("who", "action", "partner", "dataset", "allowed"),
    TABLE,
    ids=[f"{w.role}-{a}-{p}-{d}-{'allow' if ok else 'deny'}" for w, a, p, d, ok in TABLE],
)
def test_role_action_table(
    who: Identity, action: Action, partner: str | None, dataset: str | None, allowed: bool
) -> None:
    decision = decide(who, action, partner=partner, dataset=dataset)
    assert decision.allowed is allowed
    if allowed:
        require(who, action, partner=partner, dataset=dataset)
    else:
        assert decision.reason, "a refusal must say why"
        with pytest.raises(AccessDenied) as refused:
            require(who, action, partner=partner, dataset=dataset)
        assert str(refused.value) == decision.reason


def test_every_action_appears_in_the_table() -> None:
    assert {row[1] for row in TABLE} == set(Action)


def test_a_partner_submitting_for_another_partner_is_told_whose_extracts_it_may_send() -> None:
    with pytest.raises(AccessDenied, match="submits for bolton_council, not for bury_council"):
        require(SUBMITTER, Action.SUBMIT_EXTRACT, partner=OTHER)


def test_leadership_asking_for_unsuppressed_figures_is_refused() -> None:
    assert not LEADER.sees_unsuppressed
    with pytest.raises(AccessDenied, match="unsuppressed"):
        require(LEADER, Action.VIEW_UNSUPPRESSED_FIGURES)
    assert ANALYST.sees_unsuppressed


def test_leadership_is_told_to_comment_on_the_figures_not_on_a_partners_submission() -> None:
    with pytest.raises(AccessDenied, match="comment on the figures instead"):
        require(LEADER, Action.COMMENT_ON_SUBMISSIONS, partner=OWN)
    with pytest.raises(AccessDenied, match="only on bolton_council's own submissions"):
        require(SUBMITTER, Action.COMMENT_ON_SUBMISSIONS, partner=OTHER)


def test_signing_off_is_for_leadership_and_says_so() -> None:
    with pytest.raises(AccessDenied, match="sign off the month's picture"):
        require(ANALYST, Action.SIGN_OFF)
    require(LEADER, Action.SIGN_OFF)
