"""Objective facts from the person on site. Facts merge (a later value replaces an earlier one, an absent one
keeps it); the free description is kept for the insurers and never evaluated by the platform."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from insure.types import MultilineText, Text

EventType = Literal[
    "theft", "loss", "found", "fire", "water_damage", "collision", "injury", "vandalism", "weather", "other"
]
UNKNOWN_EVENT_TYPE = "unknown"


class Facts(BaseModel):
    """What is observably true on site. Every field is optional; send what you know, when you know it."""

    model_config = ConfigDict(extra="forbid")

    event_type: EventType | None = Field(None, description="What happened")
    injuries: bool | None = Field(None, description="Is anyone hurt?")
    people_trapped: bool | None = None
    smoke_visible: bool | None = None
    flames_visible: bool | None = None
    gas_smell: bool | None = None
    water_leaking: bool | None = None
    electrical_hazard: bool | None = None
    vehicle_drivable: bool | None = None
    object_damaged: bool | None = None
    object_missing: bool | None = None
    police_notified: bool | None = None
    police_report_number: Text | None = Field(None, max_length=64)
    description: MultilineText | None = Field(None, max_length=4000, description="Free text, kept for the insurers")


def merge(current: dict[str, Any], update: Facts) -> dict[str, Any]:
    """`current` with every field `update` sets replaced (unset fields keep their value)."""
    merged = dict(current)
    merged.update(update.model_dump(exclude_none=True))
    return merged


def event_type_of(facts: dict[str, Any]) -> str:
    return str(facts.get("event_type") or UNKNOWN_EVENT_TYPE)
