"""Prometheus metrics of one bot process, served at /metrics in webhook mode. Counters and the
latency histogram are updated as updates are handled; queue depths, send results, reminders
and broadcast progress are read when the page is scraped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from storage.broadcasts import running_progress
from storage.reminders import count_due

if TYPE_CHECKING:
    from bot.app import HtxApp
    from bot.scheduler import Runtime

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = PromCounter(
            "htxbot_updates",
            "Updates handled, by channel and route",
            ["channel", "route"],
            registry=self.registry,
        )
        self.reply_seconds = Histogram(
            "htxbot_reply_seconds",
            "From an update's arrival to its last reply handed to the platform",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.snapshot = _Snapshot()
        self.registry.register(self.snapshot)

    async def refresh(self, app: HtxApp, runtime: Runtime | None) -> None:
        """Read what is only known at scrape time (queues, engine counters, the database)."""
        snap = self.snapshot
        snap.queue_depth = {ch: box.depth() for ch, box in app.outboxes.items()}
        snap.sends = {ch: Counter(box.results) for ch, box in app.outboxes.items()}
        if runtime is not None:
            d = runtime.dispatcher
            snap.reminders = {"sent": d.sent, "missed": d.missed, "failed": d.failed}
        async with app.sessions() as s:
            snap.reminders_due = await count_due(s, app.clock())
            snap.broadcasts = await running_progress(s)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _Snapshot(Collector):
    def __init__(self) -> None:
        self.queue_depth: dict[str, int] = {}
        self.sends: dict[str, Counter[str]] = {}
        self.reminders: dict[str, int] = {}
        self.reminders_due = 0
        self.broadcasts: dict[int, Counter[str]] = {}

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "htxbot_outbox_depth", "Messages waiting in the outbound queue", labels=["channel"]
        )
        for channel, n in self.queue_depth.items():
            depth.add_metric([channel], n)
        yield depth
        sends = CounterMetricFamily(
            "htxbot_sends", "Outbound send attempts by result", labels=["channel", "result"]
        )
        for channel, results in self.sends.items():
            for result, n in results.items():
                sends.add_metric([channel, result], n)
        yield sends
        done = CounterMetricFamily(
            "htxbot_reminders", "Reminders finished by this process", labels=["status"]
        )
        for status, n in self.reminders.items():
            done.add_metric([status], n)
        yield done
        yield GaugeMetricFamily(
            "htxbot_reminders_due", "Reminders due now and not yet sent", value=self.reminders_due
        )
        progress = GaugeMetricFamily(
            "htxbot_broadcast_recipients",
            "Recipients of running broadcasts by status",
            labels=["broadcast", "status"],
        )
        for broadcast_id, counts in self.broadcasts.items():
            for status, n in counts.items():
                progress.add_metric([str(broadcast_id), status], n)
        yield progress
