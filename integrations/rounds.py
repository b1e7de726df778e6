"""A job the worker does in rounds beside its workflows (the daily summaries, the statistics' kept
sums): one round every so many seconds until cancelled. A round that fails (the store or SMTP away)
is logged and the next one tries again; the job itself never stops on a failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def in_rounds(
    one_round: Callable[[], Awaitable[object]],
    *,
    every: float,
    what: str,
    logger: logging.Logger,
    first_after: float = 0.0,
) -> None:
    """``one_round()`` every ``every`` seconds, the first after ``first_after``, until cancelled;
    ``what`` names the job in the log line of a failed round ("sending the due summaries")."""
    await asyncio.sleep(first_after)
    while True:
        try:
            await one_round()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s failed; trying again in %.0f s", what, every)
        await asyncio.sleep(every)
