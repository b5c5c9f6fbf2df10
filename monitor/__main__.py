"""`python -m monitor`: the same CLI as `media-monitor`."""

from monitor.cli.entry import main

main()
