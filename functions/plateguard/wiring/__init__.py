"""Wiring: each Lambda function's dependencies, built from that function's one settings model.

Handlers, the CLI and local mode take dependencies from here and nowhere else. Everything built is cached
per process (a Lambda container builds once); `reset()` forgets all of it at once, for local mode and tests
that point the process at a new environment. A test replaces a function's dependencies with
`wiring.<function>.dependencies.override(container)`; `reset()` removes the override too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Clearable(Protocol):
    def cache_clear(self) -> None: ...


class Cached(Clearable, Protocol[T_co]):
    """A getter built once per process: `settings()`, and `settings.cache_clear()` to forget it."""

    def __call__(self) -> T_co: ...


C = TypeVar("C", bound=Clearable)

_registry: list[Clearable] = []


def utc_now() -> datetime:
    """The clock: timezone-aware UTC, read through here so every function agrees on it."""
    return datetime.now(UTC)


def register(cache: C) -> C:
    """Have `reset()` clear `cache` (an lru_cache'd getter defined outside wiring, e.g. boto3 clients)."""
    _registry.append(cache)
    return cache


def cached(build: Callable[[], T]) -> Cached[T]:
    """Build once per process; `reset()` forgets the result."""
    return register(lru_cache(maxsize=1)(build))


class Provider(Generic[T]):
    """One function's dependency container: built once from its settings, or what a test put in its place."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = lru_cache(maxsize=1)(build)
        self._override: T | None = None
        register(self)

    def __call__(self) -> T:
        return self._override if self._override is not None else self._build()

    def override(self, dependencies: T | None) -> None:
        """Serve `dependencies` instead of building (None: build again); lasts until `reset()`."""
        self._override = dependencies

    def cache_clear(self) -> None:
        self._build.cache_clear()
        self._override = None


def reset() -> None:
    """Forget every cached setting, client, table binding's container and override (a new environment)."""
    from plateguard.dal.clients import aws_client

    aws_client.cache_clear()
    for cache in _registry:
        cache.cache_clear()


__all__ = ["Cached", "Provider", "cached", "register", "reset", "utc_now"]
