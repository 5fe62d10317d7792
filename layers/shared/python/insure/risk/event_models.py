"""Risk events as stored and as shown: the event (a customer's or a third party's), where it was reported, who
reported it, the reports others made on the customer's event, and the reporter's view of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure import timestamps
from insure.risk.guidance import GuidanceStep, InsurerDeadline
from insure.risk.progress_models import InsurerProgress
from insure.risk.tags import TagPolicy

Role = Literal["customer", "third_party"]
Source = Literal["scan", "web"]


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
    share_contact_with_insurers: bool = Field(
        False, description="The reporter agreed that their phone and e-mail go to the insurers with the claim"
    )


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
    done: dict[str, str] = Field(
        default_factory=dict,
        description="What the platform has done about the event (action → when, RFC 3339), recorded once it is "
        "done (e.g. `owner_notified` when a message to the owner was delivered); guidance states only these",
    )

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
    insurers: list[InsurerProgress] = Field(
        description="Each insurer's progress, by name; on a third party's event, each of the owner's insurers' "
        "status only (no claim reference, policy, notes or facts deliveries)"
    )
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
