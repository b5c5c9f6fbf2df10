"""304s written in batches: `UnchangedPolls` gathers the polls that found their feed unchanged
and writes them many to a transaction (`PollState.apply_unchanged`).

A 304 writes only its feed's row (the next poll time, the validators, failures cleared): most
polls of a large subscription list are 304s, and one transaction (one fsync) each was most of
their cost. Losing a batch to a crash loses nothing: those feeds are polled again a little
early, and answer 304 again. The daemon's tick writes the batch before it asks which feeds are
due, so that a feed whose 304 waits in it is not taken for due.
"""

import threading

from monitor.model import Decision
from monitor.state.store import Store

BATCH = 200  # polls a batch holds before the poll that fills it writes it


class UnchangedPolls:
    """The 304s not yet written, shared by the polls' threads (it outlives a reload's
    `Poller`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[Decision] = []
        self._lock = threading.Lock()

    def add(self, decision: Decision) -> None:
        """Hold a 304's decision; write the batch once it is full."""
        with self._lock:
            self._pending.append(decision)
            full = len(self._pending) >= BATCH
        if full:
            self.flush()

    def flush(self) -> int:
        """Write what is held, in one transaction; how many polls it wrote. If the write
        fails, the polls are dropped (they are polled again when due, as after a crash)."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            self.store.apply_unchanged(batch)
        return len(batch)
