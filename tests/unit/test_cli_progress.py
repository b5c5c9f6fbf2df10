"""`once`'s progress bar: drawn on a terminal console with log lines printed above it. That
nothing is drawn when stderr is not a terminal is checked through the real command, in
tests/integration/test_cli_newcomer.py."""

import io
import logging
import sys

from rich.console import Console

from monitor.cli.running import feed_progress


def test_the_bar_counts_feeds_and_log_lines_print_above_it() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with feed_progress(console) as progress:
            progress(0, 3)
            progress(2, 3)
            logging.getLogger("monitor.test").warning("feed failed: wire 2")
            progress(3, 3)
        after = handler.stream
    finally:
        root.removeHandler(handler)

    shown = screen.getvalue()
    assert "polling feeds" in shown
    assert "3/3" in shown
    assert "feed failed: wire 2" in shown  # through the console, not over the bar
    assert after is sys.stderr  # and logging writes to stderr again afterwards
