"""The README tells the truth: its commands are what CI runs, and every command and setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from helpdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)


def test_readme_first_screen_has_the_two_commands():
    commands = _readme_commands()
    assert len(commands) >= 2
    run, test = commands[0], commands[1]
    assert run.endswith("helpdesk demo")
    assert "pytest" in test
    assert README.index(run) < 1500 and README.index(test) < 1500


def test_ci_runs_the_readme_test_command_exactly():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()
    assert "HELPDESK_REQUIRE_BROWSER=1" in ci and "HELPDESK_TEST_DATABASE_URL=" in ci


def _command_paths(group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from _command_paths(command, path)
        else:
            yield " ".join(path)


def test_every_cli_command_is_documented():
    for path in _command_paths(main):
        assert f"`helpdesk {path}" in README, f"`helpdesk {path}` is not in the README"


def test_every_setting_is_documented():
    source = (ROOT / "helpdesk" / "config.py").read_text()
    for name in set(re.findall(r'"(HELPDESK_[A-Z_]+)"', source)):
        assert f"`{name}`" in README, f"{name} is not in the README"
