"""What one slow channel costs the others: 13 stories to 6 channels (issue 16).

The channels, all on loopback: four webhooks (Apprise's `json://` to an aiohttp sink), one
email channel to a real SMTP server (aiosmtpd; Apprise's email plugin waits 5.5 s between two
messages of one URL), and one email channel whose SMTP server takes the connection and never
says a word (Apprise gives up after its 15 s SMTP timeout), those two configured first. One
delivery pass over the 78 alerts; for each channel, how many arrived and when the last one did,
from the start of the pass; and the pass's wall time and CPU seconds.

    python bench/delivery.py [--against DIR] [--rounds 1]

`--against DIR` runs the same scenario on another checkout of monitor/ too (e.g. `git archive
e48bd5c | tar -x -C /tmp/base`), old and new in turns, each in a fresh process.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiosmtpd.controller import Controller
from pydantic import SecretStr

# Whichever monitor/ comes first on the path: this checkout's, or `--against`'s (PYTHONPATH).
from monitor.config.model import Channel
from monitor.delivery.deliver import deliver_due
from monitor.delivery.sender import Notifier
from monitor.model import Decision, FeedUpdate, NewStory, QueuedAlert
from monitor.state.store import Store

STORIES = 13
WEBHOOKS = ("slack", "discord", "matrix", "ntfy")


def child() -> None:
    """One pass, in this process, with whichever monitor/ is first on the path."""
    arrivals: dict[str, list[float]] = {}

    class Mailbox:
        async def handle_DATA(self, _server: Any, _session: Any, _envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
            arrivals.setdefault("email", []).append(time.monotonic())
            return "250 OK"

    async def sink(request: web.Request) -> web.Response:
        await request.read()
        arrivals.setdefault(request.match_info["name"], []).append(time.monotonic())
        return web.Response(text="{}")

    def port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    async def scenario(state: Path, silent: int) -> dict[str, Any]:
        app = web.Application()
        app.router.add_post("/sink/{name}", sink)
        runner = web.AppRunner(app)
        await runner.setup()
        http = port()
        await web.TCPSite(runner, "127.0.0.1", http).start()
        smtp = port()
        controller = Controller(Mailbox(), hostname="127.0.0.1", port=smtp)
        controller.start()
        mail = "mailto://127.0.0.1:{}?from=monitor@example.org&to=desk@example.org"
        # The slow channels first: serial delivery sent channel by channel, in this order.
        urls = {"dead-smtp": mail.format(silent), "email": mail.format(smtp)}
        urls |= {name: f"json://127.0.0.1:{http}/sink/{name}" for name in WEBHOOKS}
        channels = {n: Channel(n, (SecretStr(u),), (u,), "text") for n, u in urls.items()}
        store = Store.open(state)
        now = datetime.now(UTC)
        payload = {"rules": ["r"], "feed": "wire", "link": None, "published": None}
        payload |= {"snippet": "Troops.", "highlights": [], "actors": []}
        # Each story queued to every channel, as one poll queues a story that matches.
        store.apply(
            Decision(
                feed="wire",
                feed_url="https://news.example.org/wire.xml",
                polled_at=now,
                feed_update=FeedUpdate(0, None, None),
                stories=tuple(
                    NewStory(
                        f"s{n}",
                        f"Story {n}",
                        tuple(
                            QueuedAlert(c, ["r"], {**payload, "title": f"Story {n}"})
                            for c in channels
                        ),
                    )
                    for n in range(STORIES)
                ),
            )
        )
        cpu, start = time.process_time(), time.monotonic()
        await deliver_due(store, Notifier(channels), ZoneInfo("UTC"), lambda: datetime.now(UTC))
        wall, cpu = time.monotonic() - start, time.process_time() - cpu
        store.close()
        controller.stop()
        await runner.cleanup()
        return {
            "pass": round(wall, 1),
            "cpu": round(cpu, 2),
            "channels": {
                name: [len(arrivals.get(name, [])), round(max(arrivals[name]) - start, 1)]
                if arrivals.get(name)
                else [0, None]
                for name in channels
            },
        }

    with tempfile.TemporaryDirectory() as state, socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        print(json.dumps(asyncio.run(scenario(Path(state), silent.getsockname()[1]))))


def run(tree: Path) -> dict[str, Any]:
    """The scenario on the checkout `tree`, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(tree), "BENCH_DELIVERY_CHILD": "1"}
    done = subprocess.run(
        [sys.executable, __file__], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run the scenario on this checkout (and `--against`'s), print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    trees = [("new", Path(__file__).resolve().parents[1])]
    if args.against:
        trees.insert(0, ("old", args.against.resolve()))
    print(f"{STORIES} stories to 6 channels (last arrival, seconds from the pass's start)")
    for _round in range(args.rounds):
        for label, tree in trees:
            result = run(tree)
            shown = ", ".join(
                f"{name} {count}/{STORIES} @{last}s"
                for name, (count, last) in result["channels"].items()
            )
            print(f"{label}: pass {result['pass']}s, cpu {result['cpu']}s; {shown}", flush=True)


if __name__ == "__main__":
    if os.environ.get("BENCH_DELIVERY_CHILD"):
        child()
    else:
        main()
