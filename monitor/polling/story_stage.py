"""The stories stage of a poll, between `decide` and `apply`: the matched items' fingerprints,
the stories they may belong to and the rules' counts and marks read from the state, and
`stories.grouping.plan_stories` deciding what that changes. The poller holds its lock
(`poller._STORIES_AND_WRITE`) from these reads to `apply`'s commit, so no other poll of this
process writes in between."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from monitor.config.model import Config
from monitor.items import Item
from monitor.model import Decision
from monitor.state.store import Store
from monitor.stories.grouping import Arrival, StoryContext, plan_stories
from monitor.stories.signals import bucket, spike


def with_stories(
    store: Store, config: Config, decision: Decision, items: Sequence[Item]
) -> Decision:
    """`decision` with its matched stories placed among the stories of the last
    `story_window`, and the follow-up alerts they raise."""
    first: dict[str, Item] = {}
    for item in items:
        first.setdefault(item.story_key, item)
    arrivals = [
        Arrival.of(first[s.story_key], s)
        for s in decision.stories
        if s.alerts and s.story_key in first
    ]
    if not arrivals:
        return decision
    now = decision.polled_at
    candidates = store.story_candidates(
        [a.bands for a in arrivals], now - config.settings.story_window
    )
    arrivals = [
        replace(a, candidates=tuple(keys), crowded=frozenset(crowded))
        for a, (keys, crowded) in zip(arrivals, candidates, strict=True)
    ]
    known = store.known_stories(key for keys, _ in candidates for key in keys)
    rules = config.rules
    matched = sorted({r for a in arrivals for r in a.rules})
    spikes = {r: s for r in matched if r in rules and (s := rules[r].story.spike) is not None}
    baseline = max((s.baseline for s in spikes.values()), default=timedelta(0))
    counts = store.rule_counts(sorted(spikes), now - baseline) if spikes else {}
    # The biggest stories (a sort over the window) are read only for a rule that may spike.
    surging = [
        rule
        for rule, setting in spikes.items()
        if spike(
            Counter(counts.get(rule, {}))
            + Counter({bucket(now): sum(rule in a.rules for a in arrivals)}),
            setting,
            now,
        )
    ]
    window = min((spikes[r].window for r in surging), default=timedelta(0))
    context = StoryContext(
        rules={name: rule.story for name, rule in rules.items()},
        channels_of_rule={name: rule.channels for name, rule in rules.items()},
        marks=store.story_marks(matched),
        counts=counts,
        top=store.top_stories(surging, now - window) if surging else {},
    )
    return plan_stories(decision, arrivals, known, context)
