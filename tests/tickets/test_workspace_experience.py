"""Issue 13, what slows an agent down, over HTTP: the pinned note, tags, feedback where the eyes are, queue tabs,
the SLA in words, and the call outcome without a default."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.tickets.models import Tag
from tests import factories
from tests.conftest import csrf_from, parse, texts

HX = {"HX-Request": "true"}
HOSTILE = "<script>alert('pin')</script> no calls on Sundays"


def _post(client, url, data, htmx=True):
    headers = {**HX, "x-csrftoken": client.cookies.get("csrftoken")} if htmx else {}
    if not htmx:
        data = {**data, "_csrf_token": csrf_from(client.get("/").text)}
    return client.post(url, data=data, headers=headers, follow_redirects=False)


# --- pinned note -------------------------------------------------------------------------------------


def test_pinned_note_is_set_shown_escaped_changed_and_cleared_with_history(client, db, agent):
    customer = factories.customer(db, name="Pinned Person")
    page = parse(client.get(f"/customers/{customer.code}").text)
    assert page.css_first("#pinned-note-text") is None and page.css_first("#edit-pinned-note").text(strip=True) == "Pin a note"
    form = parse(client.get(f"/customers/{customer.code}/note-form", headers=HX).text)
    assert form.css_first("form#pinned-note textarea[name=note]") is not None
    saved = parse(_post(client, f"/customers/{customer.code}/note", {"note": HOSTILE, "previous": ""}).text)
    assert saved.css_first("#pinned-note-text").text(strip=True).endswith(HOSTILE)
    assert not saved.css("script") and "Note saved." in saved.text()
    header = parse(client.get(f"/customers/{customer.code}").text)
    assert HOSTILE in header.css_first("#profile #pinned-note-text").text()
    assert agent.name in header.css_first("#pinned-note").text()
    assert not header.css("#profile script")
    assert HOSTILE not in header.css_first("#timeline").text()  # not repeated as notes in the timeline
    _post(client, f"/customers/{customer.code}/note", {"note": "Calls after 6 pm only", "previous": HOSTILE})
    _post(client, f"/customers/{customer.code}/note", {"note": "", "previous": "Calls after 6 pm only"})
    assert parse(client.get(f"/customers/{customer.code}").text).css_first("#pinned-note-text") is None
    history = texts(parse(client.get(f"/customers/{customer.code}/note-form", headers=HX).text), "#pinned-note-history li")
    assert len(history) == 3 and "removed the note" in history[0] and "Calls after 6 pm only" in history[1]
    assert all(agent.name in entry for entry in history)


def test_pinned_note_refuses_overwriting_a_newer_note_and_keeps_the_text(client, db):
    customer = factories.customer(db, name="Two Editors")
    _post(client, f"/customers/{customer.code}/note", {"note": "First version", "previous": ""})
    refused = _post(client, f"/customers/{customer.code}/note", {"note": "My edit", "previous": ""})
    tree = parse(refused.text)
    assert refused.status_code == 200 and "Someone else changed" in tree.css_first("#pinned-note-error").text()
    assert tree.css_first("textarea[name=note]").text() == "My edit"
    assert tree.css_first("input[name=previous]").attributes["value"] == "First version"
    too_long = _post(client, f"/customers/{customer.code}/note", {"note": "x" * 301, "previous": "First version"}, htmx=False)
    assert too_long.status_code == 400 and "at most 300" in parse(too_long.text).css_first("#pinned-note-error").text()


# --- the ticket page ------------------------------------------------------------------------------------


@pytest.fixture
def tagged_ticket(db):
    with db.write() as session:
        for name in ("vip", "warranty", "callback"):
            if session.exec(__import__("sqlmodel").select(Tag).where(Tag.name == name)).first() is None:
                session.add(Tag(name=name))
        session.commit()
    customer = factories.customer(db, name="Tag Picker")
    return factories.ticket(db, customer, subject="Tags by typing", status="open")


def _version(client, number) -> str:
    return parse(client.get(f"/tickets/{number}").text).css_first("#properties-form input[name=version]").attributes["value"]


def test_tags_are_picked_by_typing_and_removed_by_unticking(client, tagged_ticket):
    number = tagged_ticket.number
    page = parse(client.get(f"/tickets/{number}").text)
    assert len(page.css("#properties-form input[type=checkbox][name=tags]")) == 0  # no wall of checkboxes
    assert {o.attributes["value"] for o in page.css("#tag-options option")} >= {"vip", "warranty"}
    saved = parse(_post(client, f"/tickets/{number}", {"version": _version(client, number), "status": "open",
                                                         "priority": "normal", "assignee_id": "", "tags_present": "1",
                                                         "tags_add": "VIP, warranty"}).text)
    assert texts(saved, "#ticket-tags .tag") == ["vip", "warranty"]
    assert saved.css_first("#properties-notice").text(strip=True) == "Saved."
    kept = parse(_post(client, f"/tickets/{number}", {"version": _version(client, number), "status": "open",
                                                        "priority": "normal", "assignee_id": "", "tags_present": "1",
                                                        "tags": "warranty"}).text)
    assert texts(kept, "#ticket-tags .tag") == ["warranty"]
    unknown = parse(_post(client, f"/tickets/{number}", {"version": _version(client, number), "status": "open",
                                                           "tags_present": "1", "tags_add": "nonsense-tag"}).text)
    assert "Unknown tag" in unknown.css_first("#tags-error").text()
    assert unknown.css_first("#prop-tag-add").attributes["value"] == "nonsense-tag"


def test_reply_feedback_sits_beside_its_button(client, tagged_ticket):
    tree = parse(_post(client, f"/tickets/{tagged_ticket.number}/messages",
                       {"kind": "reply", "body": "On it", "idempotency_key": secrets.token_hex(8)}).text)
    assert tree.css_first("#message-form #message-notice").text(strip=True) == "Added to the thread."
    assert tree.css_first("header.ticket-head .notice") is None


# --- queues ------------------------------------------------------------------------------------------------


def test_queue_tabs_show_counts_and_sla_is_in_words(client, db, agent):
    customer = factories.customer(db, name="Late Tickets")
    late = factories.ticket(db, customer, subject="Overdue one", status="open", priority="high")
    with db.write() as session:
        from helpdesk.tickets import service

        row = service.get_ticket(session, late.number)
        row.created_at = datetime.now(UTC) - timedelta(days=3)
        row.first_response_due = row.created_at + timedelta(hours=1)
        row.resolution_due = row.created_at + timedelta(hours=8)
        session.add(row)
        session.commit()
    tree = parse(client.get("/tickets?view=open").text)
    counts = {node.attributes["id"]: int(node.text(strip=True).lstrip(": ").replace(",", "")) for node in tree.css(".tab-count")}
    assert set(counts) == {f"count-{view}" for view in ("mine", "unassigned", "open", "pending", "sla", "solved")}
    assert counts["count-open"] == int(tree.css_first("#queue-total").text(strip=True))
    row = tree.css_first(f"#queue-{late.number}")
    badge = row.css_first(".badge.sla")
    assert "overdue 2 d" in badge.text() and "SLA breached" in badge.text() and badge.css_first(".sla-icon")


# --- log a call -------------------------------------------------------------------------------------------


def test_call_outcome_has_no_default_and_must_be_chosen(client, db):
    customer = factories.customer(db, name="Outcome Chooser")
    form = parse(client.get(f"/customers/{customer.code}/call-form", headers=HX).text)
    assert form.css_first("#call-outcome option[selected]").attributes["value"] == ""
    refused = parse(_post(client, f"/customers/{customer.code}/calls", {"summary": "Called", "outcome": "",
                                                                         "idempotency_key": secrets.token_hex(8)}).text)
    assert refused.css_first("#outcome-error").text(strip=True) == "Choose how the call ended."
    assert refused.css_first("#call-summary").attributes["value"] == "Called"


def test_a_stale_save_is_explained_beside_the_save_button(client, app, db, tagged_ticket):
    from litestar.testing import TestClient

    from tests.conftest import sign_in

    number = tagged_ticket.number
    stale = _version(client, number)
    other = factories.agent(db, f"beside.{secrets.token_hex(3)}@helpdesk.local", name="Beside Agent")
    with TestClient(app) as second:
        sign_in(second, other.email)
        _post(second, f"/tickets/{number}", {"version": stale, "priority": "high"})
    tree = parse(_post(client, f"/tickets/{number}", {"version": stale, "priority": "low"}).text)
    assert "changed by someone else" in tree.css_first("#properties-form #form-error").text()
    assert tree.css_first("header.ticket-head #form-error") is None
