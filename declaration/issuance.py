"""Single-session issuance: quote → apply → underwrite → offer → accept → pay → issue."""

from declaration.model import Function, Grant, Queue, Route, StateMachine
from declaration.resources import (
    AMENDMENTS,
    DATA_READ,
    DATA_READ_WRITE,
    DOCUMENTS,
    IDEMPOTENT,
    ISSUANCE,
    NOTIFY,
    SIGNING_KEYS,
)

ISSUANCE_TASKS = {
    "UnderwriteFunctionArn": "issuance_underwrite",
    "OfferFunctionArn": "issuance_offer",
    "AwaitFunctionArn": "issuance_await",
    "ChargeFunctionArn": "issuance_charge",
    "IssueFunctionArn": "issuance_issue",
    "RecordFunctionArn": "issuance_record",
}
# A policy amendment runs the same automatic steps through the same functions, in its own state machine.
AMENDMENT_TASKS = dict(ISSUANCE_TASKS)

FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="catalog",
        description="Products on sale (approved states, limits, input schemas) and preliminary quotes priced by the "
        "stored rulebooks",
        routes=(Route("GET", "/products"), Route("POST", "/quotes")),
        grants=(DATA_READ_WRITE, IDEMPOTENT),
    ),
    Function(
        name="applications",
        description="Applications in a session: open, change, submit, accept the offer, pay (starts and resumes "
        "the issuance workflow)",
        routes=(
            Route("POST", "/applications"),
            Route("GET", "/applications/{application_id}"),
            Route("PATCH", "/applications/{application_id}"),
            Route("POST", "/applications/{application_id}/submit"),
            Route("GET", "/applications/{application_id}/terms"),
            Route("POST", "/applications/{application_id}/accept"),
            Route("POST", "/applications/{application_id}/payment"),
        ),
        grants=(DATA_READ_WRITE, IDEMPOTENT, Grant(ISSUANCE, ("start", "callback")), Grant(SIGNING_KEYS, ("get",))),
    ),
    Function(
        name="policies",
        description="Issued policies: the current version with its items and history, every version with its PDF; "
        "amendments (start and resume the amendment workflow), cancellation with its refund",
        routes=(
            Route("GET", "/policies/{policy_number}"),
            Route("GET", "/policies/{policy_number}/document"),
            Route("GET", "/policies/{policy_number}/versions"),
            Route("GET", "/policies/{policy_number}/versions/{version}"),
            Route("GET", "/policies/{policy_number}/versions/{version}/document"),
            Route("POST", "/policies/{policy_number}/amendments"),
            Route("GET", "/policies/{policy_number}/amendments/{amendment_id}"),
            Route("GET", "/policies/{policy_number}/amendments/{amendment_id}/terms"),
            Route("POST", "/policies/{policy_number}/amendments/{amendment_id}/accept"),
            Route("POST", "/policies/{policy_number}/amendments/{amendment_id}/payment"),
            Route("GET", "/policies/{policy_number}/cancellation/preview"),
            Route("GET", "/policies/{policy_number}/billing"),
            Route("POST", "/policies/{policy_number}/billing/payment"),
            Route("GET", "/policies/{policy_number}/renewal"),
            Route("GET", "/policies/{policy_number}/renewal/terms"),
            Route("POST", "/policies/{policy_number}/renewal/accept"),
            Route("POST", "/policies/{policy_number}/renewal/payment"),
            Route("POST", "/policies/{policy_number}/cancellation"),
        ),
        grants=(
            DATA_READ_WRITE,
            IDEMPOTENT,
            Grant(DOCUMENTS, ("get", "put")),
            Grant(AMENDMENTS, ("start", "callback")),
            Grant(SIGNING_KEYS, ("get",)),
            NOTIFY,
        ),
    ),
    Function(
        name="issuance_underwrite",
        description="Workflow task: underwrites the application (or amendment) against the stored rulebook; "
        "records a decline",
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="issuance_offer",
        description="Workflow task: the offer (premium, terms document and its SHA-256, expiry; an amendment's "
        "pro-rata premium difference)",
        grants=(DATA_READ,),
    ),
    Function(
        name="issuance_await",
        description="Workflow task: stores the task token that acceptance or payment will complete",
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="issuance_charge",
        description="Workflow task: charges the premium to the card token (an amendment's difference: charged or "
        "refunded); records a decline",
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="issuance_issue",
        description="Workflow task: issues the policy (number, dates, PDF in S3) and marks the application issued",
        grants=(DATA_READ_WRITE, Grant(DOCUMENTS, ("put",)), NOTIFY),
        timeout_s=30,
        memory_mb=1024,
    ),
    Function(
        name="issuance_record",
        description="Workflow task: records an end status (expired, failed) on the application",
        grants=(DATA_READ_WRITE,),
    ),
)
QUEUES: tuple[Queue, ...] = ()
STATE_MACHINES: tuple[StateMachine, ...] = (
    StateMachine(name=ISSUANCE, file="issuance.asl.json", substitutions=ISSUANCE_TASKS),
    StateMachine(name=AMENDMENTS, file="amendment.asl.json", substitutions=AMENDMENT_TASKS),
)
