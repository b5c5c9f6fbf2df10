"""Delivery: alert values and rendering (`alerts`), pacing by digests and quiet hours
(`pacing`), the Apprise sender (`sender`), the outbox pass (`deliver`),
and the console:// plugin."""
