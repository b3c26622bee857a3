"""The dashboard's check-in (``ck-checkin``), right above today's card (issue 19).

After three planned sessions without a run or a log the coach asks what happened, with the same
sentence as ``coachkit today``, and offers the six answers as buttons (``ck-checkin-<answer>``).
A click calls ``on_answer(answer)``; the page logs it through
:func:`coachkit.app.checkin.answer_checkin`, the path ``coachkit log --checkin`` takes, redraws
the card and the week, and shows the coach's reaction here (``ck-checkin-result``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import ipywidgets as w

from coachkit.coach.checkin import ANSWERS

#: the buttons' labels
LABELS = {
    "ill": "Ill",
    "injured": "Injured",
    "busy": "Busy",
    "travelling": "Travelling",
    "motivation": "Lost motivation",
    "other": "Other",
}


class CheckinPanel(w.VBox):
    """The question and its six answers; hidden while no check-in is due."""

    def __init__(self, on_answer: Callable[[str], None] | None = None) -> None:
        self._on_answer = on_answer
        self.question = w.HTML()
        self.question.add_class("ck-checkin-question")
        self.buttons = []
        for answer in ANSWERS:
            b = w.Button(description=LABELS[answer], layout=w.Layout(width="auto"))
            b.add_class("ck-checkin-answer")
            b.add_class(f"ck-checkin-{answer}")
            b.on_click(lambda _b, a=answer: self._answer(a))
            self.buttons.append(b)
        self.answers = w.HBox(self.buttons)
        self.answers.add_class("ck-checkin-answers")
        self.ask = w.VBox([self.question, self.answers])
        self.ask.add_class("ck-checkin-ask")
        self.result = w.HTML()
        self.result.add_class("ck-checkin-result")
        super().__init__([self.ask, self.result])
        self.add_class("ck-checkin")
        self.show_question(None)

    def show_question(self, question: str | None) -> None:
        """Ask ``question`` (the check-in's sentence), or hide the question when none is due."""
        self.ask.layout.display = "" if question else "none"
        self.question.value = (
            f'<div class="ck-card ck-checkin-card" role="alert"><h2>Checking in</h2>'
            f"<p>{escape(question)}</p></div>"
            if question
            else ""
        )
        self.layout.display = "" if question or self.result.value else "none"

    def show_reaction(self, answer: str, sentences: Sequence[str]) -> None:
        """What the coach did with the answer, one sentence per change."""
        items = "".join(f"<li>{escape(s)}</li>" for s in sentences)
        self.result.value = (
            f'<div class="ck-ok" data-answer="{escape(answer)}" role="status">'
            f"<b>Thanks: logged “{escape(LABELS[answer].lower())}”.</b>"
            + (f"<ul>{items}</ul>" if items else " The plan stays as it is.")
            + "</div>"
        )
        self.layout.display = ""

    def clear(self) -> None:
        """Forget the last reaction (another athlete or day is shown)."""
        self.result.value = ""

    def _answer(self, answer: str) -> None:
        for b in self.buttons:
            b.disabled = True
        try:
            if self._on_answer is not None:
                self._on_answer(answer)
        finally:
            for b in self.buttons:
                b.disabled = False
