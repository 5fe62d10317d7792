"""Policyholders after the session: customer accounts, sign-in, the customer record kept as versions."""

from declaration.model import Function, Queue, Route, StateMachine
from declaration.resources import ADMIN, DATA_READ_WRITE, NOTIFY

FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="accounts",
        description="Customer accounts: created from a session, argon2id passwords, sign-in with lockout, token "
        "refresh and sign-out, password reset by e-mailed code, the versioned customer record, the customer's "
        "policies",
        routes=(
            Route("POST", "/accounts"),
            Route("POST", "/auth/login"),
            Route("POST", "/auth/refresh"),
            Route("POST", "/auth/logout"),
            Route("POST", "/auth/password-reset"),
            Route("POST", "/auth/password-reset/confirm"),
            Route("GET", "/me"),
            Route("PATCH", "/me"),
            Route("GET", "/me/policies"),
            Route("GET", "/me/history"),
        ),
        grants=(DATA_READ_WRITE, NOTIFY),
    ),
    Function(
        name="accounts_backoffice",
        description="Back office: find a customer account, unlock it, read the customer's history",
        routes=(
            Route("GET", "/admin/customers"),
            Route("GET", "/admin/customers/{customer_id}"),
            Route("POST", "/admin/customers/{customer_id}/unlock"),
            Route("GET", "/admin/customers/{customer_id}/history"),
        ),
        grants=(DATA_READ_WRITE, ADMIN),
    ),
)
QUEUES: tuple[Queue, ...] = ()
STATE_MACHINES: tuple[StateMachine, ...] = ()
