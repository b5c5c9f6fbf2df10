"""media-monitor: watches news feeds and alerts when stories match the user's rules."""

__version__ = "0.4.0"
# Sent in the User-Agent, so that publishers can find out who polls them and why.
PROJECT_URL = "https://github.com/media-monitor/media-monitor"
