"""The `media-monitor` command line (typer): thin commands over the packages beside it."""
