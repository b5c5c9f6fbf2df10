"""The user's feedback on alerts, as plain values: a rule or channel muted for a while (`mute`,
the chat's buttons), and an alert the user marked "not relevant" (`history --reject`, the chat),
which `suggest` learns from and `test-rule --history` shows on the story.

Like `model`, a bottom module: no project imports, no I/O.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

MuteKind = Literal["rule", "channel"]
# Where a piece of feedback came from: the command line, or a button pressed in the chat.
FeedbackSource = Literal["cli", "chat"]


@dataclass(frozen=True, slots=True)
class Mute:
    """A rule or channel silenced until `until` (None: until unmuted). What it would have sent is
    recorded as muted, not lost."""

    kind: MuteKind
    name: str
    until: datetime | None
    reason: str | None
    muted_at: datetime
    source: FeedbackSource

    def active(self, now: datetime) -> bool:
        """Is it still in force at `now`?"""
        return self.until is None or now < self.until


@dataclass(frozen=True, slots=True)
class Rejection:
    """An alert the user said was not relevant: its story, and the rules its alert matched."""

    story_key: str
    rules: tuple[str, ...]
    rejected_at: datetime
    source: FeedbackSource
    reason: str | None
