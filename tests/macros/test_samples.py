"""The demo's sample macros are valid macros, added once."""

from __future__ import annotations

from helpdesk.macros import placeholders
from helpdesk.macros.samples import SAMPLES, add_samples


def test_sample_macros_use_only_known_placeholders_and_are_added_once(db):
    assert all(not placeholders.unknown(sample.body) for sample in SAMPLES)
    assert any(sample.language == "hi" for sample in SAMPLES)
    with db.write() as session:
        add_samples(session)
    with db.write() as session:
        assert add_samples(session) == 0
