"""The dashboard's feedback form (``ck-feedback``): how the day went, in a few taps.

RPE on Foster's CR-10, feel 1-5, soreness 0-10, a niggle's site and severity, a missed
session with its reason, and a note. Each field feeds a rule (``coachkit.coach.adapt``: RPE,
feel and soreness the ``fatigue`` rule, a niggle or illness the ``niggle`` rule, a missed session
the ``missed`` rule); the note is not parsed but shown back under the form (and in the replay). :meth:`FeedbackForm.values` gives the fields of the
store's feedback row (docs/design.md §3); the dashboard hands them to
:func:`coachkit.app.coach.log_feedback`, which records them and re-adapts the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as w
import pandas as pd

# Foster et al. 2001 (J Strength Cond Res 15:109), CR-10 session-RPE anchors
CR10 = {
    0: "rest",
    1: "very, very easy",
    2: "easy",
    3: "moderate",
    4: "somewhat hard",
    5: "hard",
    6: "hard+",
    7: "very hard",
    8: "very hard+",
    9: "really, really hard",
    10: "maximal",
}
FEEL = {1: "awful", 2: "poor", 3: "ok", 4: "good", 5: "great"}
NIGGLE_SITES = (
    "calf",
    "achilles",
    "shin",
    "foot",
    "knee",
    "hamstring",
    "quad",
    "hip",
    "back",
    "other",
)
MISSED_REASONS = (
    "ill",
    "injury or niggle",
    "tired",
    "work",
    "family",
    "travel",
    "weather",
    "other",
)
NOTE_MAX = 500
NOTE_DAYS = 7  # the notes shown under the form: the last week's


NONE = ""  # the "not set" choice of a dropdown (a None value would show an empty box)


def _none_first(pairs: list[tuple[str, Any]], label: str = "—") -> list[tuple[str, Any]]:
    return [(label, NONE), *pairs]


def _value(widget: w.ValueWidget) -> Any:
    return None if widget.value in (NONE, None) else widget.value


class FeedbackForm(w.VBox):
    """The form; ``on_submit(values)`` is called with the cleaned feedback fields."""

    def __init__(self, on_submit: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._on_submit = on_submit
        lay = w.Layout(width="100%")
        style = {"description_width": "96px"}
        self.rpe = w.Dropdown(
            options=_none_first([(f"{k} · {v}", k) for k, v in CR10.items()], "— not rated"),
            value=NONE,
            description="Effort (RPE)",
            layout=lay,
            style=style,
        )
        self.feel = w.ToggleButtons(
            options=[(str(k), k) for k in FEEL],
            value=None,
            description="Feel",
            tooltips=[f"{k}: {v}" for k, v in FEEL.items()],
            style={**style, "button_width": "auto"},
        )
        self.soreness = w.Dropdown(
            options=_none_first([(str(k) + (" · none" if k == 0 else ""), k) for k in range(11)]),
            value=NONE,
            description="Soreness",
            layout=lay,
            style=style,
        )
        self.niggle_site = w.Dropdown(
            options=_none_first([(s, s) for s in NIGGLE_SITES], "— no niggle"),
            value=NONE,
            description="Niggle",
            layout=lay,
            style=style,
        )
        self.niggle_severity = w.IntSlider(
            value=3,
            min=1,
            max=10,
            description="Severity",
            layout=lay,
            style=style,
            disabled=True,
        )
        self.missed = w.Checkbox(value=False, description="I missed this session", indent=False)
        self.missed_reason = w.Dropdown(
            options=[(r, r) for r in MISSED_REASONS],
            value="tired",
            description="Why",
            layout=lay,
            style=style,
            disabled=True,
        )
        self.note = w.Textarea(
            placeholder="Anything else (optional)", layout=w.Layout(width="100%", height="56px")
        )
        self.submit = w.Button(description="Log it and update my plan", button_style="primary")
        self.result = w.HTML()
        for widget, cls in (
            (self.rpe, "ck-rpe"),
            (self.feel, "ck-feel"),
            (self.soreness, "ck-soreness"),
            (self.niggle_site, "ck-niggle-site"),
            (self.niggle_severity, "ck-niggle-severity"),
            (self.missed, "ck-missed"),
            (self.missed_reason, "ck-missed-reason"),
            (self.note, "ck-note"),
            (self.submit, "ck-submit"),
            (self.result, "ck-result"),
        ):
            widget.add_class(cls)
        self.niggle_site.observe(self._toggle, names="value")
        self.missed.observe(self._toggle, names="value")
        self.submit.on_click(lambda _b: self.send())
        self.title = w.HTML("<h2>How did it go?</h2>")
        self.notes = w.HTML("")  # the runner's own notes, shown back as written (not parsed)
        super().__init__(
            [
                self.title,
                self.rpe,
                self.feel,
                self.soreness,
                self.niggle_site,
                self.niggle_severity,
                self.missed,
                self.missed_reason,
                self.note,
                self.submit,
                self.result,
                self.notes,
            ]
        )
        self.add_class("ck-card")
        self.add_class("ck-feedback")

    def show_notes(self, feedback: pd.DataFrame, day: pd.Timestamp) -> None:
        """List the notes logged for the 7 days up to ``day`` (newest first), as written: the
        coach does not read them, so the reader of the plan sees them here."""
        fb = feedback[feedback["note"].notna()] if "note" in feedback else feedback.iloc[:0]
        fb = fb[(fb["date"] <= day) & (fb["date"] > day - pd.Timedelta(days=NOTE_DAYS))]
        items = "".join(
            f"<li><b>{d:%a %-d %b}</b>: {escape(str(n))}</li>"
            for d, n in sorted(zip(fb["date"], fb["note"]), key=lambda x: x[0], reverse=True)
        )
        self.notes.value = (
            f'<div class="ck-notes">Your notes:<ul>{items}</ul></div>' if items else ""
        )

    def _toggle(self, _change: Any = None) -> None:
        self.niggle_severity.disabled = _value(self.niggle_site) is None
        self.missed_reason.disabled = not self.missed.value

    def values(self) -> dict[str, Any]:
        """The feedback fields as stored (docs/design.md §3); unset fields are left out."""
        out: dict[str, Any] = {
            "rpe": _value(self.rpe),
            "feel": self.feel.value,
            "soreness": _value(self.soreness),
            "note": (self.note.value or "").strip()[:NOTE_MAX] or None,
        }
        if _value(self.niggle_site) is not None:
            out["niggle_site"] = self.niggle_site.value
            out["niggle_severity"] = self.niggle_severity.value
        if self.missed.value:
            out["missed_reason"] = self.missed_reason.value
            if self.missed_reason.value == "ill":
                out["illness"] = True
        return {k: v for k, v in out.items() if v is not None}

    def reset(self) -> None:
        """Clear the fields after a successful submit (the result message stays)."""
        self.rpe.value = self.soreness.value = self.niggle_site.value = NONE
        self.feel.value = None
        self.niggle_severity.value = 3
        self.missed.value = False
        self.note.value = ""

    def send(self) -> None:
        """Validate and hand the values to ``on_submit`` (the button does this)."""
        values = self.values()
        if not values:
            self.result.value = (
                '<div class="ck-error">Nothing to log yet: rate your effort, how you felt, '
                "a niggle, or tick “missed”.</div>"
            )
            return
        if self._on_submit is None:
            return
        self.submit.disabled = True  # one click, one row
        try:
            self._on_submit(values)
        finally:
            self.submit.disabled = False
