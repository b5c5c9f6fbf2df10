"""Alert templates: escaping whatever the template does with a value, the sandbox, and the
problems `check` reports."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.delivery.alerts import Alert, sample_alert
from monitor.delivery.escaping import FORMATS, Format
from monitor.delivery.render import context, render, template_problems
from monitor.delivery.templates import VARIABLES, Template

EVIL = "<b>x</b> *y* [l](http://evil) & 'q'"
ALERT = Alert(
    rules=("r-1",),
    title=EVIL,
    feed=EVIL,
    link="https://example.org/a?b=1&c=2",
    published=datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
    snippet="",
    highlights=(),
    actors=(EVIL,),
)
UTC_ZONE = ZoneInfo("UTC")


def body(source: str, fmt: Format = "markdown", alert: Alert = ALERT) -> str:
    return render(alert, fmt, UTC_ZONE, template=Template(body=source)).body


@pytest.mark.parametrize(
    "source",
    [
        "{{ feed|upper|lower }}",
        "{{ actors|join(' ') }}",
        "{{ feed ~ '' }}",
        "{{ [feed]|first }}",
        "{% set f = feed %}{{ f }}",
        "{{ '%s'|format(feed) }}",
        "{{ feed|e }}",
        "{{ feed|safe }}",
        "{{ feed|tojson }}",
        "{{ link_to('x', '%s')|format(feed) }}",  # into media-monitor's own markup
        "{{ headline|replace('x', feed|safe) }}",
        "{{ [headline, feed|safe]|join(' ') }}",
    ],
)
def test_a_value_is_escaped_whatever_the_template_does_with_it(source: str) -> None:
    assert "<b>" not in body(source, "html").lower()
    assert re.search(r"(?<!\\)\[l\]", body(source, "markdown").lower()) is None


@pytest.mark.parametrize("source", ["{{ title|e }}", "{{ title|safe }}", "{{ title }}"])
def test_an_escaped_value_shows_as_written_in_text(source: str) -> None:
    assert body(source, "text") == EVIL  # `|e` does not show `&lt;`


def test_the_templates_own_markup_is_kept_and_a_missing_value_prints_nothing() -> None:
    assert body("<i>{{ language }}</i>|{{ prominence }}|", "html") == "<i></i>||"
    assert body("**{{ rules[0] }}**") == "**r\\-1**"


def test_the_title_is_plain_text_on_one_line() -> None:
    title = Template(title="{{ title }}\n{{ feed }}")
    assert render(ALERT, "html", UTC_ZONE, template=title).title == f"{EVIL} {EVIL}"


def test_times_are_in_the_channels_zone_and_may_be_formatted() -> None:
    paris = render(
        ALERT,
        "text",
        ZoneInfo("Europe/Paris"),
        template=Template(body="{{ published_at }}|{{ published.strftime('%d/%m %Hh') }}"),
    )
    assert paris.body == "2026-07-01 14:00 CEST|01/07 14h"


def test_every_variable_is_in_the_context() -> None:
    assert set(context(ALERT, "text", UTC_ZONE)) == VARIABLES


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("{% if %}", "body: line 1: Expected an expression"),
        ("{{ headlines }}", "body: unknown variable 'headlines'"),
        ("{{ title.nope }}", "body: 'str object' has no attribute 'nope'"),
        ("{{ ''.__class__.__mro__ }}", "body: not allowed in the template sandbox"),
        ("{{ rules.append('x') }}", "body: not allowed in the template sandbox"),
        ("{{ 1 // 0 }}", "body: ZeroDivisionError"),
        (
            "{% for a in title %}{% for b in title %}{% for c in title %}{{ c }}{% endfor %}"
            "{% endfor %}{% endfor %}",
            "body: the loops went through more than 10,000 items",
        ),
        ("{% for i in range(99999) %}{% endfor %}", "body: the loops went through more than"),
        ("{{ 'x' * 1000000000 }}", "body: a repetition longer than 100,000"),
        ("{{ rules * 1000000000 }}", "body: a repetition longer than 100,000"),
        ("{{ 2 ** 1000000 }}", "body: 2 ** 1000000 is too large"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_broken_template_is_a_problem_saying_where(
    source: str, problem: str, fmt: Format
) -> None:
    (found,) = template_problems(Template(body=source), fmt, "UTC")
    assert found.startswith(problem), found


def test_loops_and_repetitions_within_the_bounds_render() -> None:
    source = (
        "{% for r in rules * 2 %}{{ loop.index }}{{ r }} {% else %}none{% endfor %}{{ 2 ** 8 }}"
    )
    assert body(source, "text") == "1r-1 2r-1 256"
    assert (
        body("{% for i in range(9999) %}{% endfor %}{% for i in [] %}{% else %}-{% endfor %}")
        == "-"
    )


def test_a_working_template_has_no_problem_and_renders_the_sample() -> None:
    template = Template(title="{{ title }}", body="{{ headline }} {{ sources|join(', ') }}")
    assert template_problems(template, "html", "Europe/Paris") == []
    sample = render(sample_alert(datetime.now(UTC)), "html", UTC_ZONE, template=template)
    assert "<b>matched words</b>" in sample.body
    assert sample.text is None  # a template of one's own is converted to text by Apprise
