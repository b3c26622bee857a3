"""The coach's roster: one row per athlete of a store (notebooks/05_coach_roster.ipynb).

Each row is what a coach scans in the morning, every cell filled (a missing thing says so in
words: ``"no plan"``, ``"no HRV data"``):

- ``as_of`` (the day every other column is computed for; see :func:`roster_table`),
  ``last_data`` and ``days_since_data`` (freshness);
- ``compliance_7d`` / ``compliance_28d``: done ÷ planned running volume over the last 7 and 28
  days of the active plan (distance when every planned run has one, else duration);
- ``prescription``: the plan's workout for ``as_of``;
- ``risk_score`` (0–100), ``risk_level`` and ``risk_top_factor`` (the largest contributor);
- ``hrv``: the 7-day lnRMSSD against the athlete's normal range (``below``/``within``/``above``);
- ``tsb`` (form = yesterday's CTL − ATL) and ``ctl``;
- ``race``: the predicted time (80 % interval) for the plan's goal distance, else 10 km;
- ``personal``: how personal the race and HR models are for this athlete (0–100 %);
- ``flags``: data-quality and freshness flags, ``"none"`` when there is nothing to say;
- ``report``: the athlete's ``coachkit report`` page, when one exists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.core.sports import RUN_SPORTS
from coachkit.core.units import format_hms

if TYPE_CHECKING:
    from coachkit.store import Store

#: columns that must never be empty (the notebook test checks them)
REQUIRED = (
    "athlete",
    "as_of",
    "last_data",
    "days_since_data",
    "compliance_7d",
    "compliance_28d",
    "prescription",
    "risk",
    "risk_top_factor",
    "hrv",
    "tsb",
    "race",
    "personal",
    "flags",
)
NO_PLAN = "no plan"
STALE_DAYS = 7  # no data for a week: the coach should ask


def last_data_day(store: Store, athlete_id: str) -> pd.Timestamp | None:
    """The athlete's last calendar day (local) with an activity or a wellness reading."""
    from coachkit.core.localtime import local_day

    acts = store.activities(athlete_id)
    days = [local_day(acts).max() if len(acts) else pd.NaT]
    wellness = store.wellness(athlete_id)
    days.append(wellness["date"].max() if len(wellness) else pd.NaT)
    days = [d for d in days if pd.notna(d)]
    return pd.Timestamp(max(days)).normalize() if days else None


def compliance(plan: pd.DataFrame | None, done: pd.DataFrame, day: pd.Timestamp, days: int) -> str:
    """Done ÷ planned running volume over the ``days`` days ending on ``day``, as text.

    ``plan`` is the current plan (``coachkit.app.coach.plan_frame``) or ``None``; ``done`` has
    ``date``, ``distance_m`` and ``duration_s`` of the runs. Says ``"no plan"``, or why there is
    nothing to compare (the window lies before the plan starts).

    >>> plan = pd.DataFrame({"date": pd.to_datetime(["2024-05-01", "2024-05-02"]),
    ...                      "kind": ["easy", "rest"], "distance_m": [10000.0, None],
    ...                      "duration_s": [None, None]})
    >>> done = pd.DataFrame({"date": pd.to_datetime(["2024-05-01"]), "distance_m": [8000.0],
    ...                      "duration_s": [2900.0]})
    >>> compliance(plan, done, pd.Timestamp("2024-05-02"), 7)
    '80 % (8.0 of 10.0 km since the plan began on 2024-05-01)'
    """
    if plan is None or plan.empty:
        return NO_PLAN
    start = max(day - pd.Timedelta(days=days - 1), plan["date"].min())
    window = plan[(plan["date"] >= start) & (plan["date"] <= day)]
    runs = window[~window["kind"].isin(["rest"])]
    if runs.empty:
        first = plan["date"].min()
        if first > day:
            return f"plan starts {first:%Y-%m-%d}"
        return f"no run planned in the last {days} days"
    col = "distance_m" if runs["distance_m"].notna().all() else "duration_s"
    planned = float(runs[col].fillna(0).sum())
    did_rows = done[(done["date"] >= start) & (done["date"] <= day)]
    did = float(did_rows[col].fillna(0).sum()) if col in did_rows else 0.0
    if planned <= 0:
        return f"no volume planned in the last {days} days"
    if col == "distance_m":
        amount = f"{did / 1000:.1f} of {planned / 1000:.1f} km"
    else:
        amount = f"{did / 60:.0f} of {planned / 60:.0f} min"
    since = (
        f" since the plan began on {start:%Y-%m-%d}"
        if start > day - pd.Timedelta(days=days - 1)
        else ""
    )
    return f"{did / planned:.0%} ({amount}{since})".replace("%", " %")


def _prescription(store: Store, athlete_id: str, day: pd.Timestamp) -> str:
    from coachkit.app.coach import todays_prescription
    from coachkit.store import StoreError

    try:
        p = todays_prescription(store, athlete_id, day)
    except StoreError as exc:
        return NO_PLAN if "no plan" in str(exc) else f"outside the plan ({exc})"
    return f"{p['kind']}: {p['explanation']}"


def _flags(table: pd.DataFrame, wellness: pd.DataFrame, day: pd.Timestamp, since: int) -> str:
    """Freshness first, then quality codes of the last 28 days' activities with counts."""
    out = []
    if since > STALE_DAYS:
        out.append(f"stale: no data for {since} days")
    recent = table[(table["date"] > day - pd.Timedelta(days=28)) & (table["date"] <= day)]
    codes = recent["quality_flags"].fillna("").str.split(";").explode()
    codes = codes[codes != ""].str.replace(r":.*", "", regex=True)
    out += [f"{code} ×{n}" for code, n in codes.value_counts().items()]
    if len(table) and not table["has_samples"].any():
        out.append("summaries only (no samples)")
    if wellness.empty:
        out.append("no HRV data")
    return "; ".join(out) or "none"


def _race(data: Any, distance_m: float) -> tuple[str, float]:
    from coachkit.models.race import predict_race

    end = data.as_of + pd.Timedelta(days=1)
    p = predict_race(data.activities, distance_m=distance_m, as_of=end)
    name = (
        f"{distance_m / 1000:g} km"
        if distance_m not in (21097.5, 42195.0)
        else ("half marathon" if distance_m == 21097.5 else "marathon")
    )
    return (
        f"{name} {format_hms(p.seconds)} ({format_hms(p.low)}–{format_hms(p.high)}, {p.method})",
        float(p.personal_share),
    )


def roster_row(
    store: Store, athlete_id: str, *, today: Any = None, reports: str | Path | None = None
) -> dict[str, Any]:
    """The roster row of one athlete (the module docstring lists the columns).

    ``today``: the day to report on; ``None`` means the athlete's last day with data.
    """
    from coachkit.app.athlete import activity_table, hr_residuals, load_athlete
    from coachkit.app.coach import active_plan, plan_frame
    from coachkit.app.metrics import daily_metrics
    from coachkit.app.risk import risk_of
    from coachkit.store import StoreError

    last = last_data_day(store, athlete_id)
    day = pd.Timestamp(today).normalize() if today is not None else last
    if day is None:
        day = pd.Timestamp.now().normalize()  # an athlete with no data at all: nothing to date
    data = load_athlete(store, athlete_id, as_of=day)
    table = activity_table(data)
    daily = daily_metrics(data)
    now = daily.iloc[-1] if len(daily) else pd.Series(dtype=object)
    try:
        plan, goal = plan_frame(store, athlete_id), active_plan(store, athlete_id).get("goal", {})
    except StoreError:
        plan, goal = None, {}
    risk = risk_of(data, plan=plan)  # the same assessment as `coachkit risk`
    residuals = hr_residuals(data)  # cached on data by risk_of
    factors = sorted(risk.factors + risk.overtraining.factors, key=lambda f: -f.weight)
    runs = table[table["sport"].isin(RUN_SPORTS)]
    done = pd.DataFrame(
        {
            "date": runs["date"],
            "distance_m": runs["distance_m"],
            "duration_s": runs["moving_time_s"].fillna(runs["elapsed_time_s"]),
        }
    )
    race_m = float(goal.get("race_distance_m") or 10_000.0)
    race, race_share = _race(data, race_m)
    hr_share = float(residuals["personal_share"].iloc[-1]) if len(residuals) else 0.0
    status = now.get("hrv_status")
    if data.wellness.empty:
        hrv = "no HRV data"
    elif pd.isna(status) or status == "not enough data":
        hrv = "not enough readings this week"
    else:
        hrv = (
            f"{status} normal range (7-day lnRMSSD {now['ln_rmssd_7d']:.2f})".replace(
                "within normal", "within the normal"
            )
            .replace("below normal", "below the normal")
            .replace("above normal", "above the normal")
        )
    since = int((day - last).days) if last is not None else -1
    tsb = float(now.get("tsb", math.nan)) if len(now) else math.nan
    link = None
    if reports is not None and (Path(reports) / athlete_id / "report.html").exists():
        link = f"{Path(reports).as_posix()}/{athlete_id}/report.html"
    return {
        "athlete": athlete_id,
        "as_of": day.date().isoformat(),
        "last_data": last.date().isoformat() if last is not None else "no data",
        "days_since_data": since if last is not None else "no data",
        "compliance_7d": compliance(plan, done, day, 7),
        "compliance_28d": compliance(plan, done, day, 28),
        "prescription": _prescription(store, athlete_id, day) if plan is not None else NO_PLAN,
        "risk_score": float(risk.score),
        "risk": f"{risk.score:.0f} ({risk.level}; overtraining {risk.overtraining.level})",
        "risk_top_factor": factors[0].text if factors else "no active risk factor",
        "hrv": hrv,
        "tsb": round(tsb, 1) if math.isfinite(tsb) else 0.0,
        "ctl": round(float(now.get("ctl", 0.0) or 0.0), 1),
        "race": race,
        "personal": f"race {race_share:.0%}, HR {hr_share:.0%}".replace("%", " %"),
        "flags": _flags(table, data.wellness, day, max(since, 0)),
        "report": link,
    }


def roster_table(
    store: Store,
    today: Any,
    *,
    athletes: Sequence[str] | None = None,
    reports: str | Path | None = None,
) -> pd.DataFrame:
    """One row per athlete of ``store`` (or of ``athletes``), sorted by risk score (highest first).

    ``today`` is the day the roster is for, always passed (the clock is read by the caller):
    a date for every athlete (the notebook passes the real date by default, which is what a
    coach expects: freshness then shows who has stopped syncing), or ``"last"`` for each
    athlete's own last day with data (for looking back at historical data). An athlete whose
    row cannot be computed gets a row that says why, so one bad history never hides the others.
    """
    ids = list(athletes) if athletes is not None else [a["athlete_id"] for a in store.athletes()]
    rows = []
    for athlete in ids:
        day = None if (isinstance(today, str) and today == "last") else today
        try:
            rows.append(roster_row(store, athlete, today=day, reports=reports))
        except Exception as exc:  # noqa: BLE001 - one athlete's problem stays in its row
            reason = f"could not compute: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            rows.append(
                {c: reason for c in REQUIRED}
                | {"athlete": athlete, "risk_score": math.nan, "tsb": math.nan, "report": None}
            )
    columns = [*REQUIRED[:7], "risk_score", *REQUIRED[7:], "ctl", "report"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(
        ["risk_score", "athlete"], ascending=[False, True], na_position="first"
    ).reset_index(drop=True)
