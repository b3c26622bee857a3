"""README's "How the coach decides" lists the rules the code runs, in the order it runs them."""

from __future__ import annotations

import re

from coachkit.coach.adapt import RULES
from tests.conftest import REPO


def test_readme_rule_table_is_the_code_rule_order():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## How the coach decides", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
    # week_review runs after the daily rules, on Sunday evenings (coach.adapt.review_week)
    assert listed == [rule.name for rule in RULES] + ["week_review"]
