"""EventBridge Scheduler, locally: every function declared with a `schedule` is invoked (as its schedule would
invoke it, with `{"schedule": <name>}`) every `local_interval_s` seconds of the machine's time, and on demand.

The platform's one clock (`insure.timestamps`) can be moved forward here, which is how a person trying the system
(or an end-to-end test) sees an installment charged a month later without waiting a month. Both are served on the
local API's origin, for the local cloud only (never deployed), with the admin key:
- `GET /_local/clock` → {now, offset_s}
- `POST /_local/clock` {"advance_days": 31} (or `advance_seconds`) → {now, offset_s}: the clock moved forward
  (it never moves back);
- `POST /_local/schedules/{name}/run` → 200 {schedule, function, result}: the schedule fires now (its function's
  answer, e.g. the billing run's report)."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import threading
from typing import TYPE_CHECKING, Any

import declaration

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from local.cloud import LocalCloud

CLOCK = "/_local/clock"
RUN_PREFIX = "/_local/schedules/"


def scheduled() -> dict[str, tuple[str, declaration.Schedule]]:
    """Schedule name → (function name, schedule), for every function declared with one."""
    return {f.schedule.name: (f.name, f.schedule) for f in declaration.FUNCTIONS if f.schedule is not None}


class LocalScheduler:
    name = "scheduler"

    def __init__(self, *, timers: bool = True, interval_s: float | None = None) -> None:
        self.timers = timers
        self.interval_s = interval_s  # every schedule's timer, instead of its declared `local_interval_s`
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._cloud: LocalCloud | None = None
        self.runs: dict[str, int] = {}

    def start(self, cloud: LocalCloud) -> None:
        self._cloud = cloud
        if not self.timers:
            return
        for schedule_name, (function, planned) in scheduled().items():
            thread = threading.Thread(
                target=self._loop,
                args=(schedule_name, function, self.interval_s or planned.local_interval_s),
                name=schedule_name,
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _loop(self, schedule_name: str, function: str, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.fire(schedule_name)
            except Exception:  # a failed run is tried again at the next interval, as Scheduler retries
                logging.getLogger(__name__).warning("scheduled %s failed", function, exc_info=True)

    def fire(self, schedule_name: str) -> Any:
        """Invoke the schedule's function now; its answer."""
        function, _ = scheduled()[schedule_name]
        assert self._cloud is not None, "start() first"
        self.runs[schedule_name] = self.runs.get(schedule_name, 0) + 1
        return self._cloud.functions.invoke(function, {"schedule": schedule_name})

    def stop(self) -> None:
        self._stop.set()

    def health(self) -> str:
        return "ok" if all(t.is_alive() for t in self._threads) else "down"

    def describe(self) -> str:
        names = ", ".join(f"{n} every {s.local_interval_s} s" for n, (_, s) in scheduled().items())
        return f"Schedules {names}  (clock: POST {CLOCK}, run now: POST {RUN_PREFIX}<name>/run)"

    # -- the HTTP controls, mounted on the local API gateway ---------------------------------------------------
    def respond(self, request: Request) -> Response:
        from werkzeug.wrappers import Response

        from insure import timestamps

        assert self._cloud is not None
        supplied = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied.encode(), (self._cloud.admin_key or "").encode()):
            return _problem(401, "Send the admin key as `Authorization: Bearer <key>`.")
        if request.path == CLOCK:
            if request.method == "POST":
                try:
                    body = json.loads(request.get_data() or b"{}")
                    seconds = float(body.get("advance_days", 0)) * 86400 + float(body.get("advance_seconds", 0))
                    timestamps.advance(dt.timedelta(seconds=seconds))
                except (ValueError, TypeError, AttributeError) as error:
                    return _problem(422, f"Send advance_days or advance_seconds (forward only): {error}")
            body = {"now": timestamps.now(), "offset_s": timestamps.offset().total_seconds()}
            return Response(json.dumps(body), status=200, content_type="application/json")
        schedule_name = request.path.removeprefix(RUN_PREFIX).removesuffix("/run")
        if request.method != "POST" or schedule_name not in scheduled():
            return _problem(404, f"No schedule {schedule_name!r}.")
        result = self.fire(schedule_name)
        function, _ = scheduled()[schedule_name]
        payload = {"schedule": schedule_name, "function": function, "result": result}
        return Response(json.dumps(payload, default=str), status=200, content_type="application/json")

    def routes(self) -> dict[tuple[str, str], Any]:
        """The controls as local gateway extra routes."""
        routes: dict[tuple[str, str], Any] = {("GET", CLOCK): self.respond, ("POST", CLOCK): self.respond}
        for schedule_name in scheduled():
            routes[("POST", f"{RUN_PREFIX}{schedule_name}/run")] = self.respond
        return routes


def _problem(status: int, detail: str) -> Response:
    from werkzeug.wrappers import Response

    body = {"type": "about:blank", "title": "Local control", "status": status, "detail": detail}
    return Response(json.dumps(body), status=status, content_type="application/problem+json")
