"""The plan being adapted: :class:`PlanDraft` and the row edits every rule is built from.

A draft is a copy of ``plan_workouts`` (docs/design.md §3, one row per date) with its day index,
the :class:`~coachkit.coach.adapt.records.Signals` of the day and the log of adaptations. The
rules change rows only through :meth:`PlanDraft.set` (which remembers them) and the helpers here
(scale a session, turn it easy, rewrite its purpose); :func:`finish` bumps the version of every
changed row. :class:`Rule` is the shape each rule module exports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.records import Adaptation, Signals
from coachkit.coach.workouts import HARD_KINDS
from coachkit.core.schemas import PLAN_DAY_FIELDS
from coachkit.core.units import UNITS, check_units, format_distance
from coachkit.core.values import finite
from coachkit.features.daniels import daniels_paces

EASABLE_KINDS = frozenset({"tempo", "intervals", "hills"})
HOST_KINDS = ("easy", "recovery", "strides")  # days a moved session may take over, before rest
ZONE_OF_KIND = {
    "easy": "E",
    "recovery": "E",
    "long": "E",
    "strides": "E",
    "tempo": "T",
    "intervals": "I",
}
INACTIVE = frozenset({"missed", "moved"})  # the session does not happen on this row's day
# what an adaptation's before/after shows of a row: kind, the six numbers, purpose and status
SNAP = tuple(c for c in PLAN_DAY_FIELDS if c != "steps")


def day_of(x: Any) -> pd.Timestamp:
    """The calendar day of ``x``: a naive timestamp at midnight."""
    t = pd.Timestamp(x)
    return (t.tz_convert(None) if t.tzinfo else t).normalize()


def parse_steps(raw: Any) -> list:
    """The structured steps of a row (``steps`` JSON) as a list; empty when unreadable."""
    try:
        out = json.loads(raw) if isinstance(raw, str) and raw else []
    except ValueError:
        return []
    return out if isinstance(out, list) else [out]


def active_step(target: str, **values: Any) -> dict[str, Any]:
    """One structured step in the plan's step format (``{"type", "target", ...}``, unset left out)."""
    out: dict[str, Any] = {"type": "active", "target": target}
    return out | {k: round(v, 1) for k, v in values.items() if finite(v) is not None}


def eased_from(raw: Any) -> dict | None:
    """The original session an eased row replaces (stored in its first step), if any."""
    s = parse_steps(raw)
    return s[0]["replaces"] if s and isinstance(s[0], dict) and "replaces" in s[0] else None


def rescale_step_paces(raw: Any, ratio: float) -> Any:
    """Scale every pace inside the structured steps by ``ratio`` (the session band's change)."""

    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            return {
                k: (v * ratio if "pace" in k and isinstance(v, int | float) else walk(v))
                for k, v in o.items()
            }
        return [walk(v) for v in o] if isinstance(o, list) else o

    if not isinstance(raw, str) or not raw or not math.isfinite(ratio):
        return raw
    try:
        return json.dumps(walk(json.loads(raw)))
    except ValueError:
        return raw


class PlanDraft:
    """The frame being adapted, with the day index, the day's signals and the log."""

    def __init__(
        self,
        workouts: pd.DataFrame,
        signals: Signals,
        units: str,
        paces: Callable[[float], dict] | None,
    ) -> None:
        check_units(units)
        self.df = workouts.copy()
        self.df["date"] = pd.to_datetime(self.df["date"]).map(day_of)
        if self.df["date"].duplicated().any():
            raise ValueError("plan_workouts must hold one row per date (key plan_id, date)")
        self.by_day = {d: i for i, d in self.df["date"].items()}
        self.s, self.units, self.log = signals, units, []
        self.today = day_of(signals.today)
        self.paces = paces or daniels_paces
        done = signals.done if signals.done is not None else pd.DataFrame(columns=["date"])
        self.done_days = {day_of(d) for d in done.get("date", pd.Series(dtype=object)).dropna()}
        self.open_day = self.today + pd.Timedelta(days=int(self.today in self.done_days))
        self.changed: set = set()
        # purposes are written in the plan's own units (the explanations in ``units``)
        text = self.df["purpose"].astype("string").fillna("") if "purpose" in self.df else []
        self.plan_units = "mi" if any("/mi" in p for p in text) else "km"

    def get(self, i: Any, col: str) -> Any:
        """Row ``i``'s ``col`` (``None`` when the frame has no such column)."""
        return self.df.at[i, col] if col in self.df.columns else None

    def purpose(self, i: Any) -> str:
        """Row ``i``'s purpose sentence (``""`` when it has none)."""
        p = self.get(i, "purpose")
        return p if isinstance(p, str) else ""

    def is_hard(self, i: Any) -> bool:
        """Row ``i`` is a hard session that still happens on its day."""
        return self.get(i, "kind") in HARD_KINDS and self.get(i, "status") not in INACTIVE

    def hard_on(self, day: pd.Timestamp) -> bool:
        """A hard session happens on ``day``."""
        i = self.by_day.get(day)
        return i is not None and self.is_hard(i)

    def open(self, i: Any) -> bool:
        """Still to be run as written (planned, or changed by an earlier adaptation)."""
        return self.get(i, "status") in ("planned", "changed")

    def fixed(self, i: Any) -> bool:
        """Row ``i`` is a rest day the runner marked unavailable: nothing moves onto it."""
        return self.get(i, "kind") == "rest" and "unavailable" in self.purpose(i).lower()

    def rows(self, start: pd.Timestamp, end: pd.Timestamp) -> list:
        """Row indices with ``start <= date <= end`` in date order."""
        return [self.by_day[d] for d in sorted(self.by_day) if start <= d <= end]

    def snap(self, i: Any) -> dict:
        """Row ``i``'s date and :data:`SNAP` columns, the before/after of an adaptation."""
        out: dict[str, Any] = {"date": self.df.at[i, "date"].date().isoformat()}
        for c in SNAP:
            v = self.get(i, c)
            out[c] = finite(v) if c not in ("kind", "purpose", "status") else v
        return out

    def set(self, i: Any, **values: Any) -> None:
        """Write ``values`` into row ``i`` and remember it as changed."""
        for k, v in values.items():
            self.df.at[i, k] = v
        self.changed.add(i)

    def add(self, rule: str, evidence: dict, before: dict, after: dict, text: str) -> None:
        """Log one :class:`~coachkit.coach.adapt.records.Adaptation` of ``rule``."""
        change = {"before": before, "after": after}
        self.log.append(Adaptation(self.today, rule, evidence, change, text))

    def vdot(self) -> float | None:
        """The current VDOT, else the plan's."""
        return finite(self.s.vdot_now) or finite(self.s.vdot_plan)

    def band(self, zone: str, vdot: float | None = None) -> tuple[float, float] | None:
        """The ``(fast, slow)`` pace band of ``zone`` in s/km at ``vdot`` (default :meth:`vdot`);
        without a VDOT the E band is the plan's median easy band, else ``None``."""
        v = vdot if vdot is not None else self.vdot()
        if v is not None:
            fast, slow = self.paces(v)[zone]
            if math.isfinite(fast) and math.isfinite(slow):
                return float(fast), float(slow)
        easy = self.df[self.df["kind"] == "easy"]
        if zone == "E" and len(easy) and easy["pace_low_s_per_km"].notna().any():
            return float(easy["pace_low_s_per_km"].median()), float(
                easy["pace_high_s_per_km"].median()
            )
        return None

    def what(self, i: Any) -> str:
        """Row ``i`` in words: ``"Tuesday's tempo (45 min)"``."""
        size = ex.format_volume(
            finite(self.get(i, "distance_m")), finite(self.get(i, "duration_s")), self.units
        )
        kind = self.get(i, "kind")
        return f"{ex.weekday(self.df.at[i, 'date'])}'s {kind}{' run' if kind in ('easy', 'long', 'recovery') else ''} ({size})"

    def host(self, start: pd.Timestamp, end: pd.Timestamp) -> Any:
        """The first day in ``[start, end]`` a session can move to: a planned easy day (else a
        usable rest day) with no hard day before or after it. ``None`` when there is none."""
        ok = [
            i
            for i in self.rows(start, end)
            if self.open(i)
            and eased_from(self.get(i, "steps")) is None
            and not self.hard_on(self.df.at[i, "date"] - pd.Timedelta(days=1))
            and not self.hard_on(self.df.at[i, "date"] + pd.Timedelta(days=1))
        ]
        runs = [i for i in ok if self.get(i, "kind") in HOST_KINDS]
        rests = [i for i in ok if self.get(i, "kind") == "rest" and not self.fixed(i)]
        return (runs or rests or [None])[0]

    def cap(self) -> float | None:
        """The risk model's long-run cap in metres, if any."""
        return finite((self.s.risk or {}).get("long_run_cap_m"))


@dataclass(frozen=True)
class Rule:
    """One adaptation rule: ``name`` (the ``rule`` of the adaptations it logs) and ``apply``.

    ``apply`` edits the draft and returns True when the runner is recovering (back from a break,
    or fatigued); later rules with ``while_recovering=False`` then stand down for the day.
    """

    name: str
    apply: Callable[[PlanDraft], bool]
    while_recovering: bool = True


def recovery_band(band: tuple[float, float] | None) -> tuple[float, float]:
    """The slow half of the E band (recovery runs, as the plan builder writes them)."""
    return (sum(band) / 2, band[1]) if band is not None else (math.nan, math.nan)


def describe(w: PlanDraft, i: Any, note: str) -> str:
    """The purpose sentence of a row whose kind changed: ``"Easy 45 min at 5:03–6:03/km: note"``."""
    u = w.plan_units
    size = ex.format_volume(finite(w.get(i, "distance_m")), finite(w.get(i, "duration_s")), u)
    band = ex.format_pace_range(w.get(i, "pace_low_s_per_km"), w.get(i, "pace_high_s_per_km"), u)
    return f"{str(w.get(i, 'kind')).capitalize()} {size} at {band}: {note}"


def retext(text: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Rewrite the distance and pace band quoted in a purpose sentence to the row's new numbers."""
    for units in UNITS:
        pairs = [
            (
                format_distance(before.get("distance_m"), units),
                format_distance(after.get("distance_m"), units),
            ),
            (
                ex.format_pace_range(
                    before.get("pace_low_s_per_km"), before.get("pace_high_s_per_km"), units
                ),
                ex.format_pace_range(
                    after.get("pace_low_s_per_km"), after.get("pace_high_s_per_km"), units
                ),
            ),
        ]
        for old, new in pairs:
            if "n/a" not in (old, new) and old != new:
                text = text.replace(old, new)
    return text


def week_end(day: pd.Timestamp) -> pd.Timestamp:
    """The Sunday of ``day``'s Monday-Sunday week."""
    return day + pd.Timedelta(days=6 - day.day_of_week)


def scale(w: PlanDraft, i: Any, factor: float) -> None:
    """Multiply row ``i``'s distance and duration (those it has) by ``factor``."""
    for c in ("distance_m", "duration_s"):
        v = finite(w.get(i, c))
        if v is not None:
            w.set(i, **{c: v * factor})


def to_easy(w: PlanDraft, i: Any, note: str, *, keep_original: bool, factor: float = 1.0) -> None:
    """Turn a session into an easy run of ``factor`` × its duration at E pace."""
    band = w.band("E")
    original = {**w.snap(i), "steps": w.get(i, "steps")}
    dist, dur = finite(w.get(i, "distance_m")), finite(w.get(i, "duration_s"))
    lo, hi = finite(w.get(i, "pace_low_s_per_km")), finite(w.get(i, "pace_high_s_per_km"))
    if dur is None and dist is not None and lo and hi:
        dur = dist / 1000.0 * (lo + hi) / 2
    if band is not None and dur is not None and dist is not None:
        dist = dur * 1000.0 / (sum(band) / 2)
    dur, dist = (v * factor if v is not None else None for v in (dur, dist))
    lo, hi = band if band is not None else (math.nan, math.nan)
    step = active_step(
        "E", duration_s=dur, distance_m=dist, pace_low_s_per_km=lo, pace_high_s_per_km=hi
    )
    if keep_original:
        step["replaces"] = original
    w.set(
        i,
        kind="easy",
        distance_m=dist if dist is not None else math.nan,
        duration_s=dur if dur is not None else math.nan,
        pace_low_s_per_km=lo,
        pace_high_s_per_km=hi,
        steps=json.dumps([step]),
    )
    w.set(i, purpose=describe(w, i, note))


def volume(rows: pd.DataFrame) -> tuple[float, float]:
    """``(distance_m, duration_s)`` summed over ``rows``."""
    return (float(rows["distance_m"].fillna(0).sum()), float(rows["duration_s"].fillna(0).sum()))


def format_week_volume(vol: tuple[float, float], units: str) -> str:
    """A :func:`volume` in words: the distance when there is one, else the duration."""
    return format_distance(vol[0], units) if vol[0] > 0 else ex.format_duration(vol[1])


def finish(w: PlanDraft, workouts: pd.DataFrame) -> pd.DataFrame:
    """The adapted frame: every changed row gets ``version + 1``, and a row that kept its kind
    has the numbers quoted in its purpose rewritten to its new ones."""
    out = w.df
    for i in w.changed:
        out.at[i, "version"] = int(workouts.at[i, "version"]) + 1
        if workouts.at[i, "kind"] == out.at[i, "kind"]:
            before = {c: finite(workouts.at[i, c]) for c in SNAP[1:7]}
            out.at[i, "purpose"] = retext(w.purpose(i), before, w.snap(i))
    return out
