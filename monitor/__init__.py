"""media-monitor: watches news feeds and alerts when stories match the user's rules."""

__version__ = "0.1.0"
