"""Runners like you (``coachkit peers``, the band on the weekly-distance chart; issue 19).

Two halves:

- **The population layer**: ``population/peers.json``, one record per benchmark runner of
  ``strava_runs_116`` with a best race (:func:`coachkit.models.peer_features.peer_record`),
  under an anonymous id (``p01`` …, numbered in the order of a hash of the data's athlete
  id, which is never written). It holds no dates and no raw ids. :func:`peers_document`
  builds it and ``coachkit population fit`` rewrites it (:func:`fit_peers_population`).
- **This runner** (:func:`runners_like_you`): their features on the day asked, the nearest
  peers (:func:`coachkit.models.peers.nearest_peers`), and where the band sits on their own
  calendar: with a goal race in the active plan after that day, week −1 is the Monday week
  before the race's week; without one, the band covers the runner's last 12 weeks, week −1
  being the week of the day asked.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from coachkit.app.athlete import AthleteData, load_athlete
from coachkit.core.files import sha256_file
from coachkit.core.localtime import local_day
from coachkit.core.quality import not_duplicate
from coachkit.core.sports import RUN_SPORTS
from coachkit.core.units import MILE_M, check_units
from coachkit.io.population import STRAVA_RUNS_FILE, STRAVA_RUNS_SHA256, read_strava_runs_116
from coachkit.models.peer_features import WEEKS, peer_record, runner_features
from coachkit.models.peers import Peers, nearest_peers
from coachkit.models.race_efforts import prepare_runs
from coachkit.store import Store
from coachkit.store.plans import active_plan_meta

PEERS_JSON = Path(__file__).resolve().parents[1] / "population" / "peers.json"


def peers_document(frame: pd.DataFrame) -> dict[str, Any]:
    """``peers.json`` from the benchmark activities (:func:`read_strava_runs_116`): records
    and provenance (how many runners had no best race)."""
    from coachkit import __version__

    def anonymous_order(athlete_id: str) -> str:
        return hashlib.sha256(athlete_id.encode("utf-8")).hexdigest()

    records = []
    athletes = sorted(frame["athlete_id"].unique(), key=anonymous_order)
    for athlete_id in athletes:
        acts = frame[frame["athlete_id"] == athlete_id]
        runs, _ = prepare_runs(acts)
        record = peer_record(runs, str(acts["sex"].iloc[0]) if "sex" in acts else None)
        if record is not None:
            records.append({"id": f"p{len(records) + 1:02d}", **record})
    return {
        "records": records,
        "provenance": {
            "data_file": STRAVA_RUNS_FILE,
            "data_sha256": STRAVA_RUNS_SHA256,
            "n_athletes_in_file": len(athletes),
            "n_with_best_race": len(records),
            "best_race": "highest-VDOT race-like effort (coachkit.models.race_efforts.race_like)"
            " with 12 weeks of training before it and a run >= 3 km in the 12 weeks before that",
            "ids": "anonymous (p01 ...), in the order of sha256 of the data's athlete id",
            "coachkit_version": __version__,
            "refit": "coachkit population fit --benchmarks DIR",
        },
    }


def fit_peers_population(benchmarks_dir: str | Path) -> dict[str, Any]:
    """:func:`peers_document` of ``<benchmarks_dir>/strava_runs_116``; refuses other bytes
    than the ones ``peers.json`` records."""
    path = Path(benchmarks_dir) / STRAVA_RUNS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass the folder that holds strava_runs_116/.")
    if (digest := sha256_file(path)) != STRAVA_RUNS_SHA256:
        raise ValueError(f"{path} is not the expected file (sha256 {digest[:12]}…)")
    return peers_document(read_strava_runs_116(path))


@lru_cache(maxsize=4)
def load_peer_population(path: Path = PEERS_JSON) -> tuple[dict[str, Any], ...]:
    """The records of the shipped ``peers.json`` (read once)."""
    return tuple(json.loads(path.read_text(encoding="utf-8"))["records"])


@dataclass(frozen=True)
class RunnersLikeYou:
    """The peers of one runner on one day, and the weeks of their own calendar the band is on.

    ``weeks`` are the Mondays of weeks −12 … −1; ``own_km`` the runner's run km in each of
    them (None for a week that starts after the day asked); ``race_date`` the goal race the
    band is aligned to (None: the band covers the runner's last 12 weeks).
    """

    peers: Peers
    features: dict[str, float | None]
    sex: str | None
    weeks: list[pd.Timestamp]
    own_km: list[float | None]
    race_date: pd.Timestamp | None

    def alignment(self) -> str:
        """Where week −1 of the band is, in words."""
        if self.race_date is not None:
            return f"week −1 is the week before your race on {self.race_date:%Y-%m-%d}"
        return f"no goal race after this day: the band covers your last {WEEKS} weeks"

    def table(self, units: str = "km") -> pd.DataFrame:
        """One row per week −12 … −1: its Monday, your distance, and the peers' quartiles of
        weekly distance and longest run, in ``units``."""
        check_units(units)
        per = MILE_M / 1000.0 if units == "mi" else 1.0
        out = pd.DataFrame({"week": [f"{w:+d}" for w in range(-WEEKS, 0)], "monday": self.weeks})
        out[f"you {units}"] = [None if v is None else round(v / per, 1) for v in self.own_km]
        band = self.peers.band or {}
        for series, label in (("volume_km", "peers"), ("long_run_km", "peers long")):
            for q in ("p25", "p50", "p75"):
                values = band.get(f"{series}_{q}", [None] * WEEKS)
                out[f"{label} {q} {units}"] = [
                    None if v is None else round(v / per, 1) for v in values
                ]
        return out

    def to_dict(self, units: str = "km") -> dict[str, Any]:
        """The JSON of ``coachkit peers``: the model's result, your features and the weeks."""
        return {
            **self.peers.to_dict(units),
            "you": {"features": self.features, "sex": self.sex},
            "race_date": None if self.race_date is None else f"{self.race_date:%Y-%m-%d}",
            "alignment": self.alignment(),
            "weeks": [f"{w:%Y-%m-%d}" for w in self.weeks],
            "own_km": self.own_km,
        }


def goal_race_after(store: Store, athlete_id: str, day: pd.Timestamp) -> pd.Timestamp | None:
    """The active plan's goal race date when it is after ``day``, else None."""
    meta = active_plan_meta(store, athlete_id) or {}
    race = (meta.get("goal") or {}).get("race_date")
    if not race:
        return None
    race_day = pd.Timestamp(race).normalize()
    return race_day if race_day > day else None


def _weekly_run_km(data: AthleteData, mondays: list[pd.Timestamp], day: pd.Timestamp) -> list:
    acts = data.activities
    runs = acts[acts["sport"].isin(RUN_SPORTS) & not_duplicate(acts["quality_flags"])]
    week = local_day(runs).dt.to_period("W-SUN").dt.start_time
    km = (runs["distance_m"].groupby(week).sum() / 1000.0).to_dict()
    return [None if m > day else round(float(km.get(m, 0.0)), 2) for m in mondays]


def reference_day(data: AthleteData) -> pd.Timestamp:
    """The day the runner is compared on: ``data.as_of``, else the day of their last activity
    (today's date for a runner without any)."""
    if data.as_of is not None:
        return data.as_of
    if len(data.activities):
        return local_day(data.activities).max()
    return pd.Timestamp.now().normalize()


def runners_like_you(
    data: AthleteData,
    *,
    race_date: pd.Timestamp | None = None,
    population: tuple[dict[str, Any], ...] | None = None,
) -> RunnersLikeYou:
    """The peers of the runner in ``data`` as of ``data.as_of`` (default: their last run's
    day), with the band aligned to ``race_date`` when given (module docstring)."""
    acts = data.activities
    day = reference_day(data)
    runs, now = prepare_runs(acts, as_of=day + pd.Timedelta(days=1))
    features = runner_features(runs, now)
    sex = data.settings.get("sex")
    sex = sex if sex in ("male", "female") else None
    me = {"features": features, "sex": sex}
    peers = nearest_peers(me, population if population is not None else load_peer_population())
    monday = day - pd.Timedelta(days=day.weekday())
    if race_date is not None:
        anchor = race_date - pd.Timedelta(days=race_date.weekday())
    else:
        anchor = monday + pd.Timedelta(days=7)
    mondays = [anchor - pd.Timedelta(days=7 * w) for w in range(WEEKS, 0, -1)]
    return RunnersLikeYou(
        peers, features, sex, mondays, _weekly_run_km(data, mondays, day), race_date
    )


def runners_like_you_in_store(store: Store, athlete_id: str, day: Any = None) -> RunnersLikeYou:
    """:func:`runners_like_you` for a stored athlete as of ``day`` (default: all their data),
    aligned to the goal race of their active plan when it is after that day."""
    data = load_athlete(store, athlete_id, as_of=day)
    race = goal_race_after(store, athlete_id, reference_day(data))
    return runners_like_you(data, race_date=race)
