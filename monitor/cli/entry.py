"""The process's first code: SIGHUP ignored, output made safe for any locale, then the command
line imported and run.

systemd may send a reload (SIGHUP) right after it starts the service, and until the process
handles or ignores SIGHUP, its default action ends the process. Importing the command line
(typer, pydantic, the config model) takes ~0.3 s, so the ignore comes before it: what is left of
the window is the interpreter's own start. `run` handles SIGHUP (a reload) once its event loop
listens and ignores it again when the loop stops; the one-shot commands keep ignoring it, so a
stray reload does not cut `once` short. Ctrl-C and SIGTERM keep their usual effect.

Feed text is in every script, and the terminal's encoding may not be UTF-8 (a legacy locale,
`PYTHONUTF8=0` under `LANG=C`): a character stdout cannot encode is written as an escape
(`\\u2014`), rather than failing the table being printed with a traceback, or every alert of
a `console://` channel.
"""

import io
import signal
import sys


def _escape_what_cannot_be_shown() -> None:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main() -> None:
    """Entry point of the `media-monitor` console script and of `python -m monitor`."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _escape_what_cannot_be_shown()
    from monitor.cli.app import main as run_command_line  # the slow part, after the ignore

    run_command_line()
