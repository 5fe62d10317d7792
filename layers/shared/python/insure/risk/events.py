"""Risk events: opened by a signed scan or a web report, read by the reporter, updated with facts.

Who gets what. The reporter is compared with the customer's private information (`insure.risk.reporters`).
- The customer reporting opens ONE event (role `customer`, `related_event_ids` empty).
- A third party (or an anonymous scan) opens TWO linked events: their own (role `third_party`, returned to them,
  third-party guidance, no insurer details: the customer's claims are not theirs to see) and the customer's
  (role `customer`, recording who reported and where in `reports`); each lists the other in `related_event_ids`.
Only the customer's event is fanned out to the insurers (`insure.risk.fanout.dispatch`): it is the claim, and
filing from the third party's event would file the same loss twice. Facts the third party sends land on their
own event and are mirrored onto the customer's, since the person on site is the insurers' best witness.

One incident per object. The customer's event stays the tag's open incident for 24 hours
(`pk = TAGINCIDENT#<tag_id>`, `sk = OPEN`): later reports on the same object join it instead of filing the same
loss again: a third party gets their own event linked to it (and it records their report), the customer gets
it directly (when a third party opened it, it then names the customer as its reporter, at the customer's
location; the third party's report stays in `reports`), and facts sent with a web report are merged into it.

Dispatch. Every insurer is contacted when the event opens, with the event type known then (often `unknown` for a
scan). `dispatch` is called again whenever the customer's event type changes (first known, or changed), and on
every repeated delivery of the same scan, so a dispatch that failed half-way is completed by the scanner's retry;
the fan-out side is idempotent per (event, insurer), so none of these files a second claim. (Today the fan-out
sends nothing on a re-dispatch for an insurer already queued, as the connector has no facts-update call: a type
learned later stays on the event and its guidance; a re-dispatch is where such an update would plug in.)

Duplicates, per scanner. A scan's events have ids derived from its scanner and `scan_id`. Intake claims the
signed message id (`SCANMSG#<device_id>#<webhook-id>`), then the scan id (`SCAN#<device_id>#<scan_id>`, holding the
events it opens), each with a conditional put, then writes the events: a repeated `webhook-id` or `scan_id` from the
same scanner (also concurrently) returns the event the first one opened, and completes that intake if it was
interrupted; two scanners numbering their scans alike, or reusing a `webhook-id`, never meet. Web reports with an
`Idempotency-Key` go through `insure.idempotency.run_once`.

Reporter tokens. `rt_…` tokens are derived (HMAC-SHA256 with the platform signing key over the event id), so a
repeated delivery can be answered with the same token although only its SHA-256 is stored
(`pk = REPORTERTOKEN#<sha256>`, `sk = TOKEN`, naming the event). No or unknown token: 401; a valid token of
another event: 404. The customer's event has a token too (derivable when the customer is notified).

Items: `pk = RISKEVENT#<id>`, `sk = EVENT`, the event as JSON in `data` and a `version` for optimistic locking.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure import timestamps
from insure.errors import Conflict, FieldError, NotFound, RuleViolation, Unauthorized
from insure.risk.facts import Facts, event_type_of, merge
from insure.risk.guidance import GuidanceStep, InsurerDeadline, rulebook
from insure.risk.progress import SETTLED, InsurerProgress
from insure.risk.reporters import ReporterIdentity, identify
from insure.risk.tags import Tag, TagPolicy
from insure.storage import replace_if_version

log = logging.getLogger(__name__)

Role = Literal["customer", "third_party"]
Source = Literal["scan", "web"]
TOKEN_PREFIX = "rt_"  # noqa: S105 - a format prefix, not a secret
REPLAY_WAIT_STEPS = 50
INCIDENT_WINDOW_S = 24 * 3600
MAX_REPORTS = 50
# Reports racing past MAX_REPORTS (each checked it before the others were recorded) are still recorded, up to this
# many more; beyond, the report is refused, never acknowledged and dropped.
REPORTS_RACE_MARGIN = 20
SAVE_ATTEMPTS = 8


def now_rfc3339() -> str:
    return timestamps.now()


class Location(BaseModel):
    """Where the report was made and how the position was obtained."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=1_000_000, description="Radius of the position's uncertainty, in meters")
    method: Literal["gps", "cell", "wifi", "imu"]


class ReporterContact(BaseModel):
    """Who reported, as recorded on the events (never the private details used to recognise the customer)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


class ThirdPartyReport(BaseModel):
    """A report about the customer's object made by someone else."""

    risk_event_id: str = Field(description="The reporter's own event")
    reporter: ReporterContact
    location: Location | None = None
    reported_at: str
    source: Source


class RiskEvent(BaseModel):
    """A risk event as stored (domain model)."""

    risk_event_id: str
    role: Role
    source: Source
    tag_id: str
    object_description: str
    reporter: ReporterContact
    reporter_is_customer: bool
    related_event_ids: list[str] = Field(default_factory=list)
    location: Location | None = None
    occurred_at: str
    created_at: str
    updated_at: str
    facts: dict[str, Any] = Field(default_factory=dict)
    guidance: list[GuidanceStep] = Field(default_factory=list)
    policies: list[TagPolicy] = Field(default_factory=list)
    insurer_deadlines: list[dict[str, Any]] = Field(default_factory=list)
    reports: list[ThirdPartyReport] = Field(default_factory=list)
    scan_id: str | None = None
    device_id: str | None = None
    facts_revision: int = Field(0, description="Counts the changes to `facts`: what each insurer was sent is compared")
    facts_updated_at: str | None = None

    def deadlines(self) -> list[InsurerDeadline]:
        return [InsurerDeadline(**d) for d in self.insurer_deadlines]

    def occurred(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.occurred_at.replace("Z", "+00:00"))
        except ValueError:
            return None


class Opened(BaseModel):
    """What the reporter receives: their event and the token to read and update it."""

    risk_event_id: str
    reporter_token: str


class RiskEventView(BaseModel):
    """A risk event as its reporter sees it."""

    risk_event_id: str
    status: Literal["open", "in_progress", "resolved", "reported_to_owner"]
    reporter_is_customer: bool
    related_event_ids: list[str]
    guidance: list[GuidanceStep]
    insurers: list[InsurerProgress] = Field(description="Each insurer's progress; empty for a third party's event")
    location: Location | None
    facts: dict[str, Any]
    tag_id: str
    object_description: str
    occurred_at: str
    created_at: str
    updated_at: str
    reports: list[ThirdPartyReport] = Field(
        default_factory=list, description="Reports by others about the customer's object (customer's event only)"
    )


# ---- reporter tokens --------------------------------------------------------------------------------------------


@cache
def _token_key() -> bytes:
    from insure.aws import client
    from insure.settings import get_settings

    secret: str = client("secretsmanager").get_secret_value(SecretId=get_settings().signing_keys_secret_arn)[
        "SecretString"
    ]
    return secret.encode()


def reset() -> None:
    """Forget cached keys and repositories (tests switch environments)."""
    _token_key.cache_clear()
    repository.cache_clear()


def reporter_token(risk_event_id: str) -> str:
    """The reporter token of an event, derived from the platform signing key (never stored)."""
    digest = hmac.new(_token_key(), f"reporter-token:{risk_event_id}".encode(), hashlib.sha256).digest()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- repository -------------------------------------------------------------------------------------------------


class EventRepository:
    """Risk events, their token items and the scan / message claim items in the single table."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    @staticmethod
    def _key(risk_event_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"RISKEVENT#{risk_event_id}"}, "sk": {"S": "EVENT"}}

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        return item

    def get(self, risk_event_id: str) -> tuple[RiskEvent, int] | None:
        item = self._get(self._key(risk_event_id))
        if not item:
            return None
        return RiskEvent.model_validate_json(item["data"]["S"]), int(item["version"]["N"])

    def event_of_token(self, hashed: str) -> str | None:
        item = self._get({"pk": {"S": f"REPORTERTOKEN#{hashed}"}, "sk": {"S": "TOKEN"}})
        return item["risk_event_id"]["S"] if item else None

    def _put_new(self, item: dict[str, Any]) -> bool:
        """A conditional put of a new item (False when it exists). Deliberately single-item conditions rather than
        one multi-item transaction: the intake is a sequence of claims that any repeat completes
        (`write_events`), and single-item conditions behave the same on DynamoDB and on the local moto, whose
        cancelled transactions are not safe under concurrency."""
        try:
            self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def claim_message(self, device_id: str, message_id: str, scan_id: str) -> bool:
        """Claims a scanner's signed message id for a scan; False when the scanner sent this message before."""
        return self._put_new(
            {
                "pk": {"S": f"SCANMSG#{device_id}#{message_id}"},
                "sk": {"S": "SCANMSG"},
                "entity": {"S": "scan-message"},
                "scan_id": {"S": scan_id},
                "created_at": {"S": now_rfc3339()},
            }
        )

    def scan_of_message(self, device_id: str, message_id: str) -> str | None:
        item = self._get({"pk": {"S": f"SCANMSG#{device_id}#{message_id}"}, "sk": {"S": "SCANMSG"}})
        return item["scan_id"]["S"] if item else None

    def claim_scan(self, device_id: str, scan_id: str, events: list[RiskEvent]) -> bool:
        """Claims a scanner's scan id with the events it opens (kept so any repeat can complete an interrupted
        intake); False when the scanner's scan was already claimed."""
        return self._put_new(
            {
                "pk": {"S": f"SCAN#{device_id}#{scan_id}"},
                "sk": {"S": "SCAN"},
                "entity": {"S": "scan"},
                "risk_event_id": {"S": events[0].risk_event_id},
                "events": {"S": json.dumps([e.model_dump(mode="json") for e in events])},
                "created_at": {"S": now_rfc3339()},
            }
        )

    def scan_events(self, device_id: str, scan_id: str) -> list[RiskEvent] | None:
        """The events a claimed scan opens (as first built), or None when the scanner never claimed the scan id."""
        item = self._get({"pk": {"S": f"SCAN#{device_id}#{scan_id}"}, "sk": {"S": "SCAN"}})
        if not item:
            return None
        return [RiskEvent.model_validate(e) for e in json.loads(item["events"]["S"])]

    def write_events(self, events: list[RiskEvent]) -> None:
        """Writes each event and its token item unless it exists (safe to repeat, also concurrently)."""
        for event in events:
            self._put_new(
                {
                    **self._key(event.risk_event_id),
                    "entity": {"S": "risk-event"},
                    "version": {"N": "1"},
                    "data": {"S": event.model_dump_json()},
                }
            )
            self._put_new(
                {
                    "pk": {"S": f"REPORTERTOKEN#{token_hash(reporter_token(event.risk_event_id))}"},
                    "sk": {"S": "TOKEN"},
                    "entity": {"S": "reporter-token"},
                    "risk_event_id": {"S": event.risk_event_id},
                }
            )

    def open_incident(self, tag_id: str, now_epoch: int) -> str | None:
        """The customer's event still open for reports on this tag, if any (expired pointers are ignored)."""
        item = self._get({"pk": {"S": f"TAGINCIDENT#{tag_id}"}, "sk": {"S": "OPEN"}})
        if not item or int(item["expires_at_epoch"]["N"]) <= now_epoch:
            return None
        return str(item["risk_event_id"]["S"])

    def claim_incident(self, tag_id: str, risk_event_id: str, now_epoch: int) -> bool:
        """Makes the customer's event the tag's open incident, unless another one is open."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"TAGINCIDENT#{tag_id}"},
                    "sk": {"S": "OPEN"},
                    "entity": {"S": "tag-incident"},
                    "risk_event_id": {"S": risk_event_id},
                    "expires_at_epoch": {"N": str(now_epoch + INCIDENT_WINDOW_S)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at_epoch <= :now",
                ExpressionAttributeValues={":now": {"N": str(now_epoch)}},
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def save(self, event: RiskEvent, version: int) -> bool:
        """Replaces the event if nobody changed it since `version` was read."""
        return replace_if_version(
            self._db,
            self._table,
            self._key(event.risk_event_id),
            entity="risk-event",
            data_json=event.model_dump_json(),
            version=version,
        )


@cache
def repository() -> EventRepository:
    from insure.aws import client
    from insure.settings import get_settings

    return EventRepository(client("dynamodb"), get_settings().table_name)


# ---- logic ------------------------------------------------------------------------------------------------------


def guidance_for(event: RiskEvent) -> list[GuidanceStep]:
    """The steps for the event's audience, re-evaluated from its facts (and insurers' deadlines)."""
    if event.role == "third_party":
        return rulebook().evaluate("third_party", event.facts)
    return rulebook().evaluate("customer", event.facts, insurers=event.deadlines(), occurred_at=event.occurred())


def _deadlines(tag: Tag) -> list[dict[str, Any]]:
    if tag.insurers:
        return [snapshot.model_dump() for snapshot in tag.insurers]
    from insure.risk.insurers import get_insurer

    deadlines: list[dict[str, Any]] = []
    for insurer_id in dict.fromkeys(p.insurer_id for p in tag.policies):
        insurer = get_insurer(insurer_id)
        if insurer is not None:
            deadlines.append(
                {
                    "insurer_id": insurer.insurer_id,
                    "name": insurer.name,
                    "reporting_deadline_hours": insurer.reporting_deadline_hours,
                }
            )
    return deadlines


def _contact(reporter: ReporterIdentity | None) -> ReporterContact:
    if reporter is None:
        return ReporterContact()
    return ReporterContact(name=reporter.name, phone=reporter.phone, email=reporter.email)


def build_events(
    tag: Tag,
    reporter: ReporterIdentity | None,
    *,
    ids: tuple[str, str],
    source: Source,
    location: Location | None,
    occurred_at: str,
    facts: dict[str, Any],
    scan_id: str | None = None,
    device_id: str | None = None,
    incident: RiskEvent | None = None,
) -> list[RiskEvent]:
    """The reporter's event first, then (for a third party) the customer's; `ids` = (reporter's, customer's).
    With an open `incident` (the customer's event of a recent report on the same object) nothing new is opened
    for the customer: the customer gets that event, a third party only their own event, linked to it."""
    at = now_rfc3339()
    is_customer = identify(reporter, tag.customer).is_customer
    contact = _contact(reporter)
    common: dict[str, Any] = {
        "source": source,
        "tag_id": tag.tag_id,
        "object_description": tag.object.description,
        "reporter": contact,
        "reporter_is_customer": is_customer,
        "location": location,
        "occurred_at": occurred_at,
        "created_at": at,
        "updated_at": at,
        "facts": facts,
        "scan_id": scan_id,
        "device_id": device_id,
    }
    customer_fields: dict[str, Any] = {
        "policies": tag.policies,
        "insurer_deadlines": _deadlines(tag),
    }
    if incident is not None:
        if is_customer:
            if incident.reporter_is_customer:
                return [incident]
            # opened by a third party: the customer now reports on site (recorded by `_customer_on_site`)
            return [
                incident.model_copy(
                    update={
                        "reporter": contact,
                        "reporter_is_customer": True,
                        "location": location or incident.location,
                    }
                )
            ]
        own = RiskEvent(risk_event_id=ids[0], role="third_party", related_event_ids=[incident.risk_event_id], **common)
        return [own.model_copy(update={"guidance": guidance_for(own)})]
    if is_customer:
        event = RiskEvent(risk_event_id=ids[0], role="customer", **common, **customer_fields)
        return [event.model_copy(update={"guidance": guidance_for(event)})]
    own = RiskEvent(risk_event_id=ids[0], role="third_party", related_event_ids=[ids[1]], **common)
    report = ThirdPartyReport(risk_event_id=ids[0], reporter=contact, location=location, reported_at=at, source=source)
    customers = RiskEvent(
        risk_event_id=ids[1], role="customer", related_event_ids=[ids[0]], reports=[report], **common, **customer_fields
    )
    return [
        own.model_copy(update={"guidance": guidance_for(own)}),
        customers.model_copy(update={"guidance": guidance_for(customers)}),
    ]


def dispatch_event(event: RiskEvent) -> None:
    """Tells every insurer on the customer's event (idempotent per (event, insurer) on the fan-out side). A failure
    is logged, not raised: the event stands, and the next delivery or fact re-dispatches."""
    if event.role != "customer" or not event.policies:
        return
    from insure.risk.fanout import FanoutRequest, PolicyRef, dispatch

    try:
        dispatch(
            FanoutRequest(
                risk_event_id=event.risk_event_id,
                event_type=event_type_of(event.facts),
                facts=event.facts,
                occurred_at=event.occurred_at,
                location=event.location.model_dump() if event.location else None,
                policies=[PolicyRef(**p.model_dump()) for p in event.policies],
                **claim_parties(event),
            )
        )
    except Exception:
        log.warning(
            "dispatch of risk event %s failed; a later delivery re-dispatches", event.risk_event_id, exc_info=True
        )


def claim_parties(event: RiskEvent) -> dict[str, Any]:
    """What a claim says about the insured, the object and the reporter (and which facts revision it carries).
    The insured and the object come from the tag; a third party's contact is passed on only as far as they gave
    it (giving it is their agreement to be contacted about the report)."""
    from insure.risk.tags import repository as tags

    tag = tags().get(event.tag_id)
    insured = obj = None
    if tag is not None:
        insured = {"name": tag.customer.name, "phone": tag.customer.phone, "email": tag.customer.email}
        obj = {"description": tag.object.description, "serial_number": tag.object.serial_number}
    reporter: dict[str, Any] = {"role": "customer" if event.reporter_is_customer else "third_party"}
    reporter |= event.reporter.model_dump(exclude_none=True)
    return {
        "insured": insured,
        "object": obj or {"description": event.object_description},
        "reporter": reporter,
        "facts_revision": event.facts_revision,
    }


def forward_facts(event: RiskEvent) -> None:
    """Tells every insurer already filed with that the customer's event learned facts (the fan-out sends the
    latest to each, once per revision). A failure is logged: the next facts forward again."""
    if event.role != "customer":
        return
    from insure.risk.fanout import forward_facts as send

    try:
        send(event.risk_event_id, event.facts_revision)
    except Exception:
        log.warning("facts of risk event %s not forwarded", event.risk_event_id, exc_info=True)


def _publish(event: RiskEvent, kind: str) -> None:
    from insure.risk import live

    try:
        live.publish(
            event.risk_event_id,
            {
                "type": kind,
                "risk_event_id": event.risk_event_id,
                "facts": event.facts,
                "guidance": [g.model_dump() for g in event.guidance],
                "updated_at": event.updated_at,
            },
        )
    except Exception:  # a live push must never fail a recorded change
        log.warning("live publish failed for %s", event.risk_event_id, exc_info=True)


def _customer_event_of(risk_event_id: str) -> RiskEvent | None:
    found = repository().get(risk_event_id)
    if found is None:
        return None
    event = found[0]
    if event.role == "customer":
        return event
    related = repository().get(event.related_event_ids[0]) if event.related_event_ids else None
    return related[0] if related else None


def _opened(risk_event_id: str) -> Opened:
    return Opened(risk_event_id=risk_event_id, reporter_token=reporter_token(risk_event_id))


def derived_id(*parts: str) -> str:
    return "re_" + hashlib.sha256(":".join(parts).encode()).hexdigest()[:24]


def _open_incident(tag_id: str) -> RiskEvent | None:
    risk_event_id = repository().open_incident(tag_id, int(time.time()))
    found = repository().get(risk_event_id) if risk_event_id else None
    return found[0] if found and found[0].role == "customer" else None


def _update_customer_event(risk_event_id: str, change: Callable[[RiskEvent], dict[str, Any] | None], kind: str) -> None:
    """Applies `change` (the fields to update, or None when there is nothing to do) to the stored event with
    optimistic locking, and tells its live subscribers (`kind`)."""
    repo = repository()
    for _ in range(SAVE_ATTEMPTS):
        found = repo.get(risk_event_id)
        fields = change(found[0]) if found is not None else None
        if found is None or fields is None:
            return
        event, version = found
        updated = event.model_copy(update={**fields, "updated_at": now_rfc3339()})
        if repo.save(updated, version):
            _publish(updated, kind)
            return
    raise Conflict("The customer's risk event is being updated concurrently; retry shortly.")


def _attach(customer_id: str, own: RiskEvent) -> None:
    """Records a third party's report on the customer's open event (once) and tells its live subscribers."""
    report = ThirdPartyReport(
        risk_event_id=own.risk_event_id,
        reporter=own.reporter,
        location=own.location,
        reported_at=own.created_at,
        source=own.source,
    )

    def with_report(event: RiskEvent) -> dict[str, Any] | None:
        if own.risk_event_id in event.related_event_ids:
            return None
        if len(event.reports) >= MAX_REPORTS + REPORTS_RACE_MARGIN:  # the item stays small
            raise IncidentFull(_full())
        return {"related_event_ids": [*event.related_event_ids, own.risk_event_id], "reports": [*event.reports, report]}

    _update_customer_event(customer_id, with_report, "third_party_report")


class IncidentFull(Conflict):
    """The incident already holds as many reports by others as it keeps: a new one is refused before anything
    is written (never acknowledged and then dropped)."""


def _full() -> str:
    return f"This incident already holds {MAX_REPORTS} reports by others; no further report on it is taken."


def _refuse_if_full(events: list[RiskEvent], incident: RiskEvent | None) -> None:
    """Refuses a new third party's report on an incident that holds MAX_REPORTS reports already."""
    if incident is not None and any(e.role == "third_party" for e in events) and len(incident.reports) >= MAX_REPORTS:
        raise IncidentFull(_full())


def _customer_on_site(reported: RiskEvent) -> None:
    """The customer reports on their open incident that a third party opened: the event now names the customer as
    its reporter, at the customer's location (the third party's report stays in `reports`); once."""

    def with_customer(event: RiskEvent) -> dict[str, Any] | None:
        if event.reporter_is_customer:
            return None
        return {
            "reporter": reported.reporter,
            "reporter_is_customer": True,
            "location": reported.location or event.location,
        }

    _update_customer_event(reported.risk_event_id, with_customer, "customer_report")


def _opened_and_dispatched(events: list[RiskEvent]) -> Opened:
    """After the events are written: link a third party's event to an existing customer's event, make a new
    customer's event the tag's open incident, and tell the insurers."""
    written = {e.risk_event_id for e in events}
    for event in events:
        if event.role == "third_party":
            for related in event.related_event_ids:
                if related not in written:
                    _attach(related, event)
        elif event.role == "customer":
            repository().claim_incident(event.tag_id, event.risk_event_id, int(time.time()))
            if event.reporter_is_customer and event.reports:  # possibly an incident a third party opened
                _customer_on_site(event)
        dispatch_event(event)
    return _opened(events[0].risk_event_id)


def _replay_scan(device_id: str, scan_id: str) -> Opened:
    """The answer to a repeated scan: the first one's events, completed if the first intake was interrupted, and
    re-dispatched (a no-op for insurers already told)."""
    repo = repository()
    events = repo.scan_events(device_id, scan_id)
    for _ in range(REPLAY_WAIT_STEPS):  # the first delivery may have claimed the message a moment ago
        if events is not None:
            break
        time.sleep(0.02)
        events = repo.scan_events(device_id, scan_id)
    if events is None:
        raise Conflict("The same scan is being processed; retry shortly.")
    if repo.get(events[0].risk_event_id) is None or repo.get(events[-1].risk_event_id) is None:
        repo.write_events(events)
    current = [found[0] for found in (repo.get(e.risk_event_id) for e in events) if found is not None]
    return _opened_and_dispatched(current or events)


def open_from_scan(
    *,
    scan_id: str,
    tag_id: str,
    device_id: str,
    scanned_at: datetime,
    location: Location,
    reporter: ReporterIdentity | None,
    message_id: str,
) -> Opened:
    """Opens the event(s) of a verified scan; the scanner's repeated `scan_id` or message id returns the first
    event (another scanner's never does). The
    message id is claimed first, then the scan id (with the events it opens), then the events are written: a
    repeat at any point returns, and completes, the first intake."""
    repo = repository()
    tag = _tag_or_404(tag_id)
    incident = _open_incident(tag_id)
    events = build_events(
        tag,
        reporter,
        ids=(derived_id("scan", device_id, scan_id, "reporter"), derived_id("scan", device_id, scan_id, "customer")),
        source="scan",
        location=location,
        occurred_at=_rfc3339(scanned_at),
        facts={},
        scan_id=scan_id,
        device_id=device_id,
        incident=incident,
    )
    repeat = repo.scan_of_message(device_id, message_id) or repo.scan_events(device_id, scan_id)
    if not repeat:
        _refuse_if_full(events, incident)
    if not repo.claim_message(device_id, message_id, scan_id):
        return _replay_scan(device_id, repo.scan_of_message(device_id, message_id) or scan_id)
    if not repo.claim_scan(device_id, scan_id, events):
        return _replay_scan(device_id, scan_id)
    repo.write_events(events)
    return _opened_and_dispatched(events)


def _tag_or_404(tag_id: str) -> Tag:
    from insure.risk.tags import get_tag

    tag = get_tag(tag_id)
    if tag is None:
        raise NotFound(f"No tag {tag_id}.")
    return tag


def _rfc3339(value: datetime) -> str:
    return timestamps.rfc3339(value)


def open_from_web(
    *,
    tag_id: str | None,
    policy_number: str | None,
    reporter: ReporterIdentity,
    location: Location | None,
    occurred_at: datetime | None,
    facts: Facts | None,
    idempotency_key: str | None,
    payload: dict[str, Any],
) -> Opened:
    """Opens the event(s) of a web report, by tag id or policy number; an `Idempotency-Key` makes it once-only."""
    from insure.risk.tags import tags_for_policy

    if tag_id is not None:
        tag = _tag_or_404(tag_id)
    else:
        candidates = tags_for_policy(policy_number or "")
        if not candidates:
            raise NotFound(f"No insured object with policy {policy_number}.")
        if len(candidates) > 1:
            raise RuleViolation(
                "This policy covers several objects.",
                errors=[FieldError("policy_number", "Several objects carry this policy; send the tag_id instead.")],
            )
        tag = candidates[0]

    def effect() -> dict[str, Any]:
        incident = _open_incident(tag.tag_id)
        events = build_events(
            tag,
            reporter,
            ids=(f"re_{uuid.uuid4().hex[:24]}", f"re_{uuid.uuid4().hex[:24]}"),
            source="web",
            location=location,
            occurred_at=_rfc3339(occurred_at or datetime.now(tz=UTC)),
            facts=merge({}, facts) if facts else {},
            incident=incident,
        )
        _refuse_if_full(events, incident)
        repository().write_events(events)
        opened = _opened_and_dispatched(events)
        if incident is not None and facts is not None:  # the open incident learns them as if sent to it
            _apply_facts(opened.risk_event_id, facts)
        return {"risk_event_id": opened.risk_event_id}

    if idempotency_key:
        from insure.idempotency import run_once

        result = run_once("risk-events", idempotency_key, payload, effect)
    else:
        result = effect()
    return _opened(str(result["risk_event_id"]))


def authorize_reporter(risk_event_id: str, token: str | None) -> None:
    """The reporter token check shared by the API and live subscriptions: no or unknown token `Unauthorized`,
    a valid token of another event `NotFound`."""
    if not token:
        raise Unauthorized("Send Authorization: Bearer <reporter_token>.")
    owner = repository().event_of_token(token_hash(token))
    if owner is None:
        raise Unauthorized("The reporter token is not valid.")
    if owner != risk_event_id:
        raise NotFound(f"No risk event {risk_event_id}.")


def _status(
    event: RiskEvent, insurers: list[InsurerProgress]
) -> Literal["open", "in_progress", "resolved", "reported_to_owner"]:
    if event.role == "third_party":
        return "reported_to_owner"
    if insurers and all(p.status in SETTLED for p in insurers):
        return "resolved"
    if any(p.status != "pending" for p in insurers):
        return "in_progress"
    return "open"


def view_of(event: RiskEvent) -> RiskEventView:
    insurers: list[InsurerProgress] = []
    if event.role == "customer":
        from insure.risk.progress import timeline

        insurers = [
            p.model_copy(update={"latest_facts_delivered": p.facts_revision_delivered >= event.facts_revision})
            if p.facts_revision_delivered is not None
            else p
            for p in sorted(timeline(event.risk_event_id), key=lambda p: p.insurer_id)
        ]
    return RiskEventView(
        risk_event_id=event.risk_event_id,
        status=_status(event, insurers),
        reporter_is_customer=event.reporter_is_customer,
        related_event_ids=event.related_event_ids,
        guidance=event.guidance,
        insurers=insurers,
        location=event.location,
        facts=event.facts,
        tag_id=event.tag_id,
        object_description=event.object_description,
        occurred_at=event.occurred_at,
        created_at=event.created_at,
        updated_at=event.updated_at,
        reports=event.reports if event.role == "customer" else [],
    )


def view(risk_event_id: str, token: str | None) -> RiskEventView:
    """The event as its reporter sees it (with every insurer's progress on a customer's event)."""
    authorize_reporter(risk_event_id, token)
    found = repository().get(risk_event_id)
    if found is None:
        raise NotFound(f"No risk event {risk_event_id}.")
    return view_of(found[0])


def etag_of(representation: RiskEventView) -> str:
    """A strong ETag over the exact JSON representation."""
    canonical = json.dumps(representation.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def _merge_facts(risk_event_id: str, update: Facts) -> tuple[RiskEvent, RiskEvent] | None:
    """(before, after) of merging `update` into the event, with optimistic locking; None if it is gone."""
    repo = repository()
    for _ in range(SAVE_ATTEMPTS):
        found = repo.get(risk_event_id)
        if found is None:
            return None
        before, version = found
        merged = merge(before.facts, update)
        at = now_rfc3339()
        after = before.model_copy(
            update={
                "facts": merged,
                "updated_at": at,
                "facts_revision": before.facts_revision + 1,
                "facts_updated_at": at,
            }
        )
        after = after.model_copy(update={"guidance": guidance_for(after)})
        if merged == before.facts:
            return before, before
        if repo.save(after, version):
            return before, after
    raise Conflict("The risk event is being updated concurrently; retry shortly.")


def add_facts(risk_event_id: str, token: str | None, update: Facts) -> RiskEventView:
    """Merges facts from the person on site, re-evaluates guidance, pushes the change live, and tells the insurers
    when the customer's event type becomes known or changes. A third party's facts are mirrored onto the
    customer's event."""
    authorize_reporter(risk_event_id, token)
    return apply_facts(risk_event_id, update)


def apply_facts(risk_event_id: str, update: Facts) -> RiskEventView:
    """`add_facts` for a reporter already authorized (`authorize_reporter`)."""
    return view_of(_apply_facts(risk_event_id, update))


def _apply_facts(risk_event_id: str, update: Facts) -> RiskEvent:
    changed = _merge_facts(risk_event_id, update)
    if changed is None:
        raise NotFound(f"No risk event {risk_event_id}.")
    before, after = changed
    touched = [(before, after)]
    if after.role == "third_party":
        for related in after.related_event_ids:
            mirrored = _merge_facts(related, update)
            if mirrored is not None:
                touched.append(mirrored)
    for old, new in touched:
        if new is old:
            continue
        _publish(new, "facts")
        if new.role == "customer" and event_type_of(old.facts) != event_type_of(new.facts):
            dispatch_event(new)
        forward_facts(new)
    return after
