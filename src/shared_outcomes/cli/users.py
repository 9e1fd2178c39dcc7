"""The `shared-outcomes users` commands: add a user, reset a password, list the users file.

The users file (`$SHARED_OUTCOMES_USERS`, else `config/users.yaml`) maps people to roles and,
for local accounts, holds their argon2id password hashes (`accounts`). Passwords are asked for
twice, hidden, on a terminal, or read from one line of standard input with `--password-stdin`
(for scripts); they never appear on the command line, where other users could see them. Once
the file exists, the app no longer offers demo mode.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shared_outcomes.access.accounts import Directory, UserRecord
from shared_outcomes.access.roles import ROLE_TITLES, Role
from shared_outcomes.errors import UsageError
from shared_outcomes.settings import Settings, load_settings

_USER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

UserArgument = Annotated[
    str, typer.Argument(help="User id: lower-case letters, digits, '.', '_' or '-'.")
]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from one line of standard input (scripts)."
    ),
]


def users_commands(run_safely: Callable[[Callable[[], int]], int]) -> typer.Typer:  # noqa: C901 - one sub-app of small nested commands
    """The `users` sub-commands, each run through the CLI's error handling (`run_safely`)."""
    users = typer.Typer(
        help="Manage the users file: who may sign in, with which role and partner.",
        no_args_is_help=True,
    )

    @users.command("add")
    def add(
        user: UserArgument,
        name: Annotated[str, typer.Option("--name", help="Full name, as shown in the app.")],
        role: Annotated[
            str,
            typer.Option(
                "--role", help="partner_submitter, analyst, leadership, admin or oversight."
            ),
        ],
        partner: Annotated[
            str | None, typer.Option("--partner", help="Partner id (submitters: required).")
        ] = None,
        email: Annotated[
            str | None, typer.Option("--email", help="E-mail the single sign-on reports.")
        ] = None,
        dataset: Annotated[
            list[str] | None,
            typer.Option(
                "--dataset",
                help="A dataset whose row-level data the data-sharing agreement covers "
                "(analysts; repeatable).",
            ),
        ] = None,
        no_password: Annotated[
            bool,
            typer.Option("--no-password", help="No local password: signs in with single sign-on."),
        ] = False,
        password_stdin: PasswordStdin = False,
    ) -> None:
        """Add USER to the users file (asks for the password twice unless --no-password)."""

        def body() -> int:
            settings = load_settings()
            record = _new_record(settings, user, name, role, partner, email, dataset or [])
            if no_password and password_stdin:
                raise UsageError("use either --no-password or --password-stdin, not both.")
            if no_password and not email:
                raise UsageError(
                    "a user without a password signs in with single sign-on, which matches "
                    "them by e-mail: add --email."
                )
            directory = Directory.load(settings.users_file)
            if user in {u.id for u in directory.users}:
                raise UsageError(
                    f"a user {user!r} already exists in {settings.users_file}; use "
                    f"`shared-outcomes users set-password {user}` to change the password."
                )
            password = None if no_password else _read_password(password_stdin)
            directory.add(record, password)
            how = "single sign-on" if no_password else "a password"
            sys.stdout.write(
                f"Added {user} ({ROLE_TITLES[record.role]}, signs in with {how}) to "
                f"{settings.users_file}.\n"
            )
            return 0

        raise typer.Exit(run_safely(body))

    @users.command("set-password")
    def set_password(user: UserArgument, password_stdin: PasswordStdin = False) -> None:
        """Set or reset USER's password (asked twice, hidden)."""

        def body() -> int:
            settings = load_settings()
            directory = Directory.load(settings.users_file)
            directory.record(user)  # a clear error, with "did you mean", before asking
            directory.set_password(user, _read_password(password_stdin))
            sys.stdout.write(f"Password of {user} changed in {settings.users_file}.\n")
            return 0

        raise typer.Exit(run_safely(body))

    @users.command("disable")
    def disable(
        user: UserArgument,
        enable: Annotated[bool, typer.Option("--enable", help="Enable the account again.")] = False,
    ) -> None:
        """Disable USER's account (kept in the file for the audit trail), or --enable it."""

        def body() -> int:
            settings = load_settings()
            Directory.load(settings.users_file).set_disabled(user, not enable)
            state = "enabled" if enable else "disabled: refused from the next page view"
            sys.stdout.write(f"{user} is {state}.\n")
            return 0

        raise typer.Exit(run_safely(body))

    @users.command("list")
    def list_users(
        as_json: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False,
    ) -> None:
        """The users of the users file (never their password hashes)."""

        def body() -> int:
            settings = load_settings()
            path = settings.users_file
            listed: list[dict[str, object]] = [
                {
                    "id": u.id,
                    "name": u.name,
                    "role": str(u.role),
                    "partner": u.partner,
                    "email": u.email,
                    "datasets": u.datasets,
                    "password": u.password_hash is not None,
                    "disabled": u.disabled,
                }
                for u in Directory.load(path).users
            ]
            if as_json:
                sys.stdout.write(json.dumps(listed, indent=2) + "\n")
            elif not path.exists():
                sys.stdout.write(
                    f"No users file at {path}: the app runs in demo mode (demo users in "
                    f"{settings.demo_users_file}). Add a user with `shared-outcomes users add`.\n"
                )
            else:
                _print_table(listed, title=f"{len(listed)} users in {path}")
            return 0

        raise typer.Exit(run_safely(body))

    return users


def _new_record(
    settings: Settings,
    user: str,
    name: str,
    role: str,
    partner: str | None,
    email: str | None,
    datasets: list[str],
) -> UserRecord:
    """A user record checked against the roles, the partners and the contracts."""
    from shared_outcomes.config.contracts import load_contracts
    from shared_outcomes.config.partnership import load_partnership

    if not _USER_ID.match(user):
        raise UsageError(
            f"{user!r} cannot be a user id: use lower-case letters, digits, '.', '_' or '-' "
            "(for example amira.khan)."
        )
    roles = [r.value for r in Role]
    if role not in roles:
        hint = _hint(role, roles)
        raise UsageError(f"--role {role!r} is not a role{hint}; use {', '.join(roles)}.")
    the_role = Role(role)
    if the_role == Role.PARTNER_SUBMITTER and not partner:
        raise UsageError("a partner_submitter submits for one partner: add --partner.")
    if email is not None and "@" not in email:
        raise UsageError(f"--email {email!r} is not an e-mail address.")
    contracts = load_contracts(settings.contracts_dir)
    partners = load_partnership(settings.partners_file, contracts).partners
    if partner is not None and partner not in partners:
        raise UsageError(f"there is no partner {partner!r}{_hint(partner, list(partners))}.")
    for name_of in datasets:
        if name_of not in contracts:
            raise UsageError(f"there is no dataset {name_of!r}{_hint(name_of, list(contracts))}.")
    return UserRecord(
        id=user, name=name, email=email, role=the_role, partner=partner, datasets=datasets
    )


def _hint(wrong: str, known: list[str]) -> str:
    close = difflib.get_close_matches(wrong, known, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _read_password(from_stdin: bool) -> str:
    """One line of standard input, or asked twice, hidden, on a terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise UsageError("--password-stdin: standard input held no password.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(
            "there is no terminal to ask for the password: pipe it in with --password-stdin, "
            "or use --no-password (with --email) for single sign-on users."
        )
    first = typer.prompt("Password", hide_input=True)
    again = typer.prompt("Repeat the password", hide_input=True)
    if first != again:
        raise UsageError("the two passwords differ; nothing was changed. Run the command again.")
    return str(first)


def _print_table(users: list[dict[str, object]], *, title: str) -> None:
    table = Table(title=escape(title))
    for heading in ("id", "name", "role", "partner", "e-mail", "row-level data", "sign-in"):
        table.add_column(heading)
    for u in users:
        datasets = u["datasets"]
        sign_in = "password" if u["password"] else "single sign-on"
        cells = (
            str(u["id"]),
            str(u["name"]),
            str(u["role"]),
            str(u["partner"] or ""),
            str(u["email"] or ""),
            ", ".join(datasets) if isinstance(datasets, list) else "",
            "disabled" if u["disabled"] else sign_in,
        )
        # Escaped: names are people's text, never rich markup.
        table.add_row(*(escape(cell) for cell in cells))
    Console(width=max(Console().width, 120), highlight=False).print(table)
