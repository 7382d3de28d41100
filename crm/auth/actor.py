"""The signed-in person a request acts for."""

from __future__ import annotations

from dataclasses import dataclass

from crm.auth.permissions import PERSONAL_DATA, Exposure, Op, PersonalData, allowed
from crm.enums import Region, Role
from crm.errors import RequestError


class Unauthenticated(RequestError):
    """No valid sign-in: only `login` may run."""

    def __init__(self) -> None:
        super().__init__("Sign in first: send 'Authorization: Bearer <token>'.", "UNAUTHENTICATED")


class Forbidden(RequestError):
    """Signed in, but the role (or the token's scopes) does not allow this operation."""

    def __init__(self, op: Op) -> None:
        super().__init__(f"Your role may not do this ({op.value}).", "FORBIDDEN")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who a request acts for: a staff member, through a session or an API token."""

    staff_id: int
    role: Role
    store_id: int | None
    region: Region | None
    token_id: int
    scopes: frozenset[Op] | None = None  # an API token's grant; None: the role's full rights
    request_id: str | None = None  # set per request, for the audit trail

    def may(self, op: Op) -> bool:
        """Tell whether this actor may perform an operation (role and token scopes)."""
        return allowed(self.role, op) and (self.scopes is None or op in self.scopes)

    def require(self, op: Op) -> None:
        """Raise Forbidden unless this actor may perform the operation."""
        if not self.may(op):
            raise Forbidden(op)

    @property
    def personal_data(self) -> PersonalData:
        """How names, phones and birthdays are shown to this actor."""
        return PERSONAL_DATA[self.role]

    @property
    def sees_everything(self) -> bool:
        """Admins, supervisors and marketing are not limited to a store or region."""
        return self.role in (Role.ADMIN, Role.SUPERVISOR, Role.MARKETING)

    @property
    def scope_key(self) -> tuple[object, ...]:
        """Everything that decides which rows and which values this actor's statements select."""
        return (self.staff_id, self.role, self.store_id, self.region, self.scopes)

    @property
    def masks_personal_data(self) -> bool:
        """Whether members' names and phones are masked for this actor."""
        return self.personal_data.phone is not Exposure.FULL


def require(actor: Actor | None, op: Op) -> Actor:
    """Return the actor if signed in and allowed `op`; raise UNAUTHENTICATED or FORBIDDEN otherwise."""
    if actor is None:
        raise Unauthenticated()
    actor.require(op)
    return actor
