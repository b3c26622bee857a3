"""The one results file of the model benchmarks, and the README table generated from it (issue 16).

``make bench`` writes every number the README states about a model into
``docs/results/models.json`` (one section per model, each with the date, the data files and
their sha256, and the git commit it was measured at) and regenerates
``docs/results/models.md``. The README's model table is :func:`render_table` of that file,
between the ``model-results`` markers; ``tests/unit/test_model_results.py`` fails when they
disagree. After a bench run, ``python -m tests.model_results`` rewrites the README block.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS_JSON = REPO / "docs" / "results" / "models.json"
RESULTS_MD = REPO / "docs" / "results" / "models.md"
README = REPO / "README.md"
START, END = "<!-- model-results:start -->", "<!-- model-results:end -->"
NO_BETTER = "no better than the baseline on this runner"


def data_digest(path: Path) -> str:
    """sha256 of a file; of a folder, sha256 over its files' relative paths and sha256s."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [
        f"{p.relative_to(path).as_posix()} {hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in sorted(path.rglob("*"))
        if p.is_file()
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return out.stdout.strip()


def provenance(data: dict[str, Path], command: str) -> dict[str, Any]:
    """Date (UTC), git commit (and whether the tree had uncommitted changes), data and sha256."""
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _git("rev-parse", "HEAD") or "unknown",
        "uncommitted_changes": bool(_git("status", "--porcelain", "--", "coachkit", "tests")),
        "data": [
            {"path": name, "sha256": data_digest(path)} for name, path in sorted(data.items())
        ],
        "command": command,
    }


def load() -> dict[str, Any]:
    """The results file (empty when absent)."""
    return json.loads(RESULTS_JSON.read_text("utf-8")) if RESULTS_JSON.is_file() else {}


def write_section(name: str, measured: dict[str, Any], data: dict[str, Path], command: str) -> None:
    """Replace one model's section of the results file and regenerate the markdown table."""
    results = load()
    results[name] = {"measured": measured, "provenance": provenance(data, command)}
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", "utf-8")
    RESULTS_MD.write_text(render_markdown(load()), "utf-8")  # in the file's (sorted) order


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _signed(x: float) -> str:
    return f"{100 * x:+.1f} %"


def _race_cell(m: dict[str, Any]) -> str:
    o = m["overall"]
    order = ("5 km", "10 km", "half marathon", "marathon")
    groups = sorted(m["by_distance"].items(), key=lambda kv: order.index(kv[0]))
    dists = ", ".join(
        f"{name} {_pct(g['mape_ours'])} vs {_pct(g['mape_riegel'])} (n = {g['n']})"
        for name, g in groups
    )
    cover = ", ".join(
        f"{name} {_pct(g['coverage'])}"
        + (
            f" ({g['most_from_one_runner']} of its {g['n']} efforts are one runner's)"
            if g["most_from_one_runner"] > g["n"] / 2
            else ""
        )
        for name, g in groups
    )
    worse = [name for name, g in groups if g["ratio_riegel"] >= 1.0]
    verdict = f"; at {' and '.join(worse)} no better than Riegel" if worse else ""
    short = [
        f"{name} ({m['by_distance'][name]['ratio_riegel']:.2f} ×)"
        for name, ok in m.get("acceptance", {}).get("mape_le_0.85_riegel", {}).items()
        if not ok and name in m["by_distance"]
    ]
    if short:
        verdict += f"; issue 16's bar of 0.85 × Riegel not met at {' and '.join(short)}"
    return (
        f"MAPE {_pct(o['mape_ours'])} vs {_pct(o['mape_riegel'])} for Riegel "
        f"({o['ratio_riegel']:.2f} ×), {_pct(o['mape_riegel_bias'])} for bias-corrected Riegel, "
        f"{_pct(o['mape_vdot'])} for VDOT and {_pct(o['mape_pooled'])} for a pooled regression, "
        f"over {o['n']} race-like efforts of {o['runners']} runners; by distance {dists}"
        f"{verdict}; "
        f"mean signed error {_signed(o['bias_ours'])} (Riegel {_signed(o['bias_riegel'])}); 80 % "
        f"intervals held {_pct(o['coverage'])} ({cover}); mean personal share "
        f"{_pct(o['personal_share_mean'])}"
    )


def _hr_cell(m: dict[str, Any]) -> str:
    o = m["overall"]
    bins = m["bins"][1:]
    both = all(b["mae_two_layer"] < min(b["mae_population"], b["mae_individual"]) for b in bins)
    claim = (
        f"lower than both in every bin of {bins[0]['bin']} to {bins[-1]['bin']} earlier runs"
        if both
        else "not lower than both in every bin with earlier runs"
    )
    return (
        f"MAE {o['two_layer']:.2f} bpm vs {o['population']:.2f} population-only and "
        f"{o['individual']:.2f} individual-only ({o['runs']} runs of {o['runners']} held-out "
        f"runners); {claim} (with no earlier run it is the population model)"
    )


def _heat_cell(m: dict[str, Any]) -> str:
    def slope(r: dict[str, Any], what: str) -> str:
        if r["bpm_per_c"] is None:
            return f"{what}: not measurable ({r['groups']} runners with two runs over the base)"
        lo, hi = r["ci95"]
        ci = (
            f"95 % runner-bootstrap interval {lo:+.2f} to {hi:+.2f}"
            if lo is not None
            else "no interval"
        )
        held = "holds" if lo is not None and lo <= m["shipped_bpm_per_c"] <= hi else "does not hold"
        return (
            f"{what} {r['bpm_per_c']:+.2f} bpm/°C ({ci}, which {held} the shipped "
            f"{m['shipped_bpm_per_c']:g}; {r['groups']} runs of {r['runners']} runners)"
            if what == "within runs"
            else f"{what} {r['bpm_per_c']:+.2f} bpm/°C ({ci}; {r['points']} runs of "
            f"{r['runners']} runner)"
        )

    return (
        f"{m['runs_with_temperature']} real runs record HR and the device's temperature "
        f"({m['runs_over_base']} averaged over {m['base_c']:g} °C); "
        f"{slope(m['within_run'], 'within runs')}; "
        f"{slope(m['between_runs'], 'between runs of one runner')}; device sensors on the wrist "
        "read warmer than the air"
    )


def _banister_cell(m: dict[str, Any]) -> str:
    parts = []
    for name, r in m["runners"].items():
        lo, hi = r["ratio_ci90"]
        verdict = f"; {NO_BETTER}" if lo <= 1.0 <= hi else ""
        parts.append(f"{name} {r['ratio']:.2f} × (90 % CI {lo:.2f}–{hi:.2f}{verdict})")
    return (
        f"converges with finite standard errors on all {len(m['runners'])} real histories; "
        f"next-week error vs the fixed 42/7 PMC: " + "; ".join(parts)
    )


ROWS = (
    (
        "race prediction (`coachkit.predict_race`)",
        "time for any distance with an 80 % interval, from your best-effort frontier, its "
        "recency, training volume and your own race-like efforts, over a population layer",
        "race",
        _race_cell,
    ),
    (
        "HR response (`coachkit.HrResponseModel`)",
        'expected average HR of a run from pace, grade, duration and recent load; "HR 7 bpm '
        'above expected" is the fatigue signal',
        "hr_response",
        _hr_cell,
    ),
    (
        "HR response: heat term",
        "adds a fixed bpm per °C of the run's recorded temperature over a base to the expected "
        "HR (a prior), so a hot run is not read as fatigue",
        "heat",
        _heat_cell,
    ),
    (
        "fitness–fatigue (Banister)",
        "per-runner fit with a population prior and Laplace uncertainty; predicts form on race day",
        "banister",
        _banister_cell,
    ),
)
RISK_ROW = (
    "| injury / overtraining risk (`coachkit risk`) | published effect sizes (Garmin-RUNSAFE "
    "long-run spike HR 1.64/1.52/2.28), your own niggle history, and a learned layer for "
    "labelled data (Lövdal 2021 format) | the learned layer is validated only by "
    "athlete-grouped CV on data you provide; no accuracy is claimed on data this repo does "
    "not have |"
)


def render_table(results: dict[str, Any]) -> str:
    """The README's model table (markdown) from the results file."""
    lines = [
        "| model | what it does | measured (held-out runners; `docs/results/models.json`) |",
        "|---|---|---|",
    ]
    for model, does, key, cell in ROWS:
        text = cell(results[key]["measured"]) if key in results else "not measured yet"
        lines.append(f"| {model} | {does} | {text} |")
    lines.append(RISK_ROW)
    return "\n".join(lines)


def render_markdown(results: dict[str, Any]) -> str:
    """``docs/results/models.md``: the table and each section's provenance."""
    out = [
        "# Model results (generated by `make bench`; do not edit)",
        "",
        render_table(results),
        "",
        "| section | date | commit | data (sha256) |",
        "|---|---|---|---|",
    ]
    for key, sec in sorted(results.items()):
        p = sec["provenance"]
        data = "; ".join(f"`{d['path']}` {d['sha256'][:12]}…" for d in p["data"])
        dirty = " (+ uncommitted changes)" if p["uncommitted_changes"] else ""
        out.append(f"| {key} | {p['date']} | {p['commit'][:10]}{dirty} | {data} |")
    return "\n".join(out) + "\n"


def readme_block(text: str) -> str:
    """The text between the README's model-results markers."""
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n")


def update_readme() -> None:
    """Rewrite the README's model table from the results file."""
    text = README.read_text("utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(f"{head}{START}\n{render_table(load())}\n{END}{tail}", "utf-8")


if __name__ == "__main__":
    update_readme()
    print(f"rewrote the model table of {README} from {RESULTS_JSON}", file=sys.stderr)
