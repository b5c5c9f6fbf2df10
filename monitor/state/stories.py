"""The stories' state (`monitor/stories`): what the stories stage of a poll reads (the stories
a new item may belong to, found through their fingerprints' bands; the rules' counts and
cooldown marks; which stored stories were judged without a match), and what `PollState.apply`
writes of a poll's `StoryChanges`, in the poll's transaction."""

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam, insert, select, update

from monitor.model import BAND_CAP, Decision, KnownStory, StoryMember
from monitor.state.engine import CHUNK, Database, chunked_in, dialect_insert, insert_new
from monitor.state.tables import (
    entries,
    outbox,
    rule_counts,
    rule_marks,
    stories,
    story_bands,
    story_clusters,
    story_members,
)

SIGNATURES_PER_STORY = 8  # an item is compared with a story's first few items, no more
CANDIDATES = 8  # stories compared with each new item: those sharing the most bands
TOP_CANDIDATES = 50  # the biggest recent stories read to find a rule's top ones


class StoryState(Database):
    """What the stories stage of a poll reads."""

    def judged(self, story_keys: Iterable[str]) -> dict[str, str]:
        """Of these stored stories, those judged without a match: the key of that text."""
        keys = list(dict.fromkeys(story_keys))
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), CHUNK):
                query = select(stories.c.story_key, stories.c.judged).where(
                    stories.c.story_key.in_(keys[start : start + CHUNK]),
                    stories.c.judged.is_not(None),
                )
                found.update((key, text) for key, text in conn.execute(query))
        return found

    def judged_entries(self, feed: str, entry_keys: Iterable[str]) -> dict[str, str]:
        """Of these entries of `feed`, those whose story was judged without a match: the key
        of that text (for a `full_text` feed, of the feed's own title and summary)."""
        keys = list(dict.fromkeys(entry_keys))
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), CHUNK):
                query = (
                    select(entries.c.entry_key, stories.c.judged)
                    .join(stories, stories.c.story_key == entries.c.story_key)
                    .where(
                        entries.c.feed == feed,
                        entries.c.entry_key.in_(keys[start : start + CHUNK]),
                        stories.c.judged.is_not(None),
                    )
                )
                found.update((key, text) for key, text in conn.execute(query))
        return found

    def story_candidates(
        self, band_sets: Sequence[Sequence[int]], since: datetime
    ) -> list[tuple[list[str], set[int]]]:
        """For each fingerprint (its bands): the stories seen since `since` that may hold it,
        the `CANDIDATES` sharing the most bands with it; and its crowded bands, those that
        `BAND_CAP` stories share already. A band of very common shingles ("of the", "said
        on") is shared by many unrelated stories: it is not stored again once crowded, so
        that no lookup ever reads more than `BAND_CAP` rows per band."""
        wanted = sorted({band for bands in band_sets for band in bands})
        holders: dict[int, list[str]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), CHUNK):
                query = select(story_bands.c.band, story_bands.c.cluster).where(
                    story_bands.c.band.in_(wanted[start : start + CHUNK]),
                    story_bands.c.seen_at >= since,
                )
                for band, story in conn.execute(query):
                    holders.setdefault(band, []).append(story)
        found = []
        for bands in band_sets:
            shared = Counter(story for band in bands for story in holders.get(band, ()))
            ranked = sorted(shared, key=lambda story: (-shared[story], story))[:CANDIDATES]
            crowded = {band for band in bands if len(holders.get(band, ())) >= BAND_CAP}
            found.append((ranked, crowded))
        return found

    def known_stories(self, keys: Iterable[str]) -> list[KnownStory]:
        """These stories, as the stories stage compares new items with them."""
        with self.engine.connect() as conn:
            return _known(conn, sorted(set(keys)))

    def story_marks(self, rules: Sequence[str]) -> dict[tuple[str, str], datetime]:
        """The last alert of each kind of these rules."""
        with self.engine.connect() as conn:
            query = select(rule_marks).where(rule_marks.c.rule.in_(rules))
            return {(r.rule, r.kind): r.at for r in conn.execute(query)}

    def rule_counts(self, rules: Sequence[str], since: datetime) -> dict[str, dict[datetime, int]]:
        """These rules' match counts by bucket, from `since` on."""
        counts: dict[str, dict[datetime, int]] = {}
        with self.engine.connect() as conn:
            query = select(rule_counts).where(
                rule_counts.c.rule.in_(rules), rule_counts.c.bucket >= since
            )
            for row in conn.execute(query):
                counts.setdefault(row.rule, {})[row.bucket] = row.matches
        return counts

    def top_stories(self, rules: Sequence[str], since: datetime) -> dict[str, list[str]]:
        """For each of these rules, the titles of its biggest stories seen since `since`."""
        query = (
            select(story_clusters.c.title, story_clusters.c.rules)
            .where(story_clusters.c.last_seen_at >= since)
            .order_by(story_clusters.c.size.desc(), story_clusters.c.last_seen_at.desc())
            .limit(TOP_CANDIDATES)
        )
        top: dict[str, list[str]] = {rule: [] for rule in rules}
        with self.engine.connect() as conn:
            for title, named in conn.execute(query):
                for rule in set(json.loads(named)) & top.keys():
                    top[rule].append(title)
        return top


def _known(conn: Connection, keys: Sequence[str]) -> list[KnownStory]:
    """These stories as `KnownStory` values: two queries, whatever their number."""
    if not keys:
        return []
    clusters = conn.execute(
        select(story_clusters).where(story_clusters.c.story_key.in_(keys))
    ).mappings()
    members: dict[str, list[Any]] = {}
    query = (
        select(
            story_members.c.cluster,
            story_members.c.story_key,
            story_members.c.feed,
            story_members.c.host,
            story_members.c.signature,
        )
        .where(story_members.c.cluster.in_(keys))
        .order_by(story_members.c.seen_at, story_members.c.story_key)
    )
    for member in conn.execute(query):
        members.setdefault(member.cluster, []).append(member)
    return [
        KnownStory(
            key=row["story_key"],
            title=row["title"],
            first_seen_at=row["first_seen_at"],
            rules=frozenset(json.loads(row["rules"])),
            hosts=frozenset(m.host for m in members.get(row["story_key"], ())),
            sources=tuple(
                dict.fromkeys(
                    m.feed
                    for m in members.get(row["story_key"], ())
                    if m.story_key != row["story_key"] and m.feed != row["feed"]
                )
            ),
            signatures=tuple(
                m.signature for m in members.get(row["story_key"], ())[:SIGNATURES_PER_STORY]
            ),
            spread_at=row["spread_at"],
            feed=row["feed"],
        )
        for row in clusters
    ]


def write_story_changes(conn: Connection, decision: Decision) -> None:
    """Write a poll's `StoryChanges`: members and their bands, the stories they found or
    join (a later source is added to the story's alerts still waiting for a digest), spreading
    marks, counts and cooldown marks."""
    changes, now = decision.story_changes, decision.polled_at
    if changes is None:
        return
    if changes.members:
        _write_members(conn, changes.members, now)
    if changes.spread:
        conn.execute(
            update(story_clusters)
            .where(story_clusters.c.story_key.in_(changes.spread))
            .values(spread_at=now)
        )
    for rule, slot, added in changes.counts:
        done = conn.execute(
            update(rule_counts)
            .where(rule_counts.c.rule == rule, rule_counts.c.bucket == slot)
            .values(matches=rule_counts.c.matches + added)
        )
        if done.rowcount == 0:
            conn.execute(rule_counts.insert().values(rule=rule, bucket=slot, matches=added))
    for rule, kind in changes.marks:
        done = conn.execute(
            update(rule_marks)
            .where(rule_marks.c.rule == rule, rule_marks.c.kind == kind)
            .values(at=now)
        )
        if done.rowcount == 0:
            conn.execute(rule_marks.insert().values(rule=rule, kind=kind, at=now))


def _write_members(conn: Connection, members: Sequence[StoryMember], now: datetime) -> None:
    """Record the members, the stories they start, each story's rules, size and last
    sighting, and their bands (a band seen again is refreshed): a few statements per poll."""
    founders = [m for m in members if m.story == m.story_key]
    if founders:
        conn.execute(
            insert_new(conn, story_clusters),
            [
                {
                    "story_key": m.story,
                    "title": m.title,
                    "feed": m.feed,
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "rules": "[]",
                    "size": 0,
                }
                for m in founders
            ],
        )
    # Recorded by another writer first: theirs stands.
    known = set(chunked_in(conn, story_members.c.story_key, [m.story_key for m in members]))
    fresh = [m for m in members if m.story_key not in known]
    if not fresh:
        return
    conn.execute(
        insert(story_members),
        [
            {
                "story_key": m.story_key,
                "cluster": m.story,
                "feed": m.feed,
                "host": m.host,
                "title": m.title,
                "seen_at": now,
                "signature": m.signature,
            }
            for m in fresh
        ],
    )
    grown: dict[str, tuple[int, tuple[str, ...]]] = {}
    for m in fresh:  # a story's last member carries every rule it has matched
        grown[m.story] = (grown.get(m.story, (0, ()))[0] + 1, m.story_rules)
    conn.execute(
        update(story_clusters)
        .where(story_clusters.c.story_key == bindparam("story"))
        .values(
            last_seen_at=now,
            rules=bindparam("named"),
            size=story_clusters.c.size + bindparam("added"),
        ),
        [
            {"story": story, "named": json.dumps(rules), "added": added}
            for story, (added, rules) in grown.items()
        ],
    )
    bands = {(band, m.story) for m in fresh for band in m.bands}
    if bands:
        conn.execute(
            _refreshed(conn, story_bands),
            [{"band": band, "cluster": story, "seen_at": now} for band, story in bands],
        )
    for member in fresh:
        if member.story != member.story_key:
            _add_source(conn, member)


def _refreshed(conn: Connection, table: Table) -> Insert:
    """INSERT whose row, when its key exists, refreshes the existing row's `seen_at`."""
    statement = dialect_insert(conn, table)
    refreshed: Insert = statement.on_conflict_do_update(
        index_elements=list(table.primary_key), set_={"seen_at": statement.excluded.seen_at}
    )
    return refreshed


def _add_source(conn: Connection, member: StoryMember) -> None:
    """Name a later item's feed on its story's alerts still waiting (a digest lists the story
    once, with its sources)."""
    waiting = conn.execute(
        select(outbox.c.id, outbox.c.payload).where(
            outbox.c.story_key == member.story, outbox.c.status == "pending"
        )
    ).all()
    for row_id, payload in waiting:
        value = json.loads(payload)
        sources = list(value.get("sources", ()))
        if member.feed not in sources and member.feed != value.get("feed"):
            value["sources"] = [*sources, member.feed]
            conn.execute(
                update(outbox).where(outbox.c.id == row_id).values(payload=json.dumps(value))
            )
