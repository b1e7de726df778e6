"""A job in rounds (integrations.rounds): a failed round is logged and the next one runs; cancelling ends it."""

from __future__ import annotations

import asyncio
import logging

import pytest

from integrations.rounds import in_rounds


async def test_a_failed_round_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    rounds: list[int] = []
    third = asyncio.Event()

    async def one_round() -> None:
        rounds.append(len(rounds) + 1)
        if len(rounds) == 1:
            raise ConnectionError("the store is away")
        if len(rounds) == 3:
            third.set()

    logger = logging.getLogger("tests.rounds")
    with caplog.at_level(logging.ERROR, logger="tests.rounds"):
        job = asyncio.create_task(in_rounds(one_round, every=0, what="keeping the sums", logger=logger))
        await asyncio.wait_for(third.wait(), timeout=30)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
    assert rounds[:3] == [1, 2, 3]
    (failed,) = [record for record in caplog.records if record.name == "tests.rounds"]
    assert failed.getMessage() == "keeping the sums failed; trying again in 0 s"
    assert failed.exc_info is not None and isinstance(failed.exc_info[1], ConnectionError)
