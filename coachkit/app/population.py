"""Refit the shipped population parameters (``coachkit population fit``).

The benchmark data are read from the steering repo's ``shared/data/benchmarks`` (never copied
into the package: their licence is unknown); only the fitted numbers are written, as small JSON
beside this file, with the data file's sha256 so that a refit can be checked against the same
bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coachkit.core.files import sha256_file as _sha256
from coachkit.io.population import STRAVA_RUNS_FILE, STRAVA_RUNS_SHA256, read_strava_runs_116

POPULATION_DIR = Path(__file__).resolve().parents[1] / "population"
RACE_JSON = POPULATION_DIR / "race.json"
HR_RESPONSE_JSON = POPULATION_DIR / "hr_response.json"


def fit_race_population(benchmarks_dir: str | Path, *, scheduler: Any = None) -> dict:
    """Fit the race model on ``<benchmarks_dir>/strava_runs_116`` and return its parameters.

    Warns (and still fits) when the data file's sha256 differs from ``STRAVA_RUNS_SHA256``:
    the numbers then come from other bytes than the shipped ones. The result carries its
    provenance under ``"provenance"`` (data file and sha256, athletes, rows, coachkit version).
    ``scheduler`` (a Dask address or client) builds the per-runner effort tables on a cluster
    (:func:`coachkit.core.engine.per_athlete`); the numbers are the same as in-process.
    """
    from coachkit import __version__
    from coachkit.models.race import RacePopulation

    path = Path(benchmarks_dir) / STRAVA_RUNS_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: pass the folder that holds strava_runs_116/ (the steering repo's "
            "shared/data/benchmarks)."
        )
    digest = _sha256(path)
    if digest != STRAVA_RUNS_SHA256:
        warnings.warn(
            f"{path.name} has sha256 {digest[:12]}…, not the expected {STRAVA_RUNS_SHA256[:12]}…: "
            "the fit will not reproduce the shipped parameters.",
            stacklevel=2,
        )
    runs = read_strava_runs_116(path)
    params = RacePopulation().fit(runs, scheduler=scheduler).params_
    params["provenance"] = {
        "data_file": STRAVA_RUNS_FILE,
        "data_sha256": digest,
        "data_sha256_expected": digest == STRAVA_RUNS_SHA256,
        "n_athletes": int(runs["athlete_id"].nunique()),
        "n_rows": int(len(runs)),
        "n_rows_dropped": int(runs.attrs.get("dropped", 0)),
        "coachkit_version": __version__,
        "fitted_by": "coachkit.app.population.fit_race_population",
    }
    return params


def fit_hr_response_population(benchmarks_dir: str | Path, *, scheduler: Any = None) -> dict:
    """Fit the HR-response population layer on every runner of ``strava_runs_116``.

    Refuses other bytes than the shipped ones (the JSON records the sha256 it came from).
    """
    path = Path(benchmarks_dir) / STRAVA_RUNS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass the folder that holds strava_runs_116/.")
    digest = _sha256(path)
    if digest != STRAVA_RUNS_SHA256:
        raise ValueError(f"{path} is not the expected file (sha256 {digest[:12]}…)")
    return hr_response_document(read_strava_runs_116(path), scheduler=scheduler)


def hr_response_document(frame: Any, *, scheduler: Any = None) -> dict:
    """The HR-response population layer fitted on ``frame`` (the benchmark runners), with its
    provenance: what ``hr_response.json`` holds."""
    from coachkit.models.response import HrResponseModel

    model = HrResponseModel().fit(frame, scheduler=scheduler)
    return model.to_dict(
        provenance={
            "data_file": STRAVA_RUNS_FILE,
            "data_sha256": STRAVA_RUNS_SHA256,
            "n_athletes_in_file": int(frame["athlete_id"].nunique()),
            "n_activities_in_file": len(frame),
            "n_athletes_with_hr": model.n_athletes_,
            "n_runs_with_hr": model.n_runs_,
            "method": "linear mixed model by EM (maximum likelihood); random intercept and "
            "slopes on gap_speed, log_duration and climb by athlete (coachkit.models.response)",
            "refit": "coachkit population fit --benchmarks DIR",
        }
    )


def _write_json(path: Path, document: dict) -> None:
    from coachkit.core.files import atomic_write_bytes

    atomic_write_bytes(
        path, (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Fit and write ``race.json``; ``--benchmarks DIR`` and ``--out FILE`` may be given."""
    parser = argparse.ArgumentParser(prog="coachkit population fit", description=__doc__)
    parser.add_argument(
        "--benchmarks",
        type=Path,
        required=True,
        help="folder holding strava_runs_116/ (shared/data/benchmarks)",
    )
    parser.add_argument("--out", type=Path, default=RACE_JSON, help="where to write race.json")
    parser.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address (tcp://host:8786); default: in-process",
    )
    args = parser.parse_args(argv)
    try:
        params = fit_race_population(args.benchmarks, scheduler=args.scheduler)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    _write_json(args.out, params)
    e = params["efforts"]
    print(
        f"Wrote {args.out}: race model from {params['provenance']['n_athletes']} runners, "
        f"{e['n_rows']} race-like efforts (out-of-fold MAPE {e['oof_mape']:.1%})."
    )
    if args.out == RACE_JSON:  # a custom --out is a trial run of the race model only
        hr = fit_hr_response_population(args.benchmarks, scheduler=args.scheduler)
        _write_json(HR_RESPONSE_JSON, hr)
        print(
            f"Wrote {HR_RESPONSE_JSON}: HR response from {hr['provenance']['n_runs_with_hr']} runs with HR."
        )
        from coachkit.app.peers import PEERS_JSON, fit_peers_population

        peers = fit_peers_population(args.benchmarks)
        _write_json(PEERS_JSON, peers)
        print(
            f"Wrote {PEERS_JSON}: runners like you, {peers['provenance']['n_with_best_race']} "
            "runners with a best race."
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
