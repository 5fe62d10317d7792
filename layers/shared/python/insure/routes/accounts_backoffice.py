"""Back office for customer accounts (admin only): find an account, unlock it, read the customer's history."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import Router

from insure.accounts.models import AccountStatus, HistoryView
from insure.accounts.service import AccountService
from insure.http.access import Access, access, services
from insure.routes.accounts import PROBLEM

router = Router()


def _accounts() -> AccountService:
    return services(router).accounts  # type: ignore[no-any-return]


TAGS = ["back office"]


@router.get(
    "/admin/customers",
    summary="Find a customer account by e-mail (admin)",
    tags=TAGS,
    responses={
        200: {"description": "The account", "content": {"application/json": {"model": AccountStatus}}},
        404: {"description": "No customer uses this e-mail", "content": PROBLEM},
    },
)
@access(Access.ADMIN)
def find_customer(email: Annotated[str, Query(min_length=3, max_length=254)]) -> AccountStatus:
    return _accounts().find(email)


@router.get("/admin/customers/<customer_id>", summary="A customer account's sign-in state (admin)", tags=TAGS)
@access(Access.ADMIN)
def get_customer(customer_id: str) -> AccountStatus:
    return _accounts().status(customer_id)


@router.post(
    "/admin/customers/<customer_id>/unlock",
    summary="Unlock a customer account locked after failed sign-ins (admin); recorded in its history",
    tags=TAGS,
)
@access(Access.ADMIN)
def unlock_customer(customer_id: str) -> AccountStatus:
    return _accounts().unlock(customer_id)


@router.get(
    "/admin/customers/<customer_id>/history",
    summary="Every version of a customer's record and the account's security events (admin)",
    tags=TAGS,
)
@access(Access.ADMIN)
def customer_history(customer_id: str) -> HistoryView:
    return _accounts().customer_history(customer_id)
