"""The server's way to the catalogue: its own few threads, a deadline, and a breaker.

Viewers are served from the snapshot and the disk; only producers' requests and
the background snapshot reload touch the database. They run here, never in
the event loop's default executor (which aiohttp's file responses use), so a
database that accepts connections but never answers cannot stop segments.
Each call has a deadline; when it passes the call is aborted (service.deadlines):
it can no longer commit, and the connections it holds are cut and discarded, so
the thread is free at once and no hung connection goes back to the pool; what
the client hears (503) is then the truth: nothing was changed. Only a COMMIT
already sent when the time passes is waited for, up to `COMMIT_GRACE_S` more,
because its outcome is the database's to tell: a live database answers it in
milliseconds, so the client hears what happened; a silent one leaves the
outcome unknown, and the 503 says so (the Idempotency-Key makes the retry safe).
A call that misses its deadline, or fails to reach the
database, opens the breaker for `cooldown_s`: calls in that time answer
Unavailable (503) at once, without queueing behind threads that are still
waiting on the database. A call is refused at once, too, when every thread is
taken. The first call that succeeds closes the breaker.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from errors import Unavailable
from service.deadlines import NOT_CHANGED, Deadline, aborted_message, deadline

T = TypeVar("T")
WORKERS = 4
DEADLINE_S = 5.0
LONG_DEADLINE_S = 120.0  # publishing thousands of airings, queueing thousands of jobs
COOLDOWN_S = 10.0
COMMIT_GRACE_S = 5.0  # a COMMIT in flight when the deadline passes: time to hear its outcome


class Database:
    """Runs blocking catalogue work off the event loop, within bounds."""

    def __init__(
        self,
        workers: int = WORKERS,
        deadline_s: float = DEADLINE_S,
        cooldown_s: float = COOLDOWN_S,
        clock: Callable[[], float] = time.monotonic,
        long_deadline_s: float = LONG_DEADLINE_S,
    ) -> None:
        self.workers, self.deadline_s, self.cooldown_s = workers, deadline_s, cooldown_s
        self.long_deadline_s = long_deadline_s  # for the service layer's longer writes
        self._clock = clock
        # Daemon threads of its own: a thread still waiting on a dead database must
        # not hold up the process when it is told to stop (an executor's would).
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        for number in range(workers):
            threading.Thread(target=self._serve, name=f"sabaq-db-{number}", daemon=True).start()
        self._lock = threading.Lock()
        self._busy = 0
        self._open_until = 0.0
        self.last_failure: str | None = None  # why the breaker last opened (for /healthz)

    @property
    def degraded(self) -> bool:
        """Whether calls are being refused now (the breaker is open)."""
        return self._clock() < self._open_until

    def _trip(self, reason: str) -> None:
        self._open_until = self._clock() + self.cooldown_s
        self.last_failure = reason

    async def run(self, work: Callable[[], T], deadline_s: float | None = None) -> T:
        """`work()` in one of the database threads, within `deadline_s` (the default
        deadline when None). Unavailable when the breaker is open, every thread is
        taken, the deadline passes, or the database cannot be reached."""
        if self.degraded:
            raise Unavailable("the catalogue is not answering; try again shortly")
        with self._lock:
            if self._busy >= self.workers:
                raise Unavailable("the catalogue is busy with slow calls; try again shortly")
            self._busy += 1

        seconds = deadline_s or self.deadline_s
        limit = Deadline(seconds)

        def call() -> T:
            try:
                with deadline(limit):
                    return work()
            finally:
                with self._lock:
                    self._busy -= 1

        done: Future[T] = Future()
        self._jobs.put((call, done))
        answer = asyncio.wrap_future(done)
        try:
            try:
                result = await asyncio.wait_for(asyncio.shield(answer), seconds)
            except TimeoutError:
                if not limit.committing:
                    raise
                result = await asyncio.wait_for(asyncio.shield(answer), COMMIT_GRACE_S)
        except TimeoutError:
            answer.cancel()  # what the thread still reports is of no one's interest now
            limit.abort()  # it will never commit; its connections are cut and discarded
            self._trip(f"no answer within {seconds:g} s")
            said = aborted_message(limit)
            if said == NOT_CHANGED:
                said += "; try again shortly"
            raise Unavailable(f"the catalogue is not answering; {said}") from None
        except Unavailable as exc:
            self._trip(str(exc))
            raise
        self._open_until = 0.0
        self.last_failure = None
        return result

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            work, done = job
            if not done.set_running_or_notify_cancel():
                continue
            try:
                done.set_result(work())
            except BaseException as exc:  # handed to the caller, whatever it is
                done.set_exception(exc)

    def close(self) -> None:
        """Stop the threads once they finish what they run (those waiting on a dead
        database are daemons: they never hold up the process's exit)."""
        for _ in range(self.workers):
            self._jobs.put(None)
