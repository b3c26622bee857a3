"""``coachkit settings``: the athlete's own thresholds and load method, and per-activity choices.

Without an option it shows what is in effect: each threshold with where it comes from (your
setting, an estimate from your data and how, or a population default). A value that is not set
stays an estimate and says so; ``--clear NAME`` goes back to the estimate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from coachkit.cli._common import AthleteOrOnlyOpt, StoreOpt, app, fail, open_store, pick_athlete
from coachkit.cli._params import HR_ZONES_FORMAT, Choice, choice_option, hr_boundaries

if TYPE_CHECKING:
    from coachkit.store import Store

#: option name -> settings key (the keys of coachkit.features.thresholds.estimate_thresholds)
KEYS = {
    "hr-max": "hr_max",
    "resting-hr": "hr_rest",
    "lthr": "lthr",
    "threshold-pace": "threshold_pace_s_per_km",
    "sex": "sex",
    "load-method": "load_method",
    "hr-zones": "hr_zones",
    "zone-model": "zone_model",
    "critical-power": "critical_power_w",
    "timezone": "timezone",
}
ZONE_MODELS = ("lthr", "hrmax", "hrr")  # coachkit.features.zone_sets.ZONE_MODELS
CP_RANGE_W = (50.0, 1000.0)  # running critical power outside this is a typo
# plausible human values, bpm: outside them a typo is likelier than a heart
HR_RANGES = {"hr_max": (120.0, 230.0), "hr_rest": (25.0, 120.0), "lthr": (100.0, 220.0)}
LABELS = {"hr_max": "HRmax", "hr_rest": "resting HR", "lthr": "LTHR"}
METHODS = ("auto", "hrtss", "rtss", "srpe", "duration", "power")  # power: opt-in, never auto
AUTO = "auto (heart rate, then pace, then RPE, then duration)"
NO_ZONE = ("none", "clear", "")  # --timezone none: back to the zones of the runner's own files


def _check_zone(value: str) -> str | None:
    """The IANA zone ``value`` names, None for ``none``; exits 2 with one line otherwise."""
    from coachkit.core.timezones import check_zone

    if value.strip().lower() in NO_ZONE:
        return None
    try:
        return check_zone(value)
    except ValueError as exc:
        fail(f"--timezone {exc} (none clears it)")


def _check_method(value: str | None) -> str | None:
    if value is not None and value not in METHODS:
        fail(f"--load-method {value!r} is not one of {', '.join(METHODS)}")
    return value


def _new_values(
    hr_max: float | None,
    lthr: float | None,
    resting_hr: float | None,
    pace: str | None,
    sex: str | None,
    load_method: str | None,
    clear: list[str],
    zones: tuple[str | None, str | None, float | None] = (None, None, None),
    timezone: str | None = None,
) -> dict[str, Any]:
    """The settings to write (None clears one), checked one by one."""
    from coachkit.core.units import parse_pace

    values: dict[str, Any] = {}
    for key, value in (("hr_max", hr_max), ("lthr", lthr), ("hr_rest", resting_hr)):
        if value is None:
            continue
        lo, hi = HR_RANGES[key]
        if not lo <= value <= hi:
            fail(f"{LABELS[key]} {value:g} bpm is outside {lo:.0f}-{hi:.0f} bpm: check the number")
        values[key] = float(value)
    if pace is not None:
        try:
            seconds = parse_pace(pace)
        except ValueError as exc:
            fail(f"--threshold-pace: {exc}")
        if not 120 <= seconds <= 600:
            fail(f"threshold pace {pace} is outside 2:00-10:00/km: check the number")
        values["threshold_pace_s_per_km"] = round(seconds, 1)
    if sex is not None:
        sexes = {"f": "female", "female": "female", "m": "male", "male": "male"}
        if sex.lower() not in sexes:
            fail(f"--sex {sex!r}: use f or m")
        values["sex"] = sexes[sex.lower()]
    if _check_method(load_method) is not None:
        values["load_method"] = None if load_method == "auto" else load_method
    hr_zones, zone_model, cp = zones
    if hr_zones is not None:
        values["hr_zones"] = (
            None if hr_zones == "clear" else [float(x) for x in hr_zones.split(",")]
        )
    if zone_model is not None:
        values["zone_model"] = zone_model
    if cp is not None:
        lo, hi = CP_RANGE_W
        if not lo <= cp <= hi:
            fail(f"critical power {cp:g} W is outside {lo:.0f}-{hi:.0f} W: check the number")
        values["critical_power_w"] = float(cp)
    if timezone is not None:
        values["timezone"] = _check_zone(timezone)
    for name in clear:
        if name not in KEYS:
            fail(f"--clear {name!r}: use one of {', '.join(KEYS)}")
        values[KEYS[name]] = None
    return values


def _check_consistent(settings: dict[str, Any]) -> None:
    rest, lthr, hmax = (settings.get(k) for k in ("hr_rest", "lthr", "hr_max"))
    if lthr is not None and hmax is not None and lthr > hmax:
        fail(f"LTHR {lthr:g} bpm cannot be above HRmax {hmax:g} bpm")
    for low, high in ((rest, lthr), (rest, hmax)):
        if low is not None and high is not None and low >= high:
            fail(f"resting HR {low:g} bpm must be below LTHR and HRmax ({high:g} bpm)")


def _report(s: Store, athlete: str) -> dict[str, Any]:
    """What is in effect for ``athlete``: stored settings, thresholds with sources, overrides."""
    from coachkit.app.athlete import load_athlete, thresholds

    th = thresholds(load_athlete(s, athlete))
    stored = s.athlete_settings(athlete)

    def one(t: Any) -> dict[str, Any]:
        return {"value": t.value, "source": t.source, "estimated": t.estimated}

    return {
        "athlete_id": athlete,
        "settings": stored,
        "thresholds": {
            "hr_max": one(th.hr_max),
            "hr_rest": one(th.hr_rest),
            "lthr": one(th.lthr),
            "threshold_speed_m_s": one(th.threshold_speed_m_s),
        },
        "sex": th.sex,
        "load_method": stored.get("load_method", "auto"),
        "zone_model": stored.get("zone_model", "lthr"),
        "hr_zones": stored.get("hr_zones"),
        "critical_power_w": stored.get("critical_power_w"),
        "load_overrides": s.load_overrides(athlete),
        "timezone": _zone_report(s, athlete, stored.get("timezone")),
        "describe": th.describe(),
    }


def _zone_report(s: Store, athlete: str, setting: str | None) -> dict[str, Any]:
    """The time zone that dates activities without one of their own, and where it comes from."""
    from coachkit.core.timezones import format_offset

    if setting:
        return {"value": setting, "source": "set by athlete"}
    near = s.zone_near(athlete, "9999")  # the runner's most recent activity with a known zone
    if near is None:
        return {"value": None, "source": "not set: UTC days where a file has no zone"}
    offset, name = near
    latest = name or f"UTC{format_offset(offset)}"
    return {
        "value": name,
        "source": f"not set: files without a zone borrow your nearest known one; latest {latest}",
    }


def _print_report(rep: dict[str, Any]) -> None:
    from coachkit.core.units import format_pace

    th = rep["thresholds"]
    typer.echo(f"Settings of {rep['athlete_id']}:")
    for key in ("hr_max", "hr_rest", "lthr"):
        t = th[key]
        value = "unknown" if t["value"] is None else f"{t['value']:.0f} bpm"
        typer.echo(f"  {LABELS[key]:<15} {value:<9} ({t['source']})")
    speed = th["threshold_speed_m_s"]
    pace = format_pace(1000.0 / speed["value"]) if speed["value"] else "n/a"
    typer.echo(f"  {'threshold pace':<15} {pace:<9} ({speed['source']})")
    sex = rep["sex"] if rep["sex"] in ("male", "female") else "not set"
    note = "set by athlete" if sex != "not set" else "TRIMP uses the male constants"
    typer.echo(f"  {'sex':<15} {sex:<9} ({note})")
    method = rep["load_method"]
    shown = AUTO if method == "auto" else f"{method} first (set by athlete)"
    typer.echo(f"  {'load method':<15} {shown}")
    own = rep["hr_zones"]
    zones = f"your boundaries {', '.join(f'{b:g}' for b in own)} bpm" if own else rep["zone_model"]
    typer.echo(f"  {'HR zones':<15} {zones} (`coachkit zones` shows them)")
    cp = rep["critical_power_w"]
    typer.echo(f"  {'critical power':<15} {f'{cp:g} W (set by athlete)' if cp else 'estimated'}")
    zone = rep["timezone"]
    typer.echo(f"  {'time zone':<15} {zone['value'] or 'not set':<9} ({zone['source']})")
    overrides = rep["load_overrides"]
    if overrides:
        typer.echo(
            f"Load method chosen for {len(overrides)} single activit"
            f"{'y' if len(overrides) == 1 else 'ies'}:"
        )
        for activity_id, m in overrides.items():
            typer.echo(f"  {activity_id}  {m}")


def _activity(s: Store, activity_id: str, load_method: str | None, as_json: bool) -> None:
    """Set (or show) one activity's load method, then show its load and how it was computed."""
    from coachkit.app.athlete import activity_table, load_athlete
    from coachkit.store import StoreError

    athlete = s.athlete_of(activity_id)
    if athlete is None:
        fail(f"no activity {activity_id!r} in the store: `coachkit activities` lists the ids")
    if _check_method(load_method) is not None:
        try:
            s.set_load_override(activity_id, None if load_method == "auto" else load_method)
        except StoreError as exc:
            fail(str(exc))
    chosen = s.load_overrides(athlete).get(activity_id)
    table = activity_table(load_athlete(s, athlete))
    act = table[table["activity_id"] == activity_id].iloc[0]
    out = {
        "activity_id": activity_id,
        "athlete_id": athlete,
        "load_method_chosen": chosen or "auto",
        "load": None if act["load"] != act["load"] else float(act["load"]),
        "load_method": None if act["load_method"] is None else str(act["load_method"]),
        "load_note": str(act["load_note"]),
    }
    if as_json:
        typer.echo(json.dumps(out, indent=1, ensure_ascii=False))
        return
    athlete_wide = s.athlete_settings(athlete).get("load_method")
    how = (
        f"{chosen} (your choice for this activity)"
        if chosen
        else f"{athlete_wide} first (your setting for all activities)"
        if athlete_wide
        else AUTO
    )
    typer.echo(f"Activity {activity_id} ({athlete}): load method {how}.")
    typer.echo(f"  {out['load_note']}")


@app.command()
def settings(
    athlete: str | None = AthleteOrOnlyOpt,
    activity: str | None = typer.Option(
        None, "--activity", help="One activity: set its --load-method (auto clears it)."
    ),
    hr_max: float | None = typer.Option(None, "--hr-max", help="Your maximum HR, bpm."),
    lthr: float | None = typer.Option(None, "--lthr", help="Your lactate-threshold HR, bpm."),
    resting_hr: float | None = typer.Option(None, "--resting-hr", help="Your resting HR, bpm."),
    threshold_pace: str | None = typer.Option(
        None, "--threshold-pace", help="About 1-h race pace, m:ss per km (or m:ss/mi)."
    ),
    sex: str | None = choice_option(
        None,
        "--sex",
        choice=Choice(("f", "m"), aliases={"female": "f", "male": "m"}),
        help="f or m (or female, male; TRIMP's weighting).",
    ),
    load_method: str | None = choice_option(
        None,
        "--load-method",
        choice=Choice(METHODS),
        help="auto, hrtss, rtss, srpe, duration or power (tried first; power only if chosen).",
    ),
    hr_zones: str | None = typer.Option(
        None,
        "--hr-zones",
        parser=hr_boundaries,
        metavar=HR_ZONES_FORMAT,
        help="Your own HR zone boundaries, bpm, ascending (130,145,160,172: five zones).",
    ),
    zone_model: str | None = choice_option(
        None,
        "--zone-model",
        choice=Choice(ZONE_MODELS),
        help="HR zones from lthr (Friel), hrmax (% of HRmax) or hrr (Karvonen).",
    ),
    critical_power: float | None = typer.Option(
        None, "--critical-power", help="Your running critical power, W (power zones)."
    ),
    timezone: str | None = typer.Option(
        None,
        "--timezone",
        help="Your time zone, e.g. America/Recife: dates activities whose file has no zone "
        "(none clears it).",
    ),
    clear: list[str] = choice_option(
        [],
        "--clear",
        choice=Choice(tuple(KEYS)),
        help="Back to the estimate: hr-max, resting-hr, lthr, threshold-pace, ... (repeatable)",
    ),
    store: Path | None = StoreOpt,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Your own HRmax, LTHR, resting HR, threshold pace, sex, load method and time zone (shown
    when no option is given). What you do not set is estimated from your data, and says so."""
    s = open_store(store)
    if activity is not None:
        given = (hr_max, lthr, resting_hr, threshold_pace, sex, hr_zones, zone_model, timezone)
        if any(v is not None for v in (*given, critical_power)) or clear:
            fail("thresholds are per athlete: give --activity only with --load-method")
        _activity(s, activity, load_method, as_json)
        return
    who = pick_athlete(s, athlete)
    values = _new_values(
        hr_max,
        lthr,
        resting_hr,
        threshold_pace,
        sex,
        load_method,
        clear,
        (hr_zones, zone_model, critical_power),
        timezone,
    )
    before = _report(s, who) if values and not as_json else None
    if values:
        merged = {**s.athlete_settings(who), **values}
        _check_consistent({k: v for k, v in merged.items() if v is not None})
        s.update_athlete_settings(who, **values)
    rep = _report(s, who)
    if as_json:
        typer.echo(json.dumps(rep, indent=1, ensure_ascii=False))
        return
    if before is not None:
        for line in _changes(before, rep):
            typer.echo(line)
    _print_report(rep)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """One sentence per changed threshold, with the old and the new number."""
    lines = []
    for key in ("hr_max", "hr_rest", "lthr"):
        old, new = before["thresholds"][key], after["thresholds"][key]
        if (old["value"], old["source"]) != (new["value"], new["source"]):
            was = "set" if not old["estimated"] else "estimated"
            lines.append(
                f"{LABELS[key]} is now {new['value']:.0f} bpm "
                f"({'your setting' if not new['estimated'] else 'estimated again'}; "
                f"was {old['value']:.0f} bpm, {was}): loads and zones use it from now on."
            )
    old, new = (
        before["thresholds"]["threshold_speed_m_s"],
        after["thresholds"]["threshold_speed_m_s"],
    )
    if (old["value"], old["source"]) != (new["value"], new["source"]):
        from coachkit.core.units import format_pace

        lines.append(
            f"Threshold pace is now {format_pace(1000 / new['value'])} (was "
            f"{format_pace(1000 / old['value'])}): rTSS uses it from now on."
        )
    if before["load_method"] != after["load_method"]:
        lines.append(f"Load method is now {after['load_method']} (was {before['load_method']}).")
    if before["timezone"] != after["timezone"]:
        now = after["timezone"]["value"] if after["settings"].get("timezone") else None
        lines.append(
            f"Time zone is now {now}: activities whose file has no zone are dated in it."
            if now
            else "Time zone setting cleared: files without a zone borrow your nearest known one."
        )
    if before["sex"] != after["sex"]:
        lines.append(f"Sex is now {after['sex']}: hrTSS uses its TRIMP constants.")
    return lines
