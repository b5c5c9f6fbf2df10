"""An alert, or a digest of several, rendered for a channel: its template (or the default one)
filled in with the alert's values, escaped for the channel's format (pure).

A `Rendered` message has a plain-text title (an email's Subject, a webhook's `title`: never
markup, never an entity), the body in the channel's format, and for the default template the
body in plain text too, for services that take only text (`delivery/targets`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from monitor.delivery.alerts import ELLIPSIS, Alert, sample_alert, sources_line
from monitor.delivery.escaping import Format, escape, highlighted, link_to, one_line, safe_url
from monitor.delivery.templates import (
    DEFAULT_BODIES,
    DEFAULT_TITLE,
    AlertTemplateError,
    Template,
    fill,
    fill_title,
    markup,
    plain,
)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for Apprise: a plain-text title, the body in the channel's format, and
    (when media-monitor wrote it) the body as plain text; None: convert `body` to text."""

    title: str
    body: str
    text: str | None = None


def publisher(link: str | None) -> str | None:
    """The site a link is on, without `www.`: who published the story."""
    if not link:
        return None
    host = urlsplit(link).hostname or ""
    return host.removeprefix("www.") or None


def when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    """A time as alerts show it, in `tz`; None when the feed gave none."""
    return None if moment is None else moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def context(alert: Alert, fmt: Format, tz: ZoneInfo) -> dict[str, Any]:
    """The template variables for `alert` in `fmt` (README, "Templates")."""
    return {
        "title": alert.title,
        "headline": markup(highlighted(one_line(alert.title), alert.title_highlights, fmt), fmt),
        "link": safe_url(alert.link) if alert.link else None,
        "link_to": lambda url, label=None: markup(
            link_to(plain(url), fmt, None if label is None else plain(label)), fmt
        ),
        "feed": alert.feed,
        "publisher": publisher(alert.link),
        "published": alert.published.astimezone(tz) if alert.published else None,
        "published_at": when(alert.published, tz),
        "timezone": tz.key,
        "rules": list(alert.rules),
        "actors": list(alert.actors),
        "snippet": markup(highlighted(alert.snippet, alert.highlights, fmt), fmt),
        "snippet_text": alert.snippet,
        "language": alert.language,
        "sources": list(alert.sources),
        "story": alert.story,
        "priority": alert.priority,
        "prominence": alert.prominence,
    }


def _fit(
    lines: Sequence[str], separator: str, limit: int | None, more: Callable[[int], str]
) -> str:
    """`lines` joined, dropping whole lines from the end (and saying so with the line
    `more(how many were dropped)`) until the text fits in `limit` characters. Whole lines, so
    that markup is never cut in half."""
    text = separator.join(lines)
    if limit is None or len(text) <= limit:
        return text
    kept = list(lines)
    while kept and len(separator.join([*kept, more(len(lines) - len(kept))])) > limit:
        kept.pop()
    return separator.join([*kept, more(len(lines) - len(kept))])


def _body(source: str, fmt: Format, values: dict[str, Any], limit: int | None) -> str:
    body = fill(source, fmt, values).strip("\n").rstrip()
    return _fit(body.split("\n"), "\n", limit, lambda _n: ELLIPSIS)


def render(
    alert: Alert,
    fmt: Format,
    tz: ZoneInfo,
    limit: int | None = None,
    template: Template | None = None,
) -> Rendered:
    """`alert` rendered with `template` (None: the default) for a channel of format `fmt`,
    times in `tz`, the body in at most `limit` characters. Raises `AlertTemplateError` when the
    template fails (`check` renders every template before `run` may)."""
    template = template or Template()
    values = context(alert, fmt, tz)
    title = fill_title(template.title or DEFAULT_TITLE, context(alert, "text", tz))
    body = _body(template.body or DEFAULT_BODIES[fmt], fmt, values, limit)
    text = None
    if template.body is None:  # the default: its plain-text form is better than a conversion
        plain = context(alert, "text", tz)
        text = body if fmt == "text" else _body(DEFAULT_BODIES["text"], "text", plain, limit)
    return Rendered(title=title, body=body, text=text)


def _digest_body(alerts: Sequence[Alert], fmt: Format, tz: ZoneInfo, limit: int | None) -> str:
    groups: dict[tuple[str, ...], list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.rules, []).append(alert)
    lines: list[str] = []
    for rules, group in groups.items():
        if lines:
            lines.append("")
        lines.append(_label(f"{', '.join(rules)} ({len(group)})", fmt))
        for alert in group:
            also = f" ({sources_line(alert.sources)})" if alert.sources else ""
            published = when(alert.published, tz) or "not given by the feed"
            entry = (
                f"• {escape(one_line(alert.title), fmt)} — {escape(alert.feed + also, fmt)}, "
                f"{escape(published, fmt)}"
            )
            lines.append(f"{entry} {link_to(alert.link, fmt)}" if alert.link else entry)
    separator = "<br>\n" if fmt == "html" else "\n"

    def more(dropped: int) -> str:
        return escape(f"… and {dropped} more lines: see `media-monitor history`", fmt)

    return _fit(lines, separator, limit, more)


def render_digest(
    alerts: Sequence[Alert], fmt: Format, tz: ZoneInfo, limit: int | None = None
) -> Rendered:
    """One message listing `alerts` (given newest first), grouped by the rules that matched."""
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    text = _digest_body(alerts, "text", tz, limit)
    body = text if fmt == "text" else _digest_body(alerts, fmt, tz, limit)
    return Rendered(title=f"[digest] {count}", body=body, text=text)


def _label(name: str, fmt: Format) -> str:
    shown = escape(name, fmt)
    return {"html": f"<b>{shown}:</b>", "markdown": f"**{shown}:**", "text": f"{shown}:"}[fmt]


def template_problems(template: Template | None, fmt: Format, timezone: str) -> list[str]:
    """What is wrong with `template` in a channel of format `fmt`: each part compiled and
    rendered with `notify-test`'s sample alert (every field set), as "title: …" or "body: …"."""
    if template is None:
        return []
    sample, tz = sample_alert(datetime(2026, 1, 1, 12, tzinfo=UTC)), ZoneInfo(timezone)
    problems = []
    for part, source, part_fmt in (("title", template.title, "text"), ("body", template.body, fmt)):
        if source is None:
            continue
        try:
            fill(source, part_fmt, context(sample, part_fmt, tz))  # type: ignore[arg-type]
        except AlertTemplateError as exc:
            problems.append(f"{part}: {exc}")
    return problems
