"""Customer accounts: create from a session, sign in and out, refresh, password reset, the customer record and the
customer's policies (the HTTP binding only)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import Router

from insure.accounts.models import (
    AccountCreated,
    AccountRequest,
    HistoryView,
    LoginRequest,
    LogoutRequest,
    MePatch,
    MeView,
    MyPolicies,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    Tokens,
)
from insure.accounts.service import AccountService
from insure.callers import Customer
from insure.http.access import Access, access, caller, services
from insure.routes.responses import PROBLEM, json_response

router = Router()


def _accounts() -> AccountService:
    return services(router).accounts  # type: ignore[no-any-return]


TAGS = ["accounts"]
CUSTOMER = "Requires `Authorization: Bearer <access_token>` from `POST /auth/login` (401 without a live one)."


def _customer() -> Customer:
    found = caller(router)
    assert isinstance(found, Customer)  # the edge resolved Access.CUSTOMER
    return found


@router.post(
    "/accounts",
    summary="Create the customer account of the person holding this session; its application and policy become "
    "the account's",
    tags=TAGS,
    description="Requires `Authorization: Bearer <session_token>` of the application or policy. 422 when the "
    "password breaks a rule (at least 8 characters, not common or breached, not built from the e-mail); 409 when "
    "the e-mail or the application already has an account.",
    responses={
        201: {"description": "Created", "content": {"application/json": {"model": AccountCreated}}},
        409: {"description": "The e-mail or this application already has an account", "content": PROBLEM},
    },
)
@access(Access.SESSION)
def create_account(body: AccountRequest) -> Response[str]:
    return json_response(201, _accounts().create(body, caller(router)).model_dump_json())


@router.post(
    "/auth/login",
    summary="Sign in with e-mail and password: a short-lived access token and a refresh token",
    tags=TAGS,
    description="401 for a wrong e-mail or password (the same answer, in the same time, for an e-mail without an "
    "account); 423 with `Retry-After` once 5 failures in a row locked the account (15 minutes); 429 with "
    "`Retry-After` when too many sign-ins failed from the same address.",
    responses={
        200: {"description": "Signed in", "content": {"application/json": {"model": Tokens}}},
        401: {"description": "Wrong e-mail or password", "content": PROBLEM},
        423: {"description": "Locked after repeated failures (`Retry-After`)", "content": PROBLEM},
        429: {"description": "Too many failures from this address (`Retry-After`)", "content": PROBLEM},
        409: {"description": "Too many sign-ins to this account at once; try again", "content": PROBLEM},
    },
)
@access(Access.PUBLIC)
def login(body: LoginRequest) -> Tokens:
    identity = (router.current_event.raw_event.get("requestContext") or {}).get("identity") or {}
    source = str(identity.get("sourceIp") or "unknown")
    return _accounts().login(body, source)


@router.post(
    "/auth/refresh",
    summary="New tokens for a refresh token (each refresh token works once; a replayed one ends the login)",
    tags=TAGS,
    responses={
        200: {"description": "New tokens", "content": {"application/json": {"model": Tokens}}},
        401: {"description": "Unknown, expired, spent or ended", "content": PROBLEM},
    },
)
@access(Access.PUBLIC)
def refresh(body: RefreshRequest) -> Tokens:
    return _accounts().refresh(body)


@router.post(
    "/auth/logout",
    summary="End the login (its access and refresh tokens stop working)",
    tags=TAGS,
    description="Send the access token as `Authorization: Bearer` and/or the refresh token in the body.",
    responses={204: {"description": "Ended"}, 401: {"description": "No token of a login", "content": PROBLEM}},
)
@access(Access.PUBLIC_OR_CUSTOMER)
def logout(body: Annotated[LogoutRequest | None, Body()] = None) -> Response[str]:
    _accounts().logout(body, caller(router))
    return Response(status_code=204, body="")


@router.post(
    "/auth/password-reset",
    summary="Send a one-time code to the account's e-mail (the same answer whether or not an account exists)",
    tags=TAGS,
    responses={202: {"description": "Accepted", "content": {"application/json": {"model": PasswordResetAccepted}}}},
)
@access(Access.PUBLIC)
def request_password_reset(body: PasswordResetRequest) -> Response[str]:
    return json_response(202, _accounts().request_reset(body).model_dump_json())


@router.post(
    "/auth/password-reset/confirm",
    summary="Set a new password with the code (single use, 15 minutes, 5 attempts); ends every login and lifts a lock",
    tags=TAGS,
    responses={
        204: {"description": "Password changed"},
        401: {"description": "Wrong, spent or expired code", "content": PROBLEM},
        409: {
            "description": "The account kept changing meanwhile; nothing changed, send the code again",
            "content": PROBLEM,
        },
        422: {"description": "The new password breaks a rule", "content": PROBLEM},
    },
)
@access(Access.PUBLIC)
def confirm_password_reset(body: PasswordResetConfirm) -> Response[str]:
    _accounts().confirm_reset(body)
    return Response(status_code=204, body="")


@router.get("/me", summary="The customer record as it stands", tags=TAGS, description=CUSTOMER)
@access(Access.CUSTOMER)
def get_me() -> MeView:
    return _accounts().me(_customer())


@router.patch(
    "/me",
    summary="Change profile, contact data or notification preferences (a new version of the customer record)",
    tags=TAGS,
    description=CUSTOMER + " Only the fields sent change; nothing is overwritten: each change is a new version.",
    responses={
        200: {"description": "The profile as changed", "content": {"application/json": {"model": MeView}}},
        409: {"description": "The e-mail is taken, or the record changed meanwhile", "content": PROBLEM},
    },
)
@access(Access.CUSTOMER)
def patch_me(body: MePatch) -> MeView:
    return _accounts().patch_me(body, _customer())


@router.get("/me/policies", summary="Every policy of the customer, across sessions", tags=TAGS, description=CUSTOMER)
@access(Access.CUSTOMER)
def get_my_policies() -> MyPolicies:
    return _accounts().policies(_customer())


@router.get(
    "/me/history",
    summary="Every version of the customer record (number, effective time, who made it, what changed)",
    tags=TAGS,
    description=CUSTOMER,
)
@access(Access.CUSTOMER)
def get_my_history() -> HistoryView:
    return _accounts().history(_customer())
