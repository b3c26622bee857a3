"""Figures of one run: its profile (pace and grade-adjusted pace, heart rate, elevation, cadence,
power against distance) and its route on a map.

The route is drawn on OpenStreetMap tiles. Tiles come from the network; when they cannot load
(offline, a closed network) the map keeps its plain background and the line is still drawn,
because the track is a trace of the figure, not part of the tiles.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from coachkit.core.units import FOOT_M, MILE_M
from coachkit.features.gap import with_grade_and_gap
from coachkit.features.track import clean_track, samples_column

PACE_COLOUR, GAP_COLOUR = "#2f7ed8", "#8a96a3"
#: at most this many points per line: a browser draws them at once, the eye sees no difference
MAX_POINTS = 1500
#: pace is smoothed over this many seconds either side, as a watch's "current pace" is
SMOOTH_S = 15.0
#: slower than this (s/km) is walking or standing, cut from the pace axis so running stays legible
SLOWEST_PACE_S_PER_KM = 900.0


def _thin(n: int) -> np.ndarray:
    """Indices of at most :data:`MAX_POINTS` evenly spread rows of ``n``."""
    return (
        np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).round().astype(int))
        if n
        else np.zeros(0, int)
    )


def _smoothed_pace(t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Pace (s/km) over a window reaching :data:`SMOOTH_S` either side of each sample."""
    if len(t) < 2:
        return np.full(len(t), np.nan)
    a = np.interp(t - SMOOTH_S, t, x)
    b = np.interp(t + SMOOTH_S, t, x)
    span = np.minimum(t + SMOOTH_S, t[-1]) - np.maximum(t - SMOOTH_S, t[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = span / (b - a) * 1000.0
    return np.where((pace > 0) & (pace < SLOWEST_PACE_S_PER_KM), pace, np.nan)


def profile_frame(samples: pd.DataFrame, *, sport: str = "run") -> pd.DataFrame:
    """The series of the profile, by cleaned distance: ``distance_m``, ``pace_s_per_km``,
    ``gap_pace_s_per_km``, ``hr_bpm``, ``altitude_m``, ``cadence_spm``, ``power_w`` (thinned)."""
    if samples is None or len(samples) < 2 or "t_s" not in samples.columns:
        return pd.DataFrame(columns=["distance_m"])
    tr = clean_track(samples)
    gap = with_grade_and_gap(samples, sport=sport)
    pace = _smoothed_pace(tr.t, tr.x)
    gap_speed = samples_column(gap, "gap_speed_m_s", tr.order)
    speed = samples_column(gap, "speed_m_s", tr.order)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(
            speed > 0.5, gap_speed / speed, np.nan
        )  # the grade's effect at each point
    out = pd.DataFrame(
        {
            "distance_m": tr.x,
            "pace_s_per_km": pace,
            "gap_pace_s_per_km": pace
            / pd.Series(factor).rolling(31, center=True, min_periods=1).median().to_numpy(),
            **{
                c: samples_column(samples, c, tr.order)
                for c in ("hr_bpm", "altitude_m", "cadence_spm", "power_w")
            },
        }
    )
    return out.iloc[_thin(len(out))].reset_index(drop=True)


def pace_axis(values: pd.Series, units: str) -> dict:
    """A pace axis (values in seconds per km or mile): m:ss ticks, faster at the top, the
    range the middle 96 % of ``values`` span (a stop's spike runs off the chart)."""
    v = values.dropna()
    if v.empty:
        return {}
    lo, hi = float(v.quantile(0.02)), float(v.quantile(0.98))
    margin = max(10.0, 0.1 * (hi - lo))
    lo, hi = lo - margin, hi + margin
    step = 30 if hi - lo < 240 else 60
    ticks = np.arange(math.floor(lo / step) * step, math.ceil(hi / step) * step + 1, step)
    return dict(
        range=[hi, lo],  # faster at the top; a stop's spike runs off the chart
        tickvals=ticks,
        ticktext=[f"{int(s) // 60}:{int(s) % 60:02d}" for s in ticks],
        title=f"pace /{units}",
    )


def activity_profile_figure(
    samples: pd.DataFrame, *, units: str = "km", sport: str = "run", title: str = ""
) -> go.Figure:
    """Pace with grade-adjusted pace beside it, HR, elevation, cadence and power against distance
    (in km or miles); a row only for a series the run recorded."""
    prof = profile_frame(samples, sport=sport)
    per = MILE_M if units == "mi" else 1000.0
    scale = per / 1000.0  # s/km -> s per unit
    rows = [("pace", "pace")]
    for col, name in (
        ("hr_bpm", "HR (bpm)"),
        ("altitude_m", "elevation"),
        ("cadence_spm", "cadence (spm)"),
        ("power_w", "power (W)"),
    ):
        if col in prof and prof[col].notna().sum() > 1:
            rows.append((col, name))
    fig = make_subplots(rows=len(rows), cols=1, shared_xaxes=True, vertical_spacing=0.04)
    x = prof["distance_m"] / per if len(prof) else []
    for i, (col, name) in enumerate(rows, start=1):
        if col == "pace":
            pace = prof.get("pace_s_per_km", pd.Series(dtype=float)) * scale
            fig.add_trace(
                go.Scatter(x=x, y=pace, name="pace", line=dict(color=PACE_COLOUR, width=1.5)),
                row=i,
                col=1,
            )
            gap = prof.get("gap_pace_s_per_km", pd.Series(dtype=float)) * scale
            if gap.notna().any():
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=gap,
                        name="grade-adjusted",
                        line=dict(color=GAP_COLOUR, width=1, dash="dot"),
                    ),
                    row=i,
                    col=1,
                )
            fig.update_yaxes(**pace_axis(pace, units), row=i, col=1)
            continue
        y = prof[col]
        label = name
        if col == "altitude_m":
            y = y / FOOT_M if units == "mi" else y
            label = f"elevation ({'ft' if units == 'mi' else 'm'})"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=label,
                line=dict(width=1.2),
                connectgaps=True,
            ),
            row=i,
            col=1,
        )
        fig.update_yaxes(title=label, row=i, col=1)
    fig.update_xaxes(title=f"distance ({units})", row=len(rows), col=1)
    fig.update_layout(
        height=140 + 130 * len(rows),
        showlegend=False,
        title=title or None,
        template="plotly_white",
        margin=dict(t=50, l=60, r=16, b=40),
    )
    return fig


#: the Web-Mercator sphere (EPSG:3857) and the tiles drawn under the route
EARTH_RADIUS_M = 6378137.0
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: another tile server (e.g. one on the runner's own network): a template like TILE_URL
TILE_URL_ENV = "COACHKIT_TILE_URL"
TILE_CREDIT = "© OpenStreetMap contributors"
MAX_TILES_ACROSS = 4  # per axis: at most 16 tiles, fetched by the viewer's browser


def mercator(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator metres (EPSG:3857) of WGS84 degrees, the projection of map tiles.

    >>> x, y = mercator(np.array([0.0, 85.0511287798]), np.array([0.0, 180.0]))
    >>> round(float(x[1])), round(float(y[1]))
    (20037508, 20037508)
    """
    x = EARTH_RADIUS_M * np.radians(lon)
    y = EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return x, y


def tile_images(x0: float, x1: float, y0: float, y1: float) -> list[dict]:
    """Plotly layout images of the OpenStreetMap tiles that cover a Mercator box, at the finest
    zoom where :data:`MAX_TILES_ACROSS` tiles per axis still cover it."""
    template = os.environ.get(TILE_URL_ENV) or TILE_URL
    half = np.pi * EARTH_RADIUS_M
    for z in range(17, 0, -1):
        size = 2 * half / 2**z
        cols = range(int((x0 + half) // size), int((x1 + half) // size) + 1)
        rows = range(int((half - y1) // size), int((half - y0) // size) + 1)
        if len(cols) <= MAX_TILES_ACROSS and len(rows) <= MAX_TILES_ACROSS:
            break
    return [
        dict(
            source=template.format(z=z, x=c, y=r),
            xref="x",
            yref="y",
            x=c * size - half,
            y=half - r * size,
            sizex=size,
            sizey=size,
            sizing="stretch",
            xanchor="left",
            yanchor="top",
            layer="below",
        )
        for c in cols
        for r in rows
    ]


def route_figure(samples: pd.DataFrame, *, title: str = "Route", tiles: bool = True) -> go.Figure:
    """The route on OpenStreetMap tiles, start and finish marked.

    The line is an ordinary plotly trace in Web-Mercator metres and the tiles are images under
    it, fetched by the viewer's browser: offline, or where the tile server cannot be reached,
    they stay blank and the line is drawn all the same (no WebGL either). ``tiles=False`` asks
    for no tiles at all. An empty figure, saying so, when the run has no GPS.
    """
    n = len(samples) if samples is not None else 0
    lat = samples_column(samples, "lat", np.arange(n)) if n else np.zeros(0)
    lon = samples_column(samples, "lon", np.arange(n)) if n else np.zeros(0)
    ok = (
        np.isfinite(lat)
        & np.isfinite(lon)
        & (np.abs(lat) <= 85)
        & (np.abs(lon) <= 180)
        & ~((lat == 0) & (lon == 0))
    )
    fig = go.Figure()
    fig.update_layout(
        title=title, showlegend=False, template="plotly_white", margin=dict(l=0, r=0, t=40, b=0)
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    if ok.sum() < 2:
        fig.add_annotation(
            text="No GPS track in this activity",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
        return fig
    keep = _thin(int(ok.sum()))
    x, y = mercator(lat[ok][keep], lon[ok][keep])
    fig.add_scatter(x=x, y=y, mode="lines", line=dict(width=3, color=PACE_COLOUR), hoverinfo="skip")
    loop = np.hypot(x[-1] - x[0], y[-1] - y[0]) < 0.05 * max(np.ptp(x), np.ptp(y), 1.0)
    ends = (
        dict(x=[x[0]], y=[y[0]], text=["start / finish"], colour=["#2e9d5b"])
        if loop
        else dict(
            x=[x[0], x[-1]],
            y=[y[0], y[-1]],
            text=["start", "finish"],
            colour=["#2e9d5b", "#d64545"],
        )
    )
    fig.add_scatter(
        x=ends["x"],
        y=ends["y"],
        mode="markers+text",
        text=ends["text"],
        textposition="top center",
        marker=dict(size=11, color=ends["colour"], line=dict(width=1, color="white")),
        hoverinfo="text",
    )
    pad = 0.08 * max(np.ptp(x), np.ptp(y), 200.0)
    x0, x1, y0, y1 = x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad
    fig.update_xaxes(range=[x0, x1], constrain="domain")
    fig.update_yaxes(range=[y0, y1], scaleanchor="x", scaleratio=1, constrain="domain")
    if tiles:
        fig.update_layout(images=tile_images(x0, x1, y0, y1))
        fig.add_annotation(
            text=TILE_CREDIT,
            showarrow=False,
            x=1,
            y=0,
            xref="paper",
            yref="paper",
            xanchor="right",
            yanchor="bottom",
            font=dict(size=10),
            bgcolor="rgba(255,255,255,0.7)",
        )
    fig.update_layout(height=420)
    return fig
