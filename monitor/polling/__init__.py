"""Polling one feed: fetch (`fetch`), parse (`parse`), article text (`extract`), servers' hints
(`hints`), the pure decision of what to write (`decide`), and the poll that runs them (`poller`)."""
