"""plateguard.wiring's registry: containers built once per process, one reset for every cache, overrides."""

from __future__ import annotations

from datetime import UTC, timedelta

from plateguard import wiring


def test_a_provider_builds_once_until_the_one_reset() -> None:
    # Given a provider counting its builds
    builds: list[int] = []

    def build() -> int:
        builds.append(1)
        return len(builds)

    provider = wiring.Provider(build)
    # When it is asked twice, then again after a reset
    first, second = provider(), provider()
    wiring.reset()
    third = provider()
    # Then it built once per process until the reset, and again after it
    assert (first, second, third) == (1, 1, 2)


def test_an_override_is_served_instead_of_building_until_the_reset() -> None:
    # Given a provider whose container a test replaces
    provider = wiring.Provider(lambda: "built")
    provider.override("injected")
    # When it is asked, and again after a reset
    served = provider()
    wiring.reset()
    # Then the injected container is served without building, and the reset removes the override
    assert served == "injected"
    assert provider() == "built"


def test_the_reset_clears_cached_settings_and_the_boto3_clients() -> None:
    from plateguard.dal.clients import aws_client

    # Given a cached settings getter and a cached client
    reads: list[int] = []

    @wiring.cached
    def settings() -> int:
        reads.append(1)
        return len(reads)

    client = aws_client("s3", "us-west-2")
    assert settings() == settings() == 1 and aws_client("s3", "us-west-2") is client
    # When the process is pointed at a new environment
    wiring.reset()
    # Then settings are read again and clients are created again
    assert settings() == 2
    assert aws_client("s3", "us-west-2") is not client


def test_the_clock_is_timezone_aware_utc() -> None:
    # When the wiring's clock is read / Then it is aware, in UTC
    assert wiring.utc_now().utcoffset() == timedelta(0)
    assert wiring.utc_now().tzinfo is UTC
