"""The deployment examples stay true: compose file, Dockerfile and systemd unit name real commands and settings."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.search import service as search_service
from helpdesk.search.engine import SearchEngine
from helpdesk.search.service import SearchParams
from helpdesk.search.layout import IndexLayout
from tests import factories
from tests.conftest import TEST_KEYS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
README = (ROOT / "README.md").read_text()


def _command_exists(words: list[str]) -> bool:
    args = [word for word in words[1:] if not word.startswith("-")][:2]
    return CliRunner().invoke(main, [*args, "--help"]).exit_code == 0


def test_compose_has_the_database_redis_two_desks_and_an_indexer():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web-a", "web-b", "indexer", "migrate"} <= set(services)
    # Each desk keeps its own index: the volumes differ.
    volumes = [services[name]["volumes"][0].split(":")[0] for name in ("web-a", "web-b", "indexer")]
    assert len(set(volumes)) == 3
    for name in ("migrate", "indexer"):
        assert _command_exists(services[name]["command"]), services[name]["command"]
    environment = services["web-a"]["environment"]
    for variable in environment:
        assert f"`{variable}`" in README, f"{variable} is used in compose.yaml but not documented"
    assert environment["HELPDESK_SECRET_KEY"].startswith("${") and environment["HELPDESK_PERSONAL_KEYS"].startswith("${")


def test_dockerfile_and_systemd_unit_run_real_commands():
    cmd = re.search(r'^CMD \[(.*)\]$', (DEPLOY / "Dockerfile").read_text(), re.M).group(1)
    assert _command_exists([word.strip(' "') for word in cmd.split(",")])
    unit = (DEPLOY / "helpdesk.service").read_text()
    for line in re.findall(r"^Exec\w+=(.*)$", unit, re.M):
        assert _command_exists(line.split()), line
    assert "EnvironmentFile=" in unit and "HELPDESK_SECRET_KEY" not in unit.split("[Service]")[1].split("EnvironmentFile")[0]


def test_index_follow_keeps_an_index_current_without_serving(cli_env):
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    database = Database.from_settings(Settings.from_env(cwd=cli_env))
    customer = factories.customer(database, name="Followed Customer")
    env = {**os.environ, "HELPDESK_PERSONAL_KEYS": TEST_KEYS, "HELPDESK_SECRET_KEY": "s" * 40}
    follower = subprocess.Popen([sys.executable, "-m", "helpdesk", "index", "follow"], cwd=cli_env, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        factories.interactions(database, customer, ["geyser pilot flame orangewood"],
                               start=factories.datetime.now(factories.UTC))
        layout = IndexLayout(cli_env / "search_index")
        deadline = time.monotonic() + 60
        while True:
            try:
                with database.read() as session:
                    if search_service.search(session, SearchEngine(layout), SearchParams(q="orangewood")).total:
                        break
            except Exception:  # noqa: BLE001 - the index is still being built
                pass
            if time.monotonic() > deadline:
                follower.send_signal(signal.SIGTERM)
                raise AssertionError("the follower did not index the note: " + follower.communicate(timeout=30)[1][-3000:])
            time.sleep(0.2)
    finally:
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err[-2000:]
    database.dispose()
