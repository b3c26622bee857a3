"""The "runners like you" band on the runner's weekly-distance chart (issue 19): the middle
half (25th–75th percentile) and the median of the peers' weekly km in the 12 weeks before
their best race, drawn on the runner's own weeks (:class:`coachkit.app.peers.RunnersLikeYou`
says which: the weeks before the goal race, or the runner's last 12 weeks), with the n in
the legend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

BAND_COLOUR = "rgba(120, 120, 120, 0.22)"
MEDIAN_COLOUR = "#555555"


def add_peer_band(
    fig: go.Figure, mondays: Sequence[Any], band: Mapping[str, Sequence[float]] | None, n: int
) -> go.Figure:
    """Add the peers' weekly-km band to ``fig`` (a weekly figure in km with weeks at their
    Mondays, e.g. :func:`coachkit.viz.figures.weekly_volume_figure`) and return it.

    ``mondays`` are the weeks −12 … −1 on the runner's calendar and ``band`` the quartiles of
    :func:`coachkit.models.peers.week_band`; without a band (too few peers) ``fig`` is
    returned unchanged.
    """
    if band is None or n == 0:
        return fig
    x = list(mondays)
    weeks = [int(w) for w in band["week"]]
    low, mid, high = (band[f"volume_km_p{q}"] for q in (25, 50, 75))
    hover = [
        f"week {w} before the race: {lo:.1f}–{hi:.1f} km (median {m:.1f}), n = {n}"
        for w, lo, m, hi in zip(weeks, low, mid, high)
    ]
    fig.add_scatter(
        x=x,
        y=list(low),
        mode="lines",
        line=dict(width=0),
        showlegend=False,
        hoverinfo="skip",
        legendgroup="peers",
    )
    fig.add_scatter(
        x=x,
        y=list(high),
        mode="lines",
        line=dict(width=0),
        fill="tonexty",
        fillcolor=BAND_COLOUR,
        name=f"runners like you, middle half (n = {n})",
        text=hover,
        hovertemplate="%{text}<extra></extra>",
        legendgroup="peers",
    )
    fig.add_scatter(
        x=x,
        y=list(mid),
        mode="lines",
        line=dict(color=MEDIAN_COLOUR, dash="dot", width=1.5),
        name=f"runners like you, median (n = {n})",
        hoverinfo="skip",
        legendgroup="peers",
    )
    return fig
