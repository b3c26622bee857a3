"""Individual layer of the risk model: the runner's own niggles and injuries (docs/design.md §6).

:func:`personal_risk` finds the training patterns that preceded the runner's niggle episodes
more often than usual ("your last two calf niggles followed weeks with > 2 hard sessions").
Those become extra factors of the evidence layer (:mod:`coachkit.models.risk_evidence`),
shrunk towards "no effect" by n / (n + 3) with n the runner's niggle episodes.
:func:`injury_labels` turns the same episodes into labels for
:class:`~coachkit.models.risk.InjuryRiskModel`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coachkit.core.localtime import as_day
from coachkit.features.frames import column

NIGGLE_EPISODE_MIN = 3.0  # a niggle of 3/10 or more is worth a look (Thomeé 1997 pain model)
INJURY_SEVERITY = 5.0  # above the "acceptable" pain while loading: treated as an injury
EPISODE_GAP_DAYS = 14  # the same site again within 14 days is the same episode
MIN_HITS = 2  # one niggle after a pattern is an anecdote; two make a personal trigger
MAX_PERSONAL_RR = 5.0
#: (code, feature column, threshold (">"), how the pattern reads in a sentence)
PERSONAL_CANDIDATES = (
    ("hard_sessions", "hard_sessions_7d", 2.0, "weeks with > 2 hard sessions"),
    ("long_run_spike", "spike_max_7d", 1.10, "a run > 10 % longer than your 30-day longest"),
    ("weekly_increase", "weekly_change_pct", 30.0, "weeks > 30 % bigger than the week before"),
    ("monotony", "monotony", 2.0, "monotonous weeks (monotony > 2)"),
    ("long_run_share", "long_run_share", 0.40, "weeks where one run was > 40 % of the volume"),
    ("no_rest", "days_since_rest", 6.0, "7 or more days in a row without rest"),
)

#: shrinkage of the individual layer, n / (n + K) with n the runner's niggle episodes
PERSONAL_K = 3.0


@dataclass(frozen=True)
class PersonalTrigger:
    """A condition that preceded the runner's own niggles more often than usual."""

    code: str
    column: str
    threshold: float
    description: str
    hits: int
    episodes: int
    sites: tuple[str, ...]
    relative_risk: float

    def active(self, row: Mapping[str, Any]) -> bool:
        value = row.get(self.column)
        return value is not None and pd.notna(value) and float(value) > self.threshold

    def source(self) -> str:
        return (
            f"your own history: {self.hits} of {self.episodes} niggle episodes, shrunk "
            f"by n/(n+{PERSONAL_K:g})"
        )

    def text(self) -> str:
        site = f"{self.sites[0]} " if len(set(self.sites)) == 1 else ""
        if self.hits == self.episodes:
            return f"your last {self.hits} {site}niggles followed {self.description}"
        return f"{self.hits} of your {self.episodes} {site}niggles followed {self.description}"


@dataclass(frozen=True)
class PersonalRisk:
    """The individual layer: the runner's own niggles and injuries (:func:`personal_risk`)."""

    n_episodes: int = 0
    injury_dates: tuple[pd.Timestamp, ...] = ()
    triggers: tuple[PersonalTrigger, ...] = ()
    explanation: str = "no niggles or injuries logged: the evidence layer alone"

    @property
    def personal_share(self) -> float:
        return self.n_episodes / (self.n_episodes + PERSONAL_K)


def _episodes(feedback: pd.DataFrame) -> pd.DataFrame:
    """Niggle episodes: the first report of a site with severity >= 3 after 14 quiet days."""
    if feedback is None or feedback.empty:
        return pd.DataFrame(columns=["date", "site", "injury"])
    sev = pd.to_numeric(column(feedback, "niggle_severity"), errors="coerce").astype(float)
    missed = column(feedback, "missed_reason", "").astype("string").fillna("").str.lower()
    injured = (sev >= INJURY_SEVERITY) | missed.str.contains("injur", regex=False)
    keep = (sev >= NIGGLE_EPISODE_MIN) | injured
    site = column(feedback, "niggle_site", "").astype("string").fillna("").str.strip().str.lower()
    rows = pd.DataFrame(
        {
            "date": pd.to_datetime(feedback["date"]).map(as_day),
            "site": site.replace("", "unspecified"),
            "injury": injured.fillna(False).astype(bool),
        }
    )[keep.fillna(False).to_numpy(dtype=bool)].sort_values("date")
    out, last_seen = [], {}
    for r in rows.itertuples(index=False):
        prev = last_seen.get(r.site)
        if prev is None or (r.date - prev).days > EPISODE_GAP_DAYS:
            out.append({"date": r.date, "site": r.site, "injury": r.injury})
        elif r.injury and out:  # an episode that worsens into an injury counts as one
            for e in reversed(out):
                if e["site"] == r.site:
                    e["injury"] = True
                    break
        last_seen[r.site] = r.date
    return pd.DataFrame(out, columns=["date", "site", "injury"])


def personal_risk(feedback: pd.DataFrame, features: pd.DataFrame) -> PersonalRisk:
    """The individual layer: which of the runner's training patterns preceded their niggles.

    For each pattern of :data:`PERSONAL_CANDIDATES`, the share of niggle episodes whose onset
    day (its 7-day window) showed the pattern is compared with the share of all days that show
    it. A pattern seen before at least two episodes and more often than usual becomes a
    trigger with relative risk ``exp(n/(n+3) · ln(hit share / day share))`` (capped at 5):
    partial pooling towards "no personal effect" that grows with the runner's n episodes.
    Injuries (severity > 5/10 or a missed day for injury) also give the evidence factor
    ``previous_injury`` for a year.

    Parameters
    ----------
    feedback : pandas.DataFrame
        Feedback frame (docs/design.md §3): ``date``, ``niggle_site``, ``niggle_severity``, ...
    features : pandas.DataFrame
        The runner's :func:`coachkit.features.risk.risk_features` table.
    """
    episodes = _episodes(feedback)
    episodes = episodes[episodes["date"].isin(features.index)] if len(features) else episodes[:0]
    n = len(episodes)
    injuries = tuple(sorted(episodes.loc[episodes["injury"], "date"]))
    if n == 0:
        return PersonalRisk(0, injuries)
    shrink = n / (n + PERSONAL_K)
    triggers = []
    for code, col, threshold, text in PERSONAL_CANDIDATES:
        values = pd.to_numeric(features[col], errors="coerce").astype(float)
        on = (values > threshold) & values.notna()
        base = float(on.mean())
        hit = on.reindex(episodes["date"]).fillna(False).to_numpy(dtype=bool)
        hits = int(hit.sum())
        if hits < MIN_HITS or base <= 0 or hits / n <= base:
            continue
        raw = min(hits / n / base, MAX_PERSONAL_RR)
        sites = tuple(episodes.loc[hit, "site"])
        triggers.append(
            PersonalTrigger(
                code, col, threshold, text, hits, n, sites, math.exp(shrink * math.log(raw))
            )
        )
    triggers.sort(key=lambda t: -t.relative_risk)
    expl = (
        f"{n} niggle episode{'s' if n != 1 else ''} logged ({len(injuries)} injur"
        f"{'y' if len(injuries) == 1 else 'ies'}); {len(triggers)} personal trigger"
        f"{'' if len(triggers) == 1 else 's'}; {100 * shrink:.0f} % personal"
    )
    return PersonalRisk(n, injuries, tuple(triggers), expl)


def injury_labels(
    feedback: pd.DataFrame, features: pd.DataFrame, *, horizon_days: int = 7
) -> pd.Series:
    """1 on the ``horizon_days`` days up to and including a niggle episode's onset (>= 3/10),
    else 0: the labels for training :class:`InjuryRiskModel` on a runner's own history (group the
    rows by athlete when several runners are pooled)."""
    onsets = (
        _episodes(feedback)["date"] if feedback is not None else pd.Series(dtype="datetime64[ns]")
    )
    hit = pd.Series(0, index=features.index, name="injury")
    for day in onsets:
        hit[(hit.index > day - pd.Timedelta(days=horizon_days)) & (hit.index <= day)] = 1
    return hit
