"""The web client on the local cloud: the built files of `web/dist` served on the API's own origin, as CloudFront
serves them in AWS — `/` and the page paths (`/t/{tag_id}`, `/admin`, `/account`) open `index.html`, the build's
files are served as they are, `config.json` tells the client where the API, the WebSocket and the card
tokenization endpoint are, and every answer carries the client's security headers (the strict CSP included)."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from declaration.web import CONFIG_FILE, INDEX, PAGE_PREFIXES, WEB_DIST, security_headers

if TYPE_CHECKING:
    from local.api_gateway import ApiGateway

ROOT = Path(__file__).resolve().parent.parent
TYPES = {".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".svg": "image/svg+xml"}


class WebClient:
    """`serve(request)` answers a request for the client, or None when the request is not for it (API routes)."""

    def __init__(self, config: Callable[[], bytes], *, connect: tuple[str, ...] = (), dist: Path | None = None):
        self.dist = (dist or ROOT / WEB_DIST).resolve()
        self.config = config
        self.headers = security_headers(connect)

    def serve(self, request: Request) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        path = request.path
        if path == "/" or any(path.startswith(p) for p in PAGE_PREFIXES):
            return self._file(self.dist / INDEX, cache="no-cache")
        if path == f"/{CONFIG_FILE}":
            return self._respond(self.config(), "application/json", cache="no-store")
        name = path.lstrip("/")
        if not name or "/" in name or name.startswith("."):
            return None  # the build is flat: anything deeper is an API path
        candidate = self.dist / name
        if candidate.is_file():
            return self._file(candidate, cache="no-cache")
        return None

    def _file(self, path: Path, *, cache: str) -> Response:
        if not path.is_file():
            body = b"The web client is not built: run `make web`."
            return Response(body, status=503, content_type="text/plain; charset=utf-8")
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind == "application/json":
            kind += "; charset=utf-8"
        return self._respond(path.read_bytes(), kind, cache=cache)

    def _respond(self, body: bytes, content_type: str, *, cache: str) -> Response:
        response = Response(body, status=200, content_type=content_type)
        response.headers.update(self.headers)
        response.headers["Cache-Control"] = cache
        return response


def mount(gateway: ApiGateway) -> WebClient:
    """Serves the web client from `gateway`: `config.json` is what the declared `GET /config` answers, and the
    CSP lets the page reach the WebSocket and the card tokenization endpoint (set by their components)."""
    from werkzeug.test import EnvironBuilder

    def config() -> bytes:
        return gateway.respond(Request(EnvironBuilder(path="/config").get_environ())).get_data()

    origins = (os.environ.get("WEBSOCKET_URL", ""), os.environ.get("CARD_TOKENIZATION_URL", ""))
    connect = tuple(dict.fromkeys(f"{u.scheme}://{u.netloc}" for u in map(urlsplit, origins) if u.netloc))
    client = WebClient(config, connect=connect)
    gateway.web = client.serve
    return client
