"""GET /config and CORS on the functions' answers, through the local API Gateway front and the real handlers."""

from __future__ import annotations

WEB = "https://web.example"


def _configured(monkeypatch, platform) -> None:
    from insure.settings import get_settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://api.example/api/")
    monkeypatch.setenv("WEBSOCKET_URL", "wss://live.example/live")
    monkeypatch.setenv("CARD_TOKENIZATION_URL", "https://cards.example/v1/browser/tokens")
    monkeypatch.setenv("WEB_ORIGIN", WEB)
    get_settings.cache_clear()


def test_config_tells_clients_where_the_api_and_live_updates_are(monkeypatch, platform):
    _configured(monkeypatch, platform)
    response = platform.api.get("/config")
    assert response.status_code == 200
    assert response.json == {
        "api_url": "https://api.example/api",
        "websocket_url": "wss://live.example/live",
        "card_tokenization_url": "https://cards.example/v1/browser/tokens",
    }


def test_cors_grants_exactly_the_web_clients_origin(monkeypatch, platform):
    _configured(monkeypatch, platform)
    granted = platform.api.get("/products", headers={"Origin": WEB})
    assert granted.headers["Access-Control-Allow-Origin"] == WEB
    assert "X-Request-Id" in granted.headers["Access-Control-Expose-Headers"]
    # errors carry the grant too, so the page can read the problem
    problem = platform.api.post("/quotes", json={"product": "nope"}, headers={"Origin": WEB})
    assert problem.status_code == 422 and problem.headers["Access-Control-Allow-Origin"] == WEB
    other = platform.api.get("/products", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Origin" not in platform.api.get("/products").headers
