"""Hosts the declared functions in this process, as Lambda would: each execution environment is its own copy of
the handler module (module state is per environment, as in Lambda), and one environment serves one call at a
time. Environments are created on demand up to a concurrency limit per function."""

from __future__ import annotations

import importlib.util
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import declaration

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"


@dataclass
class LambdaContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler_module(name: str, instance: str = "0") -> ModuleType:
    """A fresh copy of `functions/<name>/handler.py` (one per execution environment)."""
    path = FUNCTIONS_DIR / name / "handler.py"
    spec = importlib.util.spec_from_file_location(f"lambda_{name.replace('-', '_')}_{instance}", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class IntegrationTimeout(Exception):
    """The caller's deadline passed before the function answered (API Gateway answers 504)."""


class ClientGone(Exception):
    """The client gave up while its request waited for its turn: it is dropped unrun (no one would get the answer,
    and what it created would be an orphan)."""


class FairLock:
    """A re-entrant lock granted in the order it was asked for (first come, first served; `threading.Lock` wakes
    an arbitrary waiter). A waiter whose timeout passes leaves the queue without ever holding the lock."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()
        self._owner: int | None = None
        self._depth = 0

    @property
    def waiting(self) -> int:
        with self._cond:
            return self._next_ticket - self._serving - len(self._abandoned) - (1 if self._owner is not None else 0)

    def acquire(self, timeout: float | None = None) -> bool:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return True
            ticket = self._next_ticket
            self._next_ticket += 1
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._serving != ticket or self._owner is not None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    if ticket == self._serving:
                        self._advance()
                    else:
                        self._abandoned.add(ticket)
                    self._cond.notify_all()
                    return False
                self._cond.wait(remaining)
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        with self._cond:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a FairLock not held by this thread")
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._advance()
                self._cond.notify_all()

    def _advance(self) -> None:
        self._serving += 1
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


class _Environment:
    def __init__(self, name: str, index: int) -> None:
        self.module = load_handler_module(name, str(index))
        self.handler: Callable[[Any, Any], Any] = self.module.handler
        self.busy = False


class FunctionsHost:
    """Invokes declared functions by name; `max_concurrency` environments per function at most."""

    def __init__(self, max_concurrency: int = 8) -> None:
        self.max_concurrency = max_concurrency
        self._pools: dict[str, list[_Environment]] = {}
        self._cond = threading.Condition()
        self._resolver_lock = FairLock()
        self.invocations: dict[str, int] = {}

    def _acquire(self, name: str, deadline: float | None = None) -> _Environment:
        with self._cond:
            while True:
                pool = self._pools.setdefault(name, [])
                for env in pool:
                    if not env.busy:
                        env.busy = True
                        return env
                if len(pool) < self.max_concurrency:
                    placeholder_index = len(pool)
                    break
                if deadline is not None and deadline <= time.monotonic():
                    raise IntegrationTimeout(name)
                self._cond.wait(None if deadline is None else deadline - time.monotonic())
            # reserve a slot while the module loads outside the lock
            reserved = _Reserved()
            pool.append(reserved)  # type: ignore[arg-type]
        try:
            env = _Environment(name, placeholder_index)
        except BaseException:
            with self._cond:
                pool.remove(reserved)  # type: ignore[arg-type]
                self._cond.notify_all()
            raise
        env.busy = True
        with self._cond:
            pool[pool.index(reserved)] = env  # type: ignore[arg-type]
        return env

    def _release(self, env: _Environment) -> None:
        with self._cond:
            env.busy = False
            self._cond.notify_all()

    def invoke(
        self, name: str, event: Any, *, deadline: float | None = None, wanted: Callable[[], bool] | None = None
    ) -> Any:
        """Run the function's handler with `event`; exceptions propagate as Lambda reports them. A call still
        waiting for its turn at `deadline` (time.monotonic()) is dropped unrun: IntegrationTimeout; one whose
        client has gone when its turn comes (`wanted()` false) too: ClientGone."""
        spec = declaration.function(name)
        if spec.routes:
            # Powertools keeps the current request on the BaseRouter class, shared by every resolver of the
            # process: in Lambda each environment is its own process, here API calls take turns, in order. The
            # turn comes before the environment: a module-level Router points at the resolver of the last
            # environment that included it, so an API function must never get a second environment here.
            timeout = None if deadline is None else deadline - time.monotonic()
            if not self._resolver_lock.acquire(timeout=timeout):
                raise IntegrationTimeout(name)
            try:
                if deadline is not None and time.monotonic() >= deadline:  # its turn came too late: never run
                    raise IntegrationTimeout(name)
                if wanted is not None and not wanted():  # its client gave up while it waited: never run
                    raise ClientGone(name)
                return self._run(name, spec, event, deadline)
            finally:
                self._resolver_lock.release()
        return self._run(name, spec, event, deadline)

    def _run(self, name: str, spec: declaration.Function, event: Any, deadline: float | None) -> Any:
        env = self._acquire(name, deadline)
        try:
            self.invocations[name] = self.invocations.get(name, 0) + 1
            return env.handler(event, self._context(spec))
        finally:
            self._release(env)

    @staticmethod
    def _context(spec: declaration.Function) -> LambdaContext:
        return LambdaContext(function_name=spec.name, memory_limit_in_mb=spec.memory_mb, timeout_s=spec.timeout_s)

    def idle(self) -> bool:
        """No handler is running (or starting) in any environment."""
        with self._cond:
            return not any(env.busy for pool in self._pools.values() for env in pool)

    def warm(self, names: list[str]) -> None:
        """Create one environment of each function now (cold starts happen at start-up, not on first use)."""
        for name in names:
            self._release(self._acquire(name))


class _Reserved:
    busy = True
