"""Trend figures for the analytics notebook and the dashboard: PMC, HRV band, intensity,
efficiency and best efforts. Pure: frames in, plotly figures out."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

LAYOUT = dict(template="plotly_white", margin=dict(t=50, l=50, r=20, b=40), legend_orientation="h")
ZONE_COLOURS = {"easy": "#4caf50", "moderate": "#ffb300", "hard": "#e53935"}
HRV_STATUS_COLOURS = {
    "below": "#e53935",
    "within": "#4caf50",
    "above": "#2f7ed8",
    "not enough data": "#bdbdbd",
}


def _dates(df: pd.DataFrame) -> pd.Series:
    return df["date"] if "date" in df.columns else df.index.to_series()


def _empty(fig: go.Figure, text: str) -> go.Figure:
    fig.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


def pmc_figure(
    daily: pd.DataFrame, *, title: str = "Fitness (CTL), fatigue (ATL) and form (TSB)"
) -> go.Figure:
    """Daily load as bars, CTL and ATL as lines, TSB on a second axis (docs/design.md §5 PMC)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    x = _dates(daily)
    fig.add_bar(x=x, y=daily["load"], name="daily load", marker_color="#c9d6e8", opacity=0.8)
    fig.add_scatter(
        x=x, y=daily["ctl"], name="fitness (CTL)", line=dict(color="#2f7ed8", width=2.5)
    )
    fig.add_scatter(
        x=x, y=daily["atl"], name="fatigue (ATL)", line=dict(color="#e91e63", width=1.5)
    )
    fig.add_scatter(
        x=x,
        y=daily["tsb"],
        name="form (TSB)",
        yaxis="y2",
        line=dict(color="#ffb300", width=1.5, dash="dot"),
    )
    fig.update_layout(
        title=title,
        yaxis=dict(title="load / day"),
        yaxis2=dict(title="TSB", overlaying="y", side="right", zeroline=True, showgrid=False),
        **LAYOUT,
    )
    return fig if len(daily) else _empty(fig, "no training load yet")


def hrv_figure(
    hrv: pd.DataFrame, *, title: str = "HRV: 7-day lnRMSSD against your normal range"
) -> go.Figure:
    """Daily lnRMSSD dots, the 7-day mean as a line and the 60-day SWC band shaded."""
    import plotly.graph_objects as go

    fig = go.Figure()
    x = _dates(hrv)
    if len(hrv) and hrv["swc_low"].notna().any():
        fig.add_scatter(
            x=x, y=hrv["swc_high"], line=dict(width=0), showlegend=False, hoverinfo="skip"
        )
        fig.add_scatter(
            x=x,
            y=hrv["swc_low"],
            fill="tonexty",
            fillcolor="rgba(76,175,80,0.18)",
            line=dict(width=0),
            name="normal range (60-day baseline ± 0.5 SD)",
        )
    fig.add_scatter(
        x=x,
        y=hrv["ln_rmssd"],
        mode="markers",
        name="morning lnRMSSD",
        marker=dict(size=5, color="#90a4ae"),
    )
    status = hrv.get("status")
    colours = status.map(HRV_STATUS_COLOURS).fillna("#bdbdbd") if status is not None else "#37474f"
    fig.add_scatter(
        x=x,
        y=hrv["ln_rmssd_7d"],
        mode="lines+markers",
        name="7-day mean",
        line=dict(color="#37474f", width=2),
        marker=dict(size=4, color=colours),
    )
    fig.update_layout(title=title, yaxis_title="ln(rMSSD, ms)", **LAYOUT)
    return fig if hrv["ln_rmssd"].notna().any() else _empty(fig, "no HRV readings yet")


def weekly_intensity_figure(
    runs: pd.DataFrame, *, title: str = "Weekly time by intensity"
) -> go.Figure:
    """Stacked weekly hours in easy / moderate / hard (columns ``easy``, ``moderate``, ``hard``
    in seconds, per activity, with the local ``date`` or ``start_time``)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if runs.empty:
        return _empty(fig, "no activities yet")
    # the athlete's own weeks (``date`` is the local day) when the table has them
    if "date" in runs:
        day = runs["date"]
    else:
        from coachkit.core.localtime import local_day

        day = local_day(runs)
    week = day.dt.to_period("W-SUN").dt.start_time
    weekly = runs[["easy", "moderate", "hard"]].groupby(week).sum() / 3600
    share = weekly.div(weekly.sum(axis=1).where(lambda s: s > 0), axis=0) * 100
    for zone in ("easy", "moderate", "hard"):
        fig.add_bar(
            x=weekly.index,
            y=weekly[zone],
            name=zone,
            marker_color=ZONE_COLOURS[zone],
            customdata=share[zone],
            hovertemplate="%{y:.1f} h (%{customdata:.0f} %)<extra>" + zone + "</extra>",
        )
    fig.update_layout(barmode="stack", title=title, yaxis_title="hours", **LAYOUT)
    return fig


def efficiency_figure(
    runs: pd.DataFrame, *, title: str = "Efficiency factor and aerobic decoupling"
) -> go.Figure:
    """EF per run (higher = faster at the same HR) and decoupling (%) on a second axis."""
    import plotly.graph_objects as go

    fig = go.Figure()
    ok = runs.dropna(subset=["ef"]) if "ef" in runs else runs.iloc[0:0]
    if ok.empty:
        return _empty(fig, "no runs with heart rate yet")
    fig.add_scatter(
        x=ok["start_time"],
        y=ok["ef"],
        mode="markers",
        name="EF per run",
        marker=dict(color="#2f7ed8"),
    )
    trend = ok.set_index("start_time")["ef"].rolling("28D").mean()
    fig.add_scatter(
        x=trend.index, y=trend.values, name="EF, 28-day mean", line=dict(color="#1a237e", width=2)
    )
    dec = ok.dropna(subset=["decoupling_pct"])
    fig.add_scatter(
        x=dec["start_time"],
        y=dec["decoupling_pct"],
        mode="markers",
        yaxis="y2",
        name="decoupling %",
        marker=dict(symbol="x", color="#e91e63"),
    )
    fig.update_layout(
        title=title,
        yaxis_title="EF (m/min per bpm)",
        yaxis2=dict(title="decoupling (%)", overlaying="y", side="right", showgrid=False),
        **LAYOUT,
    )
    return fig


def best_effort_figure(efforts: pd.DataFrame, *, title: str = "Best efforts") -> go.Figure:
    """Pace of the best effort at each distance (columns ``name``, ``distance_m``, ``time_s``,
    optionally ``period`` to draw one curve per period)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if efforts.empty:
        return _empty(fig, "no best efforts yet")
    groups = efforts.groupby("period", sort=False) if "period" in efforts else [("best", efforts)]
    for period, part in groups:
        part = part.sort_values("distance_m")
        pace = part["time_s"] / (part["distance_m"] / 1000) / 60
        fig.add_scatter(
            x=part["distance_m"] / 1000,
            y=pace,
            mode="lines+markers",
            name=str(period),
            text=part["name"],
            customdata=part["time_s"] / 60,
            hovertemplate="%{text}: %{customdata:.1f} min, %{y:.2f} min/km<extra></extra>",
        )
    fig.update_layout(
        title=title,
        xaxis=dict(title="distance (km)", type="log"),
        yaxis=dict(title="pace (min/km)", autorange="reversed"),
        **LAYOUT,
    )
    return fig
