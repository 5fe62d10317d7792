"""Risk events: tag scans, guidance, every insurer at once, live progress."""

from declaration.model import Function, Grant, Queue, QueueTrigger, Route, StateMachine
from declaration.resources import ADMIN, DATA_READ_WRITE, IDEMPOTENT, INSURER_REQUESTS, NOTIFY, SIGNING_KEYS

FANOUT = "insurer_fanout"
LIVE = "live"

FUNCTIONS: tuple[Function, ...] = (
    Function(
        name="insurers",
        description="Back office: registers insurers (webhook secret shown once) and lists them",
        routes=(Route("POST", "/insurers"), Route("GET", "/insurers")),
        grants=(DATA_READ_WRITE, ADMIN),
    ),
    Function(
        name="insurer_webhooks",
        description="Claim progress pushed by insurers, signed, deduplicated by webhook-id, never backwards",
        routes=(Route("POST", "/webhooks/insurers/{insurer_id}"),),
        grants=(DATA_READ_WRITE, IDEMPOTENT, Grant(LIVE, ("send",)), NOTIFY),
    ),
    Function(
        name=FANOUT,
        description="Files each claim with its insurer (a batch's insurers concurrently) and polls its progress",
        trigger=QueueTrigger(INSURER_REQUESTS, batch_size=10),
        grants=(DATA_READ_WRITE, Grant(INSURER_REQUESTS, ("send", "consume")), Grant(LIVE, ("send",)), NOTIFY),
        timeout_s=30,
    ),
    Function(
        name=LIVE,
        description="Live progress of risk events over WebSocket: subscriptions by reporter or customer access token",
        websocket_routes=("$connect", "$disconnect", "$default"),
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="risk_backoffice",
        description="Back office: registers tag scanners (secret shown once, rotation) and risk identification tags",
        routes=(Route("POST", "/devices"), Route("POST", "/devices/{device_id}/secrets"), Route("POST", "/tags")),
        grants=(DATA_READ_WRITE, ADMIN),
    ),
    Function(
        name="claims_desk",
        description="The platform's own claims desk: the insurer connector's calls (signed) and the adjusters' back "
        "office (open claims, status changes told to the event's timeline)",
        routes=(
            Route("POST", "/claims-desk/claims"),
            Route("GET", "/claims-desk/claims/{claim_reference}"),
            Route("POST", "/claims-desk/claims/{claim_reference}/facts"),
            Route("GET", "/claims"),
            Route("GET", "/claims/{claim_reference}"),
            Route("POST", "/claims/{claim_reference}/status"),
        ),
        grants=(DATA_READ_WRITE, IDEMPOTENT, ADMIN, Grant(LIVE, ("send",)), NOTIFY),
    ),
    Function(
        name="policy_tags",
        description="The customer's item tags: read an item's tag, attach a physical tag (RFID, barcode), add "
        "another insurer's policy on the object",
        routes=(
            Route("GET", "/policies/{policy_number}/items/{item_id}/tag"),
            Route("POST", "/policies/{policy_number}/items/{item_id}/tags"),
            Route("POST", "/policies/{policy_number}/items/{item_id}/policies"),
        ),
        grants=(DATA_READ_WRITE,),
    ),
    Function(
        name="risk_events",
        description="Signed tag scans and web reports open risk events; reporters read them and send facts; "
        "customers list theirs",
        routes=(
            Route("POST", "/scans"),
            Route("POST", "/risk-events"),
            Route("GET", "/risk-events/{risk_event_id}"),
            Route("POST", "/risk-events/{risk_event_id}/facts"),
            Route("GET", "/me/risk-events"),
        ),
        grants=(
            DATA_READ_WRITE,
            IDEMPOTENT,
            Grant(SIGNING_KEYS, ("get",)),
            Grant(INSURER_REQUESTS, ("send",)),
            Grant(LIVE, ("send",)),
            NOTIFY,
        ),
    ),
)
QUEUES: tuple[Queue, ...] = (Queue(INSURER_REQUESTS, consumer=FANOUT),)
STATE_MACHINES: tuple[StateMachine, ...] = ()
