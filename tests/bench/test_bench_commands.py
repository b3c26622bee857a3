"""Daily commands benchmark (`make bench`, issue 18): printed and recorded, never asserted on time.

``coachkit today``, ``plan show``, ``risk`` and ``log`` on the demo athlete with its plan, each
in a new process as a runner types it, best of three. The baseline in the same run is the floor
every command pays: ``coachkit --help`` (the interpreter, typer and the command table). The
goal is < 0.5 s each on a 2-core machine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

from tests import speed_results
from tests.dashboard_support import DEMO_DAY, demo_plan_store

COMMANDS = {
    "today": ["today", "--date", DEMO_DAY],
    "plan show": ["plan", "show"],
    "risk": ["risk", "--date", DEMO_DAY],
    "log": ["log", "--date", DEMO_DAY, "--rpe", "6", "--feel", "3"],
}


def _seconds(args: list[str], repeat: int = 3, fresh=None) -> float:
    """Best wall time of ``coachkit ARGS`` in a new process (``fresh()`` before each run)."""
    best = float("inf")
    for _ in range(repeat):
        if fresh is not None:
            fresh()
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "coachkit.cli", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - t0)
    return best


def test_bench_daily_commands(tmp_path_factory, capsys):
    base = demo_plan_store(tmp_path_factory, "bench-commands")
    work = tmp_path_factory.mktemp("bench-commands-work") / "store"

    def fresh() -> None:  # log writes: every run starts from the same store
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(base, work)

    _seconds(["risk", "--store", str(base)], repeat=1)  # the store's run summaries, once
    fresh()
    floor = _seconds(["--help"])
    times = {}
    for name, args in COMMANDS.items():
        times[name] = _seconds(
            [*args, "--store", str(work)], fresh=fresh if name == "log" else None
        )
    with capsys.disabled():
        print(f"\n[bench] baseline `coachkit --help`, new process: {floor:.2f} s")
        for name, took in times.items():
            print(
                f"[bench] `coachkit {name}`, demo athlete, new process: {took:.2f} s "
                f"({took / floor:.1f} x --help; goal < 0.5 s)"
            )
    speed_results.record(
        "daily commands, demo athlete, new process",
        ours=", ".join(f"`{n}` {t:.2f} s" for n, t in times.items()),
        baseline=f"`coachkit --help` {floor:.2f} s",
        ratio=None,
        goal="< 0.5 s each",
        details={"seconds": times, "help_s": floor},
    )
