"""Red-team regressions (issue 18, item 3): servers' oversized hints, and a crash inside a poll,
each leave the feed's failure or success recorded with a sane next poll, never a retry every
second."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from aiohttp import web

from monitor.config.load import load_config
from monitor.polling.decide import MAX_BACKOFF, MAX_HINTED_DELAY
from monitor.polling.poller import Poller, http_session
from monitor.rules.matcher import Matcher
from monitor.state.store import Store
from tests.support import faults
from tests.support.config import SEED, desk_config, once
from tests.support.feeds import rss
from tests.support.loopback import FeedServer, Handler
from tests.support.state import stored_feeds

HUGE = "99999999999999"


def _fresh_for(seconds: str) -> Handler:
    """A feed whose Cache-Control says it stays fresh for `seconds`."""

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(
            body=rss(SEED),
            content_type="application/rss+xml",
            headers={"Cache-Control": f"public, max-age={seconds}"},
        )

    return handler


def test_oversized_hints_are_clamped_and_the_poll_recorded(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["ttl.xml"] = rss(SEED).replace(
        b"<channel>", f"<channel><ttl>{HUGE}</ttl>".encode()
    )
    server.handlers["max-age.xml"] = _fresh_for(HUGE)
    server.handlers["retry.xml"] = faults.status(503, **{"Retry-After": HUGE})
    server.handlers["far.xml"] = faults.status(
        429, **{"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}
    )
    names = ("ttl.xml", "max-age.xml", "retry.xml", "far.xml")
    config = desk_config(server, tmp_path, *names)
    start = datetime.now(UTC)

    first = once(config)
    second = once(config)

    assert (first.feeds, first.failed_feeds, first.alerts_queued) == (4, 2, 1)
    assert second.skipped_feeds == 2  # the two that asked us to wait are held, within limits
    requested = [path for path, _ in server.requests]
    assert (requested.count("retry.xml"), requested.count("far.xml")) == (1, 1)
    stored = stored_feeds(tmp_path / "state")
    for name in names:
        next_poll = cast(datetime, stored[name]["next_poll_at"])
        assert start < next_poll <= datetime.now(UTC) + MAX_HINTED_DELAY, name
    assert stored["ttl.xml"]["last_error"] is None
    assert stored["retry.xml"]["hold_until"] == stored["retry.xml"]["next_poll_at"]


def test_a_304_to_a_request_without_validators_is_the_feeds_failure(
    server: FeedServer, tmp_path: Path
) -> None:
    # A server (a misconfigured cache) that answers 304 to every request: taken for "not
    # modified", the feed was never read nor recorded, and showed as "not polled yet".
    server.handlers["stuck.xml"] = faults.status(304)
    config = desk_config(server, tmp_path, "stuck.xml")
    start = datetime.now(UTC)

    result = once(config)

    assert (result.feeds, result.failed_feeds) == (1, 1)
    state = stored_feeds(tmp_path / "state")["stuck.xml"]
    assert state["last_error"] == "HTTP 304 Not Modified to a request without validators"
    assert state["consecutive_failures"] == 1
    assert cast(datetime, state["next_poll_at"]) > start  # backed off like any failure


class _BrokenMatcher:
    """A matcher with a bug: every item makes it raise."""

    def match(self, *_args: object, **_kwargs: object) -> None:
        raise RuntimeError("matcher bug")


def test_a_crash_inside_a_poll_is_recorded_as_a_failure_with_backoff(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = load_config(desk_config(server, tmp_path, "wire.xml"))
    moment = datetime.now(UTC)

    async def crash_twice() -> None:
        async with http_session(config) as session:
            poller = Poller(config, store, cast(Matcher, _BrokenMatcher()), session, lambda: moment)
            for _ in range(2):
                await poller.poll_contained(config.feeds["wire.xml"])

    store = Store.open(config.settings.state_dir)
    try:
        asyncio.run(crash_twice())
        due = store.due_feeds(moment + timedelta(seconds=1), 10)
    finally:
        store.close()

    state = stored_feeds(tmp_path / "state")["wire.xml"]
    assert state["last_error"] == "crashed: RuntimeError: matcher bug"
    assert state["consecutive_failures"] == 2
    next_poll = cast(datetime, state["next_poll_at"])
    assert moment + timedelta(minutes=5) <= next_poll <= moment + MAX_BACKOFF
    assert due == []  # not polled again on the next tick
