"""GET /config: where a client finds the API, the live-updates WebSocket and the card tokenization endpoint.

The response is a TypedDict (as for health), so the function answers without validation and without pydantic's
models; the published document describes it all the same."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router
from typing_extensions import TypedDict  # pydantic reads TypedDicts from typing_extensions before Python 3.12

from insure.http.access import Access, access

router = Router()


class ClientConfig(TypedDict):
    api_url: str
    websocket_url: str
    card_tokenization_url: str


@router.get(
    "/config",
    summary="Where clients find the API, live updates (WebSocket) and the card tokenization endpoint",
    tags=["platform"],
)
@access(Access.PUBLIC)
def get_config() -> ClientConfig:
    from insure.settings import get_settings

    settings = get_settings()
    return ClientConfig(
        api_url=settings.public_base_url.rstrip("/"),
        websocket_url=settings.websocket_url,
        card_tokenization_url=settings.card_tokenization_url,
    )
