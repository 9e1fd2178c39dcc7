"""The facade (`Workspace`) the CLI, the pages and the jobs call: check, submit, history, figures.

`Workspace.open(settings)` reads the contracts, the partnership and the outcome definitions once
and opens the warehouse; every method that submits or reads data takes the acting
`access.Identity` first and applies the access checks before doing anything. A refusal (a
partner submitting for another, for a dataset it does not submit, for a future or malformed
month) raises `AccessDenied` or `UsageError` with a message that says what to do; bad data is
never an exception but a rejected report, recorded in the register like every attempt.
Every refusal, every submission attempt, every row-level read and every download the app
reports (`record_download`) is written to the audit log (`audit`); admins read it with
`audit_entries`. Commentary, the month's sign-off and the board pack are the facade's too,
written in `meeting.desk.MeetingDesk`, which it inherits.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from shared_outcomes.access.audit import SIGN_IN, audit_row
from shared_outcomes.access.roles import Action, Identity, Role
from shared_outcomes.checking.report import ROW_COLUMN, Report
from shared_outcomes.checking.validation import Validation, validate_extract
from shared_outcomes.config.agreements import (
    AGREEMENTS_FILE,
    Agreements,
    load_agreements,
    no_agreements,
)
from shared_outcomes.config.contracts import Contract, load_contracts
from shared_outcomes.config.definitions import OutcomeDefinition, load_definitions
from shared_outcomes.config.partnership import Partnership, load_partnership
from shared_outcomes.errors import AccessDenied, UsageError, WarehouseError
from shared_outcomes.figures.measures import discard_kept
from shared_outcomes.meeting.desk import MeetingDesk
from shared_outcomes.period import Period
from shared_outcomes.present.views import PartnerChoice, submission_choices
from shared_outcomes.settings import Settings
from shared_outcomes.submission import PreparedSubmission, SubmitResult
from shared_outcomes.warehouse.archive import sha256_of
from shared_outcomes.warehouse.audit_log import AuditRow
from shared_outcomes.warehouse.erasure import Erasure, ErasureRequest
from shared_outcomes.warehouse.reminders import ReminderPause, SentReminder, SentReview, Stage
from shared_outcomes.warehouse.store import (
    DEFAULT_BUSY_TIMEOUT,
    Excusal,
    Submission,
    Warehouse,
)

__all__ = ["PreparedSubmission", "Progress", "SubmitResult", "Workspace"]

#: The audit log's action for an erasure carried out (under retention or on request).
ERASE_SUBMISSION = "erase_submission"

if TYPE_CHECKING:
    from shared_outcomes.access.accounts import UserRecord
    from shared_outcomes.access.signin import SignIn
    from shared_outcomes.checking.impact import ContractImpact
    from shared_outcomes.config.contract_changes import ContractDiff
    from shared_outcomes.figures.obligations import Obligation

#: Seconds a writer waits for another process's lock before `WarehouseBusy` (env override).
BUSY_TIMEOUT_ENV_VAR = "SHARED_OUTCOMES_BUSY_TIMEOUT"

#: progress(done, total, label): called before each file and once at the end.
Progress = Callable[[int, int, str], None]

#: Computed figure frames kept per workspace (each a few MB at the scale of England's districts).
FIGURES_CACHE_SIZE = 8
#: The newest months of submissions a proposed contract is re-checked against.
IMPACT_MONTHS = 12


@dataclass
class Workspace(MeetingDesk):
    """One partnership's contracts, partners, definitions and warehouse, opened once."""

    settings: Settings
    contracts: dict[str, Contract]
    partnership: Partnership
    definitions: dict[str, OutcomeDefinition]
    warehouse: Warehouse
    #: The data sharing agreements (`config.agreements`); none enforced without the file.
    agreements: Agreements = field(default_factory=no_agreements)
    _today: Callable[[], date] = field(default=lambda: datetime.now(UTC).date(), repr=False)
    # Why a cache: one computation is ~760 small queries (~0.9 s at 10M rows) and the common
    # picture needs two per page view. Keyed on the register's version, so a new submission
    # (from this process or another) is seen at the next call.
    _figures_cache: OrderedDict[tuple[Any, ...], pl.DataFrame] = field(
        default_factory=OrderedDict, repr=False
    )
    _figures_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Why one computation per key at a time: sessions opening the page together after a new
    # submission would each compute the same figures at once, sharing the process's one core
    # (each then waits as long as all of them together); the later ones wait for the first.
    _figures_flights: dict[tuple[Any, ...], threading.Event] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def open(
        cls, settings: Settings, *, busy_timeout: float | None = None, create: bool = True
    ) -> Workspace:
        """Load the configuration (raising one clear error if it is broken) and open the store.

        `create=False` for a command that only reads: a missing database is then an error
        naming the path, and nothing is created, migrated or swept (`Warehouse.open`).
        """
        contracts = load_contracts(settings.contracts_dir)
        partnership = load_partnership(settings.partners_file, contracts)
        definitions = (
            load_definitions(
                settings.outcomes_dir, contracts, partnership, reference_dir=settings.reference_dir
            )
            if settings.outcomes_dir.is_dir()
            else {}
        )
        warehouse = Warehouse.open(
            settings.db_path,
            contracts,
            archive_dir=settings.archive_dir,
            busy_timeout=_busy_timeout(busy_timeout),
            create=create,
            catalog=settings.catalog,
        )
        agreements = load_agreements(
            settings.contracts_dir / AGREEMENTS_FILE,
            list(partnership.partners),
            {d: c.column_names for d, c in contracts.items()},
        )
        return cls(settings, contracts, partnership, definitions, warehouse, agreements)

    # -- access and the audit log --------------------------------------------------------------

    @cached_property
    def signin(self) -> SignIn:
        """How people sign in to this deployment (OIDC, local accounts or the demo)."""
        from shared_outcomes.access.signin import SignIn

        return SignIn.configure(self.settings, audit=self.audit)

    def cli_identity(self, user_id: str | None) -> Identity | None:
        """Who a command acts as with `--as USER` (see `SignIn.cli_identity`); refusals audited.

        An unknown user, a disabled account or a missing `--as` where one is required is
        refused with the reason, and the refusal is written to the audit log under the name
        that was given.
        """
        try:
            return self.signin.cli_identity(user_id)
        except (AccessDenied, UsageError) as refusal:
            self.audit.record(
                None, SIGN_IN, outcome="denied", user_id=user_id or "(no --as)",
                detail={"via": "command line --as", "reason": refusal.message},
            )  # fmt: skip
            raise

    # -- checking and submitting -------------------------------------------------------------

    def contract(self, dataset: str) -> Contract:
        """The contract of `dataset`, or a `UsageError` naming the datasets there are."""
        try:
            return self.contracts[dataset]
        except KeyError:
            known = ", ".join(sorted(self.contracts))
            raise UsageError(
                f"there is no dataset {dataset!r}; the contracts define: {known}."
            ) from None

    def validate(
        self,
        source: Path | bytes,
        *,
        dataset: str,
        partner: str | None = None,
        period: str | None = None,
        file_name: str | None = None,
        sheet: str | None = None,
    ) -> Validation:
        """Check an extract (a CSV or a workbook: `sheet` names its worksheet, else the one
        named like the dataset or its only one) against its contract, storing nothing."""
        contract = self.contract(dataset)
        if period is not None:
            self._check_month(period)
        return self._validate(source, contract, partner, period, file_name, sheet)[0]

    def _validate(
        self,
        source: Path | bytes,
        contract: Contract,
        partner: str | None,
        period: str | None,
        file_name: str | None,
        sheet: str | None,
    ) -> tuple[Validation, Contract]:
        """The contract check, and the contract version it passed: the current one, or during
        its transition window (`Contract.previous_version`, until `accept_previous_until`) the
        previous one, with a warning naming what changes; after the window an extract that
        passes only the previous version is told so."""
        checked = validate_extract(
            source, contract, partner=partner, period=period, file_name=file_name,
            areas=self.partner_areas(partner), sheet=sheet,
        )  # fmt: skip
        self._minimise(checked, contract, partner)
        if checked.report.accepted or contract.previous_version is None:
            return checked, contract
        from shared_outcomes.checking.findings import describe
        from shared_outcomes.config.contract_changes import diff_contracts
        from shared_outcomes.config.contract_history import load_version
        from shared_outcomes.warehouse.schema import DatasetLayout

        older = load_version(
            self.settings.contracts_dir, contract.dataset, contract.previous_version
        )
        if DatasetLayout.of(older) != DatasetLayout.of(contract):
            return checked, contract  # loaded into the current tables: only if they match
        again = validate_extract(
            source, older, partner=partner, period=period, file_name=file_name,
            areas=self.partner_areas(partner), sheet=sheet,
        )  # fmt: skip
        self._minimise(again, older, partner)  # the agreement holds under either version
        if not again.report.accepted:
            return checked, contract
        changes = " ".join(c.words for c in diff_contracts(older, contract).breaking)
        until = contract.accept_previous_until
        words: dict[str, Any] = {
            "current": contract.version, "previous": older.version,
            "until": until.isoformat() if until else "", "changes": changes,
        }  # fmt: skip
        if until is not None and self._today() <= until:
            again.report.findings.append(describe("passed-previous-version", **words))
            return again, older
        checked.report.findings.append(describe("previous-version-ended", **words))
        return checked, contract

    def _minimise(self, checked: Validation, contract: Contract, partner: str | None) -> None:
        """Data minimisation: a column of the extract that the partner's agreement does not
        share is an error finding, and the extract is not accepted."""
        if partner is None or checked.extract is None or not self.agreements.enforced:
            return
        from shared_outcomes.checking.findings import describe
        from shared_outcomes.checking.validation import match_columns

        headers = [c for c in checked.extract.columns if c != ROW_COLUMN]
        sent = list(match_columns(headers, contract)[0])
        day = self._today()
        uncovered = self.agreements.uncovered_columns(partner, contract.dataset, day, sent)
        agreement = self.agreements.covering(partner, contract.dataset, day)
        if not uncovered or agreement is None:
            return
        covered = agreement.covered(contract.dataset)
        for column in uncovered:
            checked.report.findings.append(
                describe(
                    "column-not-in-agreement",
                    column,
                    agreement=agreement.id,
                    title=agreement.title,
                    columns=", ".join(covered.columns) if covered else "none",
                )
            )
        checked.report.accepted = False
        checked.frame = None

    def partner_areas(self, partner: str | None) -> dict[str, str] | None:
        """The areas a known partner covers, code → name (its rows for others are errors);
        None otherwise."""
        known = self.partnership.partners.get(partner) if partner else None
        if known is None:
            return None
        return {code: self.partnership.areas.get(code, code) for code in known.areas}

    def check_submission(
        self, identity: Identity, *, dataset: str, partner: str, period: str
    ) -> None:
        """Refuse, before reading anything, what cannot be submitted: raise with the reason."""
        self.require(
            identity, Action.SUBMIT_EXTRACT, partner=partner, dataset=dataset,
            detail={"period": period},
        )  # fmt: skip
        found = self.partnership.partners.get(partner)
        if found is None:
            known = ", ".join(sorted(self.partnership.partners))
            raise UsageError(f"there is no partner {partner!r}; the partners are: {known}.")
        self.contract(dataset)
        if dataset not in found.datasets:
            raise UsageError(
                f"{found.name} does not submit {dataset}; per partners.yaml it submits "
                f"{', '.join(found.datasets)}. Check the dataset, or ask the centre to add it."
            )
        refusal = self.agreements.refusal(partner, found.name, dataset, self._today())
        if refusal:
            raise UsageError(refusal[0].upper() + refusal[1:], title="Not covered by an agreement")
        self._check_month(period)

    def _check_month(self, period: str) -> None:
        if Period.parse(period) > Period.of(self._today()):
            raise UsageError(
                f"{period} is in the future: an extract can be submitted only for this month "
                "or an earlier one. Check the month."
            )

    def _allowed_to_submit(
        self, identity: Identity, dataset: str, partner: str, period: str, detail: dict[str, Any]
    ) -> None:
        """`check_submission`, with a refusal (a `UsageError`) written to the audit log."""
        try:
            self.check_submission(identity, dataset=dataset, partner=partner, period=period)
        except UsageError as refusal:
            detail |= {"status": "refused", "reason": refusal.message}
            self.audit.record(
                identity, Action.SUBMIT_EXTRACT, partner=partner, dataset=dataset, detail=detail
            )
            raise

    def submit(
        self,
        identity: Identity,
        source: Path | bytes,
        *,
        dataset: str,
        partner: str,
        period: str,
        file_name: str | None = None,
        submitted_at: datetime | None = None,
        sheet: str | None = None,
    ) -> SubmitResult:
        """Check and, if accepted, load an extract as a new version; record a rejection too.
        A workbook's worksheet is `sheet` (`validate`).

        An identical file for the same partner, dataset and month as the current version is
        recognised (`unchanged`) and neither checked nor loaded again. Every attempt is
        audited: loaded, unchanged, rejected, refused (a `UsageError`) or denied (`AccessDenied`).
        """
        name = file_name or (source.name if isinstance(source, Path) else None)
        detail: dict[str, Any] = {"period": period, "file_name": name}
        self._allowed_to_submit(identity, dataset, partner, period, detail)
        result = self._submit(
            identity, source, dataset, partner, period, file_name, submitted_at, sheet
        )
        detail |= {"status": result.status, "submission_id": result.submission_id}
        self.audit.record(
            identity, Action.SUBMIT_EXTRACT, partner=partner, dataset=dataset, detail=detail
        )
        return result

    def nil_return(
        self,
        identity: Identity,
        *,
        dataset: str,
        partner: str,
        period: str,
        reason: str | None = None,
        submitted_at: datetime | None = None,
    ) -> Submission:
        """Declare that a partner has nothing to report for a dataset and month: recorded in
        the register like a submission (who, when, why; it supersedes the current version), so
        figures count the partner's part as zero and no longer wait for it.

        Refused, audited, nothing stored: whatever `submit` refuses (role, partner, dataset,
        month); a month already received (an accepted extract, or a nil return already made);
        a dataset an outcome definition reads with `nil_returns: forbidden`.
        """
        from shared_outcomes.meeting.commentary import clean_text

        detail: dict[str, Any] = {"period": period, "kind": "nil return", "reason": reason}
        self._allowed_to_submit(identity, dataset, partner, period, detail)
        try:
            why = None if reason is None or not reason.strip() else clean_text(
                reason, what="the reason"
            )  # fmt: skip
            self._may_declare_nil(dataset, partner, period)
        except UsageError as refusal:
            detail |= {"status": "refused", "reason": refusal.message}
            self.audit.record(
                identity, Action.SUBMIT_EXTRACT, partner=partner, dataset=dataset, detail=detail
            )
            raise
        report = Report(accepted=True, dataset=dataset, partner=partner, period=period, rows=0)
        stored = self.warehouse.store_nil(
            partner=partner, dataset=dataset, period=period, submitted_by=identity.user_id,
            note=why, report_json=report.model_dump_json(), submitted_at=submitted_at,
        )  # fmt: skip
        detail |= {"status": "nil return", "submission_id": stored.submission_id}
        self.audit.record(
            identity, Action.SUBMIT_EXTRACT, partner=partner, dataset=dataset, detail=detail
        )
        return stored

    def excuse(
        self, identity: Identity, *, partner: str, dataset: str, period: str, reason: str
    ) -> Excusal:
        """Excuse a return (an admin or the data-standards team, with a reason): the obligation
        reads "excused" instead of overdue, until an extract or a nil return is accepted.

        Refused, audited, nothing stored: another role, an unknown partner, dataset it does not
        submit or malformed month, no reason, or a return already received.
        """
        from shared_outcomes.meeting.commentary import clean_text

        detail: dict[str, Any] = {"period": period, "reason": reason}
        self.require(identity, Action.EXCUSE_OBLIGATION, partner=partner, dataset=dataset,
                     detail=detail)  # fmt: skip
        try:
            found = self.partnership.partners.get(partner)
            if found is None:
                known = ", ".join(sorted(self.partnership.partners))
                raise UsageError(f"there is no partner {partner!r}; the partners are: {known}.")
            if dataset not in found.datasets:
                raise UsageError(
                    f"{found.name} does not submit {dataset}, so it owes no such return; it "
                    f"submits {', '.join(found.datasets)}."
                )
            Period.parse(period, what="the month")
            why = clean_text(reason, what="the reason")
            current = self.warehouse.current(partner, dataset, period)
            if current is not None:
                raise UsageError(
                    f"{found.name}'s {dataset} for {period} has been received (submission "
                    f"#{current.submission_id}): there is nothing to excuse."
                )
        except UsageError as refusal:
            detail |= {"status": "refused", "reason": refusal.message}
            self.audit.record(identity, Action.EXCUSE_OBLIGATION, outcome="denied",
                              partner=partner, dataset=dataset, detail=detail)  # fmt: skip
            raise
        made = self.warehouse.add_excusal(
            partner=partner, dataset=dataset, period=period, reason=why,
            excused_by=identity.user_id,
        )  # fmt: skip
        self.audit.record(identity, Action.EXCUSE_OBLIGATION, partner=partner, dataset=dataset,
                          detail={"period": period, "reason": why,
                                  "excusal_id": made.excusal_id})  # fmt: skip
        return made

    def _may_declare_nil(self, dataset: str, partner: str, period: str) -> None:
        forbidding = [
            d.title
            for d in self.definitions.values()
            if d.spec.nil_returns == "forbidden" and dataset in d.datasets
        ]
        if forbidding:
            raise UsageError(
                f"a nil return is not accepted for {dataset}: it feeds {', '.join(forbidding)}, "
                "whose definition does not accept one (nothing to report is implausible there). "
                "Send the extract; if it really is empty, ask the centre."
            )
        current = self.warehouse.current(partner, dataset, period)
        if current is not None and current.is_nil:
            raise UsageError(
                f"{partner} has already declared nothing to report for {dataset}, {period} "
                f"(submission #{current.submission_id}): nothing more is needed."
            )
        if current is not None:
            raise UsageError(
                f"{dataset} for {period} has already been received from {partner} (submission "
                f"#{current.submission_id}, accepted): a nil return would replace real data. "
                "To correct it, submit a corrected extract."
            )

    def check_upload(
        self,
        identity: Identity,
        source: Path,
        *,
        dataset: str,
        partner: str,
        period: str,
        file_name: str | None = None,
        sheet: str | None = None,
    ) -> Validation:
        """The Submit page's check, kept like the CLI's attempts: the refusal checks (a refusal
        audited), then the contract check; a rejected extract is recorded in the register as a
        rejected attempt (its report kept, its raw file archived) and audited. An accepted one
        is only checked: it is loaded when the person confirms (`submit`)."""
        name = file_name or source.name
        detail: dict[str, Any] = {"period": period, "file_name": name, "via": "web"}
        self._allowed_to_submit(identity, dataset, partner, period, detail)
        checked = self.validate(
            source, dataset=dataset, partner=partner, period=period, file_name=name, sheet=sheet
        )
        if checked.report.accepted:
            return checked
        sha256 = _sha256(source)
        self.warehouse.archive.keep(source, sha256)
        report = checked.report.model_copy(update={"sha256": sha256})
        contract = self.contract(dataset)
        prepared = PreparedSubmission(source, contract, partner, period, name, sha256, report, None)
        result = self.store_prepared(identity, prepared)
        detail |= {"status": result.status, "submission_id": result.submission_id}
        self.audit.record(
            identity, Action.SUBMIT_EXTRACT, partner=partner, dataset=dataset, detail=detail
        )
        return checked

    def submission_choices(self, identity: Identity) -> PartnerChoice:
        """What `identity` may submit for (`views.submission_choices`); a refusal is audited,
        as the CLI's is."""
        choice = submission_choices(identity, self.partnership, self.contracts)
        if choice.refusal:
            self.audit.record(
                identity,
                Action.SUBMIT_EXTRACT,
                outcome="denied",
                partner=identity.partner_id,
                detail={"reason": choice.refusal, "via": "web"},
            )
        return choice

    def _submit(
        self,
        identity: Identity,
        source: Path | bytes,
        dataset: str,
        partner: str,
        period: str,
        file_name: str | None,
        submitted_at: datetime | None,
        sheet: str | None = None,
    ) -> SubmitResult:
        contract = self.contract(dataset)
        sha256 = _sha256(source)
        current = self.warehouse.current(partner, dataset, period)
        if current and current.sha256 == sha256 and current.contract_version == contract.version:
            return self._unchanged(current)
        # `submit` has made the refusal checks already: the file is checked once, not twice.
        prepared = self._checked(
            source, contract, partner, period, file_name, sha256=sha256, archive=True, sheet=sheet
        )
        return self.store_prepared(identity, prepared, submitted_at=submitted_at)

    def prepare(
        self,
        identity: Identity,
        source: Path | bytes,
        *,
        dataset: str,
        partner: str,
        period: str,
        file_name: str | None = None,
        sha256: str | None = None,
        archive: bool = False,
    ) -> PreparedSubmission:
        """The refusal checks and the contract check, without touching the database.

        With `archive`, the raw file is archived while it is being checked (a thread copies it
        while Polars checks), so the load that follows does not wait for the copy.
        """
        self.check_submission(identity, dataset=dataset, partner=partner, period=period)
        return self._checked(
            source, self.contract(dataset), partner, period, file_name, sha256=sha256,
            archive=archive,
        )  # fmt: skip

    def _checked(
        self,
        source: Path | bytes,
        contract: Contract,
        partner: str,
        period: str,
        file_name: str | None,
        *,
        sha256: str | None,
        archive: bool,
        sheet: str | None = None,
    ) -> PreparedSubmission:
        """The contract check (and the archive copy beside it) of a submission already allowed."""
        if isinstance(source, Path):
            file_name = file_name or source.name
        sha256 = sha256 or _sha256(source)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive") as pool:
            archived = pool.submit(self.warehouse.archive.keep, source, sha256) if archive else None
            checked, passed = self._validate(source, contract, partner, period, file_name, sheet)
            if archived is not None:
                archived.result()
        report = checked.report.model_copy(update={"sha256": sha256})
        return PreparedSubmission(
            source, passed, partner, period, file_name, sha256, report, checked.frame
        )

    def store_prepared(
        self,
        identity: Identity,
        prepared: PreparedSubmission,
        *,
        submitted_at: datetime | None = None,
    ) -> SubmitResult:
        """Store a prepared submission: loaded, unchanged, or recorded as rejected."""
        report = prepared.report
        stored = self.warehouse.store(prepared.for_store(identity.user_id, submitted_at))
        if stored.status == "unchanged":
            return self._unchanged(stored.submission)
        return SubmitResult(
            report, stored.status, stored.submission.submission_id, stored.supersedes
        )

    def _unchanged(self, current: Submission) -> SubmitResult:
        stored = self.warehouse.report_json(current.submission_id)
        report = Report.model_validate_json(stored) if stored else None
        if report is None:  # a register row always has its report; rebuild a minimal one
            report = Report(accepted=True, dataset=current.dataset, rows=current.rows)
        return SubmitResult(report, "unchanged", current.submission_id, None)

    # -- reading -------------------------------------------------------------------------------

    def history(self, identity: Identity, partner: str, dataset: str) -> list[Submission]:
        """Every version a partner sent for a dataset, newest first, rejected ones included."""
        self.require(identity, Action.VIEW_SUBMISSION_REPORTS, partner=partner, dataset=dataset)
        if partner not in self.partnership.partners:
            known = ", ".join(sorted(self.partnership.partners))
            raise UsageError(f"there is no partner {partner!r}; the partners are: {known}.")
        self.contract(dataset)
        return self.warehouse.history(partner, dataset)

    def partner_submissions(
        self, identity: Identity, partner: str, *, dataset: str | None = None
    ) -> list[Submission]:
        """Every version `partner` sent (of `dataset`, or of every dataset), newest first by
        time, superseded and rejected ones included: a partner's submitters see only their own
        partner's, analysts and admins any partner's (refusals audited)."""
        self.require(identity, Action.VIEW_SUBMISSION_HISTORY, partner=partner, dataset=dataset)
        if partner not in self.partnership.partners:
            known = ", ".join(sorted(self.partnership.partners))
            raise UsageError(f"there is no partner {partner!r}; the partners are: {known}.")
        if dataset is not None:
            self.contract(dataset)
        found = self.warehouse.submissions(partner=partner, dataset=dataset)
        return sorted(found, key=lambda s: (s.submitted_at, s.submission_id), reverse=True)

    def warning_counts(self, identity: Identity, submissions: list[Submission]) -> dict[int, int]:
        """How many warnings each accepted submission's stored report has (by submission id),
        read in one query; checked like `submission_report`."""
        for partner, dataset in sorted({(s.partner_id, s.dataset) for s in submissions}):
            self.require(identity, Action.VIEW_SUBMISSION_REPORTS, partner=partner, dataset=dataset)
        accepted = [s.submission_id for s in submissions if s.status == "accepted"]
        return self.warehouse.warning_counts(accepted)

    def submitted_file(self, identity: Identity, submission_id: int) -> tuple[Submission, Path]:
        """A submission and where its raw file is archived, byte for byte as it was sent.

        Refused (audited) unless `identity` may download it (`DOWNLOAD_SUBMITTED_FILE`: its own
        partner's submitters, analysts whose data-sharing agreement covers the dataset, admins);
        pass `path.read_bytes` to a download and record it with `record_download` when made.
        """
        found = self.warehouse.submission(submission_id)
        if found is None:
            raise UsageError(f"there is no submission #{submission_id}.")
        self.require(
            identity, Action.DOWNLOAD_SUBMITTED_FILE, partner=found.partner_id,
            dataset=found.dataset, detail={"submission_id": submission_id},
        )  # fmt: skip
        if found.status == "erased":
            raise UsageError(
                f"submission #{submission_id} was erased ({self._erasure_words(found)}): its "
                "file and rows no longer exist, only the record that it was sent.",
                title="Erased",
            )
        path = self.warehouse.archived_file(found.sha256) if found.sha256 else None
        if path is None or not path.is_file():
            raise WarehouseError(
                f"the file of submission #{submission_id} is not in the archive "
                f"({self.settings.archive_dir}): ask the centre to restore the archive folder."
            )
        return found, path

    # -- retention and erasure (see `jobs.retention`, `warehouse.erasure`) ----------------------

    def register_for_retention(self, identity: Identity) -> list[Submission]:
        """Every register row, for a retention run to weigh against the agreements
        (`jobs.retention.plan_retention`). For administrators (refusals audited)."""
        self.require(identity, Action.APPLY_RETENTION)
        return self.warehouse.submissions()

    def erase_under_retention(
        self, identity: Identity, submission_id: int, *, agreement_id: str, months: int, rule: str
    ) -> Submission:
        """Erase one submission past retention (`rule` says which, in words), keeping its
        tombstone; audited. The caches of figures made from it are discarded."""
        self.require(identity, Action.APPLY_RETENTION)
        detail = {"rule": "retention", "agreement": agreement_id, "retention_months": months}
        tomb = self.warehouse.erase(
            Erasure(submission_id, datetime.now(UTC), identity.user_id, "retention", rule),
            audit=self._erasure_audit(identity, detail),
        )
        discard_kept(self.warehouse.db_path)
        return tomb

    def request_erasure(
        self, identity: Identity, submission_id: int, reason: str
    ) -> ErasureRequest:
        """Ask for the erasure of one submission (a valid request, say a data subject's): an
        administrator's step, recorded and audited; nothing is deleted until a second
        administrator confirms it (`confirm_erasure`)."""
        found = self._erasable(identity, submission_id, "request")
        words = " ".join(reason.split())
        if len(words) < 5:
            raise UsageError(
                "say why the submission must be erased with --reason, in words the audit log "
                "can keep (e.g. 'data subject's erasure request, ref. DSR-2026-014').",
                title="No reason given",
            )
        waiting = self.warehouse.erasure_request(submission_id)
        if waiting is not None:
            raise UsageError(
                f"the erasure of submission #{submission_id} was already asked for by "
                f"{waiting.requested_by} on {waiting.requested_at:%d %b %Y %H:%M} UTC; it "
                "waits for a second administrator's --confirm.",
                title="Already asked for",
            )
        request = ErasureRequest(submission_id, words, identity.user_id, datetime.now(UTC))
        self.warehouse.request_erasure(request)
        self.audit.record(
            identity, "request_erasure", partner=found.partner_id, dataset=found.dataset,
            detail={"submission_id": submission_id, "period": found.period, "reason": words},
        )  # fmt: skip
        return request

    def confirm_erasure(self, identity: Identity, submission_id: int) -> Submission:
        """Carry out an erasure another administrator asked for; the tombstone names both.
        The one who asked cannot confirm their own request (refused and audited)."""
        found = self._erasable(identity, submission_id, "confirm")
        request = self.warehouse.erasure_request(submission_id)
        if request is None:
            raise UsageError(
                f"nobody has asked for the erasure of submission #{submission_id}: ask for it "
                f"first (`shared-outcomes erase {submission_id} --reason TEXT --as USER`), then "
                "a second administrator confirms it.",
                title="Nothing to confirm",
            )
        if request.requested_by == identity.user_id:
            self.audit.record(
                identity, "confirm_erasure", outcome="denied", partner=found.partner_id,
                dataset=found.dataset,
                detail={"submission_id": submission_id,
                        "reason": "the administrator who asked cannot confirm it"},
            )  # fmt: skip
            raise AccessDenied(
                f"{identity.display_name} asked for this erasure and cannot also confirm it: a "
                "second, different administrator must run the confirmation."
            )
        detail = {"rule": "request", "reason": request.reason,
                  "requested_by": request.requested_by}  # fmt: skip
        tomb = self.warehouse.erase(
            Erasure(
                submission_id, datetime.now(UTC), identity.user_id, "request", request.reason,
                request.requested_by, request.requested_at,
            ),
            audit=self._erasure_audit(identity, detail),
        )  # fmt: skip
        discard_kept(self.warehouse.db_path)
        return tomb

    def reproduction_caveat(self, identity: Identity, as_at: datetime) -> str | None:
        """Why figures as at `as_at` can no longer be reproduced exactly (data known then was
        erased since), in words; None when nothing was."""
        from shared_outcomes.present.states import reproduction_caveat

        self.require(identity, Action.VIEW_SHARED_FIGURES)
        return reproduction_caveat(as_at, self.warehouse.erased_since(as_at))

    def erasure_requests(self, identity: Identity) -> list[ErasureRequest]:
        """The erasures asked for and waiting for a second administrator."""
        self.require(identity, Action.ERASE_SUBMISSION)
        return self.warehouse.erasure_requests()

    def erasures(self, identity: Identity, submissions: Sequence[Submission]) -> dict[int, Erasure]:
        """The erasure record of each erased submission among `submissions`, by id (what a
        history shows in place of the version); checked like `history`."""
        for partner, dataset in sorted({(s.partner_id, s.dataset) for s in submissions}):
            self.require(identity, Action.VIEW_SUBMISSION_REPORTS, partner=partner, dataset=dataset)
        erased = [s.submission_id for s in submissions if s.status == "erased"]
        if not erased:
            return {}
        return {e.submission_id: e for e in self.warehouse.erasures(erased)}

    def _erasable(self, identity: Identity, submission_id: int, step: str) -> Submission:
        found = self.warehouse.submission(submission_id)
        partner = found.partner_id if found else None
        self.require(
            identity, Action.ERASE_SUBMISSION, partner=partner,
            detail={"submission_id": submission_id, "step": step},
        )  # fmt: skip
        if found is None:
            raise UsageError(
                f"there is no submission #{submission_id} in the register: check the number "
                "(`shared-outcomes history --partner P --dataset D` lists a partner's).",
                title="No such submission",
            )
        if found.status == "erased":
            raise UsageError(
                f"submission #{submission_id} was already erased "
                f"({self._erasure_words(found)}): nothing is left to erase.",
                title="Already erased",
            )
        return found

    def _erasure_words(self, tomb: Submission) -> str:
        found = self.warehouse.erasures([tomb.submission_id])
        if not found:
            return "erased"
        e = found[0]
        return f"{e.under} on {e.erased_at:%d %b %Y} by {e.erased_by}"

    @staticmethod
    def _erasure_audit(
        identity: Identity, detail: dict[str, Any]
    ) -> Callable[[Submission], AuditRow]:
        """The erasure's audit entry, written in the erasure's own transaction."""

        def row(sub: Submission) -> AuditRow:
            return audit_row(
                identity, ERASE_SUBMISSION, partner=sub.partner_id, dataset=sub.dataset,
                detail={"submission_id": sub.submission_id, "period": sub.period,
                        "sha256": sub.sha256} | detail,
            )  # fmt: skip

        return row

    # -- reminders ------------------------------------------------------------------------------

    def pause_reminders(
        self, identity: Identity, *, partner: str, until: date, reason: str | None = None
    ) -> ReminderPause:
        """Pause a partner's reminders until `until` (inclusive: they go again from the day
        after): a partner's submitters pause their own partner's, the data-standards team and
        admins any partner's. The partner's latest pause is the one in force, so a new one
        replaces (lengthens or shortens) the last.

        Refused, audited, nothing stored: another role or partner, an unknown partner, a day
        before today, a reason with control characters.
        """
        from shared_outcomes.meeting.commentary import clean_text

        detail: dict[str, Any] = {"until": until.isoformat(), "reason": reason}
        self.require(identity, Action.PAUSE_REMINDERS, partner=partner, detail=detail)
        try:
            found = self.partnership.partners.get(partner)
            if found is None:
                known = ", ".join(sorted(self.partnership.partners))
                raise UsageError(f"there is no partner {partner!r}; the partners are: {known}.")
            today = self._today()
            if until < today:
                raise UsageError(
                    f"{until.isoformat()} is in the past: a pause lasts until a day from today "
                    f"({today.isoformat()}) on. Give the last day reminders should stay paused."
                )
            why = None if reason is None or not reason.strip() else clean_text(
                reason, what="the reason"
            )  # fmt: skip
        except UsageError as refusal:
            detail |= {"status": "refused", "reason": refusal.message}
            self.audit.record(identity, Action.PAUSE_REMINDERS, outcome="denied",
                              partner=partner, detail=detail)  # fmt: skip
            raise
        made = self.warehouse.add_reminder_pause(
            partner=partner, until=until, paused_by=identity.user_id, reason=why
        )
        self.audit.record(identity, Action.PAUSE_REMINDERS, partner=partner,
                          detail={"until": until.isoformat(), "reason": why})  # fmt: skip
        return made

    def reminder_pauses(
        self, identity: Identity, *, today: date | None = None
    ) -> list[ReminderPause]:
        """The pauses in force on `today` (default: now): each partner's latest pause, where it
        lasts until then or later, by partner. A partner's submitters see their own partner's,
        the data-standards team and admins every partner's; anyone else is refused (audited)."""
        partner = self._reminders_partner(identity)
        return self.warehouse.reminder_pauses(on=today or self._today(), partner=partner)

    def reminders_sent(self, identity: Identity) -> list[SentReminder]:
        """Every reminder recorded (one per partner, return and stage), oldest first; seen as
        `reminder_pauses` is."""
        return self.warehouse.reminders_sent(self._reminders_partner(identity))

    def record_reminder(
        self,
        identity: Identity,
        *,
        partner: str,
        stage: Stage,
        obligations: Sequence[Obligation],
        recipients: Sequence[str],
        sent_at: datetime | None = None,
    ) -> list[SentReminder]:
        """Record (and audit) that the mail server accepted a reminder to `recipients` about
        `obligations` of `partner` at `stage`: none of them is reminded at that stage again.
        For whoever may manage the partner's reminders (the reminder job acts as the system)."""
        self.require(identity, Action.PAUSE_REMINDERS, partner=partner)
        moment = sent_at or datetime.now(UTC)
        sent = [
            SentReminder(partner, o.dataset, o.period, stage, tuple(recipients), moment)
            for o in obligations
        ]
        self.warehouse.record_reminders(sent)
        self.audit.record(
            identity, "send_reminder", partner=partner,
            detail={"stage": stage, "recipients": list(recipients),
                    "returns": [f"{o.dataset} {o.period}" for o in obligations]},
        )  # fmt: skip
        return sent

    def review_reminders_sent(self, identity: Identity) -> list[SentReview]:
        """Every agreement review reminder recorded (one per agreement, review date and party),
        oldest first; for the data-standards team, admins and the reminder job."""
        self.require(identity, Action.PAUSE_REMINDERS, partner=None)
        return self.warehouse.reviews_sent()

    def record_review_reminder(
        self,
        identity: Identity,
        *,
        agreement_id: str,
        review_date: date,
        partner: str,
        recipients: Sequence[str],
        sent_at: datetime | None = None,
    ) -> SentReview:
        """Record (and audit) that the mail server accepted a reminder to `partner`'s contacts
        that the agreement `agreement_id` is due for review on `review_date`: that party is not
        reminded of that review again."""
        self.require(identity, Action.PAUSE_REMINDERS, partner=partner)
        sent = SentReview(
            agreement_id, review_date, partner, tuple(recipients), sent_at or datetime.now(UTC)
        )
        self.warehouse.record_reviews_sent([sent])
        self.audit.record(
            identity, "send_review_reminder", partner=partner,
            detail={"agreement": agreement_id, "review": review_date.isoformat(),
                    "recipients": list(recipients)},
        )  # fmt: skip
        return sent

    def _reminders_partner(self, identity: Identity) -> str | None:
        """Whose reminders `identity` may see: its own partner's for a submitter (its id), every
        partner's (None) for the data-standards team and admins; anyone else refused."""
        if identity.role == Role.PARTNER_SUBMITTER:
            self.require(identity, Action.PAUSE_REMINDERS, partner=identity.partner_id)
            return identity.partner_id
        self.require(identity, Action.PAUSE_REMINDERS)
        return None

    def obligations(
        self,
        identity: Identity,
        *,
        months: Sequence[str] | None = None,
        partner: str | None = None,
        states: Sequence[str] = (),
        today: date | None = None,
    ) -> list[Obligation]:
        """Every return owed (`figures.obligations`) for `months` (default: the 12 months ending
        with this one), of one partner or all, in the `states` asked for (all without any), as
        they stood at the end of `today` (default: now).

        A partner's submitters see only their own partner's (asking for another is refused and
        audited); everyone else sees every partner's, as the timeliness they are part of.
        """
        from shared_outcomes.figures.obligations import State, obligation_months

        if identity.role == Role.PARTNER_SUBMITTER:
            self.require(identity, Action.VIEW_SUBMISSION_HISTORY, partner=partner)
            partner = identity.partner_id
        else:
            self.require(identity, Action.VIEW_TIMELINESS)
        if partner is not None and partner not in self.partnership.partners:
            known = ", ".join(sorted(self.partnership.partners))
            raise UsageError(f"there is no partner {partner!r}; the partners are: {known}.")
        known_states = {str(s) for s in State}
        for state in states:
            if state not in known_states:
                raise UsageError(
                    f"there is no state {state!r}; the states are: {', '.join(map(str, State))}."
                )
        day = today or self._today()
        chosen = list(months) if months else obligation_months(str(Period.of(day)))
        found = self._owed(chosen, day, partner)
        return [o for o in found if not states or str(o.state) in states]

    def timeliness(
        self, identity: Identity, months: Sequence[str], *, today: date | None = None
    ) -> list[Obligation]:
        """Every partner's obligations for `months` as they stood at the end of `today`
        (default: now), for the Data quality page's timeliness grid and records: the timeliness
        every role that may see it shares, partners included."""
        self.require(identity, Action.VIEW_TIMELINESS)
        return self._owed(list(months), today or self._today(), None)

    def _owed(self, months: list[str], day: date, partner: str | None) -> list[Obligation]:
        """`figures.obligations` over the register as it stood at the end of `day`, with the
        partnership's `reminders.due_soon_days`."""
        from shared_outcomes.figures.obligations import DUE_SOON_DAYS, obligations

        partners = self.partnership.partners
        if partner is not None:
            partners = {partner: partners[partner]}
        wanted = set(months)
        # As the register stood at the end of `day`: a later submission is not yet received.
        register = [
            s
            for s in self.warehouse.submissions(partner=partner)
            if s.period in wanted and s.submitted_at.date() <= day
        ]
        warnings = self.warehouse.warning_counts(
            [s.submission_id for s in register if s.status == "accepted"]
        )
        excused = [e for e in self.warehouse.excusals(partner) if e.excused_at.date() <= day]
        return obligations(
            partners, register, months, day, warnings=warnings, excusals=excused,
            due_soon_days=self.partnership.reminders.due_soon_days or DUE_SOON_DAYS,
        )  # fmt: skip

    def contract_changelog(self, dataset: str) -> list[ContractDiff]:
        """The published versions of `dataset`'s contract as the changes from each to the next,
        newest first (`config.contract_history`); empty when fewer than two are published."""
        from shared_outcomes.config.contract_history import changelog

        return changelog(self.settings.contracts_dir, dataset)[::-1]

    def published_versions(self, dataset: str) -> list[str]:
        """The published versions of `dataset`'s contract, oldest first."""
        from shared_outcomes.config.contract_history import published

        return published(self.settings.contracts_dir, dataset)

    def contract_impact(
        self,
        identity: Identity,
        proposed_file: Path,
        *,
        months: int = IMPACT_MONTHS,
        progress: Callable[[int, int], None] | None = None,
    ) -> ContractImpact:
        """The impact of a proposed contract file before it is made (`checking.impact`): its
        changes from the current contract, the outcomes reading what changes, and the current
        submissions of the newest `months` months re-checked against it from the archive (a
        dry run: nothing is stored). For the centre (ASSESS_CONTRACT_CHANGE); audited.

        A file that is no contract, of a dataset with no contract here, identical to the
        current contract, or with a version going backwards is a `UsageError`.
        """
        from shared_outcomes.checking.impact import (
            ContractImpact,
            Recheck,
            outcome_impacts,
            recheck,
        )
        from shared_outcomes.config.contract_changes import bump_between, diff_contracts
        from shared_outcomes.config.contract_history import load_any

        self.require(identity, Action.ASSESS_CONTRACT_CHANGE, detail={"file": proposed_file.name})
        proposed = load_any(proposed_file, self.settings.reference_dir)
        current = self.contract(proposed.dataset)
        diff = diff_contracts(current, proposed)
        problem = diff.version_problem()
        if not diff.changes:
            raise UsageError(
                f"{proposed_file.name} is the same as the current {proposed.dataset} contract "
                f"(version {current.version}): there is no change to assess."
            )
        if bump_between(current.version, proposed.version) == "backwards":
            raise UsageError(problem or "the version goes backwards.")
        register = [
            s
            for s in self.warehouse.submissions()
            if s.dataset == proposed.dataset and s.status == "accepted" and not s.is_nil
        ]
        newest = sorted({s.period for s in register}, reverse=True)[:months]
        chosen = [s for s in register if s.period in set(newest)]
        rechecks = [
            Recheck(
                s.partner_id,
                s.period,
                s.submission_id,
                self.warehouse.archived_file(s.sha256) if s.sha256 else None,
                s.file_name,
            )
            for s in sorted(chosen, key=lambda s: (s.partner_id, s.period))
        ]
        partners = recheck(
            proposed, rechecks, self.partnership.partners,
            areas=lambda pid: self.partner_areas(pid), progress=progress,
        )  # fmt: skip
        found = ContractImpact(
            diff, tuple(outcome_impacts(diff, self.definitions)), tuple(partners),
            tuple(sorted(newest)),
        )  # fmt: skip
        self.audit.record(
            identity, Action.ASSESS_CONTRACT_CHANGE, dataset=proposed.dataset,
            detail={"file": proposed_file.name, "version": proposed.version,
                    "checked": sum(p.checked for p in partners), "rejected": found.rejected},
        )  # fmt: skip
        return found

    def submissions(self, identity: Identity) -> list[Submission]:
        """The whole register (for timeliness and data quality), newest first."""
        self.require(identity, Action.VIEW_TIMELINESS)
        return self.warehouse.submissions()

    def register_version(self) -> tuple[int, int]:
        """A cheap stamp of the register (`Warehouse.register_stamp`); no access check, since it
        reveals no data."""
        return self.warehouse.register_stamp()

    def latest_submission_time(self, identity: Identity) -> datetime | None:
        """When the newest submission (of any status) was made, UTC; None if there is none."""
        self.require(identity, Action.VIEW_TIMELINESS)
        return self.warehouse.latest_submission_time()

    def users(self, identity: Identity) -> list[UserRecord]:
        """The people of this deployment's sign-in mode (demo users in demo mode); admins only."""
        from shared_outcomes.access.accounts import Directory
        from shared_outcomes.access.signin import Mode

        self.require(identity, Action.MANAGE_USERS)
        demo = self.signin.mode == Mode.DEMO
        path = self.settings.demo_users_file if demo else self.settings.users_file
        return Directory.load(path).users

    def submission_report(self, identity: Identity, submission_id: int) -> Report | None:
        """The report stored with a submission (None if there is no such submission)."""
        found = self.warehouse.submission(submission_id)
        if found is None:
            return None
        self.require(
            identity, Action.VIEW_SUBMISSION_REPORTS, partner=found.partner_id,
            dataset=found.dataset, detail={"submission_id": submission_id},
        )  # fmt: skip
        stored = self.warehouse.report_json(submission_id)
        return Report.model_validate_json(stored) if stored else None

    def figures(
        self,
        identity: Identity,
        *,
        period: str | None = None,
        as_at: datetime | None = None,
        outcomes: list[str] | None = None,
        unsuppressed: bool | None = None,
        version: tuple[int, int] | None = None,
    ) -> pl.DataFrame:
        """Every shared figure as `identity` may see it; see `outcomes.compute_outcomes`.

        `unsuppressed`: None gives what the role sees by default (small counts shown to
        analysts and admins, suppressed for everyone else); True asks for unsuppressed
        figures and is refused (`AccessDenied`, audited) for a role that may not see them;
        False suppresses small counts whoever asks (an export for a board pack).

        Results are cached per suppression class, request and register version (see
        `register_version`), so a rerun of a page does not compute them again; while one
        thread computes a key, the others asking for it wait for its result. `version`: the
        register version the caller read for this page view, so the several sets of figures
        a page shows cost one read of it (a query of tens of milliseconds on a catalog); the
        figures are never older than it.
        """
        from shared_outcomes.figures.outcomes import compute_outcomes

        self.require(identity, Action.VIEW_SHARED_FIGURES)
        if unsuppressed:
            self.require(identity, Action.VIEW_UNSUPPRESSED_FIGURES)
        suppress = unsuppressed is False
        # The figures depend on the identity only through whether it sees small counts.
        key = (
            identity.sees_unsuppressed, suppress, period, as_at,
            tuple(outcomes) if outcomes is not None else None,
            self.register_version() if version is None else version, self._today(),
        )  # fmt: skip
        while True:
            with self._figures_lock:
                cached = self._figures_cache.get(key)
                if cached is not None:
                    self._figures_cache.move_to_end(key)
                    return cached.clone()
                flight = self._figures_flights.get(key)
                if flight is None:  # this thread computes them
                    flight = self._figures_flights[key] = threading.Event()
                    break
            flight.wait()  # then the cache has them, or that computation failed: try again
        try:
            computed = compute_outcomes(
                self.warehouse, self.definitions, self.partnership, identity,
                period=period, as_at=as_at, outcomes=outcomes, suppress=suppress,
            )  # fmt: skip
            with self._figures_lock:
                self._figures_cache[key] = computed
                while len(self._figures_cache) > FIGURES_CACHE_SIZE:
                    self._figures_cache.popitem(last=False)
        finally:
            with self._figures_lock:
                del self._figures_flights[key]
            flight.set()
        return computed.clone()


def _sha256(source: Path | bytes) -> str:
    if isinstance(source, Path) and not source.is_file():
        raise UsageError(f"{source} does not exist or is not a file: check the path.")
    return sha256_of(source)


def _busy_timeout(explicit: float | None) -> float:
    if explicit is not None:
        return explicit
    text = os.environ.get(BUSY_TIMEOUT_ENV_VAR)
    if not text:
        return DEFAULT_BUSY_TIMEOUT
    try:
        return max(float(text), 0.0)
    except ValueError:
        raise UsageError(
            f"${BUSY_TIMEOUT_ENV_VAR} is {text!r}: set it to a number of seconds, e.g. 30."
        ) from None
