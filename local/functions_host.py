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
        self._resolver_lock = threading.RLock()
        self.invocations: dict[str, int] = {}

    def _acquire(self, name: str) -> _Environment:
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
                self._cond.wait()
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

    def invoke(self, name: str, event: Any) -> Any:
        """Run the function's handler with `event`; exceptions propagate as Lambda reports them."""
        spec = declaration.function(name)
        env = self._acquire(name)
        try:
            self.invocations[name] = self.invocations.get(name, 0) + 1
            context = LambdaContext(function_name=name, memory_limit_in_mb=spec.memory_mb, timeout_s=spec.timeout_s)
            if spec.routes:
                # Powertools keeps the current request on the BaseRouter class, shared by every resolver of the
                # process: in Lambda each environment is its own process, here API calls must take turns.
                with self._resolver_lock:
                    return env.handler(event, context)
            return env.handler(event, context)
        finally:
            self._release(env)

    def warm(self, names: list[str]) -> None:
        """Create one environment of each function now (cold starts happen at start-up, not on first use)."""
        for name in names:
            self._release(self._acquire(name))


class _Reserved:
    busy = True
