"""`helpdesk index rebuild`: builds a new generation and swaps it in; one at a time, errors on one line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.config import Settings
from helpdesk.search.layout import IndexLayout
from tests import factories


@pytest.fixture
def env(cli_env):
    return cli_env


def test_help():
    result = CliRunner().invoke(main, ["index", "rebuild", "--help"])
    assert result.exit_code == 0 and "swap" in result.output


def test_rebuild_builds_and_swaps_a_new_generation(env):
    from helpdesk import migrate
    from helpdesk.db import Database

    database = Database.from_settings(Settings.from_env(cwd=env))
    migrate.upgrade(database)
    customer = factories.customer(database, name="CLI Customer")
    factories.ticket(database, customer, subject="Inverter battery backup low")
    database.dispose()
    first = CliRunner().invoke(main, ["index", "rebuild", "--no-progress", "--procs", "1"])
    assert first.exit_code == 0, first.output
    assert "gen-000001 is live: 1 documents" in first.output
    second = CliRunner().invoke(main, ["index", "rebuild", "--no-progress", "--procs", "1"])
    assert second.exit_code == 0 and "gen-000002 is live" in second.output
    assert IndexLayout(env / "search_index").current_name() == "gen-000002"


def test_a_second_rebuild_at_once_is_refused_in_one_line(env):
    layout = IndexLayout(env / "search_index")
    assert layout.rebuild_lock.acquire(timeout=0)
    try:
        result = CliRunner().invoke(main, ["index", "rebuild", "--no-progress"])
    finally:
        layout.rebuild_lock.release()
    assert result.exit_code == 1
    assert result.output.strip() == "Error: another rebuild of the search index is running"
