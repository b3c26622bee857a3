"""The dashboard's plan editor (``ck-plan-edit``): move, swap, skip or replace a day, as
``coachkit plan move|swap|skip|replace`` does.

The form only gathers the request; :func:`coachkit.app.plan_edits.edit_plan` checks it against
the coach's rules (no two hard days back to back, nothing in the past, the long-run cap) and
either stores the change, logged like any adaptation, or refuses it with the reason and the
nearest day that keeps the rules. Either way its sentence is shown under the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

#: op -> (label, what the second day means or None)
OPS = {
    "move": ("Move a session", "to"),
    "swap": ("Swap two days", "with"),
    "skip": ("Skip a session", None),
    "replace": ("Replace a session", None),
}
#: kinds a session can be replaced by (coachkit.coach.edits.EDIT_KINDS)
KINDS = ("rest", "recovery", "easy", "strides", "long", "tempo", "intervals", "hills")


class PlanEditForm(w.VBox):
    """The editor; ``on_edit(request)`` is called with ``edit_plan``'s keyword arguments."""

    def __init__(self, on_edit: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._on_edit = on_edit
        style = {"description_width": "80px"}

        def lay() -> w.Layout:  # one Layout each: hiding one field must not hide another
            return w.Layout(width="auto")

        self.op = w.ToggleButtons(
            options=[(label, op) for op, (label, _) in OPS.items()],
            value="move",
            style={"button_width": "auto"},
        )
        self.op.add_class("ck-edit-op")
        self.day = w.DatePicker(description="Day", style=style, layout=lay())
        self.day.add_class("ck-edit-day")
        self.other = w.DatePicker(description="To", style=style, layout=lay())
        self.other.add_class("ck-edit-other")
        self.kind = w.Dropdown(description="Kind", options=KINDS, value="easy", style=style)
        self.kind.add_class("ck-edit-kind")
        self.minutes = w.BoundedIntText(
            description="Minutes", value=0, min=0, max=300, style=style, layout=lay()
        )
        self.minutes.add_class("ck-edit-minutes")
        self.reason = w.Text(description="Why", placeholder="optional", style=style)
        self.reason.add_class("ck-edit-reason")
        self.apply = w.Button(description="Apply", button_style="primary")
        self.apply.add_class("ck-edit-apply")
        self.result = w.HTML()
        self.result.add_class("ck-edit-result")
        self.apply.on_click(lambda _b: self._submit())
        self.op.observe(lambda _c: self._show_fields(), names="value")
        super().__init__(
            [
                w.HTML("<h2>Change the plan</h2>"),
                self.op,
                w.HBox([self.day, self.other]),
                w.HBox([self.kind, self.minutes]),
                self.reason,
                self.apply,
                self.result,
            ]
        )
        self.add_class("ck-card")
        self.add_class("ck-plan-edit")
        self._show_fields()

    def _show_fields(self) -> None:
        """Only the fields the chosen edit reads are shown."""
        second = OPS[self.op.value][1]
        self.other.layout.display = "" if second else "none"
        self.other.description = (second or "").capitalize()
        replace = self.op.value == "replace"
        self.kind.layout.display = self.minutes.layout.display = "" if replace else "none"
        self.reason.layout.display = "" if self.op.value == "skip" else "none"

    def request(self) -> dict[str, Any]:
        """The keyword arguments of ``edit_plan`` the form asks for (``op`` and ``day`` first)."""
        op = self.op.value
        out: dict[str, Any] = {"op": op, "day": self.day.value}
        if OPS[op][1]:
            out["other_day"] = self.other.value
        if op == "replace":
            out["kind"] = self.kind.value
            if self.minutes.value and self.kind.value != "rest":
                out["minutes"] = float(self.minutes.value)
        if op == "skip" and self.reason.value.strip():
            out["reason"] = self.reason.value.strip()
        return out

    def _submit(self) -> None:
        req = self.request()
        if req["day"] is None or ("other_day" in req and req["other_day"] is None):
            self.show("Pick the day(s) first.", ok=False)
            return
        if self._on_edit is not None:
            self._on_edit(req)

    def show(self, sentence: str, *, ok: bool) -> None:
        from html import escape

        cls = "ck-ok" if ok else "ck-error"
        self.result.value = (
            f'<div class="{cls}" data-ok="{int(ok)}" role="status">{escape(sentence)}</div>'
        )
