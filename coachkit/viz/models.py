"""Figures for the models (DESIGN §6). Pure: frames in, plotly figures out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coachkit.viz.trends import LAYOUT

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

MODEL_COLOURS = {
    "mae_two_layer": ("two-layer (population + you)", "#2f7ed8"),
    "mae_population": ("population only", "#a6a6a6"),
    "mae_individual": ("individual only", "#f28f43"),
}


def hr_learning_curve_figure(
    curve: pd.DataFrame, *, title: str = "Expected-HR error by amount of your own history"
) -> go.Figure:
    """MAE (bpm) of the three HR models per bin of earlier runs with HR.

    Parameters
    ----------
    curve : DataFrame
        :func:`coachkit.models.response.learning_curve` output: ``bin``, ``n`` and the
        ``mae_*`` columns.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per model; the x labels carry the number of runs in each bin.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    x = [f"{b}<br>(n={n:,})" for b, n in zip(curve["bin"], curve["n"])]
    for col, (name, colour) in MODEL_COLOURS.items():
        if col in curve.columns:
            fig.add_scatter(
                x=x,
                y=curve[col],
                name=name,
                mode="lines+markers",
                line=dict(color=colour, width=3 if col == "mae_two_layer" else 1.5),
                hovertemplate="%{y:.2f} bpm<extra>" + name + "</extra>",
            )
    fig.update_layout(
        title=title,
        xaxis=dict(title="your earlier runs with HR"),
        yaxis=dict(title="mean absolute error (bpm)", rangemode="tozero"),
        **LAYOUT,
    )
    return fig
