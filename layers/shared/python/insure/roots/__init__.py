"""Composition roots: one per function, built lazily once per execution environment (on the first call, so a
cold start imports definitions only), constructing the function's repositories, clients and services and handing
them down. Domain code never imports a root (`.importlinter`); tests build the same services with fakes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Self, TypeVar

if TYPE_CHECKING:
    from insure.settings import PlatformSettings

T = TypeVar("T")


class Lazy(Generic[T]):
    """`build()` on the first call, the same value on every later one (thread-safe)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._built: list[T] = []
        self._lock = threading.Lock()

    def __call__(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._built.append(self._build())
        return self._built[0]


@dataclass
class Root:
    """A composition root over this environment's settings; each service is a `cached_property` built on first use."""

    settings: PlatformSettings

    @classmethod
    def from_environment(cls) -> Self:
        from insure.settings import get_settings

        return cls(get_settings())
