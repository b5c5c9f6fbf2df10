"""The storm guard (pure): how many stories one poll may alert about, per feed and per rule, in
the poll and over the last hour. What goes over is recorded as seen, like any story, and told in
one summary alert per channel ("…and 9,812 more from Wire"), never dropped in silence.

A feed that floods (a publisher's glitch, a hostile feed, a rule too broad for a big day) would
otherwise queue thousands of alerts in one poll, burying the few that matter and the channel's
rate limits with them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from monitor.delivery.alerts import Alert, cut
from monitor.model import Decision, NewStory, QueuedAlert, StoryChanges
from monitor.stories.grouping import SPIKE_PREFIX, SPREAD_PREFIX

SUMMARY_KEY = "storm:"  # the story keys of summaries start so; they count toward no cap
SHOWN_TITLES = 5  # titles of held-back stories a summary lists


@dataclass(frozen=True, slots=True)
class StormLimits:
    """The caps, as the settings set them: stories alerted per feed and per rule."""

    feed_per_poll: int
    feed_per_hour: int
    rule_per_poll: int
    rule_per_hour: int


@dataclass(frozen=True, slots=True)
class RecentAlerts:
    """Stories queued to alert over the last hour, counted per feed and per rule."""

    by_feed: Mapping[str, int] = field(default_factory=dict)
    by_rule: Mapping[str, int] = field(default_factory=dict)


@dataclass
class _Budget:
    """What is left to alert in this poll: for the feed, and for each rule met so far."""

    limits: StormLimits
    recent: RecentAlerts
    feed: int
    rules: dict[str, int] = field(default_factory=dict)

    def rule(self, name: str) -> int:
        if name not in self.rules:
            hourly = self.limits.rule_per_hour - self.recent.by_rule.get(name, 0)
            self.rules[name] = max(min(self.limits.rule_per_poll, hourly), 0)
        return self.rules[name]


def _kept(alerts: Sequence[QueuedAlert], allowed: set[str]) -> tuple[QueuedAlert, ...]:
    """`alerts` naming only the `allowed` rules; an alert left with none goes."""
    kept = []
    for alert in alerts:
        rules = [r for r in alert.rules if r in allowed]
        if rules == alert.rules:
            kept.append(alert)
        elif rules:
            kept.append(replace(alert, rules=rules, payload={**alert.payload, "rules": rules}))
    return tuple(kept)


def guard(
    decision: Decision, limits: StormLimits, recent: RecentAlerts
) -> tuple[Decision, dict[str, int]]:
    """`decision` with its alerts within the caps (stories in the feed's order), plus one
    summary story whose alerts tell each channel what it was not sent; and how many stories
    each channel was not sent (empty when nothing went over)."""
    hourly = limits.feed_per_hour - recent.by_feed.get(decision.feed, 0)
    budget = _Budget(limits, recent, max(min(limits.feed_per_poll, hourly), 0))
    stories: list[NewStory] = []
    held: dict[str, list[tuple[str, list[str]]]] = {}  # channel: (title, rules) not sent
    for story in decision.stories:
        if not story.alerts:
            stories.append(story)
            continue
        named = dict.fromkeys(r for a in story.alerts for r in a.rules)
        allowed = {r for r in named if budget.rule(r) > 0} if budget.feed > 0 else set()
        kept = _kept(story.alerts, allowed)
        if kept:
            budget.feed -= 1
            for name in allowed:
                budget.rules[name] -= 1
        sent = {a.channel for a in kept}
        for alert in story.alerts:
            if alert.channel not in sent:
                held.setdefault(alert.channel, []).append((story.title, alert.rules))
        stories.append(replace(story, alerts=kept))
    if not held:
        return decision, {}
    summary = NewStory(
        f"{SUMMARY_KEY}{decision.feed}:{decision.polled_at.isoformat()}",
        f"Storm guard: {decision.feed}",
        tuple(_summary(decision.feed, ch, lost, decision.polled_at) for ch, lost in held.items()),
    )
    counts = {channel: len(lost) for channel, lost in held.items()}
    changes = _changes_kept(decision.story_changes, stories)
    return replace(decision, stories=(*stories, summary), story_changes=changes), counts


def _kind(story: NewStory) -> str:
    """The kind of mark an alert of `story` sets (see `stories/grouping`)."""
    if story.story_key.startswith(SPREAD_PREFIX):
        return "spread"
    return "spike" if story.story_key.startswith(SPIKE_PREFIX) else "alert"


def _changes_kept(changes: StoryChanges | None, kept: Sequence[NewStory]) -> StoryChanges | None:
    """The stories stage's `changes` without what the guard held back: a rule whose alerts were
    all held has not started its cooldown, and a spreading alert held was not told (it may be
    raised again)."""
    if changes is None:
        return None
    alerted = {(rule, _kind(s)) for s in kept for a in s.alerts for rule in a.rules}
    told = {s.story_key for s in kept if s.alerts}
    return replace(
        changes,
        marks=tuple(mark for mark in changes.marks if mark in alerted),
        spread=tuple(key for key in changes.spread if f"{SPREAD_PREFIX}{key}" in told),
    )


def _summary(
    feed: str, channel: str, lost: list[tuple[str, list[str]]], now: datetime
) -> QueuedAlert:
    """The alert telling `channel` which stories of `feed` it was not sent."""
    rules = list(dict.fromkeys(r for _title, named in lost for r in named))
    titles = "; ".join(cut(title, 120) for title, _named in lost[:SHOWN_TITLES])
    more = len(lost) - SHOWN_TITLES
    alert = Alert(
        rules=tuple(rules),
        title=f"…and {len(lost):,} more from {feed} (over the alert limits)",
        feed=feed,
        link=None,
        published=now,
        snippet=titles + (f"; and {more:,} more" if more > 0 else ""),
        highlights=(),
        actors=(),
    )
    return QueuedAlert(channel, rules, alert.to_payload())
