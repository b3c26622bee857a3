"""The zone and mean-max figures: one stacked bar per zone in zone order, curves on a log axis."""

from __future__ import annotations

import pandas as pd
import pytest

from coachkit.viz.zones import mean_max_figure, weekly_zone_figure


def test_weekly_zone_figure_stacks_one_bar_per_zone_in_hours():
    weekly = pd.DataFrame(
        {
            "week": pd.to_datetime(["2024-01-01", "2024-01-08"]),
            "Z1 recovery": [3600.0, 0.0],
            "Z2 aerobic": [1800.0, 7200.0],
        }
    )
    fig = weekly_zone_figure(weekly)
    assert [t.name for t in fig.data] == ["Z1 recovery", "Z2 aerobic"]
    assert list(fig.data[1].y) == [0.5, 2.0] and fig.layout.barmode == "stack"


def test_mean_max_figure_plots_recent_and_all_and_pace_as_m_ss_per_km_or_mile():
    curve = pd.DataFrame({"duration_s": [60.0, 600.0], "recent": [4.0, 3.5], "all": [5.0, 4.0]})
    fig = mean_max_figure(curve, value="speed_m_s")
    assert [t.name for t in fig.data] == ["all runs", "last 6 weeks"]
    assert fig.data[0].y[0] == 1000 / 5.0 and fig.layout.xaxis.type == "log"  # 200 s/km
    assert "3:30" in fig.layout.yaxis.ticktext and fig.layout.yaxis.title.text == "pace /km"
    miles = mean_max_figure(curve, value="speed_m_s", units="mi")
    assert miles.data[0].y[0] == pytest.approx(1609.344 / 5.0)
    assert miles.layout.yaxis.title.text == "pace /mi"


def test_empty_inputs_say_so():
    assert weekly_zone_figure(pd.DataFrame(columns=["week"])).layout.annotations
    empty = pd.DataFrame(columns=["duration_s", "recent", "all"])
    assert mean_max_figure(empty).layout.annotations
