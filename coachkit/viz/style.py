"""The dashboard's look: one colour per kind of session and the ``ck-*`` stylesheet.

Every element the dashboard draws carries a stable ``ck-*`` class (``ck-today``, ``ck-week``,
``ck-feedback``, ``ck-risk``, ``ck-race``, ``ck-calendar``, ``ck-trends``, ...), so tests and
users' own CSS can find it. The sheet is inlined in the page: nothing is fetched at run time.
"""

from __future__ import annotations

#: easy (green), quality (orange), long (blue), rest (grey): the same everywhere on the page
GROUP_COLOURS = {"easy": "#2e9d5b", "quality": "#e8771a", "long": "#3d6fd8", "rest": "#9aa5b1"}
KIND_GROUP = {
    "rest": "rest",
    "recovery": "easy",
    "easy": "easy",
    "strides": "easy",
    "long": "long",
    "tempo": "quality",
    "intervals": "quality",
    "hills": "quality",
    "race": "quality",
}
STATUS_COLOURS = {
    "planned": "#607080",
    "done": "#2e9d5b",
    "missed": "#d64545",
    "moved": "#8a5cd6",
    "changed": "#e8771a",
}
LEVEL_COLOURS = {"low": "#2e9d5b", "moderate": "#e8a21a", "high": "#d64545"}


def kind_group(kind: str) -> str:
    """``easy``, ``quality``, ``long`` or ``rest`` for a plan kind (unknown kinds count as easy)."""
    return KIND_GROUP.get(str(kind), "easy")


def kind_colour(kind: str) -> str:
    """The colour of a plan kind's group."""
    return GROUP_COLOURS[kind_group(kind)]


_GROUPS = "\n".join(
    f".ck-kind-{g} {{ --ck-kind: {c}; }}" for g, c in GROUP_COLOURS.items()
) + "\n".join(f".ck-status-{s} {{ --ck-status: {c}; }}" for s, c in STATUS_COLOURS.items())

CSS = (
    """
:root { --ck-ink: #1d2733; --ck-muted: #5f6c7b; --ck-line: #e3e8ee; --ck-bg: #f5f7fa;
        --ck-card: #ffffff; --ck-accent: #3d6fd8; --ck-radius: 12px; }
body, .jp-Notebook, .jp-Cell, .jp-OutputArea { background: var(--ck-bg) !important; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ck-ink); }
#rendered_cells, .jp-Notebook { max-width: 1180px; margin: 0 auto !important;
                                padding: 0 12px !important; }
.jp-Cell, .jp-Cell-inputWrapper, .jp-OutputArea-child { padding: 0 !important; }
.jp-OutputPrompt, .jp-InputPrompt { display: none !important; }
.jp-MarkdownCell { display: none !important; }  /* notes for notebook readers, not viewers */
.ck-app { width: 100%; gap: 16px; font-size: 15px; line-height: 1.45; }
.ck-app .widget-html-content { font-size: inherit; line-height: inherit; }
.ck-app .widget-html, .ck-app .widget-html-content { width: 100%; }
.ck-header { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px;
             background: var(--ck-card); border-radius: var(--ck-radius); padding: 10px 16px;
             box-shadow: 0 1px 3px rgba(20,30,50,.08); }
.ck-brand { font-weight: 700; font-size: 20px; letter-spacing: -.01em; }
.ck-brand small { font-weight: 400; color: var(--ck-muted); font-size: 13px; margin-left: 6px; }
.ck-header .widget-dropdown, .ck-header .widget-datepicker { width: auto; }
.ck-sync { color: var(--ck-muted); font-size: 12px; }
.ck-grid { display: grid !important; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
           gap: 16px; width: 100%; }
.ck-grid-even { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.ck-grid-one { grid-template-columns: minmax(0, 1fr); }
.ck-table tr.ck-reason-row td { border-top: none; padding-top: 0; }
.ck-table tr.ck-has-reason td { border-bottom: none; }
.ck-card, .ck-app .ck-panel { background: var(--ck-card); border-radius: var(--ck-radius);
           padding: 16px 18px; box-shadow: 0 1px 3px rgba(20,30,50,.08);
           box-sizing: border-box; min-width: 0; overflow: hidden; }
.ck-card h2, .ck-panel h2, .ck-section-title { font-size: 13px; text-transform: uppercase;
           letter-spacing: .06em; color: var(--ck-muted); margin: 0 0 8px; font-weight: 600; }
.ck-today { border-top: 6px solid var(--ck-kind, #2e9d5b); }
.ck-checkin-card { border-top: 6px solid #d98c1f; }
.ck-checkin-answers { flex-wrap: wrap; gap: 6px; margin: 6px 0 12px; }
.ck-today .ck-when { color: var(--ck-muted); font-size: 14px; }
.ck-today .ck-what { font-size: 30px; font-weight: 700; margin: 4px 0 6px; line-height: 1.15; }
.ck-today .ck-targets { display: flex; flex-wrap: wrap; gap: 8px 22px; margin: 10px 0; }
.ck-target b { display: block; font-size: 20px; }
.ck-target span { color: var(--ck-muted); font-size: 12px; text-transform: uppercase;
                  letter-spacing: .05em; }
.ck-explanation { background: #f1f5fb; border-left: 4px solid var(--ck-accent);
                  padding: 8px 12px; border-radius: 6px; margin: 10px 0 4px; }
.ck-change { background: #fff4e8; border-left: 4px solid #e8771a; padding: 8px 12px;
             border-radius: 6px; margin: 8px 0; }
.ck-steps { margin: 6px 0 0 0; padding-left: 18px; color: var(--ck-ink); font-size: 14px; }
.ck-tomorrow { color: var(--ck-muted); font-size: 14px; margin-top: 10px; }
.ck-badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px;
            font-weight: 600; color: #fff; background: var(--ck-kind, #607080);
            text-transform: capitalize; white-space: nowrap; }
.ck-chip { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
           border: 1px solid var(--ck-status, #607080); color: var(--ck-status, #607080);
           white-space: nowrap; }
.ck-table { width: 100%; border-collapse: collapse; font-size: 14px; }
.ck-table th { text-align: left; color: var(--ck-muted); font-weight: 600; font-size: 12px;
               text-transform: uppercase; letter-spacing: .04em; padding: 6px 8px;
               border-bottom: 1px solid var(--ck-line); }
.ck-table td { padding: 7px 8px; border-bottom: 1px solid var(--ck-line); vertical-align: top; }
.ck-table tr.ck-is-today td { background: #f1f5fb; }
.ck-reason { color: var(--ck-muted); font-size: 13px; }
.ck-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
.ck-feedback .widget-label { color: var(--ck-muted); }
.ck-feedback .widget-dropdown, .ck-feedback .widget-text, .ck-feedback .widget-textarea,
.ck-feedback .widget-hslider, .ck-feedback .widget-toggle-buttons { width: 100% !important;
           max-width: 100%; }
.ck-feedback .widget-toggle-buttons .widget-toggle-button { width: auto; min-width: 44px;
           flex: 1 1 auto; }
.ck-feedback .widget-toggle-buttons .widget-inline-hbox { flex-wrap: wrap; }
.ck-feedback .jupyter-button.mod-primary, .ck-submit { background: var(--ck-accent) !important;
           color: #fff !important; border-radius: 8px !important; height: 38px !important;
           font-weight: 600; width: 100% !important; }
.ck-result { font-size: 14px; }
.ck-ok { background: #eaf7ef; border-left: 4px solid #2e9d5b; padding: 8px 12px;
         border-radius: 6px; }
.ck-error { background: #fdecec; border-left: 4px solid #d64545; padding: 10px 14px;
            border-radius: 8px; color: #7a1f1f; }
.ck-risk .ck-score { font-size: 40px; font-weight: 700; color: var(--ck-level, #2e9d5b); }
.ck-risk .ck-score small { font-size: 15px; color: var(--ck-muted); font-weight: 400; }
.ck-risk ul, .ck-race ul { padding-left: 18px; margin: 6px 0; }
.ck-cal { border-collapse: separate; border-spacing: 3px; width: 100%; min-width: 560px;
          font-size: 12px; }
.ck-cal th { color: var(--ck-muted); font-weight: 600; text-align: left; padding: 2px 4px; }
.ck-cal td { background: #f6f8fb; border-radius: 6px; padding: 4px 6px; vertical-align: top;
             border-left: 4px solid var(--ck-kind, #ccd); min-width: 58px; }
.ck-cal td.ck-is-today { outline: 2px solid var(--ck-ink); }
.ck-cal td.ck-status-missed, .ck-cal td.ck-status-moved { opacity: .55;
             text-decoration: line-through; }
.ck-cal .ck-phase { color: var(--ck-muted); white-space: nowrap; }
.ck-export { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
.ck-export a { display: inline-block; padding: 7px 14px; border-radius: 8px;
               border: 1px solid var(--ck-accent); color: var(--ck-accent);
               text-decoration: none; font-weight: 600; font-size: 14px; }
.ck-export a:hover { background: var(--ck-accent); color: #fff; }
.ck-legend { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 8px; }
.ck-figure { min-width: 0; width: 100%; flex: 0 0 auto !important; min-height: 340px; }
.ck-trends .widget-toggle-buttons { margin-bottom: 4px; }
/* plotly's renderer sizes itself to its output area, which ipywidgets' Output leaves 0 px high */
.ck-figure .jp-OutputArea-child { display: block !important; }
.ck-figure .jp-OutputArea-prompt { display: none !important; }
.ck-figure .jp-RenderedPlotly { display: block !important; width: 100% !important;
                                height: 336px !important; overflow: hidden; }
.ck-run h3, .ck-zones h3 { font-size: 13px; color: var(--ck-muted); margin: 12px 0 4px;
                          font-weight: 600; }
.ck-what-run { font-size: 17px; font-weight: 600; margin: 2px 0 6px; }
.ck-zones td.ck-reason { white-space: nowrap; }
.ck-zone-bar { height: 10px; border-radius: 5px; background: var(--ck-accent); min-width: 2px; }
.ck-run-controls { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center;
                   margin-bottom: 8px; }
.ck-fig-route .jp-RenderedPlotly { height: 416px !important; }
.ck-fig-profile .jp-RenderedPlotly { height: 616px !important; }
.ck-footer { color: var(--ck-muted); font-size: 12px; text-align: center; padding: 8px; }
@media (max-width: 760px) {
  .ck-grid, .ck-grid-even { grid-template-columns: minmax(0, 1fr); }
  .ck-today .ck-what { font-size: 24px; }
  .ck-card, .ck-app .ck-panel { padding: 12px; }
  #rendered_cells, .jp-Notebook { padding: 0 4px !important; }
  .ck-table .ck-hide-narrow { display: none; }
}
"""
    + _GROUPS
)


def stylesheet() -> str:
    """The ``<style>`` element the dashboard puts at the top of the page."""
    return f"<style>{CSS}</style>"
