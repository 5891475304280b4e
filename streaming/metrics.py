"""Prometheus metrics of the server, kept in memory per process (text format 0.0.4)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
VIEWER_TTL_S = 60.0


@dataclass
class Metrics:
    """Request counts, latency histogram and live viewers per channel."""

    requests: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    latency_sum: float = 0.0
    latency_count: int = 0
    viewers: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    _pruned_at: float = 0.0

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Count one request."""
        self.requests[(route, status)] += 1
        self.latency_sum += seconds
        self.latency_count += 1
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.buckets[index] += 1
                break
        else:
            self.buckets[-1] += 1

    def saw_viewer(self, channel: str, viewer: str) -> None:
        """A live playlist request: the viewer counts for VIEWER_TTL_S seconds, and is
        forgotten soon after (memory holds the last minute or two of viewers, not
        every address ever seen)."""
        now = time.monotonic()
        self.viewers[channel][viewer] = now
        if now - self._pruned_at > VIEWER_TTL_S:
            self.prune(now)

    def prune(self, now: float) -> None:
        """Forget viewers not seen for VIEWER_TTL_S seconds."""
        for channel, seen in list(self.viewers.items()):
            for viewer in [v for v, last in seen.items() if now - last > VIEWER_TTL_S]:
                del seen[viewer]
            if not seen:
                del self.viewers[channel]
        self._pruned_at = now

    def render(self) -> str:
        """The exposition text."""
        lines = [
            "# HELP sabaq_http_requests_total HTTP requests by route and status.",
            "# TYPE sabaq_http_requests_total counter",
        ]
        for (route, status), count in sorted(self.requests.items()):
            lines.append(f'sabaq_http_requests_total{{route="{route}",status="{status}"}} {count}')
        lines += [
            "# HELP sabaq_http_request_duration_seconds Time to answer a request.",
            "# TYPE sabaq_http_request_duration_seconds histogram",
        ]
        cumulative = 0
        for bound, count in zip(BUCKETS, self.buckets, strict=False):
            cumulative += count
            lines.append(f'sabaq_http_request_duration_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines.append(
            f'sabaq_http_request_duration_seconds_bucket{{le="+Inf"}} {self.latency_count}'
        )
        lines.append(f"sabaq_http_request_duration_seconds_sum {self.latency_sum:.6f}")
        lines.append(f"sabaq_http_request_duration_seconds_count {self.latency_count}")
        lines += [
            "# HELP sabaq_live_viewers Viewers who fetched a channel's live playlist in the "
            "last minute.",
            "# TYPE sabaq_live_viewers gauge",
        ]
        now = time.monotonic()
        for channel, seen in sorted(self.viewers.items()):
            active = sum(1 for last in seen.values() if now - last <= VIEWER_TTL_S)
            lines.append(f'sabaq_live_viewers{{channel="{channel}"}} {active}')
        return "\n".join(lines) + "\n"
