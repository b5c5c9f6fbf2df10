"""The state database: tables (`tables`), the engine (`engine`), schema migrations, and the
transactions by job (`polls`, `outbox`, `prune`, `reports`) that `Store` gathers."""
