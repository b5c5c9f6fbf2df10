"""A loopback feed farm for the benchmarks: many realistic RSS feeds served by one aiohttp
process, on several ports of 127.0.0.1 (each port is a "host" to the client's per-host limit).

    python bench/farm.py --feeds 2000 --items 50 --ports 50

Prints one JSON line {"ports": [...]} on stdout once it listens, then serves until stdin closes
(so it never outlives the benchmark that started it). Feed N lives at /feed/N on port
ports[N % len(ports)]. `POST /advance?share=0.1&new=5` gives that share of the feeds `new` items
dated now (each feed's window of `--items` entries slides by `new`) and answers
{"advanced": [feed numbers], "alerting": [serials of the new items that match], "at": time};
`&served=1` picks only among feeds already served whole at least once (already polled), and
`count=N` picks N feeds instead of a share. `GET /fetched` maps each fresh item's serial to when
it was first served (the poll that found it began about then).
ETags change with every advance, so unchanged feeds answer 304. One item in `--match-every`
mentions France, Ukraine and troops, so the example rule alerts on it; its title ends
"(report SERIAL)". `POST /sink` records an alert (Apprise's json://) with its receipt time;
`GET /received` returns them all.
"""

import argparse
import asyncio
import json
import random
import sys
import time
from email.utils import formatdate

from aiohttp import web

_VOCABULARY = """
the of and to in a is that for on with as was government minister said talks market energy
prices election parliament report officials week city police court vote region economy border
trade agreement summit security council budget
"""
WORDS = tuple(_VOCABULARY.split())
MATCHING = "Macron says French troops could train soldiers in Ukraine"


class Farm:
    """The feeds' generations and the bodies they render to."""

    def __init__(self, feeds: int, items: int, match_every: int, seed: int) -> None:
        self.items = items
        self.match_every = match_every
        self.generation = [0] * feeds
        self.top = [items] * feeds  # the newest item number of each feed
        self.born: dict[tuple[int, int], float] = {}  # (feed, item number) → publish time
        self.rng = random.Random(seed)
        self.received: list[dict[str, object]] = []
        self.served: set[int] = set()  # feeds served whole at least once
        self.fresh: dict[int, list[int]] = {}  # feed → serials of fresh items not yet served
        self.fetched: dict[int, float] = {}  # fresh item's serial → when first served
        self._bodies: dict[int, bytes] = {}

    def _item(self, feed: int, number: int) -> str:
        published = self.born.get((feed, number), 1_700_000_000.0)
        serial = self._serial(feed, number)
        title = (
            f"{MATCHING} (report {serial})"
            if serial % self.match_every == 0
            else " ".join(WORDS[(serial * 7 + k) % len(WORDS)] for k in range(9)).capitalize()
        )
        text = " ".join(WORDS[(serial + k * k) % len(WORDS)] for k in range(110))
        if serial % self.match_every == 0 and (feed, number) in self.born:
            # A fresh matching item is a story of its own (else the stories stage would group
            # most of them as copies of one another, and they would alert once between them).
            words = random.Random(serial)
            text = " ".join(f"w{words.randrange(5000)}" for _ in range(110))
        return (
            f"<item><guid isPermaLink='false'>f{feed}-{number}</guid><title>{title}</title>"
            f"<link>https://news.example.org/{feed}/{number}?utm_source=rss</link>"
            f"<description>{text}.</description>"
            f"<pubDate>{formatdate(published, usegmt=True)}</pubDate></item>"
        )

    def body(self, feed: int) -> bytes:
        """Feed `feed` at its current generation: its newest `items` entries."""
        if feed not in self._bodies:
            top = self.top[feed]
            numbers = range(top, top - self.items, -1)
            self._bodies[feed] = (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>Farm feed {feed}</title><link>https://news.example.org/{feed}</link>"
                "<description>bench</description>"
                + "".join(self._item(feed, n) for n in numbers)
                + "</channel></rss>"
            ).encode()
        return self._bodies[feed]

    def _serial(self, feed: int, number: int) -> int:
        return feed * 1_000_003 + number

    def serve(self, feed: int) -> bytes:
        """`body(feed)`, noting that the feed and its fresh items have been served."""
        self.served.add(feed)
        now = time.time()
        for serial in self.fresh.pop(feed, ()):
            self.fetched.setdefault(serial, now)
        return self.body(feed)

    def advance(
        self, share: float, new: int, *, count: int | None = None, served: bool = False
    ) -> tuple[list[int], list[int]]:
        """Move `share` (or `count`) of the feeds (of those served, with `served`) to their
        next generation, with `new` fresh items each; returns the feeds moved and the serials
        of the fresh items that should alert."""
        pool = sorted(self.served) if served else range(len(self.generation))
        wanted = count if count is not None else round(share * len(pool))
        chosen = self.rng.sample(pool, min(wanted, len(pool)))
        now = time.time()
        alerting = []
        for feed in chosen:
            self.generation[feed] += 1
            self.top[feed] += new
            # The window slides by `new`: those items are fresh, the rest were there before.
            for number in range(self.top[feed], self.top[feed] - new, -1):
                self.born[(feed, number)] = now
                self.fresh.setdefault(feed, []).append(self._serial(feed, number))
                if self._serial(feed, number) % self.match_every == 0:
                    alerting.append(self._serial(feed, number))
            self._bodies.pop(feed, None)
        return chosen, alerting


def make_app(farm: Farm) -> web.Application:
    """The farm's routes."""

    async def feed(request: web.Request) -> web.Response:
        number = int(request.match_info["n"])
        if not 0 <= number < len(farm.generation):
            return web.Response(status=404)
        etag = f'"{number}-{farm.generation[number]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=farm.serve(number), content_type="application/rss+xml", headers={"ETag": etag}
        )

    async def advance(request: web.Request) -> web.Response:
        query = request.query
        chosen, alerting = farm.advance(
            float(query.get("share", "0.1")),
            int(query.get("new", "5")),
            count=int(query["count"]) if "count" in query else None,
            served=query.get("served") == "1",
        )
        return web.json_response({"advanced": chosen, "alerting": alerting, "at": time.time()})

    async def sink(request: web.Request) -> web.Response:
        farm.received.append({"at": time.time(), **json.loads(await request.read())})
        return web.json_response({})

    async def received(_request: web.Request) -> web.Response:
        return web.json_response(farm.received)

    async def fetched(_request: web.Request) -> web.Response:
        return web.json_response(farm.fetched)

    app = web.Application()
    app.router.add_get("/feed/{n}", feed)
    app.router.add_post("/advance", advance)
    app.router.add_post("/sink", sink)
    app.router.add_get("/received", received)
    app.router.add_get("/fetched", fetched)
    return app


async def serve(farm: Farm, ports: int) -> None:
    """Listen on `ports` free ports of 127.0.0.1 until stdin closes."""
    runner = web.AppRunner(make_app(farm), access_log=None)
    await runner.setup()
    bound = []
    for _ in range(ports):
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None
        bound.append(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
    print(json.dumps({"ports": bound}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


def main() -> None:
    """Parse the options and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--ports", type=int, default=50)
    parser.add_argument("--match-every", type=int, default=97)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    farm = Farm(options.feeds, options.items, options.match_every, options.seed)
    asyncio.run(serve(farm, options.ports))


if __name__ == "__main__":
    main()
