"""Three `media-monitor run` nodes on one PostgreSQL state, against a loopback feed farm and
webhook, the one sending alerts SIGKILLed in the middle of a send: every alert arrives, only
the message in flight goes out twice, the dead node's claimed work is taken over after its
lease, feeds are polled at their interval (not once per node), and `feeds` and `/metrics` name
the nodes; and a feed a reload adds is polled once, not once per node."""

import asyncio
import json
import random
import re
import signal
import threading
import time
import urllib.request
from collections import Counter
from contextlib import closing
from functools import partial
from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from monitor.state.store import Store
from monitor.state.tables import outbox
from tests.support.cli import cli
from tests.support.config import RULES, desk, feeds_toml, write_config
from tests.support.daemon import Service, Services, free_port, polls_of, wait_for
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer

FEEDS = 12
INTERVAL = 3.0  # seconds
LEASE = "10s"  # `claim_lease`: the dead node's work is taken over after it
TAG = re.compile(r"\(story (f\d+-\d+)\)")


def story(feed: int, n: int, words: random.Random) -> Entry:
    """Story `n` of feed `feed`: matching a rule, with a text of its own (so that no two are
    taken for one story told by two outlets)."""
    text = " ".join(f"w{words.randrange(10**6)}" for _ in range(40))
    return Entry(
        f"f{feed}-{n}",
        f"Russia warns France about troops in Ukraine (story f{feed}-{n})",
        f"Moscow said so. {text}",
    )


class Farm:
    """The feeds, each listing the stories published on it so far; `slow`: each feed's answer
    takes that long (a node killed at any moment likely dies in the middle of polls). The
    webhook takes each post at once, and answers once `answering` is set."""

    def __init__(self, server: FeedServer, slow: float = 0.0) -> None:
        self.server = server
        self.answering = threading.Event()
        self.answering.set()
        if slow:
            server.handlers["f*"] = partial(self._feed, slow)
        server.handlers["sink/*"] = self._sink
        self.words = random.Random(17)
        self.stories: dict[int, list[Entry]] = {feed: [] for feed in range(FEEDS)}

    def publish(self) -> None:
        """One more story on every feed."""
        for feed, listed in self.stories.items():
            listed.insert(0, story(feed, len(listed), self.words))
            self.server.feeds[f"f{feed}.xml"] = rss(*listed)

    async def _feed(self, seconds: float, request: web.Request) -> web.Response:
        await asyncio.sleep(seconds)
        body = self.server.feeds[request.match_info["path"]]
        return web.Response(body=body, content_type="application/rss+xml")

    async def _sink(self, request: web.Request) -> web.Response:
        self.server.posts.append(await request.json())
        while not self.answering.is_set():
            await asyncio.sleep(0.05)
        return web.Response(text="{}")

    def tags(self) -> set[str]:
        return {entry.guid for listed in self.stories.values() for entry in listed}


def alerts(server: FeedServer) -> Counter[str]:
    """How many times each story's alert reached the webhook."""
    return Counter(
        found.group(1) for post in server.posts if (found := TAG.search(post.get("title", "")))
    )


def sender(url: str) -> str:
    """The node holding claims on the outbox's pending alerts (one: there is one channel)."""
    with closing(Store.open(Path(), url)) as store, store.engine.connect() as conn:
        query = select(outbox.c.claimed_by).where(
            outbox.c.status == "pending", outbox.c.claim_token.is_not(None)
        )
        (name,) = set(conn.execute(query).scalars())
    return str(name)


def metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text: str = answer.read().decode()
        return text


def test_three_nodes_one_killed_every_alert_arrives_once_or_twice_at_most(
    server: FeedServer, tmp_path: Path, services: Services, postgres_url: str
) -> None:
    farm = Farm(server, slow=0.5)
    farm.publish()
    feeds = feeds_toml(server, *(f"f{n}.xml" for n in range(FEEDS)), interval=f"{INTERVAL:g}s")
    settings = f'parse_processes = 0\nclaim_lease = "{LEASE}"\n'
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds, RULES, desk(server), settings=settings
    )
    ports = [free_port() for _ in range(3)]
    started = time.monotonic()
    nodes: list[Service] = [
        services.start(
            config,
            {
                "MONITOR_DATABASE_URL": postgres_url,
                "MONITOR_NODE_NAME": f"node-{n}",
                "MONITOR_HTTP": f"127.0.0.1:{port}",
            },
            measured=False,
            name=f"node-{n}",
        )
        for n, port in enumerate(ports)
    ]
    everything = lambda: set(alerts(server)) >= farm.tags()  # noqa: E731
    nodes[0].wait_for(everything, 60, "the first stories' alerts")

    # The node sending the second round's alerts is killed in the middle of a send: the
    # webhook has taken the message and not answered yet. The channel is one node's at a time:
    # the one that claims its alerts.
    farm.answering.clear()
    first_round = len(server.posts)
    farm.publish()
    wait_for(lambda: len(server.posts) > first_round, 30, "a second round's alert")
    victim = int(sender(postgres_url).removeprefix("node-"))
    nodes[victim].process.send_signal(signal.SIGKILL)
    nodes[victim].process.wait(10)
    farm.answering.set()
    farm.publish()

    wait_for(everything, 90, "every story's alert, the dead node's work taken over")
    elapsed = time.monotonic() - started
    survivors = [n for n in range(3) if n != victim]
    metered = {n: metrics(ports[n]) for n in survivors}
    shown = cli(
        "--config",
        str(config),
        "feeds",
        "--json",
        cwd=tmp_path,
        env={"MONITOR_DATABASE_URL": postgres_url},
    )
    for n in survivors:
        assert nodes[n].stop() == 0

    sent = alerts(server)
    assert set(sent) == farm.tags()
    repeated = {tag: count for tag, count in sent.items() if count > 1}
    # At most the message in flight when the node died (its one URL's lane sends one message
    # at a time) went out twice: the others it had claimed waited for the lease, then were
    # sent by another node.
    assert all(count == 2 for count in repeated.values()), repeated
    assert len(repeated) <= 1, repeated
    # Each feed polled about every INTERVAL seconds, by whichever node claimed it: not three
    # times as often (the dead node's claims only delay their feeds, by the lease).
    expected = elapsed / INTERVAL
    for feed in range(FEEDS):
        assert polls_of(server, f"f{feed}.xml") <= 1.5 * expected + 3
    assert sum(polls_of(server, f"f{feed}.xml") for feed in range(FEEDS)) >= FEEDS * expected / 3
    assert shown.returncode == 0, shown.stderr
    # Every feed had a story published after the kill, and its alert arrived: each was polled
    # by a node still running, those the dead node held a claim on included.
    assert {row["polled_by"] for row in json.loads(shown.stdout)} <= {
        f"node-{n}" for n in survivors
    }
    for n, text in metered.items():
        assert f'media_monitor_node_info{{node="node-{n}"}} 1.0' in text
        assert 'media_monitor_claims_lost{kind="poll"}' in text


def test_a_feed_a_reload_adds_is_polled_once_by_one_of_two_nodes(
    server: FeedServer, tmp_path: Path, services: Services, postgres_url: str
) -> None:
    farm = Farm(server)
    farm.publish()
    feeds = feeds_toml(server, "f0.xml", interval="1h")
    config = write_config(tmp_path / "config", tmp_path / "state", feeds, RULES, desk(server))
    env = {"MONITOR_DATABASE_URL": postgres_url}
    nodes = [
        services.start(
            config, {**env, "MONITOR_NODE_NAME": f"node-{n}"}, measured=False, name=f"node-{n}"
        )
        for n in range(2)
    ]
    nodes[0].wait_for(lambda: "f0-0" in alerts(server), 60, "the first feed's alert")
    # A SIGHUP before a node's loop listens is ignored (by design), and a node still starting
    # would read the added feed anyway: both must be running before the change.
    for node in nodes:
        node.wait_for(partial(node.logged, "running"), 30, "the start")

    with (config / "feeds.toml").open("a", encoding="utf-8") as added:
        added.write(feeds_toml(server, "f1.xml", interval="1h"))
    for node in nodes:
        node.signal(signal.SIGHUP)
    for node in nodes:
        node.wait_for(partial(node.logged, "config reloaded"), 30, "the reload")
    nodes[0].wait_for(lambda: "f1-0" in alerts(server), 30, "the added feed's alert")
    for node in nodes:
        assert node.stop() == 0

    # Each node's reload made it due; one node claimed it, and its next poll is an hour away.
    assert polls_of(server, "f1.xml") == 1
    assert polls_of(server, "f0.xml") == 1
    assert alerts(server) == {"f0-0": 1, "f1-0": 1}
