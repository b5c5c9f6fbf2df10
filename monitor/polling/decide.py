"""What one poll writes, decided without I/O: given the feed's stored state, the fetch result,
the parsed items, the keys already seen, the matcher and `now`, produce a `Decision` that
`Store.apply` (`state/polls`) writes in one transaction.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from monitor.delivery.alerts import build_alert
from monitor.items import MAX_CLOCK_SKEW, Item
from monitor.model import (
    NO_GOOD_POLL,
    Decision,
    FeedPolicy,
    FeedState,
    FeedUpdate,
    FetchResult,
    GoodPoll,
    NewEntry,
    NewStory,
    ParsedFeed,
    QueuedAlert,
    state_for,
)
from monitor.polling.hints import max_age, retry_after
from monitor.rules.matcher import MatchResult
from monitor.stories.fingerprint import text_key

MAX_BACKOFF = timedelta(hours=6)
# Servers' hints (Retry-After, Cache-Control, <ttl>) may push a poll out this far, no further.
MAX_HINTED_DELAY = timedelta(hours=6)
# Polls come up to this share of the delay early, so feeds added together drift apart.
INTERVAL_SPREAD = 0.1
BACKOFF_SPREAD = 0.5
# A 410 Gone stops polling only once confirmed: this many in a row, `GONE_RECHECK` apart (a
# publisher's passing misconfiguration must not end a feed for good).
GONE_CONFIRMATIONS = 3
GONE_RECHECK = timedelta(hours=12)


def _delay(base: timedelta, spread: float, jitter: float, hint: timedelta | None) -> timedelta:
    """`base`, up to `spread` of it earlier by `jitter` (0..1), but never before a server's hint
    (itself capped)."""
    delay = base * (1 - spread * jitter)
    if hint is not None:
        delay = max(delay, min(hint, MAX_HINTED_DELAY))
    return delay


def _failed(
    policy: FeedPolicy,
    state: FeedState | None,
    fetched: FetchResult,
    now: datetime,
    jitter: float,
) -> Decision:
    """A failed poll: count it, back off (or, on a confirmed 410 Gone, stop); the last good
    poll's validators and redirect stay, unless they were another URL's."""
    error = fetched.error or "failed"
    failures = (state.consecutive_failures if state else 0) + 1
    next_poll_at: datetime | None = None
    hold_until = gone_at = None
    if fetched.gone:
        # Counted afresh from the first 410 of a run (the failures before it were not 410s).
        if not ((state and state.last_error) or "").startswith(error):
            failures = 1
        if failures >= GONE_CONFIRMATIONS:
            # Polling stops until the configured URL changes; `feeds` shows why.
            gone_at = now
            error = f"{error}: polling stopped (change the feed's URL to resume)"
        else:
            # Held, not just scheduled, so that `once` from cron waits as well.
            next_poll_at = hold_until = now + GONE_RECHECK
            error = f"{error} ({failures} of {GONE_CONFIRMATIONS}: polling stops if it lasts)"
    else:
        # Doubled no further than the ceiling: a feed failing for months must not overflow.
        ceiling = max(policy.interval, MAX_BACKOFF)
        most = ceiling / policy.interval if policy.interval else 1.0
        backoff = policy.interval * min(2.0 ** min(failures - 1, 64), most)
        asked = None
        if fetched.status in (429, 503):
            asked = retry_after(fetched.headers.get("Retry-After"), now)
        next_poll_at = now + _delay(backoff, BACKOFF_SPREAD, jitter, asked)
        if asked is not None:
            hold_until = now + min(asked, MAX_HINTED_DELAY)
    update = FeedUpdate(
        consecutive_failures=failures,
        last_error=error,
        next_poll_at=next_poll_at,
        hold_until=hold_until,
        gone_at=gone_at,
        good=None if state else NO_GOOD_POLL,
    )
    return Decision(
        feed=policy.name, feed_url=policy.url, polled_at=now, feed_update=update, error=error
    )


def _freshness(fetched: FetchResult, parsed: ParsedFeed | None) -> timedelta | None:
    """How long the server says the feed stays fresh: Cache-Control max-age or RSS <ttl>."""
    hints = [max_age(fetched.headers.get("Cache-Control"))]
    if parsed is not None:
        hints.append(parsed.ttl)
    known = [h for h in hints if h is not None]
    return max(known) if known else None


def _alerts(item: Item, result: MatchResult, policy: FeedPolicy) -> tuple[QueuedAlert, ...]:
    """One alert per channel, naming every rule that matched and sends to that channel. A
    rule's passing mentions (below its `min_prominence`) are left out with `drop`; an alert
    made only of passing mentions goes to digests (priority low)."""
    floors = policy.min_prominence
    passing = {
        m.rule for m in result.matches if m.rule in floors and m.prominence < floors[m.rule].score
    }
    matches = [m for m in result.matches if not (m.rule in passing and floors[m.rule].drop)]
    rules_by_channel: dict[str, list[str]] = {}
    for match in matches:
        for channel in policy.channels_of_rule.get(match.rule, ()):
            rules_by_channel.setdefault(channel, []).append(match.rule)
    alerts = []
    for channel, rules in rules_by_channel.items():
        spans = [s for m in matches if m.rule in rules for s in m.spans]
        score = max(m.prominence for m in matches if m.rule in rules)
        payload = build_alert(item, rules, spans, result.actors, score).to_payload()
        if passing.issuperset(rules):
            payload["priority"] = "low"
        alerts.append(QueuedAlert(channel, rules, payload))
    return tuple(alerts)


def _with_sane_date(item: Item, now: datetime) -> Item:
    """A date in the future (beyond clock skew) is wrong: the item counts from first sight."""
    if item.published is not None and item.published > now + MAX_CLOCK_SKEW:
        return replace(item, published=now)
    return item


def _fresh(item: Item, policy: FeedPolicy, now: datetime, *, first_poll: bool) -> bool:
    """Recent enough to alert. An undated item counts as published when first seen, except on
    the feed's first good poll: what a feed lists then without a date is its backlog, of any
    age, not news."""
    if item.published is None:
        return not first_poll
    return item.published >= now - policy.max_item_age


def _first_poll(policy: FeedPolicy, state: FeedState | None) -> bool:
    """Is this a web feed's first good poll (at its configured URL)? A local file's undated
    items are the operator's own, not a publisher's backlog: they count as news (the bundled
    example relies on it)."""
    remote = policy.url.startswith(("http://", "https://"))
    return remote and (state is None or state.last_ok_at is None)


def _emptied(state: FeedState | None, parsed: ParsedFeed) -> str | None:
    """A warning when a feed that listed items lists none: more likely a publisher's glitch
    (an error page served as a feed, a broken template) than a feed with nothing left."""
    if parsed.items or state is None or not state.items_seen:
        return None
    return f"the feed lists no items, where earlier polls found {state.items_seen:,}"


def to_be_matched(
    policy: FeedPolicy,
    items: Sequence[Item],
    *,
    seen_entries: set[str],
    seen_stories: set[str],
    now: datetime,
    state: FeedState | None = None,
    judged_entries: Mapping[str, str] | None = None,
) -> list[Item]:
    """The items `decide` will match, recent enough to alert: new entries of unseen stories,
    and entries seen before whose story did not match, edited since (`judged_entries`: entry
    key → key of the title and text its story was judged on; see `Store.judged_entries`).
    A feed with `full_text` fetches the article pages of exactly these, so an unchanged entry
    costs no fetch. `state` is the feed's stored state, as `decide` takes it."""
    first_poll = _first_poll(policy, state_for(state, policy.url))
    judged_entries = judged_entries or {}

    def wanted(item: Item) -> bool:
        if item.entry_key in seen_entries:
            judged = judged_entries.get(item.entry_key)
            return judged is not None and judged != text_key(item.title, item.text)
        return item.story_key not in seen_stories

    return [
        item
        for item in (_with_sane_date(i, now) for i in items)
        if wanted(item) and _fresh(item, policy, now, first_poll=first_poll)
    ]


def decide(
    policy: FeedPolicy,
    *,
    state: FeedState | None,
    fetched: FetchResult,
    parsed: ParsedFeed | None,
    seen_entries: set[str],
    seen_stories: set[str],
    match: Callable[[Item], MatchResult],
    now: datetime,
    jitter: float = 0.0,
    judged: Mapping[str, str] | None = None,
    own_text_keys: Mapping[str, str] | None = None,
) -> Decision:
    """Decide what a poll writes. `state` is the feed's stored state, whichever URL it was
    stored for; `parsed` is None when the fetch failed or was a 304; a fetched body that is not
    a feed arrives as `fetched` with `error` set. `jitter` (0..1, random in production) spreads
    the next poll. `judged` holds, for stored stories that never matched, the key of the text
    they were judged on: one that comes with another text is judged again. `own_text_keys`
    (entry key → key) holds, for items whose text has their article page's added
    (`full_text`), the key of the feed's own title and text: the one a verdict is kept under,
    so that the feed's next polls can tell an edited entry without fetching the page."""
    state = state_for(state, policy.url)
    if fetched.error is not None:
        return _failed(policy, state, fetched, now, jitter)
    # A permanent redirect is remembered only now that its target has answered well.
    known_home = state.fetch_url if state is not None else None
    update = FeedUpdate(
        consecutive_failures=0,
        last_error=None,
        next_poll_at=now
        + _delay(policy.interval, INTERVAL_SPREAD, jitter, _freshness(fetched, parsed)),
        good=GoodPoll(fetched.etag, fetched.last_modified, fetched.moved_to or known_home, now),
    )
    moved_to = fetched.moved_to if fetched.moved_to != known_home else None
    if parsed is None:
        return Decision(policy.name, policy.url, now, update, moved_to=moved_to, not_modified=True)
    first_poll = _first_poll(policy, state)
    new_entries: dict[str, NewEntry] = {}
    new_stories: dict[str, NewStory] = {}
    history: list[Item] = []
    judged = judged or {}
    own_text_keys = own_text_keys or {}

    def judge(item: Item, *, again: bool) -> None:
        """Match `item` and record the story's verdict (again: it is stored already)."""
        key = own_text_keys.get(item.entry_key) or text_key(item.title, item.text)
        if again and (
            item.story_key in new_stories
            or item.story_key not in judged
            or judged[item.story_key] == key
        ):
            return  # it alerted, was judged on this very text, or was judged in this poll
        fresh = _fresh(item, policy, now, first_poll=first_poll)
        alerts = _alerts(item, match(item), policy) if fresh else ()
        unmatched = None if alerts else key
        new_stories[item.story_key] = NewStory(item.story_key, item.title, alerts, unmatched, again)

    for entry in parsed.items:
        item = _with_sane_date(entry, now)
        if item.entry_key in new_entries:
            continue
        if item.entry_key in seen_entries:
            judge(item, again=True)  # an entry edited since: maybe it matches now
            continue
        new_entries[item.entry_key] = NewEntry(item.entry_key, item.story_key)
        if policy.keep_history:
            history.append(item)
        if item.story_key in seen_stories or item.story_key in new_stories:
            # The story alerted (or was judged) when first seen, in whichever feed; another
            # feed's text of a story that did not match is judged again.
            judge(item, again=True)
            continue
        judge(item, again=False)
    return Decision(
        feed=policy.name,
        feed_url=policy.url,
        polled_at=now,
        feed_update=update,
        entries=tuple(new_entries.values()),
        stories=tuple(new_stories.values()),
        history=tuple(history),
        warning="; ".join(w for w in (parsed.warning, _emptied(state, parsed)) if w) or None,
        moved_to=moved_to,
        listed=tuple(dict.fromkeys(i.entry_key for i in parsed.items)) or None,
    )
