"""What the dashboard shows, read from the store for one athlete and one day.

Two tiers, so the page can answer fast: :meth:`DashboardData.refresh_plan` re-reads the plan
side (today's prescription, the week, adaptations: a few SQL queries) and runs after every
feedback; :meth:`DashboardData.refresh_analysis` runs the features and models (PMC, HRV, risk,
race predictions) and only when the data behind them changed (:func:`data_fingerprint`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.core.quality import not_duplicate
from coachkit.core.sports import RUN_SPORTS
from coachkit.store import StoreError, check_athlete_id

if TYPE_CHECKING:
    from coachkit.store import Store

CONVENTIONS = ("exp", "1/N", "2/(N+1)")


def resolve_athlete(store: Store, requested: str | None) -> str:
    """The athlete to show: ``requested`` (validated: a safe id that is in the store), else the
    store's only athlete, else its first one.

    Raises
    ------
    StoreError
        With a sentence a viewer can act on, for a malformed or unknown id or an empty store.
    """
    known = [a["athlete_id"] for a in store.athletes()]
    if requested:
        check_athlete_id(requested)  # never used as a path: only compared with the store's ids
        if requested not in known:
            raise StoreError(
                f"there is no athlete {requested!r} here; pick one of: {', '.join(known) or 'none yet'}"
            )
        return requested
    if not known:
        raise StoreError(
            "this store holds no athlete yet: run `coachkit ingest PATH --athlete ID` first"
        )
    return known[0]


def last_synced(store: Store, athlete_id: str, *, now: Any = None) -> list[str]:
    """One line per source saying how fresh the athlete's data is, for the page's header.

    Synced sources (Strava, Garmin) come from :func:`coachkit.app.sync.state.freshness` ("Strava:
    synced 3 h ago ..."); file imports from the ingest manifest (the latest import per kind).
    ``now`` is a tz-aware UTC datetime (default: the clock; this is an interface).
    """
    from datetime import datetime, timezone

    from coachkit.app.sync.state import freshness
    from coachkit.store.manifest import latest_imports

    lines = freshness(store, athlete_id, now=now or datetime.now(timezone.utc))
    for kind, when in latest_imports(store, athlete_id):
        lines.append(f"{kind or 'file'} import: {str(when)[:16].replace('T', ' ')} UTC")
    return lines


def data_fingerprint(store: Store, athlete_id: str) -> tuple:
    """Changes whenever an activity, a wellness day or a feedback row is added or replaced."""
    return store.data_fingerprint(athlete_id)


@dataclass
class DashboardData:
    """The plan side and the analysis side of one athlete's page on ``day``."""

    store: Store
    athlete_id: str
    day: pd.Timestamp
    units: str = "km"
    #: km or mi as the viewer picked on the page (None: the plan's units)
    units_choice: str | None = None
    has_plan: bool = False
    plan_message: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    plan: pd.DataFrame = field(default_factory=pd.DataFrame)
    today: dict[str, Any] | None = None
    #: the check-in question when one is due on ``day`` (issue 19), else None
    checkin: str | None = None
    tomorrow: dict[str, Any] | None = None
    reasons: dict[str, list[str]] = field(default_factory=dict)
    done: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "distance_m"]))
    analysis: dict[str, Any] = field(default_factory=dict)
    fingerprint: tuple | None = None

    # -- the plan side: cheap, re-read after every feedback ---------------------------------
    def refresh_plan(self) -> None:
        from coachkit.app.athlete import apply_activity_edits
        from coachkit.app.coach import active_plan, adaptations, plan_frame
        from coachkit.core.localtime import local_day
        from coachkit.core.units import in_units
        from coachkit.store.plans import plan_created_at
        from coachkit.viz.cards import change_reasons

        # the runner's corrections: an excluded run is not done, a corrected sport decides
        acts, _ = apply_activity_edits(
            self.store.activities(self.athlete_id), self.store.activity_edits(self.athlete_id)
        )
        runs = acts[acts["sport"].isin(RUN_SPORTS)]
        runs = runs[not_duplicate(runs["quality_flags"])]
        self.done = pd.DataFrame(
            {"date": local_day(runs) if len(runs) else [], "distance_m": runs["distance_m"]}
        )
        try:
            self.meta = active_plan(self.store, self.athlete_id)
        except StoreError as exc:
            self.has_plan, self.plan_message = False, str(exc)
            self.plan, self.today, self.tomorrow, self.reasons = pd.DataFrame(), None, None, {}
            self.checkin = None
            return
        self.has_plan = True
        self.units = self.units_choice or self.meta.get("units", "km")
        self.plan = plan_frame(self.store, self.athlete_id)
        log = adaptations(self.store, self.athlete_id)
        created = plan_created_at(self.store, self.meta["plan_id"])
        if len(log) and created is not None:  # a re-created plan starts with a clean slate
            log = log[log["created_at"] >= created]
        self.reasons = {
            day: [in_units(text, self.units) for text in texts]
            for day, texts in change_reasons(log).items()
        }
        self.today = self._prescription(self.day)
        self.tomorrow = self._prescription(self.day + pd.Timedelta(days=1))
        self.checkin = self._checkin()
        if self.today is None:
            first, last = self.plan["date"].min(), self.plan["date"].max()
            self.plan_message = (
                f"The plan runs from {first:%-d %B %Y} to {last:%-d %B %Y}; "
                f"{self.day:%-d %B %Y} is not in it. Pick a day inside the plan."
            )
        else:
            self.plan_message = ""

    def _checkin(self) -> str | None:
        """The check-in question of ``day`` when three planned sessions passed without data."""
        from coachkit.app.checkin import checkin_for

        if self.today is None:
            return None
        silent = checkin_for(self.store, self.athlete_id, self.day)
        return silent.ask(self.units) if silent is not None and silent.due else None

    def _prescription(self, day: pd.Timestamp) -> dict[str, Any] | None:
        from coachkit.app.coach import todays_prescription

        if not (self.plan["date"] == day).any():
            return None
        return todays_prescription(self.store, self.athlete_id, day, units=self.units)

    def changes_on(self, day: pd.Timestamp) -> list[str]:
        """Explanations of the adaptations that changed ``day``."""
        return self.reasons.get(f"{day:%Y-%m-%d}", [])

    def changes_ahead(self, day: pd.Timestamp, days: int = 3) -> list[str]:
        """The latest change to each of the next ``days`` days: what the coach did about the
        sessions to come (feedback on a run already done changes those, never that run)."""
        ahead = (
            self.reasons.get(f"{day + pd.Timedelta(days=i):%Y-%m-%d}", [])
            for i in range(1, days + 1)
        )
        return [found[-1] for found in ahead if found]

    # -- the analysis side: features and models, when the data changed ------------------------
    def refresh_analysis(self, *, force: bool = False) -> bool:
        """Recompute the trends, risk and predictions if the data changed; True if it ran."""
        from coachkit.app.athlete import activity_table, load_athlete
        from coachkit.app.metrics import daily_metrics
        from coachkit.app.progress import race_predictions
        from coachkit.features.daily import daily_load

        fp = data_fingerprint(self.store, self.athlete_id)
        if not force and fp == self.fingerprint and self.analysis:
            return False
        data = load_athlete(self.store, self.athlete_id, as_of=self.day, known_then=False)
        table = activity_table(data)
        daily = daily_metrics(data)
        loads = None
        if len(daily):
            loads = daily_load(
                data.activities,
                table[["activity_id", "load"]],
                start=daily["date"].min(),
                end=daily["date"].max(),
            )
        self.analysis = {
            "data": data,
            "activities": data.activities,
            "table": table,
            "daily": daily,
            "loads": loads,
            "risk": self._risk(data),
            "race": race_predictions(data),
            "pmc": {},
        }
        self.fingerprint = fp
        return True

    def zone_figures(self) -> tuple[pd.DataFrame, pd.DataFrame, str]:
        """Weekly seconds in each HR zone (12 weeks), and the mean-max curve with what it is of
        (``power_w`` when the runner has power, else ``speed_m_s``), computed once per analysis."""
        if "zone_figures" not in self.analysis:
            from coachkit.app.power import mean_max_windows
            from coachkit.app.zones import weekly_zone_seconds

            data = self.analysis["data"]
            power = mean_max_windows(data, "power_w")
            value = "power_w" if len(power) else "speed_m_s"
            curve = power if len(power) else mean_max_windows(data, "speed_m_s")
            self.analysis["zone_figures"] = (weekly_zone_seconds(data, "hr", 12), curve, value)
        return self.analysis["zone_figures"]

    def peers(self) -> Any:
        """Runners like you on the shown day (:class:`coachkit.app.peers.RunnersLikeYou`),
        aligned to the plan's goal race when it is ahead, computed once per analysis."""
        if "peers" not in self.analysis:
            from coachkit.app.peers import goal_race_after, reference_day, runners_like_you

            data = self.analysis["data"]
            race = goal_race_after(self.store, self.athlete_id, reference_day(data))
            self.analysis["peers"] = runners_like_you(data, race_date=race)
        return self.analysis["peers"]

    def run_options(self, weeks: int = 6) -> list[tuple[str, str]]:
        """(label, activity_id) of the runs in the ``weeks`` weeks up to the day, newest first:
        ``"Thu 18 Mar · 8.5 km · Easy run"`` in the page's units."""
        from coachkit.core.units import format_distance

        table = self.analysis.get("table")
        if table is None or not len(table):
            return []
        since = self.day - pd.Timedelta(weeks=weeks)
        runs = table[
            table["sport"].isin(RUN_SPORTS) & (table["date"] > since) & (table["date"] <= self.day)
        ]
        runs = runs.sort_values(["date", "start_time"], ascending=False)
        return [
            (
                f"{r.date:%a %-d %b} · {format_distance(r.distance_m, self.units)}"
                + (f" · {r.name}" if isinstance(r.name, str) and r.name else ""),
                str(r.activity_id),
            )
            for r in runs.itertuples()
        ]

    def run_view(self, activity_id: str) -> tuple[dict[str, Any], pd.DataFrame]:
        """One run's view (:func:`coachkit.app.activity_view.activity_view`) in the page's units,
        and its samples, from the athlete already loaded."""
        from coachkit.app.activity_view import activity_view

        data = self.analysis["data"]
        view = activity_view(self.store, activity_id, units=self.units, data=data)
        return view, self.run_samples(activity_id)

    def run_samples(self, activity_id: str) -> pd.DataFrame:
        """One run's samples, from the athlete already loaded (what the route needs, without
        building the whole view again)."""
        from coachkit.app.activity_view import run_samples

        return run_samples(self.store, self.analysis["data"], activity_id)

    def _risk(self, data: Any) -> dict[str, Any]:
        """Risk of the day with the plan's sessions in it (a planned spike shows before it is
        run), from the athlete already loaded with feedback however late it was logged (the
        page is live, not a replay): what :func:`coachkit.app.risk.athlete_risk` gives."""
        from coachkit.app.risk import risk_of

        return risk_of(data, plan=self.plan if self.has_plan else None).to_dict()

    def pmc(self, convention: str = "exp") -> pd.DataFrame:
        """Load, CTL, ATL and TSB per day in one of the PMC conventions (docs/design.md §5)."""
        from coachkit.features.pmc import pmc

        if convention not in CONVENTIONS:
            raise ValueError(f"unknown PMC convention {convention!r}: use one of {CONVENTIONS}")
        cache = self.analysis.setdefault("pmc", {})
        if convention not in cache:
            loads = self.analysis.get("loads")
            if loads is None:
                cache[convention] = pd.DataFrame(columns=["date", "load", "ctl", "atl", "tsb"])
            else:
                frame = pmc(loads, ctl_days=42, atl_days=7, convention=convention)
                frame.index.name = "date"
                cache[convention] = frame.reset_index()
        return cache[convention]
