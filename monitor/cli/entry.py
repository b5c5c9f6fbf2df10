"""The process's first code: SIGHUP ignored, then the command line imported and run.

systemd may send a reload (SIGHUP) right after it starts the service, and until the process
handles or ignores SIGHUP, its default action ends the process. Importing the command line
(typer, pydantic, the config model) takes ~0.3 s, so the ignore comes before it: what is left of
the window is the interpreter's own start. `run` handles SIGHUP (a reload) once its event loop
listens and ignores it again when the loop stops; the one-shot commands keep ignoring it, so a
stray reload does not cut `once` short. Ctrl-C and SIGTERM keep their usual effect.
"""

import signal


def main() -> None:
    """Entry point of the `media-monitor` console script and of `python -m monitor`."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    from monitor.cli.app import main as run_command_line  # the slow part, after the ignore

    run_command_line()
