"""Figures for the models (docs/design.md §6). Pure: frames in, plotly figures out."""

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
        :func:`coachkit.models.response_eval.learning_curve` output: ``bin``, ``n`` and the
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


def race_predictions_figure(
    predictions: pd.DataFrame, *, title: str = "Race predictions (80 % intervals)"
) -> go.Figure:
    """Predicted pace per distance with its 80 % interval (``race_predictions`` output)."""
    import plotly.graph_objects as go

    km = predictions["distance_m"] / 1000
    pace = predictions["seconds"] / km / 60
    fig = go.Figure(
        go.Scatter(
            x=predictions["distance"],
            y=pace,
            mode="markers",
            marker=dict(size=12, color="#2f7ed8"),
            error_y=dict(
                type="data",
                symmetric=False,
                array=predictions["high"] / km / 60 - pace,
                arrayminus=pace - predictions["low"] / km / 60,
            ),
            customdata=predictions["personal_share"] * 100,
            text=predictions["explanation"],
            hovertemplate="%{y:.2f} min/km<br>%{customdata:.0f} % personal<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title, yaxis=dict(title="pace (min/km)", autorange="reversed"), **LAYOUT
    )
    return fig


def fitness_figure(
    results: object, *, title: str = "Fitness–fatigue model: performance, fitted and predicted"
) -> go.Figure:
    """Observed performance, the Banister fit with its 80 % band, and fitness/fatigue below."""
    from plotly.subplots import make_subplots

    band = results.predict_interval()  # type: ignore[attr-defined]
    parts = results.components()  # type: ignore[attr-defined]
    observed = results.model.performance.dropna()  # type: ignore[attr-defined]
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06
    )
    fig.add_scatter(
        x=band.index,
        y=band["high"],
        line=dict(width=0),
        showlegend=False,
        hoverinfo="skip",
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=band.index,
        y=band["low"],
        fill="tonexty",
        fillcolor="rgba(47,126,216,0.15)",
        line=dict(width=0),
        name="80 % band",
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=band.index, y=band["mean"], name="model", line=dict(color="#2f7ed8"), row=1, col=1
    )
    fig.add_scatter(
        x=observed.index,
        y=observed.values,
        mode="markers",
        name="observed",
        marker=dict(color="#37474f", size=5),
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=parts.index, y=parts["fitness"], name="fitness", line=dict(color="#1a9850"), row=2, col=1
    )
    fig.add_scatter(
        x=parts.index, y=parts["fatigue"], name="fatigue", line=dict(color="#e91e63"), row=2, col=1
    )
    fig.update_layout(title=title, **LAYOUT)
    return fig


def risk_timeline_figure(
    timeline: pd.DataFrame, *, title: str = "Injury and overtraining risk"
) -> go.Figure:
    """Daily overuse-injury and overtraining scores (``risk_timeline`` output, index = date);
    hover shows the top factor of the day."""
    import plotly.graph_objects as go

    fig = go.Figure()
    x = timeline.get("date", timeline.index)
    for col, name, colour in (
        ("score", "overuse injury", "#e53935"),
        ("overtraining_score", "overtraining", "#7b1fa2"),
    ):
        if col in timeline:
            text = timeline.get(
                "top_factor_text" if col == "score" else "overtraining_factor_codes"
            )
            fig.add_scatter(
                x=x,
                y=timeline[col],
                name=name,
                mode="lines",
                line=dict(color=colour),
                text=text,
                hovertemplate="%{y:.0f}/100<br>%{text}<extra>" + name + "</extra>",
            )
    fig.update_layout(title=title, yaxis=dict(title="score (0-100)", range=[0, 100]), **LAYOUT)
    return fig
