"""The rules' sections checked: actors' and topics' aliases, each `[[rules]]` entry's query,
channels and feed scope, and the rules' own examples (`must_match`, `must_not_match`)."""

from collections.abc import Mapping
from dataclasses import replace
from textwrap import shorten

from pydantic import ValidationError

from monitor.config.entries import Entry, describe, validate_named
from monitor.config.model import ActorSpec, Channel, FeedSpec, Rule, RuleSpec, TopicSpec
from monitor.rules.lint import matches_without_terms
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.nodes import Term
from monitor.rules.query import QueryError, parse, parse_alias

# Rules compile into one automaton in well under a second up to here (docs/performance.md).
MAX_RULES = 20_000


def _aliases(entry: Entry, kind: str, words: tuple[str, ...], errors: list[str]) -> list[Term]:
    terms = []
    for alias in words:
        try:
            terms.append(parse_alias(alias))
        except QueryError as exc:
            shown = alias if len(alias) <= 60 else f"{alias[:60]}…"
            errors.append(f"{entry.file}: {kind} '{entry.name}': alias {shown!r}: {exc.message}")
    return terms


def read_vocabulary(tables: Mapping[str, Mapping[str, Entry]], errors: list[str]) -> Vocabulary:
    """The `[actors.NAME]` and `[topics.NAME]` sections: each name's aliases, parsed."""
    actors: dict[str, list[Term]] = {}
    topics: dict[str, list[Term]] = {}
    for kind, model, target in (("actor", ActorSpec, actors), ("topic", TopicSpec, topics)):
        for name, entry in tables[f"{kind}s"].items():
            try:
                spec = model.model_validate(entry.body)
            except ValidationError as exc:
                errors.extend(f"{entry.file}: {kind} '{name}': {m}" for m in describe(exc))
                continue
            target[name] = _aliases(entry, kind, spec.words, errors)
    for name in actors.keys() & topics.keys():
        errors.append(
            f"{tables['topics'][name].file}: topic '{name}' has the name of actor "
            f"'{name}' in {tables['actors'][name].file}; @{name} must name one thing"
        )
    return Vocabulary(actors=actors, topics=topics)


def checked_rules(
    entries: list[Entry],
    feeds: Mapping[str, tuple[FeedSpec, Entry]],
    channels: Mapping[str, Channel],
    vocabulary: Vocabulary,
    errors: list[str],
) -> dict[str, Rule]:
    tags = {tag for feed, _entry in feeds.values() for tag in feed.tags}
    if len(entries) > MAX_RULES:
        errors.append(f"{len(entries):,} rules: at most {MAX_RULES:,} can be configured")
        return {}
    rules = {}
    specs = validate_named(entries, "rule", RuleSpec, errors, keep=lambda spec: spec)
    for name, (spec, entry) in specs.items():
        where = f"{entry.file}: rule '{name}'"
        problems = [f"{where}: unknown channel '{c}'" for c in spec.channels if c not in channels]
        for scope in spec.feeds:
            known = scope[4:] in tags if scope.startswith("tag:") else scope in feeds
            if not known:
                problems.append(
                    f"{where}: feeds: no feed {'has' if ':' in scope else 'is'} {scope!r}"
                )
        try:
            node = parse(spec.query)
            refused = vocabulary.unknown(node) or matches_without_terms(node)
            if refused is not None:
                raise refused
        except QueryError as exc:
            problems.append(f"{where}: {exc.render(spec.query)}")
        errors.extend(problems)
        if not problems:
            examples = tuple(spec.examples())
            rule = Rule(name, spec.query, node, spec.channels, spec.feeds, entry.file, examples)
            rules[name] = replace(
                rule, story=spec.story_rule, enabled=spec.enabled, min_prominence=spec.floor
            )
    return rules


def failed_examples(rules: Mapping[str, Rule], matcher: Matcher) -> list[str]:
    """Every rule example that the rule does not judge as its author said it would."""
    failures = []
    for rule in rules.values():
        only = {rule.name}
        for expected, number, example in rule.examples:
            matched = bool(matcher.match(example.title, example.text, only=only).matches)
            if matched != expected:
                kind, verdict = (
                    ("must_match", "does not match") if expected else ("must_not_match", "matches")
                )
                shown = " | ".join(part for part in (example.title, example.text) if part)
                failures.append(
                    f"{rule.file}: rule '{rule.name}': {kind} example {number} {verdict}: "
                    f"{shorten(shown, 80)!r}"
                )
    return failures
