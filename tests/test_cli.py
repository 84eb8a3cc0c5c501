"""The `helpdesk` command: help, clear errors and exit codes, user creation."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from helpdesk.auth.models import Agent
from helpdesk.cli import main
from helpdesk.config import Settings
from helpdesk.db import Database


@pytest.fixture
def env(cli_env):
    return cli_env


@pytest.mark.parametrize("args", [[], ["demo"], ["serve"], ["db", "upgrade"], ["fixtures", "load"], ["user", "create"]])
def test_every_command_has_help(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_db_upgrade_creates_both_stores(env):
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (env / "helpdesk.db").exists() and (env / "helpdesk-personal.db").exists()


def test_user_create_reads_the_password_from_stdin(env):
    result = CliRunner().invoke(main, ["user", "create", "Neha@Shop.in", "--role", "supervisor", "--password-stdin"],
                                input="a long enough password\n")
    assert result.exit_code == 0, result.output
    database = Database.from_settings(Settings.from_env(cwd=env))
    with database.read() as session:
        agent = session.exec(select(Agent).where(Agent.email == "neha@shop.in")).one()
    assert agent.role == "supervisor" and agent.password_hash.startswith("$argon2id$")


def test_user_create_refuses_a_password_on_the_command_line(env):
    result = CliRunner().invoke(main, ["user", "create", "a@b.in"])
    assert result.exit_code == 2 and "--password-stdin" in result.output


def test_user_create_refuses_a_short_password(env):
    result = CliRunner().invoke(main, ["user", "create", "a@b.in", "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "at least 10 characters" in result.output


def test_broken_database_url_is_one_clear_line(env, monkeypatch):
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: cannot connect to the main database")


def test_unparseable_database_url(env, monkeypatch):
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "not a url")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 1 and "cannot parse database URL" in result.output
