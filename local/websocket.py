"""API Gateway WebSocket APIs, locally, speaking the same protocol as AWS:

- a WebSocket server (`websockets`, threaded) on its own port that turns a client's handshake, messages and
  close into `$connect` / `$default` / `$disconnect` events for the function that declares `websocket_routes`
  (a `$connect` answered with a non-2xx status refuses the handshake with that status);
- the management API on another port: `POST /@connections/{id}` sends the body to that socket (410 Gone when
  the connection is closed), `GET` describes it, `DELETE` closes it — so boto3's `apigatewaymanagementapi`
  client `post_to_connection` reaches local sockets exactly as it reaches AWS.

`WEBSOCKET_CALLBACK_URL` (for publishers) and `WEBSOCKET_URL` (for clients) are set when it starts.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

import declaration

if TYPE_CHECKING:
    from websockets.sync.server import Server, ServerConnection

    from local.cloud import LocalCloud

STAGE = "local"


class LocalWebSocketGateway:
    """A local cloud component; `url` is what clients connect to, `callback_url` the management endpoint."""

    name = "websocket"

    def __init__(self, port: int = 0, management_port: int = 0, host: str = "127.0.0.1") -> None:
        self.host, self.port, self.management_port = host, port, management_port
        self.function: str | None = next((f.name for f in declaration.FUNCTIONS if f.websocket_routes), None)
        self._cloud: LocalCloud | None = None
        self._sockets: dict[str, ServerConnection] = {}
        self._connected_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server: Server | None = None
        self._management: Any = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def callback_url(self) -> str:
        return f"http://{self.host}:{self.management_port}"

    # lifecycle -------------------------------------------------------------------------------------------------
    def start(self, cloud: LocalCloud) -> None:
        from websockets.sync.server import serve

        self._cloud = cloud
        self._server = serve(
            self._session, self.host, self.port, process_request=self._handshake, compression=None, logger=None
        )
        self.port = self._server.socket.getsockname()[1]
        self._management = make_server(self.host, self.management_port, self._manage, threaded=True)
        self.management_port = self._management.server_port
        for target, name in ((self._server.serve_forever, "websocket"), (self._management.serve_forever, "ws-mgmt")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        os.environ["WEBSOCKET_CALLBACK_URL"] = self.callback_url
        os.environ["WEBSOCKET_URL"] = self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._management is not None:
            self._management.shutdown()

    def health(self) -> str:
        return "ok" if self._threads and all(t.is_alive() for t in self._threads) else "down"

    def describe(self) -> str:
        return f"Live      {self.url}  (WebSocket; management API {self.callback_url})"

    # the WebSocket side ----------------------------------------------------------------------------------------
    def _event(self, route: str, connection_id: str, **extra: Any) -> dict[str, Any]:
        now = time.time()
        event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
        return {
            "requestContext": {
                "routeKey": route,
                "eventType": event_type,
                "connectionId": connection_id,
                "messageId": uuid.uuid4().hex if event_type == "MESSAGE" else None,
                "domainName": f"{self.host}:{self.port}",
                "stage": STAGE,
                "apiId": "local",
                "requestId": uuid.uuid4().hex,
                "requestTimeEpoch": int(now * 1000),
                "connectedAt": int(self._connected_at.get(connection_id, now) * 1000),
            },
            "isBase64Encoded": False,
            **extra,
        }

    def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        if self._cloud is None or self.function is None:
            return {"statusCode": 500}
        try:
            result = self._cloud.functions.invoke(self.function, event)
        except Exception:  # noqa: BLE001 - a crashed handler is a 500, as API Gateway reports it
            return {"statusCode": 500}
        return result if isinstance(result, dict) else {"statusCode": 200}

    def _handshake(self, connection: ServerConnection, request: Any) -> Any:
        connection_id = f"{uuid.uuid4().hex[:12]}="
        connection.connection_id = connection_id  # type: ignore[attr-defined]
        self._connected_at[connection_id] = time.time()
        query = dict(parse_qsl(urlsplit(request.path).query))
        headers = {k: v for k, v in request.headers.raw_items()}
        result = self._invoke(
            self._event("$connect", connection_id, queryStringParameters=query or None, headers=headers)
        )
        status = int(result.get("statusCode", 200))
        if status >= 300:
            self._connected_at.pop(connection_id, None)
            return connection.respond(HTTPStatus(status), str(result.get("body") or HTTPStatus(status).phrase))
        with self._lock:
            self._sockets[connection_id] = connection
        return None

    def _session(self, connection: ServerConnection) -> None:
        from websockets.exceptions import ConnectionClosed

        connection_id: str = connection.connection_id  # type: ignore[attr-defined]
        try:
            for message in connection:
                body = message if isinstance(message, str) else message.decode(errors="replace")
                self._invoke(self._event("$default", connection_id, body=body))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._sockets.pop(connection_id, None)
            self._invoke(self._event("$disconnect", connection_id))
            self._connected_at.pop(connection_id, None)

    # the management API ----------------------------------------------------------------------------------------
    def _manage(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        prefix = "/@connections/"
        if not request.path.startswith(prefix):
            response = _error(404, "NotFoundException", "Unknown path")
            return response(environ, start_response)
        connection_id = request.path[len(prefix) :]
        with self._lock:
            connection = self._sockets.get(connection_id)
        if connection is None:
            response = _error(410, "GoneException", f"Connection {connection_id} is gone")
        elif request.method == "POST":
            try:
                connection.send(request.get_data().decode(errors="replace"))
                response = Response(status=200)
            except Exception:  # noqa: BLE001 - a closing socket is gone
                response = _error(410, "GoneException", f"Connection {connection_id} is gone")
        elif request.method == "DELETE":
            connection.close()
            response = Response(status=204)
        elif request.method == "GET":
            connected = datetime.fromtimestamp(self._connected_at.get(connection_id, time.time()), tz=UTC)
            response = Response(
                json.dumps({"connectedAt": connected.isoformat(), "identity": {"sourceIp": "127.0.0.1"}}),
                content_type="application/json",
            )
        else:
            response = _error(405, "BadRequestException", "Method not allowed")
        return response(environ, start_response)


def _error(status: int, code: str, message: str) -> Response:
    return Response(
        json.dumps({"message": message}),
        status=status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": code},
    )
