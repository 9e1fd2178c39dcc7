"""The reminder run (`shared-outcomes remind`, daily from cron): an e-mail to each partner's
contacts about the returns it has still to send, and to each party's contacts about a data
sharing agreement due for review.

**Which reminders** (`plan_reminders`, pure). Two stages per return owed, each sent once:

- **due soon**: nothing received, due within `reminders.due_soon_days` of partners.yaml
  (default `figures.obligations.DUE_SOON_DAYS`) days or today, for this month or the last;
- **overdue**: nothing received and the due date has passed (the first run on or after the day
  after the due date), for any of the last 12 months.

Received, nil-return, excused and rejected-not-yet-corrected returns are never reminded (the
obligation's state decides: `Workspace.obligations`). One message per partner and stage lists
all its returns in that stage not yet reminded at that stage (`reminders_sent`). A partner
whose reminders are paused until a day gets none until the day after; a partner with no
contact address gets none, is listed as a warning, and nothing is recorded for it, so it is
reminded once it has one.

**Each message** (`compose`) is plain text and HTML (multipart/alternative, every value
escaped in the HTML): what to send (each dataset's title, the month, the due date) and where
(the Submit an extract page when the app's address is configured, the `shared-outcomes submit`
command, and a nil return when there is nothing to report).

**Agreement reviews** (`plan_reviews`, pure; `compose_review`). Each agreement in force whose
review date (`data_contracts/agreements.yaml`) falls within `REVIEW_WITHIN_DAYS` (60) days of
the run's day, today included, is reminded once per review date to each of its parties
(`review_reminders_sent`): one message per party, to its contacts, naming the agreement (title
and id), the review date, the parties and their roles, and what to do (review it with the
other parties, then put the new review date in agreements.yaml; the Agreements page when the
app's address is configured). A new review date is reminded afresh. A pause does not hold a
review reminder back: a pause is of the return reminders (for leave, or a system change),
and a review concerns every party, so it is not one to miss. A party with no contact address
gets none, is listed as a warning, and nothing is recorded for it.

**Sending** (`remind`). One connection to the mail server (`settings.smtp_settings`) for the
run, with a timeout, the return reminders first, then the review reminders; each message is
recorded only after the server accepted it, so a server that is down, refuses the login or
fails half-way leaves recorded exactly what was sent, and the next run sends the rest, never a
message twice. A dry run composes the messages and sends and records nothing.
"""

from __future__ import annotations

import smtplib
import ssl
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from html import escape
from typing import TYPE_CHECKING

from shared_outcomes.access.roles import SYSTEM, Identity
from shared_outcomes.errors import SharedOutcomesError, UsageError
from shared_outcomes.figures.obligations import DUE_SOON_DAYS, State, obligation_months
from shared_outcomes.period import Period
from shared_outcomes.present.agreements import REVIEW_WITHIN_DAYS, ROLE_WORDS
from shared_outcomes.settings import SmtpSettings, app_url, smtp_settings
from shared_outcomes.warehouse.reminders import (
    STAGES,
    ReminderPause,
    SentReminder,
    SentReview,
    Stage,
)

if TYPE_CHECKING:
    from shared_outcomes.config.agreements import Agreement, Agreements
    from shared_outcomes.config.partnership import Partner
    from shared_outcomes.figures.obligations import Obligation
    from shared_outcomes.workspace import Workspace

#: How many months back an overdue return is still reminded (this month included).
OVERDUE_MONTHS = 12
#: The months a return can be due soon in: this month and the last.
DUE_SOON_MONTHS = 2
#: Each stage in words, as a message and the command's output say it.
STAGE_WORDS: dict[Stage, str] = {"due_soon": "due soon", "overdue": "overdue"}
#: Where the plain text wraps (a command stays on one line, whatever its length).
TEXT_WIDTH = 76
_NOT_RECEIVED = frozenset({State.DUE_SOON, State.NOT_YET_DUE})


@dataclass(frozen=True)
class Reminder:
    """One message to send: a partner's returns in one stage, and who gets it."""

    partner: Partner
    stage: Stage
    obligations: tuple[Obligation, ...]
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class Withheld:
    """A partner's returns that would have been reminded: paused (`pause`), or with no
    contact address (`pause` None)."""

    partner: Partner
    obligations: tuple[Obligation, ...]
    pause: ReminderPause | None = None


@dataclass(frozen=True)
class Plan:
    """What a run does: the messages, and the partners skipped (paused) or warned about."""

    reminders: list[Reminder]
    paused: list[Withheld]
    no_address: list[Withheld]


def stage_of(owed: Obligation, today: date, *, due_soon_days: int = DUE_SOON_DAYS) -> Stage | None:
    """The reminder stage a return is at on `today`, if any (see the module's docstring)."""
    if owed.state == State.OVERDUE:
        return "overdue"
    recent = {str(Period.of(today)), str(Period.of(today).previous())}
    days_left = (owed.due - today).days
    if owed.state in _NOT_RECEIVED and owed.period in recent and 0 <= days_left <= due_soon_days:
        return "due_soon"
    return None


def plan_reminders(
    owed: Iterable[Obligation],
    partners: Mapping[str, Partner],
    *,
    pauses: Iterable[ReminderPause],
    sent: Iterable[SentReminder],
    today: date,
    due_soon_days: int = DUE_SOON_DAYS,
) -> Plan:
    """The messages of a run on `today`: one per partner and stage, listing the partner's
    returns at that stage that were not reminded at it yet; partners whose pause lasts until
    `today` or later, and partners with no contact address, get none and are listed apart."""
    done = {(s.partner_id, s.dataset, s.period, s.stage) for s in sent}
    paused = {p.partner_id: p for p in pauses if p.paused_until >= today}
    due: dict[tuple[str, Stage], list[Obligation]] = {}
    for o in owed:
        stage = stage_of(o, today, due_soon_days=due_soon_days)
        if stage is not None and (o.partner_id, o.dataset, o.period, stage) not in done:
            due.setdefault((o.partner_id, stage), []).append(o)
    plan = Plan([], [], [])
    for pid in sorted({pid for pid, _ in due}, key=lambda p: (partners[p].name, p)):
        partner = partners[pid]
        stages = [s for s in STAGES if (pid, s) in due]
        everything = tuple(o for s in stages for o in _ordered(due[(pid, s)]))
        if pid in paused:
            plan.paused.append(Withheld(partner, everything, paused[pid]))
        elif not partner.contacts:
            plan.no_address.append(Withheld(partner, everything))
        else:
            for stage in stages:
                returns = tuple(_ordered(due[(pid, stage)]))
                plan.reminders.append(Reminder(partner, stage, returns, tuple(partner.contacts)))
    return plan


def _ordered(found: Iterable[Obligation]) -> list[Obligation]:
    return sorted(found, key=lambda o: (o.due, o.period, o.dataset))


@dataclass(frozen=True)
class ReviewReminder:
    """One message to send: an agreement due for review, to one party's contacts (none when the
    party has no contact address), with every party as the message names it."""

    agreement: Agreement
    partner: Partner
    #: Each party in the agreement's order, "Bury Council, controller".
    parties: tuple[str, ...]
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ReviewPlan:
    """The review reminders of a run, and the parties warned about for no contact address."""

    reviews: list[ReviewReminder]
    no_address: list[ReviewReminder]


def plan_reviews(
    agreements: Agreements,
    partners: Mapping[str, Partner],
    *,
    sent: Iterable[SentReview],
    today: date,
    within_days: int = REVIEW_WITHIN_DAYS,
) -> ReviewPlan:
    """The review reminders of a run on `today`: for each agreement in force whose review falls
    within `within_days` of `today`, one per party not yet reminded of that review date, the
    soonest review first and the parties by name; parties with no contact address apart (pauses
    do not apply: see the module's docstring)."""
    done = {(s.agreement_id, s.review_date, s.partner_id) for s in sent}
    names = {pid: p.name for pid, p in partners.items()}
    plan = ReviewPlan([], [])
    for agreement in agreements.due_for_review(today, within_days):
        parties = tuple(
            f"{_one_line(names.get(p.partner, p.partner))}, {ROLE_WORDS[p.role]}"
            for p in agreement.parties
        )
        owed = [
            partners[p.partner]
            for p in agreement.parties
            if p.partner in partners and (agreement.id, agreement.review, p.partner) not in done
        ]  # every party is a partner (loading checks it), so none is left out here
        for partner in sorted(owed, key=lambda p: (p.name, p.id)):
            reminder = ReviewReminder(agreement, partner, parties, tuple(partner.contacts))
            (plan.reviews if partner.contacts else plan.no_address).append(reminder)
    return plan


# -- the message ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    """What every message of a run shares: the partnership, the datasets' titles, the app's
    address, the datasets that accept no nil return, and the sender."""

    partnership: str
    titles: Mapping[str, str]
    app_url: str | None = None
    no_nil_returns: frozenset[str] = frozenset()
    sender: str = "shared-outcomes@localhost"


@dataclass(frozen=True)
class Composed:
    """A reminder as a message: its subject, plain text and HTML, and the e-mail itself."""

    reminder: Reminder
    subject: str
    text: str
    html: str
    message: EmailMessage = field(repr=False)

    @property
    def about(self) -> str:
        """'the reminder to Bury Council', as the command's output says it."""
        return f"the reminder to {self.reminder.partner.name}"


@dataclass(frozen=True)
class ComposedReview:
    """A review reminder as a message: its subject, plain text and HTML, and the e-mail."""

    review: ReviewReminder
    subject: str
    text: str
    html: str
    message: EmailMessage = field(repr=False)

    @property
    def about(self) -> str:
        """'the review reminder of gm-homelessness-2015 to Bury Council'."""
        return f"the review reminder of {self.review.agreement.id} to {self.review.partner.name}"


#: A message a run sends: a return reminder or a review reminder.
Outgoing = Composed | ComposedReview


def long_date(day: date) -> str:
    """'10 November 2017'."""
    return f"{day.day} {day:%B %Y}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _one_line(text: str) -> str:
    """A name as a header can hold it: on one line."""
    return " ".join(text.split())


def _when(day: date, today: date) -> str:
    """How far `day` is from `today`: 'in 5 days', 'tomorrow', 'today', '2 days ago'."""
    days = (day - today).days
    if days > 1:
        return f"in {days} days"
    if days == 1:
        return "tomorrow"
    if days == 0:
        return "today"
    return "yesterday" if days == -1 else f"{-days} days ago"


@dataclass(frozen=True)
class _Content:
    """A message's parts as text, before each is written as plain text or HTML."""

    greeting: str
    lead: str
    returns: list[str]
    what: str
    submit_page: str | None
    submit_commands: list[str]
    nil: str
    nil_commands: list[str]
    pause: str
    pause_command: str
    footer: str


def _content(reminder: Reminder, head: Letterhead, today: date) -> _Content:
    partner, returns = reminder.partner, reminder.obligations
    n = len(returns)
    if reminder.stage == "overdue":
        lead = (
            f"{'This return' if n == 1 else 'These returns'} to {head.partnership} "
            f"{'is' if n == 1 else 'are'} overdue: nothing has been received for "
            f"{'it' if n == 1 else 'them'} yet. Please send {'it' if n == 1 else 'them'} as "
            "soon as you can."
        )
    else:
        lead = (
            f"{'This return' if n == 1 else 'These returns'} to {head.partnership} "
            f"{'is' if n == 1 else 'are'} due soon, and nothing has been received for "
            f"{'it' if n == 1 else 'them'} yet."
        )
    lines = [
        f"{head.titles.get(o.dataset, o.dataset)} ({o.dataset}), "
        f"{Period.parse(o.period).long_label}: due {long_date(o.due)} ({_when(o.due, today)})"
        for o in returns
    ]
    submit = [
        f"shared-outcomes submit FILE --dataset {o.dataset} --partner {partner.id} "
        f"--period {o.period} --as USER"
        for o in returns
    ]
    allowed = [o for o in returns if o.dataset not in head.no_nil_returns]
    refused = sorted({head.titles.get(o.dataset, o.dataset) for o in returns} - {
        head.titles.get(o.dataset, o.dataset) for o in allowed})  # fmt: skip
    nil = (
        "Nothing to report for a month? Declare a nil return instead: it is recorded like a "
        "submission (who, when, why) and the figures stop waiting for it."
        if allowed
        else "A nil return (nothing to report) is not accepted for these returns."
    )
    if allowed and refused:
        nil += f" A nil return is not accepted for {', '.join(refused)}."
    nil_commands = [
        f"shared-outcomes nil-return --partner {partner.id} --dataset {o.dataset} "
        f"--period {o.period} --reason TEXT --as USER"
        for o in allowed
    ]
    return _Content(
        greeting=f"Dear colleagues at {partner.name},",
        lead=lead,
        returns=lines,
        what=(
            "For each, send that month's extract of the dataset as a CSV file; it is checked "
            "against the dataset's data contract, and you get a report at once."
        ),
        submit_page=f"{head.app_url}/submit" if head.app_url else None,
        submit_commands=submit,
        nil=nil,
        nil_commands=nil_commands,
        pause=(
            "To pause these reminders until a day (for leave, or a system change), ask the "
            "centre or run:"
        ),
        pause_command=(
            f"shared-outcomes reminders pause --partner {partner.id} --until YYYY-MM-DD --as USER"
        ),
        footer=(
            f"Shared Outcomes sent this reminder automatically to the contacts partners.yaml "
            f"lists for {partner.name}. You get one reminder when a return is due soon and one "
            "the day after it becomes overdue."
        ),
    )


def subject_of(reminder: Reminder) -> str:
    """'Due soon: 2 returns from Bury Council, due 10 November 2017'."""
    returns = reminder.obligations
    dues = sorted({o.due for o in returns})
    when = f"due {long_date(dues[0])}" if len(dues) == 1 else f"first due {long_date(dues[0])}"
    stage = "Due soon" if reminder.stage == "due_soon" else "Overdue"
    name = _one_line(reminder.partner.name)
    return f"{stage}: {_plural(len(returns), 'return')} from {name}, {when}"


def _text(c: _Content) -> str:
    def para(text: str, indent: str = "") -> list[str]:
        hanging = " " * len(indent)
        return textwrap.wrap(
            text, TEXT_WIDTH, initial_indent=indent, subsequent_indent=hanging,
            break_on_hyphens=False, break_long_words=False,
        )  # fmt: skip

    out = [c.greeting, "", *para(c.lead), ""]
    for line in c.returns:
        out += para(line, "  - ")
    out += ["", *para(c.what), "", "Where to send them:"]
    if c.submit_page:
        out += [f"  - on the web, the Submit an extract page: {c.submit_page}"]
    lead = "  - or from the command line" if c.submit_page else "  - from the command line"
    out.append(f"{lead}, one extract at a time:")
    out += [f"      {command}" for command in c.submit_commands]  # commands are never wrapped
    out += ["", *para(c.nil)]
    if c.nil_commands:
        out.append("From the command line:")
        out += [f"      {command}" for command in c.nil_commands]
    out += ["", *para(c.pause), f"      {c.pause_command}", "", "-- ", *para(c.footer)]
    return "\n".join(out) + "\n"


def _html(c: _Content, subject: str) -> str:
    def code(lines: Sequence[str]) -> str:
        return "".join(f"<pre><code>{escape(line)}</code></pre>\n" for line in lines)

    where = ""
    if c.submit_page:
        page = escape(c.submit_page)
        where = f'<li>On the web, the <a href="{page}">Submit an extract page</a> ({page})</li>\n'
    nil_commands = (
        f"<p>From the command line:</p>\n{code(c.nil_commands)}" if c.nil_commands else ""
    )
    items = "".join(f"<li>{escape(line)}</li>\n" for line in c.returns)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(subject)}</title>\n</head>\n<body>\n"
        f"<p>{escape(c.greeting)}</p>\n<p>{escape(c.lead)}</p>\n<ul>\n{items}</ul>\n"
        f"<p>{escape(c.what)}</p>\n<h2>Where to send them</h2>\n<ul>\n{where}"
        f"<li>Or from the command line, one extract at a time:\n{code(c.submit_commands)}</li>\n"
        f"</ul>\n<p>{escape(c.nil)}</p>\n{nil_commands}"
        f"<p>{escape(c.pause)}</p>\n{code([c.pause_command])}"
        f"<hr>\n<p><small>{escape(c.footer)}</small></p>\n</body>\n</html>\n"
    )


def compose(reminder: Reminder, head: Letterhead, today: date) -> Composed:
    """The message of a reminder: plain text first, then the same as HTML (every value escaped),
    as multipart/alternative."""
    content = _content(reminder, head, today)
    subject = subject_of(reminder)
    text, html = _text(content), _html(content, subject)
    message = _message(subject, reminder.recipients, head, text, html)
    return Composed(reminder, subject, text, html, message)


def _message(
    subject: str, recipients: Sequence[str], head: Letterhead, text: str, html: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = head.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(head.sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies, please
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


# -- the review message --------------------------------------------------------------------------


@dataclass(frozen=True)
class _ReviewContent:
    """A review message's parts as text, before each is written as plain text or HTML."""

    greeting: str
    lead: str
    agreement: str
    parties: tuple[str, ...]
    what: str
    page: str | None
    footer: str


def _review_content(review: ReviewReminder, head: Letterhead, today: date) -> _ReviewContent:
    agreement, partner = review.agreement, review.partner
    party = agreement.party(partner.id)
    role = f", as {ROLE_WORDS[party.role]}," if party else ""
    return _ReviewContent(
        greeting=f"Dear colleagues at {partner.name},",
        lead=(
            f"A data sharing agreement to which {partner.name} is a party{role} is due for "
            f"review on {long_date(agreement.review)} ({_when(agreement.review, today)}):"
        ),
        agreement=f"{agreement.title} ({agreement.id})",
        parties=review.parties,
        what=(
            "What to do: review the agreement with the other parties (whether its purposes, the "
            "data it shares, how long each dataset is kept and each party's lawful basis are "
            "still right), then update its entry in data_contracts/agreements.yaml with the new "
            "review date and anything else agreed; the centre's information governance lead "
            f"can make the change. The agreement is in force until {long_date(agreement.end)}; "
            "after that, no extract it covers is accepted."
        ),
        page=f"{head.app_url}/agreements" if head.app_url else None,
        footer=(
            f"Shared Outcomes sent this reminder automatically to the contacts partners.yaml "
            f"lists for {partner.name}: one for each review date, when it is "
            f"{REVIEW_WITHIN_DAYS} days away or less. A pause of your return reminders does not "
            "hold it back."
        ),
    )


def review_subject(review: ReviewReminder) -> str:
    """'Agreement review due 15 January 2027: Greater Manchester homelessness … (gm-…-2015)'."""
    agreement = review.agreement
    return (
        f"Agreement review due {long_date(agreement.review)}: "
        f"{_one_line(agreement.title)} ({agreement.id})"
    )


def _review_text(c: _ReviewContent) -> str:
    def para(text: str, indent: str = "") -> list[str]:
        hanging = " " * len(indent)
        return textwrap.wrap(
            text, TEXT_WIDTH, initial_indent=indent, subsequent_indent=hanging,
            break_on_hyphens=False, break_long_words=False,
        )  # fmt: skip

    out = [c.greeting, "", *para(c.lead), "", *para(c.agreement, "  "), "", "Its parties:"]
    for line in c.parties:
        out += para(line, "  - ")
    out += ["", *para(c.what)]
    if c.page:
        out += ["", "The agreement on the web, the Agreements page:", f"      {c.page}"]
    out += ["", "-- ", *para(c.footer)]
    return "\n".join(out) + "\n"


def _review_html(c: _ReviewContent, subject: str) -> str:
    page = ""
    if c.page:
        link = escape(c.page)
        page = f'<p>The agreement on the web: the <a href="{link}">Agreements page</a> ({link})'
        page += "</p>\n"
    items = "".join(f"<li>{escape(line)}</li>\n" for line in c.parties)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(subject)}</title>\n</head>\n<body>\n"
        f"<p>{escape(c.greeting)}</p>\n<p>{escape(c.lead)}</p>\n"
        f"<p><strong>{escape(c.agreement)}</strong></p>\n"
        f"<h2>Its parties</h2>\n<ul>\n{items}</ul>\n<p>{escape(c.what)}</p>\n{page}"
        f"<hr>\n<p><small>{escape(c.footer)}</small></p>\n</body>\n</html>\n"
    )


def compose_review(review: ReviewReminder, head: Letterhead, today: date) -> ComposedReview:
    """The message of a review reminder: plain text, then the same as HTML (every value
    escaped), as multipart/alternative, like `compose`."""
    content = _review_content(review, head, today)
    subject = review_subject(review)
    text, html = _review_text(content), _review_html(content, subject)
    message = _message(subject, review.recipients, head, text, html)
    return ComposedReview(review, subject, text, html, message)


def letterhead(workspace: Workspace, sender: str | None = None) -> Letterhead:
    """The run's letterhead from the workspace's configuration."""
    no_nil = frozenset(
        dataset
        for definition in workspace.definitions.values()
        if definition.spec.nil_returns == "forbidden"
        for dataset in definition.datasets
    )
    return Letterhead(
        partnership=_one_line(workspace.partnership.name),
        titles={d: c.title for d, c in workspace.contracts.items()},
        app_url=app_url(workspace.settings),
        no_nil_returns=no_nil,
        sender=sender or "shared-outcomes@localhost",
    )


# -- the run ------------------------------------------------------------------------------------


@dataclass
class RemindResult:
    """What a run did: the messages sent (or, in a dry run, that would be), the partners
    skipped because paused or warned about for no address, the messages the server refused,
    and why the run stopped (`failure`) with what it left for the next run (`unsent`); the
    review reminders alike (`reviews_…`)."""

    today: date
    dry_run: bool
    sent: list[Composed] = field(default_factory=list)
    paused: list[Withheld] = field(default_factory=list)
    no_address: list[Withheld] = field(default_factory=list)
    refused: list[tuple[Composed, str]] = field(default_factory=list)
    #: Messages sent and recorded, though the server refused some of their addresses.
    partly_refused: list[tuple[Composed, str]] = field(default_factory=list)
    failure: str | None = None
    unsent: list[Composed] = field(default_factory=list)
    reviews_sent: list[ComposedReview] = field(default_factory=list)
    #: The parties of an agreement due for review with no contact address (nothing recorded).
    reviews_no_address: list[ReviewReminder] = field(default_factory=list)
    reviews_refused: list[tuple[ComposedReview, str]] = field(default_factory=list)
    reviews_partly_refused: list[tuple[ComposedReview, str]] = field(default_factory=list)
    reviews_unsent: list[ComposedReview] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 every message sent (or a dry run), 1 the mail server failed or refused one."""
        return 1 if self.failure or self.refused or self.reviews_refused else 0

    def _accepted(self, item: Outgoing) -> None:
        if isinstance(item, ComposedReview):
            self.reviews_sent.append(item)
        else:
            self.sent.append(item)

    def _refused(self, item: Outgoing, why: str, *, partly: bool = False) -> None:
        if isinstance(item, ComposedReview):
            (self.reviews_partly_refused if partly else self.reviews_refused).append((item, why))
        else:
            (self.partly_refused if partly else self.refused).append((item, why))

    def _left(self, items: Iterable[Outgoing]) -> None:
        for item in items:
            if isinstance(item, ComposedReview):
                self.reviews_unsent.append(item)
            else:
                self.unsent.append(item)


#: Opens a connection to the mail server (smtplib.SMTP or SMTP_SSL), for tests to replace.
Connect = Callable[[SmtpSettings], smtplib.SMTP]


def remind(
    workspace: Workspace,
    *,
    today: date | None = None,
    dry_run: bool = False,
    smtp: SmtpSettings | None = None,
    identity: Identity = SYSTEM,
    connect: Connect | None = None,
) -> RemindResult:
    """Send the reminders due on `today` (default: now) and record each once accepted.

    The mail server's settings are `smtp`, else `settings.smtp_settings` (a `UsageError` when
    there is no host); a dry run needs none, and sends and records nothing.
    """
    if smtp is None and not dry_run:
        smtp = smtp_settings(workspace.settings)
    elif smtp is None:  # a dry run shows the configured sender, and needs none
        with suppress(UsageError):
            smtp = smtp_settings(workspace.settings)
    day = today or datetime.now(UTC).date()
    if dry_run:
        return _remind(workspace, day, dry_run, smtp, identity, connect)
    # Two runs at once would both send what neither has recorded yet: one at a time.
    with workspace.warehouse.only_run("remind"):
        return _remind(workspace, day, dry_run, smtp, identity, connect)


def _remind(
    workspace: Workspace,
    day: date,
    dry_run: bool,
    smtp: SmtpSettings | None,
    identity: Identity,
    connect: Connect | None,
) -> RemindResult:
    owed = workspace.obligations(
        identity, months=obligation_months(str(Period.of(day)), OVERDUE_MONTHS), today=day
    )
    partnership = workspace.partnership
    due_soon_days = partnership.reminders.due_soon_days or DUE_SOON_DAYS
    plan = plan_reminders(
        owed, partnership.partners, pauses=workspace.reminder_pauses(identity, today=day),
        sent=workspace.reminders_sent(identity), today=day, due_soon_days=due_soon_days,
    )  # fmt: skip
    reviews = plan_reviews(
        workspace.agreements, partnership.partners,
        sent=workspace.review_reminders_sent(identity), today=day,
    )  # fmt: skip
    head = letterhead(workspace, smtp.sender if smtp else None)
    composed = [compose(r, head, day) for r in plan.reminders]
    composed_reviews = [compose_review(r, head, day) for r in reviews.reviews]
    result = RemindResult(
        day, dry_run, paused=plan.paused, no_address=plan.no_address,
        reviews_no_address=reviews.no_address,
    )  # fmt: skip
    if dry_run:
        result.sent, result.reviews_sent = composed, composed_reviews
        return result
    if not composed and not composed_reviews:
        return result
    assert smtp is not None  # read above for every run that sends

    def record(item: Outgoing) -> None:
        if isinstance(item, ComposedReview):
            v = item.review
            workspace.record_review_reminder(
                identity, agreement_id=v.agreement.id, review_date=v.agreement.review,
                partner=v.partner.id, recipients=v.recipients,
            )  # fmt: skip
            return
        r = item.reminder
        workspace.record_reminder(
            identity, partner=r.partner.id, stage=r.stage, obligations=r.obligations,
            recipients=r.recipients,
        )  # fmt: skip

    outgoing: list[Outgoing] = [*composed, *composed_reviews]
    _send_all(smtp, outgoing, record, result, connect or open_connection)
    return result


def open_connection(smtp: SmtpSettings) -> smtplib.SMTP:
    """A connection to the mail server, TLS as configured, logged in when a user is set."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.tls == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        client.ehlo()
        if smtp.tls == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
    except BaseException:
        _close(client)
        raise
    return client


def _send_all(
    smtp: SmtpSettings,
    outgoing: Sequence[Outgoing],
    record: Callable[[Outgoing], None],
    result: RemindResult,
    connect: Connect,
) -> None:
    try:
        client = connect(smtp)
    except (smtplib.SMTPException, OSError) as error:
        result.failure = _explain(error, smtp, connecting=True)
        result._left(outgoing)
        return
    try:
        for i, item in enumerate(outgoing):
            try:
                some_refused = client.send_message(item.message)
            except smtplib.SMTPRecipientsRefused as refusal:
                result._refused(item, _refused_words(refusal.recipients))
                continue
            except (smtplib.SMTPException, OSError) as error:
                result.failure = _explain(error, smtp, connecting=False)
                result._left(outgoing[i:])
                return
            try:
                record(item)
            except SharedOutcomesError as error:
                result.failure = (
                    f"the mail server accepted {item.about}, but it could not be recorded: "
                    f"{error.message} It may be sent again on the next run."
                )
                result._accepted(item)
                result._left(outgoing[i + 1 :])
                return
            result._accepted(item)
            if some_refused:
                result._refused(item, _refused_words(some_refused), partly=True)
    finally:
        _close(client)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}"


def _refused_words(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address}: {_reply(*answer)}" for address, answer in recipients.items())


_NEXT_RUN = "The reminders not sent are sent by the next run; none is sent twice."


def _explain(error: BaseException, smtp: SmtpSettings, *, connecting: bool) -> str:
    """What went wrong with the mail server, and what to do, in words."""
    server = f"the mail server {smtp.where}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        answer = _reply(error.smtp_code, error.smtp_error)
        return (
            f"{server} refused the login of {smtp.user!r} ({answer}): check "
            f"SHARED_OUTCOMES_SMTP_USER and _PASSWORD. {_NEXT_RUN}"
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            f"{server} does not offer what was asked ({error}): check SHARED_OUTCOMES_SMTP_TLS "
            f"(starttls, ssl or none) and whether it takes a login. {_NEXT_RUN}"
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (
            f"{server} refused the sender address {smtp.sender!r} "
            f"({_reply(error.smtp_code, error.smtp_error)}): check SHARED_OUTCOMES_SMTP_FROM. "
            f"{_NEXT_RUN}"
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"{server} closed the connection ({error or 'no reason given'}). {_NEXT_RUN}"
    if isinstance(error, smtplib.SMTPResponseException):
        return (
            f"{server} answered {_reply(error.smtp_code, error.smtp_error)}. Try again later, or "
            f"ask its administrator. {_NEXT_RUN}"
        )
    if isinstance(error, ssl.SSLError):
        return (
            f"TLS with {server} failed ({error.reason or error}): check SHARED_OUTCOMES_SMTP_TLS "
            f"(ssl for port 465, starttls for 587) and the server's certificate. {_NEXT_RUN}"
        )
    if isinstance(error, TimeoutError):
        return (
            f"{server} did not answer within {smtp.timeout:g} seconds: check that it is running "
            f"and reachable from here. {_NEXT_RUN}"
        )
    if isinstance(error, OSError):
        reason = error.strerror or str(error) or type(error).__name__
        doing = "could not be reached" if connecting else "stopped answering"
        return (
            f"{server} {doing} ({reason}): check that it is running and "
            f"SHARED_OUTCOMES_SMTP_HOST and _PORT. {_NEXT_RUN}"
        )
    return f"{server} failed ({type(error).__name__}: {error}). {_NEXT_RUN}"
