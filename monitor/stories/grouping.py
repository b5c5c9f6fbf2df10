"""Which story each newly matched item belongs to, and what follows (pure: the stories the
state knows, the poll's decision and `now` in; the decision to write out).

- An item whose fingerprint is close enough to a known story's (`fingerprint.THRESHOLD`) joins
  it: it is recorded on the story as a source, and alerts only for rules the story had not
  matched before (it brings new information), naming the story. Otherwise it starts a story
  and alerts as it always did.
- A story that reaches a rule's `spread` raises one follow-up alert; a rule whose matches
  spike raises one too, naming its biggest stories. Both respect the rule's follow-up cooldown.
- Every alert carries its priority; an alert all of whose rules are in their `cooldown` goes
  to a digest (priority low) instead of out at once.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urlsplit

from monitor.delivery.alerts import Alert
from monitor.items import Item
from monitor.model import (
    BAND_CAP,
    Decision,
    KnownStory,
    NewStory,
    QueuedAlert,
    StoryChanges,
    StoryMember,
)
from monitor.stories.fingerprint import THRESHOLD, Fingerprint, fingerprint
from monitor.stories.signals import StoryRule, bucket, cooled, priority_of, spike, spreads

TOP_STORIES = 3  # named in a spike alert


# The story keys of follow-up alerts: a story spreading, a rule spiking.
SPREAD_PREFIX = "spread:"
SPIKE_PREFIX = "spike:"


@dataclass(frozen=True, slots=True)
class Arrival:
    """A story of this poll that matched: the item, the story as `decide` made it, and the
    item's content fingerprint."""

    item: Item
    story: NewStory
    fingerprint: Fingerprint  # and its bands, below
    bands: tuple[int, ...]
    candidates: tuple[str, ...] = ()  # the known stories it may belong to (by their keys)
    crowded: frozenset[int] = frozenset()  # its bands that too many stories share already

    @property
    def rules(self) -> list[str]:
        """The rules it matched (on any channel)."""
        return list(dict.fromkeys(r for a in self.story.alerts for r in a.rules))

    @classmethod
    def of(cls, item: Item, story: NewStory) -> "Arrival":
        """The arrival of `item`, fingerprinted."""
        print_ = fingerprint(item.title, item.text)
        return cls(item, story, print_, tuple(print_.bands()))


@dataclass(frozen=True, slots=True)
class StoryContext:
    """What the stories stage reads besides the stories: the rules' settings and channels,
    the last alert of each (rule, kind), the rules' match counts by bucket, and the biggest
    recent stories of each rule (titles), all from the state."""

    rules: Mapping[str, StoryRule]
    channels_of_rule: Mapping[str, Sequence[str]]
    marks: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    counts: Mapping[str, Mapping[datetime, int]] = field(default_factory=dict)
    top: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass
class _Story:
    """A story as this poll sees it, changed as items join."""

    key: str
    title: str
    first_seen_at: datetime
    rules: set[str]
    hosts: set[str]
    feeds: list[str]  # the first item's feed, then each later source's
    prints: list[Fingerprint]
    spread_at: datetime | None = None

    @classmethod
    def known(cls, story: KnownStory) -> "_Story":
        return cls(
            story.key,
            story.title,
            story.first_seen_at,
            set(story.rules),
            set(story.hosts),
            [story.feed, *story.sources],
            [Fingerprint.from_bytes(s) for s in story.signatures],
            story.spread_at,
        )

    def similarity(self, other: Fingerprint) -> float:
        return max((p.similarity(other) for p in self.prints), default=0.0)


def host_of(item: Item) -> str:
    """The publisher an item counts as: its link's host (without `www.`), else its feed."""
    host = urlsplit(item.link).hostname if item.link else None
    return host.removeprefix("www.") if host else item.feed


class _Planner:
    """One poll's stories stage (the working state of `plan_stories`)."""

    def __init__(self, known: Sequence[KnownStory], ctx: StoryContext, now: datetime) -> None:
        self.known = {k.key: _Story.known(k) for k in known}
        # The stories this poll's items joined or started, by their prints' bands: how a later
        # item of the same poll finds them (comparing it with every one would be quadratic).
        self.by_band: dict[int, list[_Story]] = {}
        self.ctx, self.now = ctx, now
        self.marks = dict(ctx.marks)
        self.members: list[StoryMember] = []
        self.spread: list[str] = []
        self.follow_ups: list[NewStory] = []

    def place(self, arrival: Arrival) -> NewStory:
        """Record `arrival` on its story (found or new); its alerts, what is left of them."""
        item, print_ = arrival.item, arrival.fingerprint
        rules = arrival.rules
        bands = arrival.bands
        near = {id(s): s for s in (self.known[k] for k in arrival.candidates if k in self.known)}
        near |= {id(s): s for band in bands for s in self.by_band.get(band, ())}
        scored = [(s.similarity(print_), s) for s in near.values()]
        score, story = max(scored, key=lambda p: p[0], default=(0.0, None))
        alerts = arrival.story.alerts
        if story is None or score < (1.0 if print_.short else THRESHOLD):
            story = _Story(
                arrival.story.story_key, item.title, self.now, set(), set(), [item.feed], []
            )
        else:
            alerts = self._news(alerts, story)
            if item.feed not in story.feeds:
                story.feeds.append(item.feed)
        story.rules.update(rules)
        story.hosts.add(host_of(item))
        story.prints.append(print_)
        for band in bands:
            holders = self.by_band.setdefault(band, [])
            # A band many stories share ("moscow warns") tells nothing: as in the state, it is
            # not followed for more than `BAND_CAP` stories.
            if len(holders) < BAND_CAP:
                holders.append(story)
        self.members.append(
            StoryMember(
                arrival.story.story_key,
                story.key,
                item.feed,
                host_of(item),
                item.title,
                print_.to_bytes(),
                tuple(b for b in arrival.bands if b not in arrival.crowded),
                tuple(rules),
                tuple(sorted(story.rules)),
            )
        )
        self._check_spread(story)
        return replace(arrival.story, alerts=tuple(self._paced(a) for a in alerts))

    def _news(self, alerts: Sequence[QueuedAlert], story: _Story) -> tuple[QueuedAlert, ...]:
        """Of a later item's alerts, the rules the story had not matched, naming the story."""
        kept = []
        for alert in alerts:
            new = [r for r in alert.rules if r not in story.rules]
            if new:
                payload = alert.payload | {"rules": new, "story": story.title}
                kept.append(QueuedAlert(alert.channel, new, payload))
        return tuple(kept)

    def _paced(self, alert: QueuedAlert) -> QueuedAlert:
        """`alert` with its priority; low when every rule of it is in its cooldown."""
        # An alert of passing mentions (`min_prominence`) came low from `decide`: it stays low.
        lowered = alert.payload.get("priority") == "low"
        level = "low" if lowered else priority_of(self.ctx.rules, alert.rules)
        settings = [self.ctx.rules.get(r, StoryRule()) for r in alert.rules]
        cooling = all(
            s.cooldown is not None
            and not cooled(self.marks.get((r, "alert")), s.cooldown, self.now)
            for r, s in zip(alert.rules, settings, strict=True)
        )
        if level != "high" and cooling:
            level = "low"
        if level != "low":
            for rule, setting in zip(alert.rules, settings, strict=True):
                if setting.cooldown is not None:
                    self.marks[(rule, "alert")] = self.now
        return replace(alert, payload=alert.payload | {"priority": level})

    def _check_spread(self, story: _Story) -> None:
        due = [
            r
            for r in sorted(story.rules)
            if (setting := self.ctx.rules.get(r)) is not None
            and setting.spread is not None
            and spreads(
                len(story.hosts), story.first_seen_at, story.spread_at, setting.spread, self.now
            )
            and cooled(self.marks.get((r, "spread")), setting.follow_up_cooldown, self.now)
        ]
        if not due:
            return
        story.spread_at = self.now
        self.spread.append(story.key)
        sources = story.feeds[1:]
        text = f"Now carried by {len(story.hosts)} publishers: {', '.join(sorted(story.hosts))}."
        self._follow_up(
            f"{SPREAD_PREFIX}{story.key}",
            f"Spreading: {story.title}",
            due,
            kind="spread",
            text=text,
            sources=sources,
        )

    def check_spikes(self, arrivals: Sequence[Arrival]) -> list[tuple[str, datetime, int]]:
        """Count this poll's matches of the rules with a `spike`, and raise the spikes."""
        counts: dict[str, int] = {}
        for arrival in arrivals:
            for rule in arrival.rules:
                if (s := self.ctx.rules.get(rule)) is not None and s.spike is not None:
                    counts[rule] = counts.get(rule, 0) + 1
        slot = bucket(self.now)
        for rule, added in sorted(counts.items()):
            setting = self.ctx.rules[rule]
            assert setting.spike is not None  # counted only for such rules
            history = dict(self.ctx.counts.get(rule, {}))
            history[slot] = history.get(slot, 0) + added
            surge = spike(history, setting.spike, self.now)
            last = self.marks.get((rule, "spike"))
            if surge is None or not cooled(last, setting.follow_up_cooldown, self.now):
                continue
            top = list(self.ctx.top.get(rule, ()))[:TOP_STORIES]
            text = (
                f"{surge.recent} matches in the last {setting.spike.window}, "
                f"about {surge.expected:.1f} expected. Top stories: {'; '.join(top) or '—'}"
            )
            stamp = self.now.isoformat(timespec="seconds")
            key = f"{SPIKE_PREFIX}{rule}:{stamp}"
            self._follow_up(key, f"Spike: {rule}", [rule], kind="spike", text=text, sources=[])
        return [(rule, slot, n) for rule, n in sorted(counts.items())]

    def _follow_up(
        self, key: str, title: str, rules: list[str], *, kind: str, text: str, sources: list[str]
    ) -> None:
        """Queue a follow-up alert about `rules` on each of their channels."""
        channels: dict[str, list[str]] = {}
        for rule in rules:
            self.marks[(rule, kind)] = self.now
            for channel in self.ctx.channels_of_rule.get(rule, ()):
                channels.setdefault(channel, []).append(rule)
        alerts = []
        for channel, named in channels.items():
            alert = Alert(tuple(named), title, "media-monitor", None, self.now, text, (), ())
            payload = alert.to_payload() | {"sources": sources}
            alerts.append(self._paced(QueuedAlert(channel, named, payload)))
        self.follow_ups.append(NewStory(key, title, tuple(alerts)))


def plan_stories(
    decision: Decision,
    arrivals: Sequence[Arrival],
    known: Sequence[KnownStory],
    ctx: StoryContext,
) -> Decision:
    """`decision` with its matched stories placed in stories: their alerts cut to what is new
    and paced, follow-up alerts added, and the `StoryChanges` to write."""
    if not arrivals:
        return decision
    planner = _Planner(known, ctx, decision.polled_at)
    placed = {a.story.story_key: planner.place(a) for a in arrivals}
    counts = planner.check_spikes(arrivals)
    marks = tuple(k for k, at in planner.marks.items() if at == decision.polled_at)
    stories = tuple(placed.get(s.story_key, s) for s in decision.stories)
    return replace(
        decision,
        stories=stories + tuple(planner.follow_ups),
        story_changes=StoryChanges(
            tuple(planner.members), tuple(planner.spread), tuple(counts), marks
        ),
    )
