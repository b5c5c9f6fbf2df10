"""One channel's messages sent to each of its URLs on its own: a lane per URL takes the channel's
messages in order, so a URL that hangs, throttles (Apprise's email plugin waits between
messages) or refuses holds back only itself, never the channel's other URLs nor other channels.
Every send takes a slot of the pass's semaphore (`delivery_concurrency`) and has its own
deadline (`Notifier.send_timeout`).

A message is done when each URL it was waiting for has answered: `done` is then told what
failed (None: nothing) and which URLs took it, and records the attempt. A URL that takes a
message before the others have answered is told to `took` at once, so that a crash meanwhile
never sends it to that URL again. A stop (`stopping()`) ends each lane before its next send;
a message some URLs have not answered is then left as it is (pending), to go to them later.
"""

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field

import structlog

from monitor.delivery.alerts import Rendered
from monitor.delivery.pacing import Batch
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


async def send_channel(
    notifier: Notifier,
    channel: str,
    messages: Sequence[Message],
    *,
    slots: asyncio.Semaphore,
    stopping: Callable[[], bool],
    done: Done,
    took: Took,
) -> None:
    """Send `messages` (in order) through `channel`, one lane per URL; see the module."""
    answers = [_Answers(m, set(m.waiting)) for m in messages]
    for answer in answers:
        if not answer.waiting:  # every URL took it before: only its record is missing
            await done(answer.message.batch, None, [])
    urls = [u for u in notifier.url_ids[channel] if any(u in a.waiting for a in answers)]

    async def lane(url: str) -> None:
        for answer in answers:
            if url not in answer.waiting:
                continue
            if stopping():
                return
            async with slots:
                verdicts = await _send(notifier, channel, url, answer.message)
            accepted = bool(verdicts) and all(v.accepted for v in verdicts)
            answer.waiting.discard(url)
            if accepted:
                answer.accepted.append(url)
            else:
                answer.failures.extend(f"{v.url}: {v.status}" for v in verdicts if not v.accepted)
                if not verdicts:
                    answer.failures.append("no service was notified")
            if answer.waiting:
                if accepted:
                    await took(answer.message.batch, url)
                continue
            error = "; ".join(answer.failures) if answer.failures else None
            await done(answer.message.batch, error, answer.accepted)

    await asyncio.gather(*(lane(url) for url in urls))


async def _send(notifier: Notifier, channel: str, url: str, message: Message) -> list[UrlVerdict]:
    batch = message.batch
    # Buttons (an interactive Telegram channel) act on one alert, never on a digest.
    alert_id = batch.rows[0].id if not batch.digest and len(batch.rows) == 1 else None
    try:
        return await notifier.send_to(channel, url, message.rendered, alert_id)
    except Exception as exc:
        # One URL whose send crashes must not hold up the others.
        log.exception("alert delivery crashed", channel=channel)
        return [UrlVerdict(url, url, False, f"{type(exc).__name__}: {exc}")]
