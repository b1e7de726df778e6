"""A small in-process limiter of failed sign-in attempts: a growing delay per key, never a lock.

Each key (an account, a client address) may fail freely until its ``delay_after``-th failure; that
one sets a wait of ``first_delay`` seconds, and every further failure doubles it, up to ``max_delay``. Waiting is all it takes: no count reaches a state that only time or an operator could
end, so whoever fails on an account's behalf can slow its owner down but never shut them out.

Memory is bounded: a key untouched for ``forget_after`` seconds is forgotten, and beyond ``max_keys``
the key that failed longest ago goes first. One web process per deployment is the expected shape;
behind several processes each keeps its own count, which still bounds guessing. The clock is a
parameter so that tests drive it instead of waiting.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Failures:
    count: int
    last: float


class FailureLimiter:
    def __init__(
        self,
        *,
        delay_after: int,
        first_delay: float = 1.0,
        max_delay: float = 300.0,
        forget_after: float = 24 * 3600.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if delay_after < 1 or first_delay <= 0 or max_delay < first_delay or forget_after < max_delay or max_keys < 1:
            raise ValueError(
                "the limiter needs 1 <= delay_after, 0 < first_delay <= max_delay <= forget_after, 1 <= max_keys"
            )
        self._delay_after = delay_after
        self._first = first_delay
        self._max = max_delay
        self._forget_after = forget_after
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()  # oldest last failure first

    def __len__(self) -> int:
        self._expire(self._clock())
        return len(self._failures)

    def _expire(self, now: float) -> None:
        while self._failures:
            oldest = next(iter(self._failures.values()))
            if now - oldest.last < self._forget_after:
                break
            self._failures.popitem(last=False)

    def _delay(self, count: int) -> float:
        beyond = count - self._delay_after
        if beyond < 0:
            return 0.0
        if beyond > 64:  # 2**64 seconds is past any cap; no need to compute it
            return self._max
        return float(min(self._first * 2**beyond, self._max))

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        now = self._clock()
        self._expire(now)
        failures = self._failures.get(key)
        if failures is None:
            return 0.0
        return max(0.0, failures.last + self._delay(failures.count) - now)

    def failed(self, key: str) -> None:
        now = self._clock()
        self._expire(now)
        failures = self._failures.pop(key, None)
        self._failures[key] = _Failures((failures.count if failures else 0) + 1, now)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def forget(self, key: str) -> bool:
        """End the key's delay (after a success, or when HR ends it); True when there was one to end."""
        return self._failures.pop(key, None) is not None
