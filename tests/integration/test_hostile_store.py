"""``--store`` pointing somewhere a store cannot live (issue 20): a regular file, a path under a
file, a folder that cannot be read or written. Every command says so in one line and exits
non-zero, without a traceback; ``doctor`` fails on it instead of saying "no store yet"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import coachkit.store.base as store_base
from coachkit.cli import app
from tests.conftest import REPO

pytestmark = pytest.mark.timeout(120)

# every command that opens the store, with the other options it requires
COMMANDS = [
    ["init"],
    ["ingest", "IN", "--athlete", "a"],
    ["athletes"],
    ["activities"],
    ["wellness"],
    ["metrics", "-a", "a"],
    ["today", "-a", "a"],
    ["log", "-a", "a", "--rpe", "5"],
    ["rebuild"],
    ["replay", "-a", "a", "--from", "2021-01-01", "--to", "2021-02-01"],
    ["report", "-a", "a"],
    ["roster"],
    ["settings", "-a", "a"],
    ["risk", "-a", "a"],
    ["plan", "create", "-a", "a"],
    ["plan", "show", "-a", "a"],
    ["plan", "export", "-a", "a", "-o", "OUT"],
    ["sync", "strava", "-a", "a"],
    ["sync", "garmin", "-a", "a"],
    ["sync", "all", "-a", "a"],
    ["sync", "status", "-a", "a"],
    ["dashboard"],
]


def _run(tmp_path: Path, args: list[str], store: Path):
    inputs = tmp_path / "in"
    inputs.mkdir(exist_ok=True)
    args = [
        str(inputs) if a == "IN" else str(tmp_path / "out.ics") if a == "OUT" else a for a in args
    ]
    return CliRunner().invoke(app, [*args, "--store", str(store)])


def _one_line_error(result, *expected: str) -> None:
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if any(e in line for e in expected)]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_store_path_that_is_a_file_fails_every_command_in_one_line(tmp_path, args):
    store = tmp_path / "store"
    store.write_text("not a folder")
    result = _run(tmp_path, args, store)
    _one_line_error(result, "is a file, not a folder")
    assert store.read_text() == "not a folder"


@pytest.mark.parametrize("args", [["init"], ["ingest", "IN", "-a", "a"], ["athletes"]])
def test_a_store_path_under_a_file_fails_in_one_line(tmp_path, args):
    (tmp_path / "file").write_text("x")
    _one_line_error(_run(tmp_path, args, tmp_path / "file" / "store"), "which is a file")


def test_doctor_fails_on_a_store_path_that_is_a_file(tmp_path):
    store = tmp_path / "store"
    store.write_text("x")
    result = CliRunner().invoke(app, ["doctor", "--store", str(store)])
    assert result.exit_code == 1
    assert "[FAIL] store: the store path" in result.output and "no store" not in result.output


def _pretend(monkeypatch, denied: int, store: Path) -> None:
    """Make ``os.access`` deny ``denied`` on the store folder, as it does for a non-root user."""
    real = os.access

    def access(path, mode, *a, **kw):
        if Path(path) == store and mode & denied:
            return False
        return real(path, mode, *a, **kw)

    monkeypatch.setattr(store_base.os, "access", access)


@pytest.mark.parametrize(
    ("denied", "expected"),
    # an unreadable --store is refused by the option parser itself, also in one line
    [(os.W_OK, ("is read-only",)), (os.R_OK, ("cannot be read", "is not readable"))],
)
@pytest.mark.parametrize("args", [["ingest", "IN", "-a", "a"], ["athletes"], ["doctor"]])
def test_a_read_only_or_unreadable_store_fails_in_one_line(
    tmp_path, monkeypatch, denied, expected, args
):
    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["init", "--store", str(store)]).exit_code == 0
    _pretend(monkeypatch, denied, store)
    _one_line_error(_run(tmp_path, args, store), *expected)


# Root ignores file modes through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH; as root (CI), the
# commands run in a new process with both dropped from its capability bounding set (setpriv).
_AS_ROOT = os.geteuid() == 0
_SETPRIV = shutil.which("setpriv")


def _run_obeying_modes(tmp_path: Path, args: list[str], store: Path):
    """Run the CLI so that file modes apply to it: in-process as a normal user, as root in a new
    process without the capabilities that override modes. Returns a CliRunner-like result."""
    if not _AS_ROOT:
        return _run(tmp_path, args, store)
    inputs = tmp_path / "in"
    inputs.mkdir(exist_ok=True)
    args = [str(inputs) if a == "IN" else a for a in args]
    proc = subprocess.run(
        [_SETPRIV, "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m",
         "coachkit.cli", *args, "--store", str(store)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO,
    )  # fmt: skip
    return SimpleNamespace(
        exit_code=proc.returncode, exception=None, output=proc.stdout + proc.stderr
    )


@pytest.mark.skipif(_AS_ROOT and not _SETPRIV, reason="root ignores file modes (no setpriv)")
@pytest.mark.parametrize(
    ("mode", "expected"), [(0o500, ("is read-only",)), (0o000, ("cannot be read", "not readable"))]
)
def test_a_store_folder_with_real_modes_fails_in_one_line(tmp_path, mode, expected):
    store = tmp_path / "store"
    assert CliRunner().invoke(app, ["init", "--store", str(store)]).exit_code == 0
    store.chmod(mode)
    try:
        for args in (["ingest", "IN", "-a", "a"], ["athletes"], ["doctor"]):
            _one_line_error(_run_obeying_modes(tmp_path, args, store), *expected)
    finally:
        store.chmod(0o700)
