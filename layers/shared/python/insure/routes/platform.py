"""Platform routes: health.

The response is a TypedDict rather than a pydantic model: the published document describes it the same way
(generated with validation on), and the health function, which turns validation off, answers without importing
pydantic."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.event_handler.router import Router
from typing_extensions import TypedDict  # pydantic reads TypedDicts from typing_extensions before Python 3.12

from insure.health import check_components
from insure.http.access import Access, access

router = Router()


class HealthResponse(TypedDict):
    status: Literal["ok", "degraded"]
    components: dict[str, str]


@router.get("/health", summary="Whether the platform's resources answer", tags=["platform"])
@access(Access.PUBLIC)
def get_health() -> HealthResponse:
    components = check_components()
    status: Literal["ok", "degraded"] = "ok" if all(v == "ok" for v in components.values()) else "degraded"
    return HealthResponse(status=status, components=components)
