"""Strava's rate limits: the usage and limits its answers report, and when a spent window resets.

Rate limits (https://developers.strava.com/docs/rate-limits/): every response carries
``X-RateLimit-Limit`` / ``X-RateLimit-Usage`` ("15-minute,daily") for all requests and
``X-ReadRateLimit-Limit`` / ``X-ReadRateLimit-Usage`` for reads. 15-minute windows reset at
0, 15, 30 and 45 minutes past the hour, the daily one at midnight UTC. :class:`RateState` keeps
the last of each and says which window is spent; it is fed by ``ApiV3``'s ``rate_limiter``
hook, and :class:`coachkit.app.sync.strava_api.StravaAPI` decides to wait or stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUARTER_S, DAY_S = 900, 86400


def _pair(value: str | None) -> tuple[int, int] | None:
    try:
        short, daily = (int(x) for x in str(value).split(","))
    except (TypeError, ValueError):
        return None
    return short, daily


@dataclass
class RateState:
    """The last usage and limits Strava reported, for all requests and for reads."""

    limit: tuple[int, int] | None = None
    usage: tuple[int, int] | None = None
    read_limit: tuple[int, int] | None = None
    read_usage: tuple[int, int] | None = None

    def update(self, headers: Any) -> None:
        """Keep the pairs found in ``headers`` (a mapping); a missing or unparsable one leaves
        the last good value."""
        for attr, name in (
            ("limit", "X-RateLimit-Limit"),
            ("usage", "X-RateLimit-Usage"),
            ("read_limit", "X-ReadRateLimit-Limit"),
            ("read_usage", "X-ReadRateLimit-Usage"),
        ):
            parsed = _pair(headers.get(name))
            if parsed is not None:
                setattr(self, attr, parsed)

    def reset_at(self, now_s: float, *, read: bool) -> tuple[float, str] | None:
        """When the spent window resets (epoch s) and which it is; None if none is spent."""
        pairs = [("", self.limit, self.usage)]
        if read:
            pairs.append(("read ", self.read_limit, self.read_usage))
        worst: tuple[float, str] | None = None
        for label, limit, usage in pairs:
            if not limit or not usage:
                continue
            if usage[1] >= limit[1]:
                at, what = (now_s // DAY_S + 1) * DAY_S, f"daily {label}limit ({limit[1]})"
            elif usage[0] >= limit[0]:
                at, what = (
                    (now_s // QUARTER_S + 1) * QUARTER_S,
                    f"15-minute {label}limit ({limit[0]})",
                )
            else:
                continue
            if worst is None or at > worst[0]:
                worst = (at, what)
        return worst
