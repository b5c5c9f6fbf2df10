"""The configuration: its model (`model`), reading and checking the TOML directory (`load`),
`${NAME}` secrets (`secrets`), durations, and OPML import into `feeds.toml` (`opml`)."""
