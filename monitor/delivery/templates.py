"""Alert templates: Jinja2 in its immutable sandbox, every value escaped for the channel's
format (pure).

A template is the user's: literal text in it is markup of the channel's format (`<b>` in
`html`, `**` in `markdown`), written as it stands. Every `{{ value }}` is escaped for that format
(`escaping.escape`) unless it is markup media-monitor made (`headline`, `snippet`, `link_to`, of
a private type checked exactly: `_made`), so a feed cannot inject markup through any variable,
whatever filters the template applies: the markup of Jinja2's own filters (`|safe`, `|e`,
`|tojson`) is read back as text and escaped like any value.
The title is plain text in every format: it is an email's Subject, or a webhook's `title`.
Undefined names are errors (`StrictUndefined`), and the sandbox refuses Python internals. A
template's loops and repetitions are bounded (`LOOP_BUDGET`, `PRODUCT_LIMIT`): one that would
never finish is an error, not a hang.

Jinja2 costs ~35 ms to import: it is imported on the first template compiled, so commands that
render nothing (and `check` of a config without templates) never load it.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from monitor.delivery.escaping import Format, escape, one_line
from monitor.display import visible

if TYPE_CHECKING:
    import jinja2

TITLE_FORMAT: Format = "text"  # the title is plain text everywhere


@dataclass(frozen=True, slots=True)
class Template:
    """A channel's `template`: Jinja2 sources of the title and body; None: the default."""

    title: str | None = None
    body: str | None = None


class AlertTemplateError(Exception):
    """A template that does not compile or render; the message says where and why."""


# Every name a template may use (README, "Templates").
VARIABLES = frozenset(
    {
        "title",
        "headline",
        "link",
        "link_to",
        "feed",
        "publisher",
        "published",
        "published_at",
        "timezone",
        "rules",
        "actors",
        "snippet",
        "snippet_text",
        "language",
        "sources",
        "story",
        "priority",
        "prominence",
    }
)

DEFAULT_TITLE = '[{{ rules|join(", ") }}] {{ title }}'
# The default bodies: what `media-monitor` sends unless a channel sets `template.body`; the
# labels are the template's text, so a template of one's own can say them in any language.
_DEFAULT_TEXT = """\
{{ headline }}
Source: {{ feed }}{% if publisher %} ({{ publisher }}){% endif +%}
Published: {{ published_at or "not given by the feed" }}
Rules: {{ rules|join(", ") }}
{% if actors %}
Actors: {{ actors|join(", ") }}
{% endif %}
{% if language %}
Language: {{ language }}
{% endif %}
{% if prominence is not none %}
Prominence: {{ prominence }}/100
{% endif %}
{% if story %}
Part of: {{ story }}
{% endif %}
{% if sources %}
Also in: +{{ sources|length }} source{{ "s" if sources|length != 1 else "" }}: \
{{ sources[:5]|join(", ") }}{{ ", …" if sources|length > 5 else "" }}
{% endif %}
{% if link %}
Link: {{ link_to(link) }}
{% endif %}
{% if snippet %}

{{ snippet }}
{% endif %}
"""
_DEFAULT_MARKDOWN = """\
{{ headline }}
**Source:** {{ feed }}{% if publisher %} ({{ publisher }}){% endif +%}
**Published:** {{ published_at or "not given by the feed" }}
**Rules:** {{ rules|join(", ") }}
{% if actors %}
**Actors:** {{ actors|join(", ") }}
{% endif %}
{% if language %}
**Language:** {{ language }}
{% endif %}
{% if prominence is not none %}
**Prominence:** {{ prominence }}/100
{% endif %}
{% if story %}
**Part of:** {{ story }}
{% endif %}
{% if sources %}
**Also in:** +{{ sources|length }} source{{ "s" if sources|length != 1 else "" }}: \
{{ sources[:5]|join(", ") }}{{ ", …" if sources|length > 5 else "" }}
{% endif %}
{% if link %}
**Link:** {{ link_to(link) }}
{% endif %}
{% if snippet %}

{{ snippet }}
{% endif %}
"""


def _hard_breaks(source: str) -> str:
    """Every line that prints something ended with two spaces, CommonMark's hard line break
    (Matrix renders Markdown as it stands, without the newline-to-`<br>` that email gets)."""
    lines = source.split("\n")
    return "\n".join(f"{line}  " if line and not line.startswith("{%") else line for line in lines)


_DEFAULT_HTML = """\
{{ headline }}<br>
<b>Source:</b> {{ feed }}{% if publisher %} ({{ publisher }}){% endif +%}<br>
<b>Published:</b> {{ published_at or "not given by the feed" }}<br>
<b>Rules:</b> {{ rules|join(", ") }}<br>
{% if actors %}
<b>Actors:</b> {{ actors|join(", ") }}<br>
{% endif %}
{% if language %}
<b>Language:</b> {{ language }}<br>
{% endif %}
{% if prominence is not none %}
<b>Prominence:</b> {{ prominence }}/100<br>
{% endif %}
{% if story %}
<b>Part of:</b> {{ story }}<br>
{% endif %}
{% if sources %}
<b>Also in:</b> +{{ sources|length }} source{{ "s" if sources|length != 1 else "" }}: \
{{ sources[:5]|join(", ") }}{{ ", …" if sources|length > 5 else "" }}<br>
{% endif %}
{% if link %}
<b>Link:</b> {{ link_to(link) }}<br>
{% endif %}
{% if snippet %}
<br>
{{ snippet }}
{% endif %}
"""
DEFAULT_BODIES: Mapping[Format, str] = {
    "text": _DEFAULT_TEXT,
    "markdown": _hard_breaks(_DEFAULT_MARKDOWN),
    "html": _DEFAULT_HTML,
}


@lru_cache(maxsize=4)
def _made(fmt: Format) -> type:
    """The markup media-monitor writes in `fmt` (`markup`): the only markup a template prints
    as it stands, known by its exact type. Whatever is added to it, joined with it or put into
    it (`%`, `format`, `replace`: markupsafe passes each through `escape`) is escaped for `fmt`,
    not for HTML as markupsafe's own `Markup` would do."""
    from markupsafe import Markup  # noqa: PLC0415 (with Jinja2, on first use)

    class Made(Markup):
        __slots__ = ()

        @classmethod
        def escape(cls, s: Any) -> "Made":
            return s if type(s) is cls else cls(escape(plain(s), fmt))

    return Made


def plain(value: Any) -> str:
    """A value as the plain text it stands for: markup that is not media-monitor's (a
    template's `|e`, `|safe`, `|tojson`) is not trusted, and its HTML entities are read back
    (`|e` then shows `<`, not `&lt;`, once escaped for the format)."""
    from markupsafe import Markup  # noqa: PLC0415

    return str(value.unescape()) if isinstance(value, Markup) else str(value)


def _finalizer(fmt: Format) -> Callable[[Any], Any]:
    made = _made(fmt)

    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if type(value) is made:
            return value
        # In html, autoescaping follows; elsewhere this is the escaping.
        return visible(plain(value)) if fmt == "html" else escape(plain(value), fmt)

    return finalize


# A template's work is bounded, so that `check` ends and a delivery is never held by one: the
# items all its loops go through in one rendering, and the size of what `*` and `**` make.
LOOP_BUDGET = 10_000
PRODUCT_LIMIT = 100_000  # characters or items of `'x' * n`, digits of `n ** m`
_BUDGET = "_loop_budget"  # the global each `{% for %}` is made to iterate through
_spent: ContextVar[list[int]] = ContextVar("template_loops")


def _budgeted(iterable: Iterable[Any]) -> Iterator[Any]:
    """`iterable`, counted against the rendering's `LOOP_BUDGET`."""
    spent = _spent.get()
    for item in iterable:
        spent[0] += 1
        if spent[0] > LOOP_BUDGET:
            raise AlertTemplateError(f"the loops went through more than {LOOP_BUDGET:,} items")
        yield item


def _bounded_product(operator: str, left: Any, right: Any) -> Any:
    """`left * right` or `left ** right`, refused when the result would be huge."""
    if operator == "**":
        whole = isinstance(left, int) and isinstance(right, int) and abs(left) > 1
        if whole and right * math.log10(abs(left)) > PRODUCT_LIMIT:
            raise AlertTemplateError(f"{left} ** {right} is too large")
        return left**right
    for size, times in ((left, right), (right, left)):
        repeated = isinstance(size, str | list | tuple) and isinstance(times, int)
        if repeated and len(size) * times > PRODUCT_LIMIT:
            raise AlertTemplateError(f"a repetition longer than {PRODUCT_LIMIT:,}")
    return left * right


@lru_cache(maxsize=4)
def _environment(fmt: Format) -> "jinja2.Environment":
    from jinja2 import StrictUndefined  # noqa: PLC0415 (see the module's docstring)
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: PLC0415

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            return _bounded_product(operator, left, right)

    env = Bounded(
        autoescape=fmt == "html",
        finalize=_finalizer(fmt),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals[_BUDGET] = _budgeted
    return env


def _count_loops(tree: "jinja2.nodes.Template", env: "jinja2.Environment") -> None:
    """Make every `{% for x in items %}` of `tree` go through `_budgeted(items)`."""
    from jinja2 import nodes  # noqa: PLC0415

    for loop in tree.find_all(nodes.For):
        counted = nodes.Call(
            nodes.Name(_BUDGET, "load"), [loop.iter], [], None, None, lineno=loop.lineno
        )
        loop.iter = counted.set_environment(env)


@lru_cache(maxsize=256)
def compiled(source: str, fmt: Format) -> "jinja2.Template":
    """`source` compiled for `fmt`; raises `AlertTemplateError` for a syntax error or a name that
    is not a template variable."""
    from jinja2 import TemplateSyntaxError, meta  # noqa: PLC0415

    env = _environment(fmt)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise AlertTemplateError(f"line {exc.lineno}: {exc.message}") from None
    unknown = sorted(meta.find_undeclared_variables(tree) - VARIABLES)
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise AlertTemplateError(
            f"unknown variable {names} (the README lists the variables, under Templates)"
        )
    _count_loops(tree, env)
    return env.from_string(tree)


def markup(value: str, fmt: Format) -> Any:
    """`value`, already written in `fmt` (feed text escaped by `escaping`), marked so that it
    is not escaped again."""
    return _made(fmt)(value)


def fill(source: str, fmt: Format, context: Mapping[str, Any]) -> str:
    """`source` rendered with `context`; raises `AlertTemplateError` for any failure."""
    from jinja2 import TemplateError  # noqa: PLC0415
    from jinja2.exceptions import SecurityError  # noqa: PLC0415

    template = compiled(source, fmt)
    budget = _spent.set([0])
    try:
        return template.render(context)
    except AlertTemplateError:
        raise
    except SecurityError as exc:
        raise AlertTemplateError(f"not allowed in the template sandbox: {exc}") from None
    except TemplateError as exc:
        raise AlertTemplateError(str(exc)) from None
    except Exception as exc:  # a template can raise anything Python can
        raise AlertTemplateError(f"{type(exc).__name__}: {exc}") from None
    finally:
        _spent.reset(budget)


def fill_title(source: str, context: Mapping[str, Any]) -> str:
    """A title template rendered as plain text on one line."""
    return one_line(fill(source, TITLE_FORMAT, context))
