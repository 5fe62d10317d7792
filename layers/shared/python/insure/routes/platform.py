"""Platform routes: health."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel

from insure.health import check_components

router = Router()


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"]
    components: dict[str, str]


@router.get("/health", summary="Whether the platform's resources answer", tags=["platform"])
def get_health() -> HealthResponse:
    components = check_components()
    status: Literal["ok", "degraded"] = "ok" if all(v == "ok" for v in components.values()) else "degraded"
    return HealthResponse(status=status, components=components)
