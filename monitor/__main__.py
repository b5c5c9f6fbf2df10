"""`python -m monitor`: the same CLI as `media-monitor`."""

from monitor.cli.app import main

main()
