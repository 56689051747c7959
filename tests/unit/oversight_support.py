"""Moved to tests.fakes.oversight; this re-export keeps the officer-logic tests being written now working."""

from tests.fakes.oversight import (
    KNOWN_CASES,
    T0,
    KnownCases,
    MemoryArchive,
    MemoryChain,
    MemoryReviews,
    MemoryUsers,
    RecordingNotifier,
    normal_searches,
    record_search,
    trail,
    user,
)

__all__ = [
    "KNOWN_CASES",
    "T0",
    "KnownCases",
    "MemoryArchive",
    "MemoryChain",
    "MemoryReviews",
    "MemoryUsers",
    "RecordingNotifier",
    "normal_searches",
    "record_search",
    "trail",
    "user",
]
