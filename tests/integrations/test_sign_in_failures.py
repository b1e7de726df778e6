"""Failed sign-ins counted in the store (integrations.sign_in_failures), on SQLite and PostgreSQL: the
growing delay, forgetting, and one count for every web process.

The stores take their clock as a callable; these tests drive it by hand and never wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.db import make_engine, make_sessionmaker
from integrations.schema import SignInFailureRow
from integrations.sign_in_failures import FORGET_AT_ONCE, KEY_LENGTH, SignInFailures
from tests.support import create_tables

START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Clock:
    """A clock that moves only when a test moves it: ``now`` seconds after :data:`START`."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> datetime:
        return START + timedelta(seconds=self.now)


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], int]:
    async with sessionmaker() as session:
        found = await session.execute(select(SignInFailureRow.limiter, SignInFailureRow.key, SignInFailureRow.count))
        return {(limiter, key): count for limiter, key, count in found}


async def test_delays_begin_at_the_third_failure_double_and_stop_at_the_cap(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    failures = SignInFailures(
        sessionmaker, limiter="account", delay_after=3, first_delay=1.0, max_delay=300.0, clock=clock
    )
    waits = []
    for _ in range(14):
        await failures.failed("acct:a@example.nl")
        waits.append(await failures.retry_after("acct:a@example.nl"))
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    clock.now += 299.5
    assert await failures.retry_after("acct:a@example.nl") == 0.5
    clock.now += 0.5
    assert await failures.retry_after("acct:a@example.nl") == 0
    assert await failures.retry_after("acct:someone-else@example.nl") == 0
    assert await _rows(sessionmaker) == {("account", "acct:a@example.nl"): 14}  # the key, the count: nothing else


async def test_a_success_or_an_end_by_hr_clears_the_delay(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    failures = SignInFailures(sessionmaker, limiter="account", delay_after=1, clock=Clock())
    await failures.failed("k")
    await failures.failed("k")
    assert await failures.retry_after("k") > 0
    assert await failures.forget("k") is True
    assert await failures.retry_after("k") == 0 and await _rows(sessionmaker) == {}
    assert await failures.forget("k") is False


async def test_each_limiter_keeps_its_own_counts(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    by_account = SignInFailures(sessionmaker, limiter="account", delay_after=1, clock=clock)
    by_client = SignInFailures(sessionmaker, limiter="client", delay_after=1, clock=clock)
    for _ in range(2):
        await by_account.failed("same")
    assert await by_account.retry_after("same") == 2 and await by_client.retry_after("same") == 0
    assert await by_client.forget("same") is False
    assert await by_account.retry_after("same") == 2


async def test_a_key_untouched_for_a_while_is_forgotten(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    failures = SignInFailures(sessionmaker, limiter="account", delay_after=3, forget_after=3600, clock=clock)
    for _ in range(5):
        await failures.failed("old")
    assert await failures.retry_after("old") == 4
    clock.now += 3599
    await failures.failed("recent")
    assert set(await _rows(sessionmaker)) == {("account", "old"), ("account", "recent")}
    clock.now += 1
    assert await failures.retry_after("old") == 0  # counts as never failed, though its row is still there
    await failures.failed("newer")
    assert set(await _rows(sessionmaker)) == {("account", "recent"), ("account", "newer")}  # "old" went
    for _ in range(2):
        await failures.failed("old")  # its count starts again from nothing
    assert await failures.retry_after("old") == 0
    # A forgotten row that is still there starts from one too, and a success deletes forgotten rows as well.
    clock.now += 3600
    await failures.failed("recent")
    assert (await _rows(sessionmaker))[("account", "recent")] == 1
    clock.now += 3600
    assert await failures.forget("someone") is False
    assert await _rows(sessionmaker) == {}


async def test_each_write_deletes_a_bounded_number_of_forgotten_rows_of_its_own_limiter(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    by_client = SignInFailures(sessionmaker, limiter="client", delay_after=10, forget_after=3600, clock=clock)
    by_account = SignInFailures(sessionmaker, limiter="account", delay_after=3, forget_after=3600, clock=clock)
    for number in range(FORGET_AT_ONCE + 5):
        clock.now += 0.001
        await by_client.failed(f"ip:10.0.{number // 256}.{number % 256}")
    await by_account.failed("acct:a@example.nl")
    clock.now += 3600
    await by_account.failed("acct:b@example.nl")  # the account limiter's own old row goes, the clients' stay
    rows = await _rows(sessionmaker)
    assert ("account", "acct:a@example.nl") not in rows and len(rows) == FORGET_AT_ONCE + 5 + 1
    await by_client.failed("ip:192.0.2.1")
    rows = await _rows(sessionmaker)
    assert sorted(key for limiter, key in rows if limiter == "client") == [
        "ip:10.0.0.100",
        "ip:10.0.0.101",
        "ip:10.0.0.102",
        "ip:10.0.0.103",
        "ip:10.0.0.104",
        "ip:192.0.2.1",
    ]  # the oldest hundred went first
    await by_client.failed("ip:192.0.2.1")
    assert sorted(key for limiter, key in await _rows(sessionmaker) if limiter == "client") == ["ip:192.0.2.1"]


async def test_every_process_sees_and_adds_to_the_same_counts(database_url: str) -> None:
    """Two web processes: two engines on one database, each with its own store of the same limiter."""
    clock = Clock()
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        await create_tables(engines[0])
        first, second = (
            SignInFailures(
                make_sessionmaker(engine),
                limiter="account",
                delay_after=3,
                max_delay=10**7,
                forget_after=10**8,
                clock=clock,
            )
            for engine in engines
        )
        await first.failed("acct:a@example.nl")
        await second.failed("acct:a@example.nl")
        assert await first.retry_after("acct:a@example.nl") == await second.retry_after("acct:a@example.nl") == 0
        await first.failed("acct:a@example.nl")  # the third failure, whichever process saw the other two
        assert await second.retry_after("acct:a@example.nl") == 1
        # Failures at once in both processes all count: 3 + 20 = 23, 20 past the third: 2**20 s.
        await asyncio.gather(*(store.failed("acct:a@example.nl") for store in (first, second) * 10))
        assert await first.retry_after("acct:a@example.nl") == await second.retry_after("acct:a@example.nl") == 2**20
        # One process ends the delay (a success, HR) for both.
        assert await second.forget("acct:a@example.nl") is True
        assert await first.retry_after("acct:a@example.nl") == 0
        async with make_sessionmaker(engines[0])() as session:
            assert await session.scalar(select(func.count()).select_from(SignInFailureRow)) == 0
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_count_stops_growing_long_past_the_cap(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    failures = SignInFailures(sessionmaker, limiter="client", delay_after=1, clock=Clock())
    for _ in range(70):
        await failures.failed("ip:198.51.100.66")
    assert await _rows(sessionmaker) == {("client", "ip:198.51.100.66"): 1 + 64}
    assert await failures.retry_after("ip:198.51.100.66") == 300


async def test_the_limits_are_checked(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    wrongs: list[dict[str, Any]] = [
        {"delay_after": 0},
        {"delay_after": 3, "first_delay": 0},
        {"delay_after": 3, "first_delay": 10, "max_delay": 5},
        {"delay_after": 3, "max_delay": 300, "forget_after": 299},
    ]
    for wrong in wrongs:
        with pytest.raises(ValueError, match="the limiter needs"):
            SignInFailures(sessionmaker, limiter="account", **wrong)
    with pytest.raises(ValueError, match="limiter's name"):
        SignInFailures(sessionmaker, limiter="", delay_after=3)


async def test_a_key_longer_than_the_column_is_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    failures = SignInFailures(sessionmaker, limiter="account", delay_after=3)
    key = "acct:" + "a" * KEY_LENGTH
    for method in (failures.failed, failures.retry_after, failures.forget):
        with pytest.raises(ValueError, match="at most"):
            await method(key)
