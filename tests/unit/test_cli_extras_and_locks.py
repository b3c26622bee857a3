"""Issue 17: a missing optional package names its extra and a command that works from a clone,
and the store locks its files without ``fcntl`` at module level (Windows has none)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.core import extras
from coachkit.core.locks import exclusive_lock

PACKAGE = Path(__file__).resolve().parents[2] / "coachkit"
runner = CliRunner()


def test_the_install_command_works_from_a_clone():
    message = extras.missing_message("garminconnect", "Garmin sync")
    assert message.startswith("Garmin sync needs the optional package garminconnect")
    assert "garmin extra" in message and message.endswith('pip install -e ".[garmin]"')


def test_every_install_hint_comes_from_the_one_helper():
    """No module but coachkit/core/extras.py spells an install command (``coachkit[x]`` is on
    no package index)."""
    spelled = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "extras.py"
        and ("pip install" in p.read_text() or "coachkit[" in p.read_text())
    ]
    assert spelled == []


def test_every_extra_named_exists_in_pyproject():
    import re

    pyproject = (PACKAGE.parent / "pyproject.toml").read_text()
    declared = set(re.findall(r"^(\w+) = \[", pyproject, flags=re.M))
    assert set(extras.EXTRA_OF.values()) <= declared


@pytest.mark.parametrize(
    "args, module, extra",
    [
        (["plan", "export", "--format", "fit", "--out", "x"], "fit_tool", "dashboard"),
        (["plan", "export", "--format", "ics", "--out", "x.ics"], "icalendar", "dashboard"),
        (["sync", "garmin", "--athlete", "demo"], "garminconnect", "garmin"),
        (["sync", "strava", "--athlete", "demo"], "stravalib", "strava"),
        (["report", "--all"], "papermill", "notebooks"),
        (["roster", "--scheduler", "tcp://h:8786"], "dask", "scale"),
        (["dashboard"], "voila", "dashboard"),
    ],
    ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else None,
)
def test_a_missing_package_exits_1_with_the_extra_and_the_command(
    monkeypatch, tmp_path, args, module, extra
):
    monkeypatch.setenv("COACHKIT_STORE", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    real = extras.is_installed
    monkeypatch.setattr(extras, "is_installed", lambda m: m != module and real(m))
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert f"optional package {module}" in lines[0] and f'pip install -e ".[{extra}]"' in lines[0]
    assert not (tmp_path / "store").exists()


def test_the_store_and_the_token_files_import_without_fcntl(tmp_path):
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "import coachkit.store.catalog, coachkit.app.sync.tokens\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_the_lock_is_filelocks_and_waits_for_another_process(tmp_path):
    """A second process waits for the lock (filelock's own timeout says so) until it is let go."""
    lock = tmp_path / "x.lock"
    probe = (
        "import sys, filelock\n"
        "try:\n    filelock.FileLock(sys.argv[1]).acquire(timeout=0.2)\n"
        "except filelock.Timeout:\n    print('held')\nelse:\n    print('free')\n"
    )
    with exclusive_lock(lock):
        held = subprocess.run(
            [sys.executable, "-c", probe, str(lock)], capture_output=True, text=True
        )
    after = subprocess.run([sys.executable, "-c", probe, str(lock)], capture_output=True, text=True)
    assert (held.stdout.strip(), after.stdout.strip()) == ("held", "free")


def test_a_private_lock_file_is_made_0600(tmp_path):
    with exclusive_lock(tmp_path / "token.lock", mode=0o600):
        pass
    assert (tmp_path / "token.lock").stat().st_mode & 0o777 == 0o600


def test_the_ingest_lock_still_locks(tmp_path):
    """POSIX: a second process cannot take the ingest lock while this one holds it."""
    from coachkit.store import Store

    s = Store(tmp_path / "store")
    probe = (
        "import fcntl, sys\n"
        "fh = open(sys.argv[1], 'a+')\n"
        "try:\n    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n"
        "    print('held')\nelse:\n    print('free')\n"
    )
    lock = str(tmp_path / "store" / ".ingest.lock")
    with s.ingest_lock():
        held = subprocess.run([sys.executable, "-c", probe, lock], capture_output=True, text=True)
    after = subprocess.run([sys.executable, "-c", probe, lock], capture_output=True, text=True)
    s.close()
    assert (held.stdout.strip(), after.stdout.strip()) == ("held", "free")


def test_the_export_functions_name_the_extra_too(monkeypatch):
    """Called from the dashboard or a notebook, not only from `plan export`."""
    from coachkit.coach import export

    monkeypatch.setitem(sys.modules, "icalendar", None)
    with pytest.raises(extras.MissingExtra, match=r'pip install -e "\.\[dashboard\]"'):
        export.to_ics(None)
