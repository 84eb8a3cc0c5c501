"""The audit log page (supervisors): filters, paging, and a CSV export that Excel opens safely and that is audited."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import col, select

from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.timeutil import shop_today
from tests import factories
from tests.conftest import parse, sign_in


@pytest.fixture(scope="module")
def supervisor(db):
    return factories.agent(db, f"sara.supervisor.{secrets.token_hex(3)}@helpdesk.local", role="supervisor",
                           name="Sara Supervisor")


@pytest.fixture
def supervisor_client(app, supervisor):
    with TestClient(app) as client:
        assert sign_in(client, supervisor.email).status_code == 303
        yield client


@pytest.fixture(scope="module")
def logged(db, supervisor):
    """Entries for one customer of our own: 60 reveals, and one with text a spreadsheet would run."""
    code = factories.unique_code()
    actor = audit.Actor.agent(supervisor, "10.1.2.3")
    start = datetime.now(UTC) - timedelta(hours=2)
    with db.write() as session:
        for n in range(60):
            audit.record(session, actor=actor, action=AuditAction.REVEAL, customer_code=code, field="phone",
                         reason=f"Call back {n}", at=start + timedelta(seconds=n))
        audit.record(session, actor=actor, action=AuditAction.CONTACT_CHANGE, customer_code=code, field="email",
                     reason='=HYPERLINK("http://evil.example","x")', reference="+91", at=start + timedelta(minutes=5),
                     details="-2+3\n@SUM(A1)")
        session.commit()
    return code


def _ids(html: str) -> list[str]:
    return [node.attributes["id"] for node in parse(html).css("tr[id^=audit-entry-]")]


def test_filters_and_paging(supervisor_client, logged):
    first = supervisor_client.get("/audit", params={"customer": logged, "action": "reveal"})
    assert first.status_code == 200
    rows = _ids(first.text)
    assert len(rows) == 50
    tree = parse(first.text)
    assert "Call back 59" in tree.css_first("tbody tr").text()  # newest first
    older = tree.css_first("#audit-older").attributes["href"]
    second = supervisor_client.get(older)
    assert len(_ids(second.text)) == 10 and not set(_ids(second.text)) & set(rows)
    assert parse(second.text).css_first("#audit-older") is None
    changes = supervisor_client.get("/audit", params={"customer": logged, "action": "contact_change"})
    assert len(_ids(changes.text)) == 1


def test_filter_by_agent_and_date(supervisor_client, supervisor, logged, agent):
    mine = supervisor_client.get("/audit", params={"agent": supervisor.id, "customer": logged})
    assert len(_ids(mine.text)) == 50
    theirs = supervisor_client.get("/audit", params={"agent": agent.id, "customer": logged})
    assert _ids(theirs.text) == []
    today = shop_today()
    dated = supervisor_client.get("/audit", params={"customer": logged, "date_from": (today - timedelta(days=1)).isoformat(),
                                                    "date_to": (today + timedelta(days=1)).isoformat()})
    assert len(_ids(dated.text)) == 50
    past = supervisor_client.get("/audit", params={"customer": logged, "date_to": "2020-01-01"})
    assert _ids(past.text) == []


def test_bad_filters_get_messages_beside_their_fields_and_keep_what_was_typed(supervisor_client):
    response = supervisor_client.get("/audit", params={"customer": "12345", "date_from": "31/12/2026", "action": "hack",
                                                       "agent": "x" * 50, "date_to": "2020-01-01"})
    assert response.status_code == 200
    tree = parse(response.text)
    assert "not a valid customer ID" in tree.css_first("#audit-customer-error").text()
    assert "date like" in tree.css_first("#audit-date-from-error").text()
    assert tree.css_first("#audit-action-error") is not None and tree.css_first("#audit-agent-error") is not None
    assert tree.css_first("#audit-customer").attributes["value"] == "12345"
    assert supervisor_client.get("/audit", params={"cursor": "forged"}).status_code == 400
    assert supervisor_client.get("/audit", params={"customer": "9" * 101}).status_code == 400


def test_three_ways(supervisor_client, logged):
    plain = supervisor_client.get("/audit", params={"customer": logged})
    assert parse(plain.text).css_first("#audit-filters") is not None
    partial = supervisor_client.get("/audit", params={"customer": logged}, headers={"HX-Request": "true"})
    tree = parse(partial.text)
    assert tree.css_first("#audit-results") is not None and tree.css_first("#audit-filters") is None
    boosted = supervisor_client.get("/audit", params={"customer": logged},
                                    headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert parse(boosted.text).css_first("#audit-filters") is not None
    assert "HX-Request" in plain.headers["vary"]


def test_csv_export_is_excel_safe_and_audited(supervisor_client, db, supervisor, logged):
    response = supervisor_client.get("/audit/export.csv", params={"customer": logged})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "time (UTC)", "who", "action"]
    assert len(rows) == 1 + 61
    change = next(row for row in rows if row[3] == "contact_change")
    assert change[6] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert change[7] == "'+91" and change[9] == "'-2+3\n@SUM(A1)"
    with db.read() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT)
                             .order_by(col(AuditEntry.id).desc())).first()
    assert entry.actor_id == supervisor.id and f"customer={logged}" in entry.details


def test_every_formula_start_is_neutralised():
    from helpdesk.audit.export import neutralise

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise("plain") == "plain" and neutralise(None) == "" and neutralise(42) == "42"


def test_agents_cannot_see_the_log(client):
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
