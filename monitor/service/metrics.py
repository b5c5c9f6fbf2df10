"""What the daemon counts: Prometheus metrics for `/metrics`, and the summary it logs and
reports to systemd as STATUS, read back from the same counters."""

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from monitor.delivery.deliver import DeliveryReport
from monitor.model import Decision
from monitor.polling.parse_pool import OVER_BUDGET
from monitor.state.claims import Claims

_LATENCY_BUCKETS = (1, 2, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)
_POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)


# What a pass over the outbox did with an alert (`DeliveryReport`'s counts).
OUTCOMES = ("sent", "retrying", "failed", "muted")


@dataclass
class Metrics:
    """The daemon's counters, in their own registry (no process-global state)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        registry = self.registry
        self.polls = Counter(
            "media_monitor_polls", "Feed polls, by result.", ["result"], registry=registry
        )
        self.items = Counter("media_monitor_items", "New feed entries seen.", registry=registry)
        self.warnings = Counter(
            "media_monitor_feed_warnings",
            "Polls that read a feed with a problem (ill-formed or truncated, cut, emptied).",
            registry=registry,
        )
        self.over_budget = Counter(
            "media_monitor_polls_over_budget",
            "Polls abandoned over their CPU budget (max_poll_cpu_seconds).",
            registry=registry,
        )
        self.matches = Counter(
            "media_monitor_alerts_queued", "Alerts written to the outbox.", registry=registry
        )
        self.alerts = Counter(
            "media_monitor_alerts", "Delivery attempts, by outcome.", ["status"], registry=registry
        )
        self.delivery_latency = Histogram(
            "media_monitor_delivery_latency_seconds",
            "From an alert's queueing to its delivery.",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.poll_duration = Histogram(
            "media_monitor_poll_duration_seconds",
            "One feed's poll, fetch to commit.",
            buckets=_POLL_BUCKETS,
            registry=registry,
        )
        self.last_poll = Gauge(
            "media_monitor_last_poll_timestamp_seconds",
            "When the last poll finished (Unix time).",
            registry=registry,
        )
        for result in ("ok", "not_modified", "error"):
            self.polls.labels(result)
        for status in OUTCOMES:
            self.alerts.labels(status)

    def joined(self, claims: Claims) -> None:
        """This process is a node of several (`service/node`): its name, and the claims it
        lost (its work taken over by another node: nothing written for it)."""
        Gauge(
            "media_monitor_node_info",
            "This node's name among those sharing the state.",
            ["node"],
            registry=self.registry,
        ).labels(claims.node).set(1)
        lost = Gauge(
            "media_monitor_claims_lost",
            "Polls and alert records not written: their claim had run out and another node "
            "took the work over.",
            ["kind"],
            registry=self.registry,
        )
        lost.labels("poll").set_function(lambda: claims.lost_polls)
        lost.labels("alert").set_function(lambda: claims.lost_alerts)

    def polled(self, decision: Decision, seconds: float) -> None:
        """Count one poll."""
        result = "error" if decision.error else "not_modified" if decision.not_modified else "ok"
        self.polls.labels(result).inc()
        self.items.inc(len(decision.entries))
        if decision.warning:
            self.warnings.inc()
        if decision.error is not None and OVER_BUDGET in decision.error:
            self.over_budget.inc()
        self.matches.inc(decision.alert_count)
        self.poll_duration.observe(seconds)
        self.last_poll.set(decision.polled_at.timestamp())

    def delivered(self, report: DeliveryReport) -> None:
        """Count one pass over the outbox."""
        for status in OUTCOMES:
            self.alerts.labels(status).inc(getattr(report, status))
        for seconds in report.latencies:
            self.delivery_latency.observe(seconds)

    def total(self, name: str, **labels: str) -> int:
        """The current value of counter `name` (without `_total`)."""
        value = self.registry.get_sample_value(f"{name}_total", labels)
        return int(value or 0)

    def summary(self) -> dict[str, int]:
        """Totals since start, for the status line."""
        polls = sum(self.total("media_monitor_polls", result=r) for r in ("ok", "not_modified"))
        return {
            "polls": polls,
            "poll_errors": self.total("media_monitor_polls", result="error"),
            "new_items": self.total("media_monitor_items"),
            "alerts_queued": self.total("media_monitor_alerts_queued"),
            "alerts_sent": self.total("media_monitor_alerts", status="sent"),
            "alerts_failed": self.total("media_monitor_alerts", status="failed"),
        }

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)
