"""The HR model's heat term checked on runners' own files (issue 19; `make bench`).

The shipped HR-response model adds ``heat_bpm_per_c`` = 1 bpm per °C above ``heat_base_c`` = 20 °C
of the temperature a run's file records (a prior: the population file has no temperature). Here
the coefficient is measured on every real running file in ../shared/data/real that records HR
and temperature (:mod:`coachkit.models.response_heat` says how):

- **within runs**: each minute's mean HR minus the model's per-sample expectation without heat
  (GAP speed from the real grade, drift, the 60 s HR lag), from minute 10 on (the first minutes
  are the HR's rise and the sensor's warming on the wrist), against that minute's temperature
  above 20 °C, with one intercept per run;
- **between runs of one runner**: each run's average HR minus the model's expectation without
  heat, with one intercept per runner. A runner is a device serial number (the FIT ``file_id``),
  the closest thing to "the same person" these files carry.

The interval is a bootstrap over runners. The temperature is the device's own sensor: a watch
on the wrist reads warmer than the air, by how much depends on sun, wind and sleeve; Garmin's
manuals say body heat affects the reading and to take the watch off for 20-30 min for an air
temperature. The check is therefore of the coefficient per °C *as the device reads it*, which
is what the model is given.

Published values, as far as checked (search of the literature pages, 2026-12): Wingo, Ganio &
Cureton 2012 (Exerc Sport Sci Rev 40:88) review a larger HR rise at constant work in 35 °C than
in 22–25 °C; Galloway & Maughan 1997 (Med Sci Sports Exerc 29:1240) found HR significantly
affected by air temperatures of 3.6, 10.5, 20.6 and 30.5 °C at ~70 % VO2max. Neither abstract
gives a bpm-per-°C figure, so 1 bpm/°C stays a prior of that order, not a published constant.

Writes the ``heat`` section of ``docs/results/models.json``; asserts only what the data can
carry: the coefficient is finite and its interval holds the estimate.
"""

from __future__ import annotations

import math
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd
import pytest

from coachkit.core.sports import FOOT_SPORTS
from coachkit.features.run_temperature import run_temperature_c
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM
from coachkit.io import read_bytes, sniff
from coachkit.io.base import finish_activity
from coachkit.models.response import HrResponseModel
from coachkit.models.response_heat import heat_slope
from tests import model_results
from tests.conftest import REAL

FOLDERS = ("fit", "gpx", "tcx", "athlete_history", "strava_export")
SKIP_FROM_S = 600.0  # minute 10 on: HR has risen and the sensor has warmed on the wrist
MIN_SPEED_M_S = 1.0  # standing still: HR falls while the model expects a run


def _serial(path: Path) -> str | None:
    """The device serial number of a FIT file (its ``file_id``), None when absent."""
    if path.suffix.lower() != ".fit":
        return None
    try:
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.DISABLED) as fit:
            for frame in fit:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "file_id":
                    serial = frame.get_value("serial_number", fallback=None)
                    # 2**31 − 1 and small numbers are placeholders some apps write
                    return (
                        str(serial) if serial and serial > 10**7 and serial != 2**31 - 1 else None
                    )
    except Exception:  # a damaged file: no serial, the file is its own runner
        return None
    return None


def real_runs() -> list[dict]:
    """Every run on foot in the real files with HR samples and a recorded temperature."""
    runs, seen = [], set()
    for folder in FOLDERS:
        for path in sorted((REAL / folder).rglob("*")):
            if not path.is_file() or path.name.startswith("odd_") or path.suffix == ".md":
                continue
            data = path.read_bytes()
            try:
                if sniff(data, path.name) not in ("fit", "gpx", "tcx"):
                    continue
                parsed = read_bytes(data, name=path.name)
            except Exception:  # not an activity file this reader takes: not part of the check
                continue
            for act in parsed.activities:
                act = finish_activity(act)
                s, sport = act.samples, act.summary.get("sport")
                if sport not in FOOT_SPORTS or s is None or "hr_bpm" not in s:
                    continue
                temp = run_temperature_c(s)
                key = str(act.summary.get("start_time"))[:16]
                if not math.isfinite(temp) or s["hr_bpm"].notna().sum() < 60 or key in seen:
                    continue
                seen.add(key)  # the same run in another format is counted once
                runs.append(
                    {
                        "file": f"{folder}/{path.relative_to(REAL / folder)}",
                        "runner": _serial(path) or path.stem,
                        "summary": act.summary,
                        "samples": s,
                        "temperature_c": temp,
                    }
                )
    return runs


def minute_residuals(runs: list[dict], model: HrResponseModel) -> pd.DataFrame:
    """Per run and minute (from minute 10, moving): HR − expected HR without heat, temperature."""
    rows = []
    for run in runs:
        s = run["samples"]
        expected = model.predict_samples(samples=s, sport=run["summary"]["sport"])
        t = pd.to_numeric(s["t_s"], errors="coerce").to_numpy(float)
        hr = pd.to_numeric(s["hr_bpm"], errors="coerce").to_numpy(float)
        speed = pd.to_numeric(s.get("speed_m_s"), errors="coerce")
        speed = speed.to_numpy(float) if speed is not None else np.full(len(s), np.nan)
        keep = (t >= SKIP_FROM_S) & (hr >= HR_PLAUSIBLE_BPM[0]) & (hr <= HR_PLAUSIBLE_BPM[1])
        keep &= np.isfinite(expected) & ~(speed < MIN_SPEED_M_S)
        frame = pd.DataFrame(
            {
                "minute": (t[keep] // 60).astype(int),
                "residual_bpm": hr[keep] - expected[keep],
                "temperature_c": pd.to_numeric(s["temperature_c"], errors="coerce").to_numpy(float)[
                    keep
                ],
            }
        )
        per_minute = frame.groupby("minute").mean().reset_index()
        rows.append(per_minute.assign(run=run["file"], runner=run["runner"]))
    return pd.concat(rows, ignore_index=True)


def run_residuals(runs: list[dict], model: HrResponseModel) -> pd.DataFrame:
    """Per run: average HR − expected average HR without heat, the run's temperature."""
    summaries = pd.DataFrame([r["summary"] for r in runs])
    expected = np.array([model.predict(runs=summaries.iloc[[i]])[0] for i in range(len(summaries))])
    return pd.DataFrame(
        {
            "run": [r["file"] for r in runs],
            "runner": [r["runner"] for r in runs],
            "residual_bpm": pd.to_numeric(summaries["avg_hr"], errors="coerce") - expected,
            "temperature_c": [r["temperature_c"] for r in runs],
        }
    )


@pytest.fixture(scope="module")
def runs() -> list[dict]:
    if not REAL.is_dir():
        pytest.skip(f"needs the real data folder {REAL} (the steering repo's shared/data/real)")
    return real_runs()


def test_heat_coefficient_on_real_files(runs: list[dict]) -> None:
    shipped = HrResponseModel.from_population()
    no_heat = HrResponseModel.from_population().set_params(heat_bpm_per_c=0.0)
    base = shipped.heat_base_c
    minutes = minute_residuals(runs, no_heat)
    within_run = heat_slope(minutes, base_c=base, group="run")
    per_run = run_residuals(runs, no_heat)
    between = heat_slope(per_run, base_c=base, group="runner")
    hot = per_run[per_run["temperature_c"] > base]
    print(
        f"\nHeat term of the HR model: shipped {shipped.heat_bpm_per_c:g} bpm/°C above {base:g} °C."
        f"\nReal runs with HR and a recorded temperature: {len(runs)} runs of "
        f"{per_run['runner'].nunique()} runners (devices); {len(hot)} of them averaged over "
        f"{base:g} °C (device reading)."
    )
    print(per_run.round(1).to_string(index=False))
    for name, r in (("within runs", within_run), ("between runs of a runner", between)):
        print(
            f"{name}: {r.bpm_per_c:+.2f} bpm/°C (95 % runner-bootstrap interval "
            f"{r.ci95[0]:+.2f} to {r.ci95[1]:+.2f}); {r.n_points} points, {r.n_groups} groups "
            f"with varying heat, {r.n_runners} runners"
        )
    model_results.write_section(
        "heat",
        {
            "shipped_bpm_per_c": shipped.heat_bpm_per_c,
            "base_c": base,
            "runs_with_temperature": len(runs),
            "runners_with_temperature": int(per_run["runner"].nunique()),
            "runs_over_base": len(hot),
            **{
                key: {
                    "bpm_per_c": round(r.bpm_per_c, 3) if math.isfinite(r.bpm_per_c) else None,
                    "ci95": [round(v, 3) if math.isfinite(v) else None for v in r.ci95],
                    "points": r.n_points,
                    "groups": r.n_groups,
                    "runners": r.n_runners,
                }
                for key, r in (("within_run", within_run), ("between_runs", between))
            },
        },
        {"real": REAL},
        "make bench (tests/bench/test_bench_heat.py)",
    )
    assert len(runs) >= 5, "the real folder should hold runs with HR and temperature"
    assert math.isfinite(within_run.bpm_per_c)
    assert within_run.ci95[0] <= within_run.bpm_per_c <= within_run.ci95[1]
