"""The lanes of a delivery pass: one per channel URL, each taking its messages in order, so
that a URL that hangs, throttles (Apprise's email plugin waits between messages) or refuses
holds back only itself, never the channel's other URLs nor other channels. Every send takes a
slot of the pass's semaphore (`delivery_concurrency`) and has its own deadline
(`Notifier.send_timeout`).

A message is done when each URL it was waiting for has answered: `done` is then told what
failed (None: nothing) and which URLs took it, and records the attempt. A URL that takes a
message before the others have answered is told to `took` at once, so that a crash meanwhile
never sends it to that URL again. Once a URL has failed, the rest of its lane's messages fail
at once, untried, to be retried with their backoff: a dead endpoint costs one deadline, not one
per queued message. A stop (`stopping()`) ends each lane before its next send; a message some
URLs have not answered is then left as it is (pending), to go to them later.
"""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

import structlog

from monitor.delivery.pacing import Batch
from monitor.delivery.render import Rendered
from monitor.delivery.sender import Notifier, UrlVerdict

log = structlog.get_logger(__name__)

# (the batch, what failed or None, the URLs that took it now)
Done = Callable[[Batch, str | None, list[str]], Awaitable[None]]
Took = Callable[[Batch, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Message:
    """A batch ready to send: its rendering, and the URLs (by `url_id`) still to take it."""

    batch: Batch
    rendered: Rendered
    waiting: Collection[str]


@dataclass
class _Answers:
    """The URLs a message still waits for, and what those that answered said."""

    message: Message
    waiting: set[str]
    accepted: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Lanes:
    """The lanes of one pass, by URL; messages are `push`ed, each lane runs while it has any."""

    def __init__(
        self,
        notifier: Notifier,
        *,
        stopping: Callable[[], bool],
        done: Done,
        took: Took,
    ) -> None:
        self.notifier = notifier
        self.stopping = stopping
        self.done = done
        self.took = took
        self._slots = asyncio.Semaphore(notifier.concurrency)
        self._queues: dict[str, deque[_Answers]] = {}
        self._running: dict[str, asyncio.Task[None]] = {}

    async def push(self, channel: str, message: Message) -> None:
        """Queue `message` on the lanes of the URLs it waits for (none: it is done)."""
        answers = _Answers(message, set(message.waiting))
        if not answers.waiting:  # every URL took it before: only its record is missing
            await self.done(message.batch, None, [])
            return
        for url in self.notifier.url_ids[channel]:
            if url not in answers.waiting:
                continue
            self._queues.setdefault(url, deque()).append(answers)
            lane = self._running.get(url)
            if lane is None or lane.done():
                self._running[url] = asyncio.create_task(self._lane(channel, url))

    def busy(self) -> bool:
        """Is any lane still running?"""
        return any(not lane.done() for lane in self._running.values())

    async def wait(self, timeout: float | None = None) -> None:
        """Until every lane has run out of messages (or stopped), for at most `timeout`;
        a lane's crash is raised once all have ended."""
        lanes = list(self._running.values())
        if not lanes:
            return
        if timeout is None:
            await asyncio.gather(*lanes)
            return
        await asyncio.wait(lanes, timeout=timeout)

    def cancel(self) -> None:
        """Stop every lane now (the sends under way are left to their threads)."""
        for lane in self._running.values():
            lane.cancel()

    async def _lane(self, channel: str, url: str) -> None:
        queue = self._queues[url]
        failed: str | None = None  # why this URL failed earlier in this run of its lane
        while queue:
            if self.stopping():
                return
            answers = queue.popleft()
            if failed is None:
                async with self._slots:
                    verdicts = await _send(self.notifier, channel, url, answers.message)
            else:
                shown = self.notifier.shown_url(url)
                verdicts = [
                    UrlVerdict(url, shown, False, f"not tried: it failed before ({failed})")
                ]
            accepted = bool(verdicts) and all(v.accepted for v in verdicts)
            answers.waiting.discard(url)
            if accepted:
                answers.accepted.append(url)
            else:
                refused = [v.status for v in verdicts if not v.accepted] or ["no answer"]
                failed = failed or refused[0]
                answers.failures.extend(f"{v.url}: {v.status}" for v in verdicts if not v.accepted)
                if not verdicts:
                    answers.failures.append("no service was notified")
            if answers.waiting:
                if accepted:
                    await self.took(answers.message.batch, url)
                continue
            error = "; ".join(answers.failures) if answers.failures else None
            await self.done(answers.message.batch, error, answers.accepted)


async def _send(notifier: Notifier, channel: str, url: str, message: Message) -> list[UrlVerdict]:
    batch = message.batch
    # Buttons (an interactive Telegram channel) act on one alert, never on a digest.
    alert_id = batch.rows[0].id if not batch.digest and len(batch.rows) == 1 else None
    try:
        return await notifier.send_to(channel, url, message.rendered, alert_id)
    except Exception as exc:
        # One URL whose send crashes must not hold up the others.
        log.exception("alert delivery crashed", channel=channel)
        return [UrlVerdict(url, notifier.shown_url(url), False, f"{type(exc).__name__}: {exc}")]
