"""A scripted runner for the scenario suite: a real store, real runs, and only the public CLI.

Each scenario copies a store holding the demo athlete (data/sample, ingested once per session
through ``coachkit ingest``), creates a plan with ``coachkit plan create`` and then lives day by
day: ``coachkit today --json`` in the morning, a run (one of the athlete's real watch runs, TCX
with HR, re-dated to the day and cut to the whole laps (its last ones) that make the distance the scenario
asks for; HR shifted as in tests/integration/test_seed_week.py), ``coachkit log --json`` in the
evening, and ``coachkit plan show --format csv`` to see what the coach did.

After every day the :class:`Runner` checks the issue-15 invariants on the plan it reads back:

* no two hard days back to back (:data:`HARD`);
* no run already done (a day up to today with a run) rewritten;
* no prescribed run over 1.1 x the longest run of the 30 days before it (Garmin-RUNSAFE,
  Frandsen 2025);
* every Monday, the week's planned volume at most 1.3 x the mean weekly volume actually run in
  the 4 weeks before it (acute:chronic, Gabbett 2016, Br J Sports Med) and at most 1.1 x the
  largest planned week so far.

Violations are collected (not raised at once), so a failing scenario lists every broken
invariant of its whole run; :meth:`Runner.verdict` asserts at the end and prints the one-line
summary of what the coach did and said (``pytest -s`` shows it).
"""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from coachkit.cli import app
from tests.conftest import SAMPLE
from tests.integration.test_seed_week import hrv_export, redated_run

MON = date(2021, 3, 15)  # the Monday after the demo athlete's last real run (a Sunday)
RACE = date(2021, 6, 13)  # the demo's half marathon (Makefile DEMO_RACE)
HALF_M = 21097.5
# the demo athlete's real watch runs (TCX with HR, 6-16 km, auto-laps of about 1 km)
TCX = sorted((SAMPLE / "activities" / "watch_tcx").glob("*.tcx.gz"))
NORMAL_HR = 6  # bpm that make a watch run read as this runner's usual HR (test_seed_week)
HIGH_HR = 20  # bpm over that: the seed's "HR high on an easy run"
HARD = frozenset({"long", "tempo", "intervals", "hills", "race"})  # coachkit's HARD_KINDS
QUALITY = frozenset({"tempo", "intervals", "hills"})
INACTIVE = frozenset({"missed", "moved"})
NUMBERS = ("kind", "distance_m", "duration_s", "pace_low_s_per_km", "pace_high_s_per_km")
ACUTE_CHRONIC = 1.3  # Gabbett 2016: next week <= 1.3 x the 4-week mean actually run
START_FLOOR_M = 5000.0  # README: 5 km a week when nothing was run in the 4 weeks before
WEEK_GROWTH = 1.1  # the plan builder's own rule: <= 1.1 x the largest planned week so far
RUNSAFE = 1.1  # Garmin-RUNSAFE (Frandsen 2025): a run <= 1.1 x the 30-day longest
ROUNDING_M = 50.0  # half of the plan's 100 m rounding step
GARMIN = (
    Path(__file__).resolve().parents[2].parent / "shared/data/real/wellness/garmin_connect_garth"
)

_LAP = re.compile(r"<Lap\b.*?</Lap>", re.S)
_LAP_M = re.compile(r"<DistanceMeters>([\d.]+)</DistanceMeters>")


def laps_for(src: Path, metres: float) -> tuple[str, float]:
    """The TCX text of ``src`` keeping its last whole laps closest to ``metres`` (at least one;
    the last laps, so HR has settled as in a whole run), and the distance those laps add up to
    (what the reader reports)."""
    with gzip.open(src, "rt") as fh:
        text = fh.read()
    laps = _LAP.findall(text)
    total, best, kept = 0.0, None, 0
    for k, lap in enumerate(reversed(laps), 1):
        total += float(_LAP_M.search(lap).group(1))
        if best is None or abs(total - metres) < abs(best - metres):
            best, kept = total, k
    head, tail = text[: text.index(laps[0])], text[text.rindex(laps[-1]) + len(laps[-1]) :]
    return head + "".join(laps[-kept:]) + tail, float(best)


@cache
def _lap_total(src: Path) -> float:
    return laps_for(src, 1e9)[1]


def source_for(metres: float) -> Path:
    """The real watch run to cut a run of ``metres`` from: the shortest one at least that long
    (else the longest), so as little as possible is cut."""
    sizes = {p: _lap_total(p) for p in TCX}
    longer = [p for p in TCX if sizes[p] >= metres]
    return min(longer, key=sizes.get) if longer else max(TCX, key=sizes.get)


def hard_back_to_back(frame: pd.DataFrame) -> list[str]:
    """Pairs of consecutive days that both hold a hard session still happening."""
    on = frame[frame["kind"].isin(HARD) & ~frame["status"].isin(INACTIVE)]
    days = set(on["date"])
    return [f"{d:%a %m-%d}+next" for d in sorted(days) if d + pd.Timedelta(days=1) in days]


def planned_m(rows: pd.DataFrame) -> float:
    """Planned distance of the runs among ``rows`` (a duration-only run at its mean pace)."""
    rows = rows[(rows["kind"] != "rest") & ~rows["status"].isin(INACTIVE)]
    pace = (rows["pace_low_s_per_km"] + rows["pace_high_s_per_km"]) / 2
    est = (rows["duration_s"] / pace * 1000).where(pace > 0)
    return float(rows["distance_m"].where(rows["distance_m"] > 0, est).fillna(0).sum())


@dataclass(repr=False)
class Runner:
    """One scripted runner on a copy of the demo store (see the module docstring)."""

    root: Path
    template: Path
    name: str
    history: pd.DataFrame  # the demo athlete's runs before the plan: date, distance_m
    runs: dict = field(default_factory=dict)  # date -> distance run (m)
    said: list = field(default_factory=list)  # (date, rule, explanation) of every adaptation
    broken: list = field(default_factory=list)  # invariants or expectations not met
    frame: pd.DataFrame | None = None
    weeks: dict = field(default_factory=dict)  # Monday -> planned volume that morning

    def __post_init__(self) -> None:
        self.store = self.root / "store"
        shutil.copytree(self.template, self.store)
        self.inbox = self.root / "inbox"
        self.inbox.mkdir()
        self.cli_runner = CliRunner()

    # -- the public CLI -------------------------------------------------------------------
    def cli(self, *args: str) -> str:
        res = self.cli_runner.invoke(app, [*args, "--store", str(self.store)])
        assert res.exit_code == 0, f"coachkit {' '.join(args)}: {res.output}"
        return res.stdout

    def create_plan(self, start: date = MON, race: date = RACE, days_per_week: int = 5) -> str:
        out = self.cli("plan", "create", "--race-distance-m", str(HALF_M), "--race-date",
                       f"{race}", "--days-per-week", str(days_per_week), "--date", f"{start}")  # fmt: skip
        self.frame = self.plan()
        self._week(pd.Timestamp(start))
        return out

    def plan(self) -> pd.DataFrame:
        f = pd.read_csv(io.StringIO(self.cli("plan", "show", "--format", "csv")))
        return f.assign(date=pd.to_datetime(f["date"]))

    def today(self, day: date) -> dict:
        return json.loads(self.cli("today", "--date", f"{day}", "--json"))

    def log(self, day: date, *opts: str) -> list[dict]:
        out = json.loads(self.cli("log", "--date", f"{day}", "--json", *opts))
        got = out["adaptations"]
        self.said += [(day, a["rule"], a["explanation"]) for a in got]
        return got

    def run(self, day: date, metres: float, *, hr: int = NORMAL_HR) -> float:
        """Ingest a real watch run re-dated to ``day``, cut to about ``metres``; its distance."""
        text, got = laps_for(source_for(metres), metres)
        cut = self.inbox / f"{day}.src.tcx.gz"
        cut.write_bytes(gzip.compress(text.encode(), mtime=0))
        self.ingest(redated_run(cut, day, self.inbox / f"{day}.tcx", hr_delta=hr))
        self.runs[pd.Timestamp(day)] = got
        return got

    def build_up(self, weeks: int, weekdays: tuple[int, ...], metres: float) -> None:
        """Before the plan: ``weeks`` weeks of real runs of about ``metres`` on ``weekdays``
        (0 = Monday), so the runner's recent volume is what the scenario needs."""
        for d in days(MON - timedelta(weeks=weeks), 7 * weeks):
            if d.weekday() in weekdays:
                self.run(d, metres)

    def hrv(self, readings: dict[date, float]) -> None:
        self.ingest(hrv_export(readings, self.inbox / f"hrv_{min(readings)}.csv"))

    def sleep(self, day: date, real_day: str) -> None:
        """A real Garmin Connect sleep record (``sleep_daily_<real_day>.json``) re-dated to ``day``."""
        text = (GARMIN / f"sleep_daily_{real_day}.json").read_text().replace(real_day, f"{day}")
        dest = self.inbox / f"sleep_daily_{day}.json"
        dest.write_text(text)
        self.ingest(dest)

    def ingest(self, path: Path) -> None:
        self.cli("ingest", str(path), "--athlete", "demo")

    # -- a day of the scripted runner --------------------------------------------------------
    def day(self, day: date, metres: float | None = None, *opts: str, hr: int = NORMAL_HR) -> dict:
        """Morning: today's prescription (checked); then the run, if any, and the evening log
        (the plan re-adapts; the invariants are checked on the plan read back)."""
        when = pd.Timestamp(day)
        p = self.quiet(day, metres, hr=hr)
        self.log(day, *opts)
        after = self.plan()
        self._check_plan(when, self.frame, after)
        self.frame = after
        # the week the coach has just decided: next week on a Sunday, else this one (once)
        monday = when - pd.Timedelta(days=when.day_of_week)
        if when.day_of_week == 6:
            self._week(monday + pd.Timedelta(days=7))
        elif monday not in self.weeks:
            self._week(monday)
        return p

    def quiet(self, day: date, metres: float | None = None, *, hr: int = NORMAL_HR) -> dict:
        """A day the runner does not log: today's prescription (checked) and the run, if any."""
        p = self.today(day)
        self._check_prescription(pd.Timestamp(day), p)
        if metres:
            self.run(day, metres, hr=hr)
        return p

    def planned(self, day: date) -> float:
        """Today's planned distance in metres from the plan as it stands (0 for rest)."""
        return planned_m(self.frame[self.frame["date"] == pd.Timestamp(day)])

    def as_planned(self, day: date, *opts: str, log: bool = True) -> dict:
        """Run today's session as it is written (a real run cut to about that length); log it
        (``log``) or not."""
        m = self.planned(day) or None
        return self.day(day, m, *opts) if log else self.quiet(day, m)

    def lead_in(self, until: date, start: date = MON) -> None:
        """Run every session as planned up to the day before ``until``, logging only on Sundays
        (most runners never log an ordinary day; the Sunday log lets the week be reviewed)."""
        d = start
        while d < until:
            if d.weekday() == 6:
                m = self.planned(d) or None
                self.day(d, m, "--rpe", "4") if m else self.day(d, None, "--note", "rest day")
            else:
                self.as_planned(d, log=False)
            d += timedelta(days=1)

    def first(self, kinds: frozenset, after: date = MON) -> date:
        """The first day from ``after`` on whose session is one of ``kinds``."""
        f = self.frame[self.frame["kind"].isin(kinds) & (self.frame["date"] >= pd.Timestamp(after))]
        assert len(f), f"the plan has no {sorted(kinds)} session from {after}"
        return f["date"].min().date()

    def expect(self, ok: bool, what: str) -> bool:
        if not ok:
            self.broken.append(what)
        return ok

    # -- the invariants ---------------------------------------------------------------------
    def _all_runs(self) -> pd.Series:
        mine = pd.Series(self.runs, dtype=float)
        return pd.concat([self.history, mine]).sort_index()

    def _check_prescription(self, when: pd.Timestamp, p: dict) -> None:
        runs = self._all_runs()
        past = runs[(runs.index >= when - pd.Timedelta(days=30)) & (runs.index < when)]
        row = pd.DataFrame([p]).assign(date=when)
        dist = planned_m(row) if p["kind"] != "rest" else 0.0
        if len(past) and dist > RUNSAFE * past.max() + ROUNDING_M:
            self.expect(False, f"{when:%m-%d} prescribes {dist / 1000:.1f} km, over 1.1 x the "
                               f"30-day longest {past.max() / 1000:.1f} km")  # fmt: skip

    def _check_plan(self, when: pd.Timestamp, before: pd.DataFrame, after: pd.DataFrame) -> None:
        for pair in hard_back_to_back(after):
            self.expect(False, f"{when:%m-%d}: hard days back to back on {pair}")
        b, a = before.set_index("date"), after.set_index("date")
        for d in (d for d in self.runs if d <= when and d in a.index and d in b.index):
            old = [b.at[d, c] for c in NUMBERS]
            new = [a.at[d, c] for c in NUMBERS]
            same = all((pd.isna(x) and pd.isna(y)) or x == y for x, y in zip(old, new))
            self.expect(same, f"{when:%m-%d}: the run already done on {d:%a %m-%d} was rewritten "
                              f"({old[0]} {old[1]} -> {new[0]} {new[1]})")  # fmt: skip

    def _week(self, monday: pd.Timestamp) -> None:
        frame = self.frame if self.frame is not None else self.plan()
        week = frame[(frame["date"] >= monday) & (frame["date"] < monday + pd.Timedelta(days=7))]
        vol = planned_m(week)
        runs = self._all_runs()
        last4 = runs[(runs.index >= monday - pd.Timedelta(days=28)) & (runs.index < monday)]
        chronic = float(last4.sum()) / 4
        bound = ACUTE_CHRONIC * chronic if chronic > 0 else START_FLOOR_M
        self.expect(vol <= bound + ROUNDING_M,
                    f"week of {monday:%m-%d} plans {vol / 1000:.1f} km, over 1.3 x the "
                    f"{chronic / 1000:.1f} km/week run in the 4 weeks before")  # fmt: skip
        if self.weeks:
            top = max(self.weeks.values())
            self.expect(vol <= WEEK_GROWTH * top + ROUNDING_M,
                        f"week of {monday:%m-%d} plans {vol / 1000:.1f} km, over 1.1 x the "
                        f"largest planned week so far ({top / 1000:.1f} km)")  # fmt: skip
        self.weeks[monday] = vol

    # -- the report -------------------------------------------------------------------------
    def rules(self, rule: str, since: date | None = None) -> list[str]:
        return [t for d, r, t in self.said if r == rule and (since is None or d >= since)]

    def verdict(self, summary: str) -> None:
        """Print the scenario's one-line summary and fail with every broken expectation."""
        line = f"SCENARIO {self.name}: {summary}"
        print("\n".join(f"SAID {d} {r}: {t}" for d, r, t in self.said))
        print("\n" + line)
        assert not self.broken, line + "\n  - " + "\n  - ".join(self.broken)


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=k) for k in range(n)]


def quoted(text: str) -> bool:
    """The sentence carries numbers (a distance, a duration, a percentage or a count)."""
    return bool(re.search(r"\d", text))
