"""The meeting's part of the facade, mixed into `workspace.Workspace`: commentary beside the
figures, the month's sign-off, and the board pack.

Kept here so that the facade stays one screenful per concern; each method is thin as the
facade's others are: the access checks (refusals audited), then the rules of
`meeting.commentary`, `meeting.sign_off` and `meeting.board_pack`, then the warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import polars as pl

from shared_outcomes.access.audit import AuditedAccess
from shared_outcomes.access.roles import Action, Identity, Role, is_allowed
from shared_outcomes.config.definitions import OutcomeDefinition
from shared_outcomes.config.partnership import Partnership
from shared_outcomes.errors import AccessDenied, UsageError
from shared_outcomes.meeting.commentary import (
    CommentTarget,
    clean_text,
    unknown_area,
    unknown_outcome,
)
from shared_outcomes.meeting.register_state import figures_digest
from shared_outcomes.meeting.sign_off import SignOff, changed_since_sign_off, empty_changes
from shared_outcomes.period import Period
from shared_outcomes.warehouse.commentary import Comment
from shared_outcomes.warehouse.store import Submission, Warehouse

if TYPE_CHECKING:
    from shared_outcomes.meeting.pack_document import PackFile, Progress


class MeetingDesk(AuditedAccess):
    """Commentary, sign-off and the board pack, over the facade's configuration and warehouse."""

    warehouse: Warehouse
    definitions: dict[str, OutcomeDefinition]
    partnership: Partnership
    _today: Callable[[], date]

    def figures(
        self,
        identity: Identity,
        *,
        period: str | None = None,
        as_at: datetime | None = None,
        outcomes: list[str] | None = None,
        unsuppressed: bool | None = None,
    ) -> pl.DataFrame:
        """The shared figures (`Workspace.figures`, which overrides this)."""
        raise NotImplementedError

    # -- commentary and sign-off ---------------------------------------------------------------

    def add_comment(
        self,
        identity: Identity,
        text: str,
        *,
        outcome: str | None = None,
        area_code: str | None = None,
        period: str | None = None,
        submission_id: int | None = None,
    ) -> Comment:
        """Attach a plain-text comment to a figure (`outcome` and `period`, with `area_code` or
        None for the whole partnership) or to a submission (`submission_id`), not both.

        Refused, with nothing stored and the refusal audited: a target that does not exist (an
        unknown outcome or area, a malformed month or one after this month, no such
        submission), a role the permission table does not allow (`COMMENT_ON_FIGURES`: a
        partner's submitters only on the figures their data feeds; `COMMENT_ON_SUBMISSIONS`:
        leadership never), and text that is empty, too long or holds control characters
        (`meeting.commentary.clean_text`). The text is stored exactly as written, trimmed.
        """
        action = (
            Action.COMMENT_ON_FIGURES if submission_id is None else Action.COMMENT_ON_SUBMISSIONS
        )
        asked = {"outcome": outcome, "area_code": area_code, "period": period,
                 "submission_id": submission_id}  # fmt: skip
        given = {name: value for name, value in asked.items() if value is not None}
        detail: dict[str, Any] = {"kind": "added", "target": given}
        try:
            target = CommentTarget.of(
                outcome=outcome, area_code=area_code, period=period, submission_id=submission_id
            )
            target.check(self.definitions, self.partnership.areas, self._today())
            detail["target"] = target.as_detail()
            submission = self._commented_submission(target)
        except UsageError as refusal:
            self._comment_refused(identity, action, detail, refusal)
            raise
        self._may_comment(identity, target, submission, detail)
        try:
            cleaned = clean_text(text)
        except UsageError as refusal:
            self._comment_refused(identity, action, detail, refusal, submission)
            raise
        stored = self.warehouse.add_comment(
            outcome=target.outcome, area_code=target.area_code, period=target.period,
            submission_id=target.submission_id, author_id=identity.user_id,
            author_name=identity.display_name, author_role=str(identity.role), text=cleaned,
        )  # fmt: skip
        self._comment_audited(identity, action, detail | {"comment_id": stored.comment_id},
                              submission)  # fmt: skip
        return stored

    def edit_comment(self, identity: Identity, comment_id: int, text: str) -> Comment:
        """A new text for a comment; the earlier ones are kept (`Comment.versions`).

        Only its author (while their role still allows the comment) or an administrator may
        edit it, and not once it is hidden; refusals are audited, as every edit is.
        """
        found, submission, detail = self._changeable_comment(identity, comment_id, "edited")
        action = self._comment_action(found)
        try:
            cleaned = clean_text(text)
            if cleaned == found.text:
                raise UsageError(
                    f"comment #{comment_id} already says exactly that: nothing was changed."
                )
        except UsageError as refusal:
            self._comment_refused(identity, action, detail, refusal, submission)
            raise
        stored = self.warehouse.comment_event(
            comment_id, "edited", cleaned, None, identity.user_id, identity.display_name
        )
        self._comment_audited(identity, action, detail, submission)
        return stored

    def hide_comment(self, identity: Identity, comment_id: int, reason: str) -> Comment:
        """Hide a comment, recording who and why: it stays stored with its history (admins
        still see it with `include_hidden`), and no surface shows it any more.

        Only its author or an administrator may hide it, with a reason; refusals are audited.
        """
        found, submission, detail = self._changeable_comment(identity, comment_id, "hidden")
        action = self._comment_action(found)
        try:
            why = clean_text(reason, what="the reason for hiding it")
        except UsageError as refusal:
            self._comment_refused(identity, action, detail, refusal, submission)
            raise
        stored = self.warehouse.comment_event(
            comment_id, "hidden", None, why, identity.user_id, identity.display_name
        )
        self._comment_audited(identity, action, detail | {"reason": why}, submission)
        return stored

    def comments(
        self,
        identity: Identity,
        *,
        outcome: str | None = None,
        area_code: str | EllipsisType | None = ...,
        period: str | None = None,
        periods: Sequence[str] | None = None,
        submission_ids: Sequence[int] | None = None,
        include_hidden: bool = False,
    ) -> list[Comment]:
        """The comments matching every filter given, oldest first (see `Warehouse.comments`;
        `area_code` None is the whole partnership's figures only).

        Comments on figures are for everyone who sees the shared figures; comments on a
        submission only for those who may see its report (others are left out, silently).
        Hidden comments are left out unless an administrator asks for them (`include_hidden`;
        refused and audited for anyone else).
        """
        self.require(identity, Action.VIEW_SHARED_FIGURES)
        if include_hidden and identity.role != Role.ADMIN:
            reason = f"{identity.label} cannot see hidden comments: only administrators can."
            self.audit.record(
                identity, Action.COMMENT_ON_FIGURES, outcome="denied",
                detail={"reason": reason, "include_hidden": True},
            )  # fmt: skip
            raise AccessDenied(reason)
        if outcome is not None and outcome not in self.definitions:
            raise UsageError(unknown_outcome(outcome, self.definitions))
        if isinstance(area_code, str) and area_code not in self.partnership.areas:
            raise UsageError(unknown_area(area_code, self.partnership.areas))
        for month in [*([period] if period is not None else []), *(periods or [])]:
            Period.parse(month, what="the month")
        found = self.warehouse.comments(
            outcome=outcome, area_code=area_code, period=period, periods=periods,
            submission_ids=submission_ids,
        )  # fmt: skip
        seen: dict[int, bool] = {}
        shown = []
        for c in found:
            if c.hidden and not include_hidden:
                continue
            if c.submission_id is not None:
                if c.submission_id not in seen:
                    seen[c.submission_id] = self._sees_submission(identity, c.submission_id)
                if not seen[c.submission_id]:
                    continue
            shown.append(c)
        return shown

    def sign_off(self, identity: Identity, period: str) -> SignOff:
        """Record that `identity` (leadership or an admin) reviewed the month's picture, as at
        the register now: the newest submission and the digest of the month's figures as
        shared (small counts suppressed). Refused, audited: another role, a malformed month,
        a month with no figures."""
        detail: dict[str, Any] = {"period": period}
        self.require(identity, Action.SIGN_OFF, detail=detail)
        signed_at = datetime.now(UTC)
        try:
            month = Period.parse(period, what="the month")
            # As at the moment of signing, so that `changed_since_sign_off` remakes exactly
            # these figures later (the same computation, with the same `as_at`).
            figures = self.figures(identity, period=period, as_at=signed_at, unsuppressed=False)
            if figures.is_empty():
                raise UsageError(
                    f"no figures for {month.long_label} ({month}): nothing has been submitted "
                    "for that month, so there is no picture to sign off. Check the month."
                )
        except UsageError as refusal:
            detail |= {"status": "refused", "reason": refusal.message}
            self.audit.record(identity, Action.SIGN_OFF, outcome="denied", detail=detail)
            raise
        record = self.warehouse.add_sign_off(
            period=period, signed_by=identity.user_id, signed_name=identity.display_name,
            role=str(identity.role), signed_at=signed_at,
            newest_submission_id=self.warehouse.newest_submission_id(signed_at),
            figures_digest=figures_digest(figures),
        )  # fmt: skip
        self.audit.record(
            identity, Action.SIGN_OFF,
            detail=detail | {"sign_off_id": record.sign_off_id,
                             "newest_submission_id": record.newest_submission_id,
                             "figures_digest": record.figures_digest},
        )  # fmt: skip
        return SignOff(record)

    def sign_offs(self, identity: Identity, period: str | None = None) -> list[SignOff]:
        """The sign-offs of `period` (of every month without it), newest first."""
        self.require(identity, Action.VIEW_SHARED_FIGURES)
        if period is not None:
            Period.parse(period, what="the month")
        return [SignOff(record) for record in self.warehouse.sign_offs(period)]

    def changed_since_sign_off(self, identity: Identity, period: str) -> pl.DataFrame:
        """The month's figures whose shown value or state changed since its latest sign-off
        (`meeting.sign_off.changed_since_sign_off`): the figures as at the sign-off against
        the figures now, both as shared (small counts suppressed). No rows when nothing
        changed, or when the month was never signed off."""
        self.require(identity, Action.VIEW_SHARED_FIGURES)
        Period.parse(period, what="the month")
        signed = self.warehouse.sign_offs(period)
        if not signed:
            return empty_changes()
        before = self.figures(
            identity, period=period, as_at=signed[0].signed_at, unsuppressed=False
        )
        now = self.figures(identity, period=period, unsuppressed=False)
        names = {pid: p.name for pid, p in self.partnership.partners.items()}
        return changed_since_sign_off(before, now, self.definitions, names)

    def _commented_submission(self, target: CommentTarget) -> Submission | None:
        """The submission a comment is on (None for a figure); a `UsageError` if there is none."""
        if target.submission_id is None:
            return None
        found = self.warehouse.submission(target.submission_id)
        if found is None:
            raise UsageError(
                f"there is no submission #{target.submission_id}: check the number in the "
                "submission history (`shared-outcomes history`)."
            )
        return found

    def _may_comment(
        self,
        identity: Identity,
        target: CommentTarget,
        submission: Submission | None,
        detail: dict[str, Any],
    ) -> None:
        """The permission table's decision on commenting on `target` (refusals audited).

        A partner's submitters comment on a figure only when their partner's data feeds it:
        the outcome reads the partner's data (`OutcomeDefinition.partners`) and, for an area's
        figure, the partner covers the area.
        """
        if submission is not None:
            self.require(
                identity, Action.COMMENT_ON_SUBMISSIONS, partner=submission.partner_id,
                dataset=submission.dataset, detail=detail,
            )  # fmt: skip
            return
        definition = self.definitions[target.outcome or ""]
        mine = self.partnership.partners.get(identity.partner_id or "")
        feeds = mine is not None and mine.id in definition.partners
        if feeds and mine is not None and target.area_code is not None:
            feeds = target.area_code in mine.areas
        if identity.role == Role.PARTNER_SUBMITTER and not feeds:
            partner = mine.name if mine is not None else str(identity.partner_id)
            area = self.partnership.areas.get(target.area_code or "", target.area_code)
            figure = f"{definition.title} ({definition.id})" + (f" for {area}" if area else "")
            reason = (
                f"{identity.display_name} may comment only on the figures {partner}'s data "
                f"feeds, and {partner}'s data does not feed {figure}. Comment on a figure of "
                "an outcome (and area) your partner submits data for."
            )
            self.audit.record(
                identity, Action.COMMENT_ON_FIGURES, outcome="denied",
                partner=identity.partner_id, detail={"reason": reason} | detail,
            )  # fmt: skip
            raise AccessDenied(reason)
        self.require(
            identity, Action.COMMENT_ON_FIGURES, partner=identity.partner_id if feeds else None,
            detail=detail,
        )  # fmt: skip

    def _changeable_comment(
        self, identity: Identity, comment_id: int, kind: str
    ) -> tuple[Comment, Submission | None, dict[str, Any]]:
        """The comment `identity` asks to edit or hide, with its submission and the audit
        detail; refused (audited) when there is no such comment, it is hidden already, or
        `identity` is neither its author (still allowed to comment there) nor an admin."""
        verb = "edit" if kind == "edited" else "hide"
        detail: dict[str, Any] = {"comment_id": comment_id, "kind": kind}
        found = self.warehouse.comment(comment_id)
        action = Action.COMMENT_ON_FIGURES if found is None else self._comment_action(found)
        try:
            if found is None:
                raise UsageError(
                    f"there is no comment #{comment_id}: find its number with "
                    "`shared-outcomes comments list`."
                )
            target = CommentTarget(
                found.outcome, found.area_code, found.period, found.submission_id
            )
            detail["target"] = target.as_detail()
            if found.hidden:
                already = "is already hidden" if kind == "hidden" else "is hidden"
                raise UsageError(
                    f"comment #{comment_id} {already} (by {found.hidden_by}: "
                    f"{found.hidden_reason}), so it cannot be {kind} now. Add a new comment "
                    "instead."
                )
            submission = self._commented_submission(target)
        except UsageError as refusal:
            self._comment_refused(identity, action, detail, refusal)
            raise
        if identity.role != Role.ADMIN:
            if identity.user_id != found.author_id:
                reason = (
                    f"only the author of comment #{comment_id} or an administrator may {verb} "
                    f"it; {identity.label} is neither. Add a comment of your own instead."
                )
                self.audit.record(
                    identity, action, outcome="denied", detail={"reason": reason} | detail
                )
                raise AccessDenied(reason)
            self._may_comment(identity, target, submission, detail)
        return found, submission, detail

    def _sees_submission(self, identity: Identity, submission_id: int) -> bool:
        """Whether `identity` may see the report of a submission (so its comments)."""
        found = self.warehouse.submission(submission_id)
        return found is not None and is_allowed(
            identity, Action.VIEW_SUBMISSION_REPORTS, partner=found.partner_id,
            dataset=found.dataset,
        )  # fmt: skip

    @staticmethod
    def _comment_action(comment: Comment) -> Action:
        """The permission a comment is audited under: on a submission, or on a figure."""
        if comment.submission_id is not None:
            return Action.COMMENT_ON_SUBMISSIONS
        return Action.COMMENT_ON_FIGURES

    def _comment_refused(
        self,
        identity: Identity,
        action: Action,
        detail: dict[str, Any],
        refusal: UsageError,
        submission: Submission | None = None,
    ) -> None:
        """Audit a comment refused for its input (a `UsageError`): nothing was stored."""
        self.audit.record(
            identity, action, outcome="denied",
            partner=submission.partner_id if submission else None,
            dataset=submission.dataset if submission else None,
            detail=detail | {"status": "refused", "reason": refusal.message},
        )  # fmt: skip

    def _comment_audited(
        self,
        identity: Identity,
        action: Action,
        detail: dict[str, Any],
        submission: Submission | None,
    ) -> None:
        self.audit.record(
            identity, action, partner=submission.partner_id if submission else None,
            dataset=submission.dataset if submission else None, detail=detail,
        )  # fmt: skip

    # -- the board pack ------------------------------------------------------------------------

    def board_pack(
        self,
        identity: Identity,
        *,
        file_format: str = "pdf",
        period: str | None = None,
        as_at: datetime | None = None,
        since: date | None = None,
        problems: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> PackFile:
        """The board pack (`meeting.board_pack`) as a PDF or HTML file, recorded and audited.

        Small numbers are suppressed whoever makes it. Without `as_at`, the figures as they
        stand now (the time is printed on the cover, so `as_at` remakes the same figures);
        without `since`, the day the previous pack was made, else a month before `as_at`.
        Comments shown are those made by `as_at` and not hidden.
        """
        from shared_outcomes.meeting.board_pack import build_pack, chosen_definitions, pack_period
        from shared_outcomes.meeting.pack_document import PackFile, check_format, month_before
        from shared_outcomes.meeting.pack_document import render as render_pack
        from shared_outcomes.present.states import reproduction_caveat

        kind = check_format(file_format)
        self.require(identity, Action.DOWNLOAD_FIGURES, detail={"what": "board pack"})
        made_at = datetime.now(UTC)  # to the microsecond: the cover's --as-at remakes it exactly
        moment = as_at or made_at
        chosen = chosen_definitions(self.definitions, problems)
        ids = [d.id for d in chosen]
        figures = self.figures(identity, as_at=moment, outcomes=ids, unsuppressed=False)
        month = pack_period(figures, period)
        if since is None:
            last = self.warehouse.last_board_pack()
            since = last.made_at.date() if last else month_before(moment.date())
        before = self.figures(
            identity, as_at=datetime.combine(since, time.max, tzinfo=UTC), outcomes=ids,
            unsuppressed=False,
        )  # fmt: skip
        first = str(Period.parse(month).shifted(-12))
        shown_months = [str(p) for p in Period.span(first, month)]
        notes = [
            c
            for c in self.comments(identity, periods=shown_months)
            if c.outcome in ids and c.created_at <= moment
        ]
        signed = self.sign_offs(identity, month)
        changed = self.changed_since_sign_off(identity, month) if signed else None
        pack = build_pack(
            figures=figures, before=before, definitions=chosen, partnership=self.partnership,
            period=month, as_at=moment, made_at=made_at, made_by=identity.label, since=since,
            newest_submission_id=self.warehouse.newest_submission_id(moment), comments=notes,
            sign_off=signed[0].words if signed else None, changed_since_sign_off=changed,
            caveat=reproduction_caveat(moment, self.warehouse.erased_since(moment)),
        )  # fmt: skip
        content = render_pack(pack, kind, progress)
        made = PackFile(content, pack, kind)
        self.warehouse.record_board_pack(
            made_at=made_at, made_by=identity.user_id, period=month, as_at=moment, since=since,
            newest_submission_id=pack.state.newest_submission_id,
            figures_digest=pack.state.figures_digest, file_format=kind,
        )  # fmt: skip
        self.record_download(
            identity, made.file_name,
            detail={"suppressed": True, "as_at": moment.isoformat(), "since": since.isoformat(),
                    "figures_digest": pack.state.figures_digest, "problems": list(problems)},
        )  # fmt: skip
        return made
