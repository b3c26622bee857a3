"""Figures (frame -> plotly figure) and, later, the dashboard app."""
