"""`make fuzz`: hostile feed documents through parse → match → render, for a bounded time.

Hypothesis writes RSS 2.0, Atom and JSON Feed documents whose every field may be hostile (any
Unicode, control and bidi characters, markup of every format, rich markup, entities, CDATA,
huge numbers in dates and `<ttl>`, credentialed and internal links); each is parsed, matched
against a handful of rules, turned into alerts and rendered in the three formats, one by one and
as a digest. It fails, with the smallest document that shows it, on any exception (a document
that is not a feed may only raise `FeedParseError`) and on any output that breaks a promise:
a control or bidi-override character in a rendered title or body, feed text that became HTML
markup, or an alert that does not survive the outbox's JSON.

    python -m tests.fuzz.pipeline [--seconds 60] [--batch 100] [--shrink]

Not part of `make test`: it runs until its time is up, with new random documents every run.
"""

import argparse
import json
import re
import sys
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from monitor.delivery.alerts import Alert, build_alert
from monitor.delivery.escaping import Format
from monitor.delivery.render import Rendered, render, render_digest
from monitor.display import visible
from monitor.polling.parse import FeedParseError, parse_feed
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.query import parse, parse_alias

WORDS = ["Paris", "Kyiv", "troops", "Украину", "войска", "巴黎", "الجيش", "warns", "Élysée"]
PAYLOADS = [
    "<b>x</b> *y* [z](http://evil) `code` _u_ ~s~ <script>alert(1)</script>",
    "[/] [bold red]rich[/] [link=http://evil]x[/link]",
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil\x07link\x1b]8;;\x07 \x1b[2J",
    "\u202egpj.exe \u2066isolate\u2069 \u202aembed\u202c \u200f",
    "\x00 \x07 \x08 \r \x0b \x0c \x7f \x85 \x9b \u2028 \u2029 \ufeff",
    "&lt;b&gt; &amp;#27; &#x1b; &#x202e; &nbsp;",
    "]]> <![CDATA[x]]> <!-- --> <?pi?>",
    "http://user:secret@127.0.0.1/admin?token=abc javascript:alert(1) file:///etc/passwd",
]
HOSTILE_NUMBERS = ["0", "-1", "99999999999999", "1e309", "NaN", "٣", "9" * 400]
DATES = [
    "Tue, 01 Dec 2026 06:00:00 GMT",
    "Tue, 99 Dec 99999999 99:99:99 +9999",
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "2026-13-45T25:61:61Z",
    "9999-12-31T23:59:59-23:59",
    "",
]
FORMATS: tuple[Format, ...] = ("text", "markdown", "html")
QUERIES = {
    "paris": "Paris OR Élysée",
    "troops": "@Troops AND NOT warns",
    "near": 'NEAR/3(Kyiv, troops) OR "Paris warns"',
    "title": "title:(巴黎 OR الجيش)",
}
VOCABULARY = Vocabulary(
    actors={},
    topics={"Troops": [parse_alias(a) for a in ("troops", "войск*", "الجيش")]},
)
MATCHER = Matcher({name: parse(query) for name, query in QUERIES.items()}, VOCABULARY)
TZ = ZoneInfo("Europe/Paris")
# What the HTML renderer itself writes; any other `<` in an HTML body came from a feed.
_OUR_HTML = re.compile(r'</?b>|<br>|<a href="[^"<>]*">|</a>')

fragments = st.one_of(st.sampled_from(WORDS), st.sampled_from(PAYLOADS), st.text(max_size=30))
texts = st.lists(fragments, max_size=12).map(" ".join)
links = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "https://news.example.org/a?utm_source=rss",
            "http://user:secret@127.0.0.2:8080/secret",
            "javascript:alert(1)",
            "https://example.org/\u202e/x\x1b",
            "",
        ]
    ),
    st.text(max_size=40),
)
entries = st.fixed_dictionaries(
    {
        "id": st.one_of(st.none(), st.text(max_size=20)),
        "title": texts,
        "text": texts,
        "link": links,
        "date": st.one_of(st.sampled_from(DATES), st.text(max_size=20)),
    }
)
documents = st.tuples(
    st.sampled_from(["rss", "atom", "json"]),
    st.lists(entries, max_size=8),
    st.one_of(st.none(), st.sampled_from(HOSTILE_NUMBERS)),  # <ttl>
    st.booleans(),  # HTML in CDATA, or escaped text
)


def _xml_text(value: str, cdata: bool) -> str:
    return f"<![CDATA[{value}]]>" if cdata and "]]>" not in value else escape(value)


def document(kind: str, items: list[dict[str, str | None]], ttl: str | None, cdata: bool) -> bytes:
    """A feed document of `kind` holding `items`."""
    if kind == "json":
        body = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "fuzz",
            "items": [
                {
                    "id": e["id"],
                    "title": e["title"],
                    "content_html": e["text"],
                    "url": e["link"],
                    "date_published": e["date"],
                }
                for e in items
            ],
        }
        return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    parts = []
    for e in items:
        fields = {
            "title": e["title"] or "",
            "description" if kind == "rss" else "summary": e["text"] or "",
            "guid" if kind == "rss" else "id": e["id"] or "",
            "pubDate" if kind == "rss" else "updated": e["date"] or "",
        }
        inner = "".join(f"<{k}>{_xml_text(v, cdata)}</{k}>" for k, v in fields.items())
        if e["link"] is not None:
            inner += (
                f"<link>{escape(e['link'])}</link>"
                if kind == "rss"
                else f'<link href="{escape(e["link"], {chr(34): "&quot;"})}"/>'
            )
        parts.append(f"<item>{inner}</item>" if kind == "rss" else f"<entry>{inner}</entry>")
    ttl_tag = f"<ttl>{escape(ttl)}</ttl>" if ttl is not None else ""
    listed = "".join(parts)
    if kind == "rss":
        text = f'<rss version="2.0"><channel><title>fuzz</title>{ttl_tag}{listed}</channel></rss>'
    else:
        text = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>fuzz</title>{listed}</feed>'
    return ('<?xml version="1.0" encoding="UTF-8"?>' + text).encode("utf-8", "surrogatepass")


def _check_rendered(rendered: Rendered, fmt: str) -> None:
    for part in (rendered.title, rendered.body):
        assert visible(part) == part, f"a control or bidi character reached the output: {part!r}"
    if fmt == "html":
        leftover = _OUR_HTML.sub("", rendered.body)
        assert "<" not in leftover, f"feed text became HTML: {rendered.body!r}"


def pipeline(body: bytes) -> None:
    """Parse, match, build, render: raises on any broken promise."""
    try:
        parsed = parse_feed("Fuzz \x1b[31m[/]", body, "https://example.org/feed", {})
    except FeedParseError:
        return
    alerts: list[Alert] = []
    for item in parsed.items:
        result = MATCHER.match(item.title, item.text)
        rules = [m.rule for m in result.matches] or ["none"]
        alert = build_alert(item, rules, result.spans(), result.actors)
        assert Alert.from_payload(json.loads(json.dumps(alert.to_payload()))) == alert
        alerts.append(alert)
        for fmt in FORMATS:
            _check_rendered(render(alert, fmt, TZ, 4096), fmt)
    if alerts:
        for fmt in FORMATS:
            _check_rendered(render_digest(alerts, fmt, TZ, 4096), fmt)


def run(seconds: float, batch: int, *, shrink: bool = False) -> int:
    """Batches of `batch` documents until `seconds` have passed; the number of documents.
    Without `shrink`, a failure is reported as found: shrinking it can take minutes, and the
    run is promised to end in about `seconds`."""

    @settings(
        max_examples=batch,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate],
    )
    @given(documents)
    def one_batch(spec: tuple[str, list[dict[str, str | None]], str | None, bool]) -> None:
        pipeline(document(*spec))

    end, done = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        one_batch()
        done += batch
    return done


def main() -> None:
    """Run for the time given; exit 1 on the first broken promise (Hypothesis prints it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--shrink", action="store_true", help="shrink a failure (slow)")
    args = parser.parse_args()
    started = datetime.now(UTC)
    try:
        done = run(args.seconds, args.batch, shrink=args.shrink)
    except Exception:
        import traceback

        traceback.print_exc()
        print(f"fuzz: FAILED after {(datetime.now(UTC) - started).total_seconds():.0f} s")
        sys.exit(1)
    print(f"fuzz: {done} documents through parse → match → render in {args.seconds:g} s: ok")


if __name__ == "__main__":
    main()
