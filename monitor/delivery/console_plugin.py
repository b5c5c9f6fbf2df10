"""The `console://` Apprise target: prints alerts to standard output.

Registered with Apprise's `@notify` decorator when this module is imported, so any Apprise
object (and config validation) knows the scheme.
"""

import sys
from typing import Any

from apprise.decorators import notify


@notify(on="console", name="Console")  # type: ignore[no-untyped-call,untyped-decorator]
def print_alert(body: str, title: str, *args: Any, **kwargs: Any) -> bool:
    """Write one alert to stdout, framed so that consecutive alerts stay readable. Alerts come
    without a title (their first line is the story's), digests and `notify-test` with one."""
    rule = "─" * 72
    heading = f"{title}\n\n" if title else ""
    sys.stdout.write(f"{rule}\n{heading}{body}\n{rule}\n")
    sys.stdout.flush()
    return True
