"""Tokens from the command line and the admin page, and batches of sales answered item by item."""

from __future__ import annotations

from click.testing import CliRunner
from litestar.testing import TestClient

from helpdesk.cli import main
from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.auth import tokens
from tests import factories
from tests.conftest import csrf_from, parse, sign_in
from tests.sales.conftest import sale


def test_token_create_list_and_revoke_from_the_command_line(cli_env):
    runner = CliRunner()
    created = runner.invoke(main, ["token", "create", "Saket till", "--scope", "pos"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("hdk_") and len(secret) > 40
    listed = runner.invoke(main, ["token", "list"])
    assert "Saket till" in listed.output and secret[:12] in listed.output and secret not in listed.output
    assert "live" in listed.output and "last used -" in listed.output
    database = Database.from_settings(Settings.from_env())
    with database.read() as session:
        assert tokens.holder_of(session, secret) is not None
    revoked = runner.invoke(main, ["token", "revoke", "Saket till"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    with database.read() as session:
        assert tokens.holder_of(session, secret) is None  # refused (401) from the next request
    database.dispose()
    assert runner.invoke(main, ["token", "revoke", "no such till"]).exit_code != 0
    assert runner.invoke(main, ["token", "create", "x", "--scope", "admin"]).exit_code != 0


def test_an_admin_creates_a_token_sees_it_once_and_revokes_it(app, db):
    admin = factories.agent(db, "token.admin@helpdesk.local", role="admin", name="Token Admin")
    with TestClient(app) as browser:
        sign_in(browser, admin.email)
        page = browser.get("/admin")
        token = csrf_from(page.text)
        refused = browser.post("/admin/tokens", data={"name": "", "scope": "pos", "_csrf_token": token},
                               headers={"HX-Request": "true"})
        assert "cannot be empty" in parse(refused.text).css_first("#token-name-error").text()
        made = browser.post("/admin/tokens", data={"name": "Andheri <till>", "scope": "pos", "_csrf_token": token},
                            headers={"HX-Request": "true"})
        tree = parse(made.text)
        secret = tree.css_first("#one-time-token code").text()
        assert secret.startswith("hdk_") and "Andheri &lt;till&gt;" in made.text
        with TestClient(app) as till:
            till.headers["Authorization"] = f"Bearer {secret}"
            assert till.post("/api/pos/purchases", json={}).status_code == 422  # in: the body is what is wrong
            again = browser.get("/admin")
            assert secret not in again.text
            row = next(r for r in parse(again.text).css("#api-tokens tbody tr") if "Andheri" in r.text())
            assert row.css_first(".last-used").text() != "never"
            revoke = row.css_first("form").attributes["action"]
            browser.post(revoke, data={"_csrf_token": token}, headers={"HX-Request": "true"})
            assert till.post("/api/pos/purchases", json={}).status_code == 401


def test_a_batch_answers_per_item(pos, db, fridge):
    customer = factories.customer(db, name="Batch Buyer")
    good = sale({"customer_id": customer.code}, (fridge.sku, 1, 100_00, 0))
    bad = sale({"customer_id": customer.code}, ("NO-SUCH-SKU", 1, 100_00, 0))
    clash = {**good, "total_paise": 200_00, "lines": [{**good["lines"][0], "unit_price_paise": 200_00}]}
    response = pos.post("/api/pos/purchases/batch", json={"purchases": [good, bad, good, clash]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["status_code"] for item in body["items"]] == [201, 422, 201, 409]
    assert (body["recorded"], body["refused"]) == (2, 2)
    assert body["items"][1]["extra"][0]["key"] == "lines.0.sku"
    assert body["items"][0]["purchase"] == body["items"][2]["purchase"]  # the repeat answers as the first


def test_an_empty_or_oversized_batch_is_refused(pos):
    assert pos.post("/api/pos/purchases/batch", json={"purchases": []}).status_code == 422


def test_the_token_form_without_htmx_answers_with_the_whole_page(app, db):
    admin = factories.agent(db, "token.admin2@helpdesk.local", role="admin", name="Token Admin Two")
    with TestClient(app) as browser:
        sign_in(browser, admin.email)
        token = csrf_from(browser.get("/admin").text)
        refused = browser.post("/admin/tokens", data={"name": "x" * 81, "scope": "pos", "_csrf_token": token})
        assert refused.status_code == 400 and "<html" in refused.text
        assert parse(refused.text).css_first("#token-name").attributes["value"] == "x" * 81  # what was typed
        boosted = browser.post("/admin/tokens", data={"name": "Boosted till", "scope": "pos", "_csrf_token": token},
                               headers={"HX-Request": "true", "HX-Boosted": "true"})
        assert boosted.status_code == 200 and "<html" in boosted.text and "one-time-token" in boosted.text
        assert browser.post("/admin/tokens/999999/revoke", data={"_csrf_token": token}).status_code == 404
    agent_view = factories.agent(db, "token.agent@helpdesk.local", role="agent", name="Not Admin")
    with TestClient(app) as browser:
        sign_in(browser, agent_view.email)
        token = csrf_from(browser.get("/").text)
        assert browser.post("/admin/tokens", data={"name": "x", "scope": "pos", "_csrf_token": token}).status_code == 403
