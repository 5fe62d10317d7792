"""Single-session issuance: quote → apply → underwrite → offer → accept → pay → issue."""

from declaration.model import Function, Grant, Queue, Route, StateMachine
from declaration.resources import DATA_READ, DATA_READ_WRITE, DOCUMENTS, IDEMPOTENT, ISSUANCE, SIGNING_KEYS

ISSUANCE_TASKS = {
    "UnderwriteFunctionArn": "issuance_underwrite",
    "OfferFunctionArn": "issuance_offer",
    "AwaitFunctionArn": "issuance_await",
    "ChargeFunctionArn": "issuance_charge",
    "IssueFunctionArn": "issuance_issue",
    "RecordFunctionArn": "issuance_record",
}

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
        description="Issued policies: the current version with its items and history, every version with its PDF",
        routes=(
            Route("GET", "/policies/{policy_number}"),
            Route("GET", "/policies/{policy_number}/document"),
            Route("GET", "/policies/{policy_number}/versions"),
            Route("GET", "/policies/{policy_number}/versions/{version}"),
            Route("GET", "/policies/{policy_number}/versions/{version}/document"),
        ),
        grants=(DATA_READ, Grant(DOCUMENTS, ("get", "put"))),
    ),
    Function(
        name="issuance_underwrite",
        description="Workflow task: underwrites the application against the stored rulebook; records a decline",
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="issuance_offer",
        description="Workflow task: the offer (premium, terms document and its SHA-256, expiry)",
    ),
    Function(
        name="issuance_await",
        description="Workflow task: stores the task token that acceptance or payment will complete",
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="issuance_charge",
        description="Workflow task: charges the premium to the card token; records a decline",
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="issuance_issue",
        description="Workflow task: issues the policy (number, dates, PDF in S3) and marks the application issued",
        grants=(DATA_READ_WRITE, Grant(DOCUMENTS, ("put",))),
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
)
