"""Pure figure builders: a canonical frame in, a plotly figure out (no disk, no clock).

Colours are shared with the dashboard so that a kind of session looks the same everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coachkit.core.quality import not_duplicate

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

SPORT_COLOURS = {
    "run": "#2f7ed8",
    "trail_run": "#1a9850",
    "treadmill": "#7b8cde",
    "walk": "#a6a6a6",
    "ride": "#f28f43",
    "swim": "#0d9fb8",
    "strength": "#8d6e63",
    "other": "#bdbdbd",
}


def weekly_volume_figure(activities: pd.DataFrame, *, title: str = "Weekly distance") -> go.Figure:
    """Stacked weekly distance (km) by sport, weeks starting on the athlete's local Monday
    (``core.localtime.local_day``: an evening run in the Americas stays in its own week).

    Activities flagged as duplicates are left out so that a run recorded twice counts once.
    """
    import plotly.graph_objects as go

    from coachkit.core.localtime import local_day

    df = activities[not_duplicate(activities["quality_flags"])].copy()
    df["week"] = local_day(df).dt.to_period("W-SUN").dt.start_time
    weekly = df.groupby(["week", "sport"], as_index=False)["distance_m"].sum()
    fig = go.Figure()
    for sport, part in weekly.groupby("sport"):
        fig.add_bar(
            x=part["week"],
            y=part["distance_m"] / 1000,
            name=str(sport),
            marker_color=SPORT_COLOURS.get(str(sport), "#999"),
            hovertemplate="week of %{x|%d %b %Y}: %{y:.1f} km<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(
        barmode="stack",
        title=title,
        yaxis_title="km",
        xaxis_title=None,
        template="plotly_white",
        legend_orientation="h",
        margin=dict(t=50, l=40, r=10, b=30),
    )
    if len(weekly) == 0:
        fig.add_annotation(text="no activities yet", showarrow=False)
    return fig
