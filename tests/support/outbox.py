"""Alerts queued straight into a state's outbox (as a poll would queue them), channels built
without a config file, and the outbox's statuses read back: for the delivery tests."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from monitor.config.model import Channel
from monitor.model import Decision, FeedUpdate, NewStory, QueuedAlert
from monitor.state.store import Store
from monitor.state.tables import outbox


def bulletin(n: int) -> dict[str, Any]:
    """The alert payload of story `n`."""
    return {
        "rules": ["russia-warns"],
        "title": f"Kremlin warns Kyiv, bulletin {n}",
        "feed": "wire",
        "link": f"https://news.example.org/{n}",
        "published": None,
        "snippet": "Moscow repeats its warning.",
        "highlights": [],
        "actors": [],
    }


def queue(store: Store, count: int, channels: Sequence[str], at: datetime, first: int = 0) -> None:
    """`count` stories (numbered from `first`), each queued to every channel of `channels`, in
    one poll at `at`."""
    store.apply(
        Decision(
            feed="wire",
            feed_url="https://news.example.org/wire.xml",
            polled_at=at,
            feed_update=FeedUpdate(0, None, None),
            stories=tuple(
                NewStory(
                    f"story-{n}",
                    f"Kremlin warns Kyiv, bulletin {n}",
                    tuple(QueuedAlert(c, ["russia-warns"], bulletin(n)) for c in channels),
                )
                for n in range(first, first + count)
            ),
        )
    )


def channel(name: str, *urls: str, interactive: bool = False) -> Channel:
    """A text channel sending to `urls`."""
    return Channel(name, tuple(SecretStr(u) for u in urls), urls, "text", interactive=interactive)


def statuses(store: Store) -> dict[str, str]:
    """Each alert's status, as "channel#n" (n: its position in the outbox) → status."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.channel, outbox.c.status)).all()
    return {f"{name}#{n}": status for n, (name, status) in enumerate(rows)}
