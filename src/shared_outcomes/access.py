"""Who is acting, and what their role allows: the checks the core applies to every action.

Every core function that submits or reads data takes an `Identity`. The checks live here, in the
core, so a page or a script cannot skip them. (Sign-in, local accounts and the audit log build on
this module.)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared_outcomes.errors import AccessDenied


class Role(StrEnum):
    """The roles of the partnership, mapped to users in the users file."""

    PARTNER_SUBMITTER = "partner_submitter"
    ANALYST = "analyst"
    LEADERSHIP = "leadership"
    ADMIN = "admin"


@dataclass(frozen=True)
class Identity:
    """A signed-in person (or the CLI acting as a named user)."""

    user_id: str
    display_name: str
    role: Role
    partner_id: str | None = None

    @property
    def sees_unsuppressed(self) -> bool:
        """Analysts and admins may see small counts; everyone else sees suppressed figures."""
        return self.role in (Role.ANALYST, Role.ADMIN)


def require_can_submit(identity: Identity, partner_id: str) -> None:
    """A submitter submits only for their own partner; admins may submit for any partner."""
    if identity.role == Role.ADMIN:
        return
    if identity.role != Role.PARTNER_SUBMITTER:
        raise AccessDenied(
            f"{identity.display_name} ({identity.role.value}) cannot submit extracts; "
            "only a partner's submitters can. Ask an admin to give you the submitter role."
        )
    if identity.partner_id != partner_id:
        raise AccessDenied(
            f"{identity.display_name} submits for {identity.partner_id}, not for {partner_id}. "
            "Each partner submits only its own extracts."
        )


def require_unsuppressed(identity: Identity) -> None:
    """Only roles that may see small counts get unsuppressed figures."""
    if not identity.sees_unsuppressed:
        raise AccessDenied(
            f"{identity.display_name} ({identity.role.value}) sees shared figures with small "
            "counts suppressed; unsuppressed figures are for the joint analysis team."
        )


#: The identity the CLI uses for tools that act for the centre (demo build, drop-folder ingest).
SYSTEM = Identity(user_id="system", display_name="Shared Outcomes system", role=Role.ADMIN)
