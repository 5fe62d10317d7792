"""The local cloud: moto's server as AWS (Step Functions executing the real ASL), the declared functions hosted
in-process, SQS pollers, the API Gateway front, and the simulated outside world (card processor, insurers)."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import declaration
from local import lambda_hook
from local.functions_host import FunctionsHost
from local.resources import REGION, Deployment, create_all
from local.sqs_poller import QueuePoller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Component(Protocol):
    """A simulated outside party or a start-up step that runs beside the platform."""

    name: str

    def start(self, cloud: LocalCloud) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> str: ...


@dataclass
class LocalCloud:
    """Start with `start()`, stop with `stop()`; `url` is the API's base URL once started."""

    port: int = 3000
    host: str = "127.0.0.1"
    moto_port: int = 0
    admin_key: str | None = None
    components: list[Component] = field(default_factory=list)
    max_concurrency: int = 8
    deployment: Deployment = field(default_factory=Deployment)
    admin_key_generated: bool = False
    # True: the functions call moto in this process (moto's own request interception); the same backends are
    # also served over HTTP on `moto_url` for outside tools. False: every call goes over HTTP to that server.
    in_process_aws: bool = True
    # A directory: what people create (DynamoDB items, secret values) is kept there across restarts
    # (local/persistence.py). None: every start is clean and nothing is written to disk.
    state_dir: Path | None = None

    def __post_init__(self) -> None:
        self.functions = FunctionsHost(max_concurrency=self.max_concurrency)
        self.client_throttle: Any = None  # the API's per-client limit (default: local.api_gateway's figures)
        self.stage_throttle: Any = None
        self.pollers: list[QueuePoller] = []
        self._moto: Any = None
        self._mock: Any = None
        self._http: Any = None
        self._http_thread: threading.Thread | None = None
        self.started_at = 0.0
        self.ready = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def moto_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def _configure_environment(self) -> None:
        if self.in_process_aws:
            os.environ.pop("AWS_ENDPOINT_URL", None)  # clients in this process reach moto's backends directly
        else:
            os.environ["AWS_ENDPOINT_URL"] = self.moto_url
        os.environ.update(
            {
                "MOTO_PORT": str(self.moto_port),
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "POWERTOOLS_SERVICE_NAME": "insurance-platform",
                "POWERTOOLS_METRICS_NAMESPACE": "InsurancePlatform",
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
                "PUBLIC_BASE_URL": self.url,
                "WEB_ORIGIN": self.url,  # the web client is served on the API's origin (local/web_client.py)
            }
        )
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)

    def start(self) -> LocalCloud:
        began = time.perf_counter()
        if not self.moto_port:
            self.moto_port = free_port()
        if not self.port:
            self.port = free_port()
        if not self.admin_key:
            self.admin_key = os.environ.get("ADMIN_API_KEY") or secrets.token_urlsafe(24)
            self.admin_key_generated = "ADMIN_API_KEY" not in os.environ
        self._configure_environment()
        # Many threads hand work to each other here (API front, handlers, the ASL interpreter, pollers, simulators):
        # a shorter GIL switch interval cuts each hand-off's wait (measured: session p50 about 300 → 250 ms).
        sys.setswitchinterval(0.0005)
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        import boto3
        import requests
        from moto.server import ThreadedMotoServer

        if self.in_process_aws:
            from moto import mock_aws

            self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
            self._mock.start()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto_port, verbose=False)
        self._moto.start()
        requests.post(
            f"{self.moto_url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=5
        ).raise_for_status()
        lambda_hook.install(self.functions)
        self.deployment = create_all(boto3, admin_key=self.admin_key)
        if self.state_dir is not None:
            self._restore_and_journal(self.state_dir)
        os.environ.update(self.deployment.environment)
        os.environ["ADMIN_API_KEY"] = self.admin_key
        self._reset_caches()

        for component in self.components:
            component.start(self)
        self._reset_caches()

        sqs = boto3.client("sqs", region_name=REGION)
        for queue in declaration.QUEUES:
            consumer = declaration.function(queue.consumer)
            poller = QueuePoller(
                sqs,
                self.functions,
                queue_name=queue.name,
                queue_url=self.deployment.queues[queue.name],
                consumer=queue.consumer,
                batch_size=consumer.trigger.batch_size if consumer.trigger else 10,
                concurrency=self.max_concurrency,
            )
            poller.start()
            self.pollers.append(poller)

        self._serve_http()
        self.functions.warm([f.name for f in declaration.FUNCTIONS if f.routes])
        for component in self.components:
            after = getattr(component, "after_start", None)
            if after is not None:
                after(self)
        self.started_at = time.perf_counter() - began
        self.ready = True
        return self

    def _restore_and_journal(self, state_dir: Path) -> None:
        """What the journal kept is put back; a generated admin key gives way to the kept one (a chosen one,
        ADMIN_API_KEY, replaces it); from now on every write is journaled."""
        import boto3

        from local.persistence import Journal

        self.journal = Journal(state_dir)
        restored = self.journal.restore()
        manager = boto3.client("secretsmanager", region_name=REGION)
        kept_admin_key = restored.get(declaration.ADMIN_KEY)
        if kept_admin_key and self.admin_key_generated:
            self.admin_key = kept_admin_key
        elif kept_admin_key != self.admin_key:
            manager.put_secret_value(SecretId=declaration.ADMIN_KEY, SecretString=self.admin_key)
        current = {s.name: manager.get_secret_value(SecretId=s.name)["SecretString"] for s in declaration.SECRETS}
        self.journal.attach(current)
        boto3.DEFAULT_SESSION = None  # later boto3 clients come from a session with the journal's hooks

    @staticmethod
    def _reset_caches() -> None:
        from insure.aws import reset_clients
        from insure.settings import get_settings

        get_settings.cache_clear()
        reset_clients()

    def _serve_http(self) -> None:
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        from local import web_client
        from local.api_gateway import ApiGateway

        def health(request: Request) -> Response:
            import json

            result = self.functions.invoke("health", ApiGateway.event(gateway, request, gateway.routes[0], {}, b""))
            body = json.loads(result.get("body") or "{}")
            local = self.health()
            body.setdefault("components", {}).update(local)
            body["status"] = "ok" if all(v == "ok" for v in body["components"].values()) else "degraded"
            return Response(json.dumps(body), status=200, content_type="application/json")

        gateway = ApiGateway(
            self.functions,
            throttle=self.stage_throttle,
            clients=self.client_throttle,
            extra={("GET", "/health"): health, **self._component_routes()},
            log=_print_line,
            cors_origin=self.url,
        )
        web_client.mount(gateway)
        health_route = [r for r in gateway.routes if r.resource == "/health"]
        gateway.routes.sort(key=lambda r: r is not health_route[0])
        self._http = make_server(self.host, self.port, gateway, threaded=True)
        self._http_thread = threading.Thread(target=self._http.serve_forever, name="api-gateway", daemon=True)
        self._http_thread.start()

    def _component_routes(self) -> dict[tuple[str, str], Any]:
        """Local-only routes components serve on the API's origin (the scheduler's clock and run-now controls)."""
        routes: dict[tuple[str, str], Any] = {}
        for component in self.components:
            offered = getattr(component, "routes", None)
            if offered is not None:
                routes.update(offered())
        return routes

    def health(self) -> dict[str, str]:
        """State of each local component, as `GET /health` reports it."""
        state: dict[str, str] = {
            "startup": "ok" if self.ready else "starting",
            "moto": "ok" if self._moto is not None else "down",
        }
        for poller in self.pollers:
            state[f"poller:{poller.queue_name}"] = "ok" if poller.alive else "down"
        for component in self.components:
            try:
                state[component.name] = component.health()
            except Exception as error:  # noqa: BLE001 - health reports, never raises
                state[component.name] = f"down: {type(error).__name__}"
        return state

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
        for poller in self.pollers:
            poller.request_stop()  # every long poll ends within its second at once, not one after another
        for poller in self.pollers:
            poller.stop()
        for component in reversed(self.components):
            component.stop()
        if self._moto is not None:
            self._moto.stop()
        if self._mock is not None:
            self._mock.stop()
        lambda_hook.uninstall()
        journal = getattr(self, "journal", None)
        if journal is not None:
            journal.detach()


def _print_line(line: str) -> None:
    """The local gateway's line per request, on the console `make run` shows."""
    print(line, flush=True)
