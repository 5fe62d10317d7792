"""Composition roots: one per function, built lazily once per execution environment (on the first call, so a
cold start imports definitions only), constructing the function's repositories, clients and services and handing
them down. Domain code never imports a root (`.importlinter`); tests build the same services with fakes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

if TYPE_CHECKING:
    from insure.risk.policy_tags import ItemTags
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


def deferred_item_tags(settings: PlatformSettings) -> ItemTags:
    """The risk root's item tags, built on their first use: a function that may sync a policy's tags (workflow
    tasks, billing and renewal runs, accounts) does not import the risk side and build its clients on its first
    call unless it does sync them (a cold start kept within its budget)."""
    from typing import cast

    def build() -> ItemTags:
        from insure.roots.risk import RiskRoot

        return RiskRoot(settings).item_tags

    return cast("ItemTags", _Deferred(build))


def deferred(build: Callable[[], Any]) -> Any:
    """A stand-in for `build()`'s value, built on its first use (see `_Deferred`)."""
    return _Deferred(build)


class _Deferred:
    """Every attribute of the value `build()` returns, built on the first attribute read (thread-safe)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._value = Lazy(build)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._value(), name)
