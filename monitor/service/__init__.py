"""The running service: `once` (one pass), the daemon, /healthz and /metrics, sd_notify."""
