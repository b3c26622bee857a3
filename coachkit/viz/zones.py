"""Zone and power figures for the analytics notebook and the dashboard: weekly time in each
zone (stacked bars) and mean-max curves (last weeks against all runs). Pure: frames in
(from :mod:`coachkit.app.zones`), plotly figures out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coachkit.viz.trends import LAYOUT, _empty

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

#: five zones, cool to hot (Z1 .. Z5)
FIVE_ZONE_COLOURS = ("#90caf9", "#4caf50", "#ffb300", "#fb8c00", "#e53935")


def _label(seconds: float) -> str:
    s = int(seconds)
    return f"{s} s" if s < 60 else f"{s // 60} min" if s % 60 == 0 else f"{s / 60:g} min"


def weekly_zone_figure(
    weekly: pd.DataFrame, *, title: str = "Weekly time in HR zones"
) -> go.Figure:
    """Stacked weekly hours in each zone: ``weekly`` has a ``week`` column (its Monday) and one
    column of seconds per zone, in zone order (:func:`coachkit.app.zones.weekly_zone_seconds`)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    zones = [c for c in weekly.columns if c != "week"]
    if weekly.empty or not zones:
        return _empty(fig, "no runs with samples yet")
    hours = weekly[zones] / 3600.0
    total = hours.sum(axis=1).where(lambda s: s > 0)
    for i, zone in enumerate(zones):
        fig.add_bar(
            x=weekly["week"],
            y=hours[zone],
            name=zone,
            marker_color=FIVE_ZONE_COLOURS[i % len(FIVE_ZONE_COLOURS)],
            customdata=hours[zone] / total * 100,
            hovertemplate="%{y:.1f} h (%{customdata:.0f} %)<extra>" + zone + "</extra>",
        )
    fig.update_layout(barmode="stack", title=title, yaxis_title="hours", **LAYOUT)
    return fig


def mean_max_figure(
    curve: pd.DataFrame,
    *,
    value: str = "power_w",
    recent_label: str = "last 6 weeks",
    title: str | None = None,
    units: str = "km",
) -> go.Figure:
    """Mean-max curve on a log duration axis: the last weeks against all runs. ``curve`` has
    ``duration_s``, ``recent`` and ``all`` (:func:`coachkit.app.zones.mean_max_windows`);
    ``value`` ``"power_w"`` plots watts, ``"speed_m_s"`` pace as m:ss per km or mile."""
    import pandas as pd
    import plotly.graph_objects as go

    from coachkit.core.units import MILE_M
    from coachkit.viz.activity import pace_axis

    per = MILE_M if units == "mi" else 1000.0

    power = value == "power_w"
    fig = go.Figure()
    title = title or ("Mean-max power" if power else "Mean-max pace")
    if curve.empty:
        fig.update_layout(title=title, **LAYOUT)
        return _empty(fig, f"no runs with {'power' if power else 'speed'} samples yet")
    text = [_label(d) for d in curve["duration_s"]]
    for col, name, style in (
        ("all", "all runs", dict(color="#9e9e9e", width=2)),
        ("recent", recent_label, dict(color="#2f7ed8", width=3)),
    ):
        y = curve[col].astype(float)
        if not power:
            y = per / y  # seconds per km or mile
        fig.add_scatter(
            x=curve["duration_s"],
            y=y,
            name=name,
            mode="lines+markers",
            line=style,
            text=text,
            hovertemplate="%{text}: "
            + ("%{y:.0f} W" if power else f"%{{customdata}}/{units}")
            + "<extra></extra>",
            customdata=None
            if power
            else [f"{int(s) // 60}:{int(s) % 60:02d}" for s in y.fillna(0)],
        )
    paces = pd.concat([per / curve[c].astype(float) for c in ("all", "recent")])
    yaxis = dict(title="W") if power else pace_axis(paces, units)
    fig.update_layout(
        title=title,
        xaxis=dict(title="duration", type="log", tickvals=list(curve["duration_s"]), ticktext=text),
        yaxis=yaxis,
        **LAYOUT,
    )
    return fig
