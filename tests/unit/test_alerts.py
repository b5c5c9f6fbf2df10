"""Alert building and rendering: snippet, highlights, escaping per format, the default
template."""

import re
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.delivery.alerts import Alert, build_alert, snippet, sources_line
from monitor.delivery.escaping import Format
from monitor.delivery.render import render, render_digest
from monitor.items import Item
from monitor.rules.evaluation import Span

EVIL = "<b>x</b> *y* [z](http://evil) _u_ `c`"


def alert(
    title: str = "Troops in Ukraine",
    text: str = "French troops arrived.",
    spans: tuple[Span, ...] = (Span("text", 1, 2),),
) -> Alert:
    item = Item(
        "Wire <1>",
        "k",
        "s",
        title,
        text,
        "https://example.org/a?b=1&c=(2)",
        datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
    )
    return build_alert(item, ["rule-1"], spans, ["France"])


def test_snippet_is_cut_at_words_around_the_first_match() -> None:
    text = (
        " ".join(f"w{i}" for i in range(200)) + " troops " + " ".join(f"v{i}" for i in range(200))
    )
    window, marks = snippet(text, [Span("text", 200, 201)])
    assert window.startswith("…w")
    assert window.endswith("…")
    assert [window[a:b] for a, b in marks] == ["troops"]
    assert "w1" not in window.split()
    assert "v199" not in window.split()


def test_snippet_without_text_span_starts_at_the_text() -> None:
    window, marks = snippet("Short text.", [Span("title", 0, 1)])
    assert (window, marks) == ("Short text.", ())


def test_payload_round_trips() -> None:
    original = alert()
    assert Alert.from_payload(original.to_payload()) == original


def test_the_language_is_the_storys_and_older_payloads_have_none() -> None:
    assert alert("Франция может отправить войска", "Войска прибыли.").language == "ru"
    payload = alert().to_payload()
    del payload["language"]  # queued before alerts named the language
    older = Alert.from_payload(payload)
    assert older.language is None
    assert "Language" not in render(older, "text", ZoneInfo("UTC")).body


def test_text_render_names_rules_source_time_actors_and_link() -> None:
    message = render(alert(), "text", ZoneInfo("Europe/Paris"))
    assert message.title == "[rule-1] Troops in Ukraine"
    assert message.body.startswith("Troops in Ukraine\nSource: Wire <1> (example.org)\n")
    assert message.body.count("Troops in Ukraine") == 1
    assert "Published: 2026-11-24 13:00 CET" in message.body
    assert "Actors: France" in message.body
    assert "Language: en" in message.body
    assert "French «troops» arrived." in message.body
    assert "\nLink: https://example.org/a?b=1&c=%282%29\n" in message.body
    assert message.body.endswith("French «troops» arrived.")


def test_matches_in_the_title_are_highlighted_once_in_the_body() -> None:
    built = alert(title="Macron sends troops to Kyiv", spans=(Span("title", 2, 3),))
    assert Alert.from_payload(built.to_payload()) == built
    html = render(built, "html", ZoneInfo("UTC"))
    assert html.title == "[rule-1] Macron sends troops to Kyiv"  # a subject: plain text
    assert html.body.startswith("Macron sends <b>troops</b> to Kyiv<br>\n")
    assert html.body.count("Kyiv") == 1
    assert render(built, "markdown", ZoneInfo("UTC")).body.startswith("Macron sends **troops**")
    assert html.text is not None
    assert html.text.startswith("Macron sends «troops» to Kyiv\n")
    payload = built.to_payload()
    del payload["title_highlights"]  # queued before titles were highlighted
    assert Alert.from_payload(payload).title_highlights == ()


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_feed_text_cannot_inject_markup(fmt: Format) -> None:
    message = render(alert(title=EVIL, text=EVIL, spans=()), fmt, ZoneInfo("UTC"))
    if fmt == "html":
        assert "<b>x</b>" not in message.body
        assert "&lt;b&gt;x&lt;/b&gt;" in message.body
        assert '<a href="https://example.org/a?b=1&amp;c=%282%29">' in message.body
    else:
        assert re.search(r"(?<!\\)\[z\]", message.body) is None  # no link: its `[` escaped
        assert r"\[z](http://evil)" in message.body
        assert r"\*y\*" in message.body
        assert r"\_u\_" in message.body


def test_markdown_and_html_emphasise_matched_words() -> None:
    assert "French **troops** arrived\\." in render(alert(), "markdown", ZoneInfo("UTC")).body
    assert "French <b>troops</b> arrived." in render(alert(), "html", ZoneInfo("UTC")).body


def digest_entry(title: str, rules: tuple[str, ...], hour: int) -> Alert:
    return Alert(
        rules=rules,
        title=title,
        feed="Wire",
        link=f"https://example.org/{hour}",
        published=datetime(2026, 11, 24, hour, 0, tzinfo=UTC),
        snippet="",
        highlights=(),
        actors=(),
    )


def test_digest_groups_by_rule_in_the_given_order_and_escapes() -> None:
    alerts = [
        digest_entry("Newest <b>x</b>", ("troops",), 12),
        digest_entry("Other rule", ("warns",), 11),
        digest_entry("Oldest", ("troops",), 9),
    ]

    message = render_digest(alerts, "html", ZoneInfo("UTC"))

    assert message.title == "[digest] 3 alerts"
    assert message.text is not None
    assert message.text.startswith("troops (2):\n• Newest <b>x</b> — Wire, 2026-11-24 12:00 UTC")
    lines = message.body.split("<br>\n")
    assert lines[0] == "<b>troops (2):</b>"
    assert lines[1].startswith("• Newest &lt;b&gt;x&lt;/b&gt; — Wire, 2026-11-24 12:00 UTC")
    assert lines[1].endswith('<a href="https://example.org/12">https://example.org/12</a>')
    assert lines[2].startswith("• Oldest")
    assert lines[4] == "<b>warns (1):</b>"


def test_long_digests_are_cut_between_entries() -> None:
    alerts = [digest_entry(f"Story {n} " + "word " * 40, ("r",), n % 24) for n in range(200)]

    message = render_digest(alerts, "markdown", ZoneInfo("UTC"), limit=4000)

    assert len(message.body) <= 4000
    last = message.body.splitlines()[-1]
    assert last.startswith("… and ")
    assert "more lines: see" in last
    assert all(line.startswith(("•", "**", "…")) for line in message.body.splitlines())


def test_very_long_titles_are_cut_at_a_word() -> None:
    long_title = "Troops " * 100
    built = alert(title=long_title)
    assert len(built.title) <= 250
    assert built.title.endswith("Troops…")


def test_an_alert_names_its_story_and_the_other_outlets_escaped() -> None:
    sources = ("Le Monde", "AFP", "BBC", "DW", "NHK", EVIL)
    later = replace(alert(), sources=sources, story="Macron: *troops* not ruled out")
    restored = Alert.from_payload(later.to_payload())
    assert restored == later
    assert Alert.from_payload(alert().to_payload() | {"sources": []}).sources == ()

    body = render(later, "markdown", ZoneInfo("UTC")).body
    assert "**Part of:** Macron: \\*troops\\* not ruled out" in body
    assert "**Also in:** +6 sources: Le Monde, AFP, BBC, DW, NHK, …" in body
    digest = render_digest([later, alert()], "html", ZoneInfo("UTC")).body
    assert "Wire &lt;1&gt; (+6 sources: Le Monde, AFP, BBC, DW, NHK, …)" in digest
    assert digest.count("Troops in Ukraine") == 2
    assert sources_line(["AFP"]) == "+1 source: AFP"


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_the_prominence_is_one_line_of_the_alert_and_in_its_payload(fmt: Format) -> None:
    item = Item("Wire", "k", "s", "Troops", "Troops left.", None, None)
    scored = build_alert(item, ["rule-1"], [Span("title", 0, 1)], [], 75)
    assert Alert.from_payload(scored.to_payload()) == scored
    assert scored.to_payload()["prominence"] == 75
    assert "Prominence" in render(scored, fmt, ZoneInfo("UTC")).body
    assert "75/100" in render(scored, fmt, ZoneInfo("UTC")).body
    payload = scored.to_payload()
    del payload["prominence"]  # queued before alerts were scored
    assert "Prominence" not in render(Alert.from_payload(payload), fmt, ZoneInfo("UTC")).body
