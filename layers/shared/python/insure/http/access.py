"""Who may call a route, declared once on the route and checked at the edge before its body is read.

    @router.post("/insurers", ...)
    @access(Access.ADMIN)
    def post_insurer(body: RegisterInsurer) -> Response[str]:
        ...                                     # runs only for the admin; `caller(router)` is an `Admin`

The resolver's edge (`insure.http.api`) reads the route's declared access, turns the request's credentials into a
caller value (`insure.callers`) with the authenticators listed for that access in `BEARERS`, and refuses with 401
before the body is parsed or validated. Routes hand the caller to services (`caller(router)`); services never see
headers. Every route declares its access (a test walks every route of every API function); the edge treats an
undeclared route (only its own 404) as public.

Adding a kind of caller (e.g. customers' access tokens): write its caller value (`kind`, `owns`), an
authenticator `token -> caller | None`, add an `Access` member for routes only it may call and list its
authenticator under that member in `BEARERS`; to let it in wherever a session token works, append it to
`BEARERS[Access.SESSION]` too. Authenticators import what they need when called (cold starts stay light)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from insure.auth import bearer_token
from insure.callers import Anonymous, Caller, Reporter
from insure.errors import Unauthorized


class Access(StrEnum):
    PUBLIC = "public"
    """Anyone (the route still validates its input)."""
    ADMIN = "admin"
    """`Authorization: Bearer <admin key>`."""
    SESSION = "session"
    """`Authorization: Bearer <session_token>` of a live session (services check it owns the record)."""
    REPORTER = "reporter"
    """`Authorization: Bearer <reporter_token>` of a risk event (the route checks it is this event's)."""
    CUSTOMER = "customer"
    """`Authorization: Bearer <access_token>` of a signed-in customer (`POST /auth/login`)."""
    REPORTER_OR_CUSTOMER = "reporter_or_customer"
    """A risk event's reporter token, or a signed-in customer's access token (the route checks which events the
    customer may read: those on their own policies)."""
    PUBLIC_OR_CUSTOMER = "public_or_customer"
    """Anyone; a request that sends a customer's access token is that customer's (401 if it is not live)."""
    SIGNED = "signed"
    """Standard Webhooks headers; the route verifies the signature over the raw body itself (the signer's secret
    is named by the request), so the edge leaves the body unread."""


Authenticator = Callable[[str], Caller | None]
"""A bearer token → its caller, or None when the token is not one of this kind."""


def _admin(token: str) -> Caller | None:
    from insure.auth import authenticate_admin

    return authenticate_admin(token)


def _session(token: str) -> Caller | None:
    from insure.sessions import SessionRepository, authenticate
    from insure.settings import get_settings

    return authenticate(token, SessionRepository(get_settings().table_name))


def _customer(token: str) -> Caller | None:
    from insure.accounts.access import authenticate_customer
    from insure.settings import get_settings

    return authenticate_customer(get_settings().table_name, token)


def _is_access_token(token: str) -> bool:
    from insure.accounts.access import looks_like_access_token

    return looks_like_access_token(token)


def _reporter(token: str) -> Caller | None:
    from insure.aws import client
    from insure.risk.event_repository import EventRepository
    from insure.risk.reporter_tokens import token_hash
    from insure.settings import get_settings

    events = EventRepository(client("dynamodb"), get_settings().table_name)
    risk_event_id = events.event_of_token(token_hash(token))
    return Reporter(risk_event_id) if risk_event_id else None


BEARERS: dict[Access, tuple[Authenticator, ...]] = {
    Access.ADMIN: (_admin,),
    Access.SESSION: (_customer, _session),  # a customer's access token works wherever a session token works
    Access.REPORTER: (_reporter,),
    Access.REPORTER_OR_CUSTOMER: (_customer, _reporter),
    Access.CUSTOMER: (_customer,),
    Access.PUBLIC_OR_CUSTOMER: (_customer,),
}
"""The authenticators tried, in order, for a bearer token on a route of each access."""

CREDENTIAL: dict[Access, str] = {
    Access.ADMIN: "admin key",
    Access.SESSION: "session_token",
    Access.REPORTER: "reporter_token",
    Access.REPORTER_OR_CUSTOMER: "reporter_token or access_token",  # published as the two schemes it combines
    Access.CUSTOMER: "access_token",
    Access.PUBLIC_OR_CUSTOMER: "access_token",  # published as the optional `customer` scheme
}
"""What a route of each access expects after `Bearer` (in the 401's detail and the published document)."""

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_ATTRIBUTE = "__insure_access__"


def access(level: Access) -> Callable[[F], F]:
    """Declares who may call the route it decorates (place it under the router's decorator)."""

    def declare(func: F) -> F:
        setattr(func, ACCESS_ATTRIBUTE, Access(level))
        return func

    return declare


def declared_access(func: Callable[..., Any]) -> Access | None:
    found = getattr(func, ACCESS_ATTRIBUTE, None)
    return found if isinstance(found, Access) else None


def resolve_caller(level: Access, headers: Mapping[str, str] | None) -> Caller:
    """The caller a request's credentials make for a route of `level`; `Unauthorized` when they make none."""
    authenticators = BEARERS.get(level)
    if authenticators is None:
        return Anonymous()
    expected = CREDENTIAL[level]
    token = bearer_token(headers)
    if level is Access.PUBLIC_OR_CUSTOMER and (token is None or not _is_access_token(token)):
        return Anonymous()  # anyone; only a customer's access token makes the caller that customer
    if token is None:
        raise Unauthorized(f"Send Authorization: Bearer <{expected}>.")
    for authenticate in authenticators:
        found = authenticate(token)
        if found is not None:
            return found
    raise Unauthorized(f"The {expected} is not valid or has expired.")


CALLER = "caller"
"""The resolver-context key of the request's caller."""


SERVICES = "services"
"""The resolver-context key of the function's composition root (its handler appends it to every request)."""


def services(router: Any) -> Any:
    """The composition root the handler handed to the current request (a route's way to reach its services)."""
    return router.context[SERVICES]


def caller(router: Any) -> Caller:
    """The caller the edge resolved for the current request (a route's way to reach it)."""
    found: Caller = router.context[CALLER]
    return found
