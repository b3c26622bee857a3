"""What every command shares: the root ``app``, the common options, opening the store, picking
the athlete, reading dates, printing frames, and failing with a one-line message (exit 2).
The values options accept are checked by the parsers of :mod:`coachkit.cli._params`.

Heavy libraries (pandas, pyarrow, readers) are imported inside functions, never at module
level, so that ``coachkit --help`` starts in a fraction of a second.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from coachkit.cli._params import format_option, iso_date

if TYPE_CHECKING:
    import pandas as pd

    from coachkit.store import Store

app = typer.Typer(
    name="coachkit",
    help="An open, explainable running coach. Ingest your runs, see your training, get a plan.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

StoreOpt = typer.Option(
    None, "--store", help="Store directory [default: $COACHKIT_STORE or ./data/store]."
)
AthleteOpt = typer.Option(
    ..., "--athlete", "-a", help="Athlete id (letters, digits, '.', '_', '-')."
)
#: ``--athlete`` of the commands about one athlete, resolved by :func:`pick_athlete`
AthleteOrOnlyOpt = typer.Option(
    None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
)
FormatOpt = format_option()
#: the day's conditions (`today`, `predict`): paces slow for heat, humidity and altitude
TempOpt = typer.Option(
    None, "--temp-c", min=-40, max=50, help="Air temperature, °C: pace targets slow for heat."
)
DewPointOpt = typer.Option(
    None, "--dew-point-c", min=-50, max=35, help="Dew point, °C [default: 50 % humidity]."
)
AltitudeOpt = typer.Option(
    None, "--altitude-m", min=-500, max=5000, help="Altitude, m: paces slow above 300 m."
)
#: ``--format`` with the shorter help of the analysis commands (metrics, replay, report)
FormatShortOpt = format_option(help="table, csv or json.")


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def need_packages(modules: tuple[str, ...], purpose: str) -> None:
    """Exit 1 with one line naming the extra and its install command when one of ``modules``
    (optional packages) is not installed (see :mod:`coachkit.core.extras`)."""
    from coachkit.core.extras import first_missing, missing_message

    missing = first_missing(modules)
    if missing is not None:
        fail(missing_message(missing, purpose), 1)


def open_store(path: Path | None, *, create: bool = False) -> Store:
    import sqlite3

    from coachkit.store import Store, StoreError

    try:
        return Store(path, create=create)
    except StoreError as exc:
        fail(str(exc))
    except sqlite3.DatabaseError as exc:
        fail(f"the store's catalog cannot be opened ({exc}): run `coachkit doctor`")
    raise AssertionError("unreachable")


def iso_utc(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def console() -> Any:
    """A rich console; piped or redirected, tables keep one row per line instead of wrapping
    every cell to 80 columns."""
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=100_000)


def emit_frame(df: pd.DataFrame, fmt: str, *, title: str = "") -> None:
    """Print a frame as csv, json (records) or a rich table; datetimes as ISO-8601 UTC."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = iso_utc(out[col].dt.tz_convert("UTC"))
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    fmt = fmt.lower()
    if fmt == "csv":
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif fmt == "json":
        typer.echo(out.to_json(orient="records", indent=1, force_ascii=False))
    elif fmt == "table":
        from rich.table import Table

        table = Table(title=title or None, show_lines=False)
        for col in out.columns:
            table.add_column(str(col), overflow="fold")
        for row in out.itertuples(index=False):
            table.add_row(
                *[
                    "" if pd.isna(v) else (f"{v:.1f}" if isinstance(v, float) else str(v))
                    for v in row
                ]
            )
        console().print(table)
    else:
        fail(f"unknown format {fmt!r}: use table, csv or json")


def emit_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str, *, title: str = "") -> None:
    """:func:`emit_frame` for plain rows, without pandas (the daily commands, issue 18): csv,
    json (records) or a rich table; None prints as an empty cell or null."""
    import json

    fmt = fmt.lower()
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if r.get(c) is None else r.get(c) for c in columns] for r in rows])
    elif fmt == "json":
        from coachkit.core.values import plain

        records = [{c: plain(r.get(c)) for c in columns} for r in rows]
        typer.echo(json.dumps(records, indent=1, ensure_ascii=False))
    elif fmt == "table":
        from rich.table import Table

        table = Table(title=title or None, show_lines=False)
        for col in columns:
            table.add_column(str(col), overflow="fold")
        for r in rows:
            table.add_row(*[_cell(r.get(c)) for c in columns])
        console().print(table)
    else:
        fail(f"unknown format {fmt!r}: use table, csv or json")


def _cell(value: Any) -> str:
    """One table cell: empty for None or NaN, floats to one decimal."""
    if value is None or value != value:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def open_store_for(path: Path | None, athlete: str | None) -> Store:
    """Open an existing store; when an athlete is named, fail plainly if it is not in there."""
    from coachkit.store import StoreError

    s = open_store(path)
    if athlete:
        try:
            s.require_athlete(athlete)
        except StoreError as exc:
            fail(str(exc))
    return s


def pick_athlete(s: Store, athlete: str | None) -> str:
    """The athlete named, or the only one in the store."""
    from coachkit.store import StoreError

    if athlete is None:
        known = [a["athlete_id"] for a in s.athletes()]
        if len(known) != 1:
            fail(
                f"say which athlete with --athlete (the store holds: {', '.join(known) or 'none'})"
            )
        return known[0]
    try:
        return s.require_athlete(athlete)
    except StoreError as exc:
        fail(str(exc))
    raise AssertionError("unreachable")


def plain_day(value: str | None, option: str) -> date:
    """The day an option names as a date, else today's local date: as :func:`day_or_today`,
    without loading pandas. Only ``YYYY-MM-DD`` is a day (``05/04/2021`` is refused, never
    guessed); a bad one exits 2 with a one-line error naming ``option``."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(iso_date(value))
    except typer.BadParameter as exc:
        fail(f"{option}: {exc.message}")


def parse_day(value: str | None, option: str) -> Any:
    """The day an option names, as a midnight timestamp (``None`` when the option is not given);
    strictly ``YYYY-MM-DD``, as :func:`plain_day`."""
    import pandas as pd

    return None if value is None else pd.Timestamp(plain_day(value, option))


def day_or_today(value: str | None, option: str) -> Any:
    """The day an option names (as :func:`parse_day`), else today's local midnight."""
    import pandas as pd

    return parse_day(value, option) or pd.Timestamp.now().normalize()


def or_fail(read: Any) -> Any:
    """``read()``, or exit with the store's own message when it raises a StoreError."""
    from coachkit.store import StoreError

    try:
        return read()
    except StoreError as exc:
        fail(str(exc))
