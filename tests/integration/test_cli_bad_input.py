"""A user's mistake never shows a traceback (issue 17): every command of ``coachkit``, found by
walking the Typer app (subcommands such as ``plan create`` and ``sync strava`` included), is
given a bad value for each of its enumerated, date and number options, and must exit 2 with a
one-line error naming the option (and, for a choice, the values it takes; for a date, the
format). Values that parse but make no sense (a goal without its date, an unknown athlete) are
then checked on a real store.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.cli._params import (
    DATE_FORMAT,
    HR_ZONES_FORMAT,
    NIGGLE_FORMAT,
    TIME_FORMAT,
    Choice,
    hms,
    hr_boundaries,
    iso_date,
    niggle,
)
from tests.conftest import watch_plan_store

runner = CliRunner()
ROOT = get_command(app)
#: options that take one of a few values: each must be a Choice wherever it appears
ENUMERATED = {
    "--format",
    "--units",
    "--long-run-day",
    "--unavailable",
    "--sex",
    "--load-method",
    "--clear",
    "--convention",
    "--zone-model",
    "--sport",
}
BAD_DATES = ("05/04/2021", "2021-02-30", "2021-4-5", "yesterday", "20210405")


def commands(group=ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """(command path, click command) of every command with parameters of its own: the leaf
    commands and groups whose callback takes options (``risk``)."""
    for name, cmd in sorted(group.commands.items()):
        sub = getattr(cmd, "commands", None)
        if sub is None or cmd.params:
            yield (*path, name), cmd
        if sub is not None:
            yield from commands(cmd, (*path, name))


def _parser(param):
    return param.type_descriptor.parameter_info.parser


def _kind(param) -> str | None:
    parser = _parser(param)
    if isinstance(parser, Choice):
        return "choice"
    if parser is iso_date:
        return "date"
    if parser is hms:
        return "time"
    if parser is niggle:
        return "niggle"
    if parser is hr_boundaries:
        return "hr_boundaries"
    annotation = param.type_descriptor.annotation
    if annotation in (int, float) or str(annotation) in ("list[int]", "list[float]"):
        return "number"
    return None


def _bad_values(param) -> Iterator[tuple[str, str]]:
    """(bad value, a text the error line must hold) for one option."""
    kind = _kind(param)
    if kind == "choice":
        values = ", ".join(_parser(param).values)
        yield "bogus-value", values
        yield "", values
    elif kind == "date":
        for value in BAD_DATES:
            yield value, DATE_FORMAT
    elif kind == "time":
        for value in ("1h", "1:75:00", "0:00:00", "52:30"):
            yield value, TIME_FORMAT
    elif kind == "niggle":
        for value in ("calf:x", "calf:11", ":3", "calf:-2", ""):
            yield value, NIGGLE_FORMAT
    elif kind == "hr_boundaries":
        for value in ("150,140", "130,130", "20,140", "130,abc", "", "1,2,3,4,5,6,7,8,9,10"):
            yield value, HR_ZONES_FORMAT
    elif kind == "number":
        yield "abc", "number" if param.type_descriptor.annotation is float else "integer"
        info = param.type_descriptor.parameter_info
        if info.min is not None:
            yield str(info.min - 1), str(info.min)
        if info.max is not None:
            yield str(info.max + 1), str(info.max)


CASES = [
    pytest.param(path, param.opts[0], value, expect, id=f"{' '.join(path)} {param.opts[0]}={value}")
    for path, cmd in commands()
    for param in cmd.params
    if param.param_type_name == "option"
    for value, expect in _bad_values(param)
]


def _check_usage_error(result, option: str, expect: str) -> None:
    out = result.output
    assert result.exit_code == 2, out
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out
    errors = [line for line in out.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, out
    assert option in errors[0] and expect in errors[0], errors[0]


def test_the_edit_kinds_are_the_coach_s():
    from coachkit.cli.plan import EDIT_KINDS
    from coachkit.coach.edits import EDIT_KINDS as COACH_KINDS

    assert EDIT_KINDS == COACH_KINDS


def test_the_weekdays_are_the_plan_builder_s():
    from coachkit.cli._params import WEEKDAYS
    from coachkit.coach.plan_builder import WEEKDAYS as BUILDER_WEEKDAYS

    assert WEEKDAYS == BUILDER_WEEKDAYS


def test_the_walk_finds_every_command():
    found = {" ".join(path) for path, _ in commands()}
    assert {"today", "log", "metrics", "plan create", "plan export", "sync strava"} <= found
    assert {"strava auth", "risk", "risk train-lovdal", "population fit", "roster"} <= found
    assert {"zones", "activity", "activities"} <= found
    assert {"plan move", "plan swap", "plan skip", "plan replace"} <= found
    assert len(found) >= 25, sorted(found)


def test_enumerated_options_are_choices_and_dates_are_iso():
    loose = [
        f"{' '.join(path)} {param.opts[0]}"
        for path, cmd in commands()
        for param in cmd.params
        if param.param_type_name == "option"
        and (
            (param.opts[0] in ENUMERATED and _kind(param) != "choice")
            or ("date" in param.opts[0] or param.opts[0] in ("--from", "--to"))
            and _kind(param) != "date"
        )
    ]
    assert loose == []


@pytest.mark.parametrize("path, option, value, expect", CASES)
def test_a_bad_value_exits_2_with_one_line(tmp_path, monkeypatch, path, option, value, expect):
    monkeypatch.setenv("COACHKIT_STORE", str(tmp_path / "no-store"))
    monkeypatch.setenv("COACHKIT_CONFIG_DIR", str(tmp_path / "config"))
    result = runner.invoke(app, [*path, option, value])
    _check_usage_error(result, option, expect)
    assert not (tmp_path / "no-store").exists()  # refused before anything was opened


def test_every_command_with_a_checked_option_is_covered():
    covered = {case.values[0] for case in CASES}
    checked = {path for path, cmd in commands() for p in cmd.params if _kind(p)}
    assert checked == covered and len(covered) >= 20


@pytest.mark.parametrize(
    "args",
    [
        ["today", "--units", "Mi"],
        ["today", "--units", "KM"],
        ["plan", "show", "--format", "CSV"],
        ["metrics", "--convention", "1/n", "--format", "Json"],
    ],
)
def test_choices_are_case_insensitive(store, args):
    result = runner.invoke(app, [*args, "--store", str(store), *_today(args)])
    assert result.exit_code == 0, result.output


def _today(args: list[str]) -> list[str]:
    return ["--date", DAY] if args[0] == "today" else []


DAY = "2020-12-16"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Two weeks of the sample's watch runs and a 10 km plan from 2020-12-14."""
    return watch_plan_store(tmp_path_factory, "bad-input")


@pytest.mark.parametrize(
    "args, expect",
    [
        (["plan", "create", "--race-distance-m", "10000"], "A goal is a race"),
        (["replay", "--from", "2020-12-01", "--to", "2020-12-10", "--race-date", DAY], "together"),
        (["settings", "--threshold-pace", "fast"], "--threshold-pace"),
        (["settings", "--hr-max", "400"], "outside"),
        (["settings", "--critical-power", "5000"], "outside"),
        (["zones", "--athlete", "nobody"], "nobody"),
        (["settings", "--activity", "nope", "--load-method", "srpe"], "no activity"),
        (["metrics", "--athlete", "nobody"], "nobody"),
        (["plan", "skip", "--date", "2020-12-14", "--today", DAY], "is in the past"),
        (["plan", "replace", "--date", "2021-06-01", "--kind", "easy"], "not in your plan"),
        (
            ["plan", "move", "--from", "2020-12-20", "--to", "2020-12-20", "--today", DAY],
            "onto itself",
        ),
        (
            ["plan", "replace", "--date", DAY, "--kind", "easy", "--minutes", "30", "--km", "5"],
            "--minutes or --km",
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_values_that_parse_but_make_no_sense_exit_2_with_one_line(store, tmp_path, args, expect):
    import shutil

    root = tmp_path / "store"
    shutil.copytree(store, root)
    result = runner.invoke(app, [*args, "--store", str(root)])
    out = result.output
    assert result.exit_code == 2, out
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out
    errors = [line for line in out.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: ") and expect in errors[0], out


def test_a_plan_accepts_full_weekday_names_in_any_case(store, tmp_path):
    import json
    import shutil

    root = tmp_path / "store"
    shutil.copytree(store, root)
    args = ["plan", "create", "--race-distance-m", "10000", "--race-date", "2021-02-28"]
    args += ["--date", "2020-12-14", "--days-per-week", "4", "--json", "--store", str(root)]
    full = runner.invoke(app, [*args, "--long-run-day", "Saturday", "--unavailable", "MONDAY"])
    short = runner.invoke(app, [*args, "--long-run-day", "sat", "--unavailable", "mon"])
    assert full.exit_code == 0 and short.exit_code == 0, (full.output, short.output)
    a, b = json.loads(full.output), json.loads(short.output)
    assert a["weekly_km"] == b["weekly_km"] and not math.isnan(a["weekly_km"][0])
