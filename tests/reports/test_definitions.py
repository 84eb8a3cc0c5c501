"""Every metric explains itself: the definitions on the pages are in the README word for word, and the pages only
point at definitions that exist."""

from __future__ import annotations

import re
from pathlib import Path

from helpdesk.reports.definitions import DEFINITIONS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_definition_is_in_the_readme():
    for key, (label, text) in DEFINITIONS.items():
        assert f"**{label}** — {text}" in README, f"the README's definition of {key!r} differs from the page's"


def test_templates_and_tables_use_known_definitions():
    sources = [*(ROOT / "helpdesk" / "templates" / "reports").glob("*.html"), *(ROOT / "helpdesk" / "reports").glob("*.py")]
    used = set()
    for path in sources:
        text = path.read_text()
        used |= set(re.findall(r'q\("([a-z_0-9]+)"\)', text))
        used |= set(re.findall(r'definition="([a-z_0-9]+)"', text))
        used |= set(re.findall(r'Column\("[^"]+", "[^"]+", "[a-z]+", "([a-z_0-9]+)"\)', text))
    assert used and used <= set(DEFINITIONS), used - set(DEFINITIONS)


def test_report_views_are_documented():
    migration = (ROOT / "helpdesk" / "migrations" / "main" / "versions" / "m0005_reports.py").read_text()
    for name in set(re.findall(r'"(report_[a-z_]+)"', migration)):
        assert f"`{name}`" in README, f"{name} is not in the README"
