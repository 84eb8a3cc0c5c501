"""Macros: supervisors keep them, agents insert them filled in for a ticket and send them with their side effects."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from helpdesk.macros import placeholders
from helpdesk.search.models import DocType, SearchOutbox
from helpdesk.tickets.models import Tag, Ticket
from tests import factories
from tests.conftest import csrf_from, parse, sign_in, texts


@pytest.fixture(scope="module")
def supervisor(db):
    return factories.agent(db, f"macro.sup.{secrets.token_hex(3)}@helpdesk.local", role="supervisor",
                           name="Meera Supervisor")


@pytest.fixture
def boss(app, supervisor):
    with TestClient(app) as client:
        assert sign_in(client, supervisor.email).status_code == 303
        yield client


@pytest.fixture(scope="module")
def tags(db):
    names = [f"macro-{secrets.token_hex(2)}", f"macro-{secrets.token_hex(2)}"]
    with db.write() as session:
        session.add_all([Tag(name=name) for name in names])
        session.commit()
    return names


@pytest.fixture(scope="module")
def hindi_ticket(db):
    """A Hindi-speaking customer's ticket about a washing machine under warranty."""
    customer = factories.customer(db, name="प्रिया शर्मा", phone="+919811100022")
    washer = factories.product(db, name="वॉशिंग मशीन 7 kg", model_number="WM-7H", warranty_months=24)
    bought = factories.purchase(db, customer, on=date(2026, 1, 15), lines=[(washer, "WM7H-SN-0042", 2_999_900)])
    ticket = factories.ticket(db, customer, subject="मशीन आवाज़ करती है")
    with db.write() as session:
        row = session.get(Ticket, ticket.id)
        row.purchase_line_id = factories.line_of(db, bought).id
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def _save_macro(client: TestClient, form: dict, path: str = "/macros", **headers):
    token = csrf_from(client.get("/macros/new").text)
    return client.post(path, data={**form, "_csrf_token": token}, headers=headers, follow_redirects=False)


def _macro_id(client: TestClient, title: str) -> int:
    for link in parse(client.get("/macros").text).css("#macro-rows a"):
        if link.text(strip=True) == title:
            return int(link.attributes["href"].rsplit("/", 1)[1])
    raise AssertionError(f"no macro {title!r} in the list")


def _send(client: TestClient, ticket: Ticket, body: str, macro_id: int | None = None, **extra):
    page = client.get(f"/tickets/{ticket.number}")
    version = parse(page.text).css_first("#message-form input[name=version]").attributes["value"]
    form = {"kind": "reply", "body": body, "version": version, "_csrf_token": csrf_from(page.text), **extra}
    if macro_id is not None:
        form["macro_id"] = str(macro_id)
    return client.post(f"/tickets/{ticket.number}/messages", data=form, follow_redirects=False)


def test_placeholders_fill_and_unknown_ones_are_found():
    values = placeholders.FillValues(first_name="प्रिया", ticket_number="T-000007", agent_name="Asha")
    assert placeholders.fill("नमस्ते {{ customer.first_name }}, {{ticket.number}} · {{item.model}}", values) \
        == "नमस्ते प्रिया, T-000007 · —"
    assert placeholders.unknown("{{customer.first_name}} {{customer.phone}} {{ oops }}") == ["customer.phone", "oops"]
    assert placeholders.first_name("  प्रिया   शर्मा ") == "प्रिया"


def test_a_supervisor_creates_a_hindi_macro_and_agents_get_it_filled_in(boss, client, hindi_ticket, tags):
    title = f"धन्यवाद {secrets.token_hex(2)}"
    body = ("नमस्ते {{customer.first_name}} जी, टिकट {{ticket.number}} के बारे में: आपकी {{item.product}} "
            "(मॉडल {{item.model}}) की वारंटी {{item.warranty_end}} तक है। — {{agent.name}}")
    response = _save_macro(boss, {"title": title, "language": "hi", "body": body, "set_status": "", "set_priority": ""})
    assert response.status_code == 303 and response.headers["location"] == "/macros"
    macro_id = _macro_id(boss, title)

    filled = client.get(f"/macros/{macro_id}/filled", params={"ticket": hindi_ticket.number})
    assert filled.status_code == 200
    assert filled.json()["text"] == (f"नमस्ते प्रिया जी, टिकट {hindi_ticket.number} के बारे में: आपकी वॉशिंग मशीन 7 kg "
                                     "(मॉडल WM-7H) की वारंटी 14 Jan 2028 तक है। — Asha Agent")
    # The reply box offers the macro by title, with ARIA roles for keyboard use.
    page = parse(client.get(f"/tickets/{hindi_ticket.number}").text)
    assert page.css_first("#macro-search").attributes["role"] == "combobox"
    assert title in texts(page, "#macro-options [role=option] .macro-title")


def test_unknown_placeholders_are_refused_with_the_input_kept(boss):
    body = "Hello {{customer.last_name}}, about {{ticket.number}}"
    response = _save_macro(boss, {"title": "Broken macro", "language": "en", "body": body})
    tree = parse(response.text)
    assert response.status_code == 400
    assert "{{customer.last_name}}" in tree.css_first("#body-error").text()
    assert tree.css_first("#macro-body").text() == body
    assert "Broken macro" not in texts(parse(boss.get("/macros").text), "#macro-rows a")
    # The form documents every placeholder it accepts.
    documented = texts(parse(boss.get("/macros/new").text), "#macro-placeholders code")
    assert documented == ["{{" + name + "}}" for name in placeholders.PLACEHOLDERS]


def test_a_refused_macro_form_comes_back_as_a_partial_for_htmx(boss):
    response = _save_macro(boss, {"title": "", "language": "en", "body": "x", "set_tags": "no-such-tag-here"},
                           **{"HX-Request": "true"})
    tree = parse(response.text)
    assert response.status_code == 200 and "<html" not in response.text
    assert tree.css_first("#title-error") is not None


def test_unknown_tags_and_impossible_statuses_are_refused(boss):
    response = _save_macro(boss, {"title": "Tags", "language": "en", "body": "x", "set_tags": "no-such-tag-here",
                                  "set_status": "closed"})
    tree = parse(response.text)
    assert response.status_code == 400
    assert "open, pending or solved" in tree.css_first("#set-status-error").text()


def test_agents_cannot_manage_macros(client, boss):
    title = f"Agent-proof {secrets.token_hex(2)}"
    assert _save_macro(boss, {"title": title, "language": "en", "body": "Hi"}).status_code == 303
    assert client.get("/macros").status_code == 403
    assert client.get("/macros/new").status_code == 403
    token = csrf_from(client.get("/").text)
    assert client.post("/macros", data={"title": "Mine", "body": "x", "_csrf_token": token}).status_code == 403
    macro_id = _macro_id(boss, title)
    assert client.post(f"/macros/{macro_id}/delete", data={"_csrf_token": token}).status_code == 403
    assert client.get(f"/macros/{macro_id}").status_code == 403


def test_a_hostile_customer_name_is_escaped_in_the_thread(db, boss, client):
    hostile = factories.customer(db, name="<img src=x onerror=alert(1)>Rogue Khan")
    ticket = factories.ticket(db, hostile, subject="Hostile name")
    title = f"Greeting {secrets.token_hex(2)}"
    assert _save_macro(boss, {"title": title, "language": "en", "body": "Dear {{customer.first_name}},"}).status_code == 303
    macro_id = _macro_id(boss, title)
    text = client.get(f"/macros/{macro_id}/filled", params={"ticket": ticket.number}).json()["text"]
    assert text == "Dear <img,"  # the first word of the name, as plain text
    hostile_body = "Dear <img src=x onerror=alert(1)>Rogue,"
    assert _send(client, ticket, hostile_body, macro_id).status_code == 303
    html = client.get(f"/tickets/{ticket.number}").text
    tree = parse(html)
    assert tree.css("#thread img") == []
    assert any(hostile_body in body for body in texts(tree, "#thread li"))
    assert "&lt;img src=x onerror=alert(1)&gt;Rogue" in html


def test_sending_a_macro_sets_status_priority_and_tags_in_the_thread(db, boss, client, tags, world):
    customer = factories.customer(db, name="Sunil Rao")
    ticket = factories.ticket(db, customer, subject="Waiting for photos", status="open", priority="normal")
    title = f"Ask for photos {secrets.token_hex(2)}"
    response = _save_macro(boss, {"title": title, "language": "en", "body": "Please send photos, {{customer.first_name}}.",
                                  "set_status": "pending", "set_priority": "high", "set_tags": ", ".join(tags)})
    assert response.status_code == 303
    macro_id = _macro_id(boss, title)
    assert _send(client, ticket, "Please send photos, Sunil.", macro_id).status_code == 303

    with db.read() as session:
        row = session.get(Ticket, ticket.id)
        assert (row.status, row.priority) == ("pending", "high")
        queued = session.exec(select(SearchOutbox.doc_id).where(SearchOutbox.doc_type == DocType.TICKET,
                                                                SearchOutbox.doc_id == ticket.id)).all()
    assert queued, "the ticket is queued for the index again"
    tree = parse(client.get(f"/tickets/{ticket.number}").text)
    thread = " ".join(texts(tree, "#thread li"))
    assert "Please send photos, Sunil." in thread
    assert "Status: open → pending" in thread and "Priority: normal → high" in thread
    assert f"added {', '.join(sorted(tags))}" in thread
    assert sorted(texts(tree, "#ticket-tags .tag")) == sorted(tags)


def test_the_agents_own_status_wins_over_the_macros(db, boss, client):
    customer = factories.customer(db, name="Lata Iyer")
    ticket = factories.ticket(db, customer, subject="Solve me", status="open")
    title = f"Pending {secrets.token_hex(2)}"
    assert _save_macro(boss, {"title": title, "language": "en", "body": "We wait.", "set_status": "pending"}).status_code == 303
    assert _send(client, ticket, "We wait.", _macro_id(boss, title), status="solved").status_code == 303
    with db.read() as session:
        assert session.get(Ticket, ticket.id).status == "solved"


def test_a_deleted_macro_is_refused_beside_the_reply_box_with_the_text_kept(db, boss, client):
    customer = factories.customer(db, name="Deepa Nair")
    ticket = factories.ticket(db, customer, subject="Gone macro")
    title = f"Short-lived {secrets.token_hex(2)}"
    assert _save_macro(boss, {"title": title, "language": "en", "body": "Soon gone."}).status_code == 303
    macro_id = _macro_id(boss, title)
    token = csrf_from(boss.get("/macros").text)
    assert boss.post(f"/macros/{macro_id}/delete", data={"_csrf_token": token}, follow_redirects=False).status_code == 303
    response = _send(client, ticket, "Soon gone.", macro_id)
    tree = parse(response.text)
    assert response.status_code == 400
    assert "deleted" in tree.css_first("#macro-error").text()
    assert tree.css_first("#message-body").text() == "Soon gone."
    assert client.get(f"/macros/{macro_id}/filled", params={"ticket": ticket.number}).status_code == 404


def test_the_macro_list_is_a_page_or_a_partial(boss):
    full = boss.get("/macros")
    partial = boss.get("/macros", headers={"HX-Request": "true"})
    boosted = boss.get("/macros", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in full.text and "<html" in boosted.text
    assert "<html" not in partial.text and parse(partial.text).css_first("#macros") is not None
    assert full.headers["cache-control"] == "no-store"


def test_filling_a_macro_for_a_bad_ticket_number_is_a_4xx(client, boss):
    title = f"Any {secrets.token_hex(2)}"
    assert _save_macro(boss, {"title": title, "language": "en", "body": "x"}).status_code == 303
    macro_id = _macro_id(boss, title)
    assert client.get(f"/macros/{macro_id}/filled", params={"ticket": "nonsense"}).status_code == 400
    assert client.get(f"/macros/{macro_id}/filled", params={"ticket": "T-999999999"}).status_code == 404
    assert client.get(f"/macros/{2**40}/filled", params={"ticket": "T-1"}).status_code == 400
    # Keep the date of the Hindi macro test's warranty end honest: 24 months from 15 Jan 2026.
    assert date(2026, 1, 15) + timedelta(days=730) == date(2028, 1, 15)


def test_two_macros_in_one_reply_add_their_tags_and_the_last_status_wins(db, boss, client, tags):
    customer = factories.customer(db, name="Farhan Ali")
    ticket = factories.ticket(db, customer, subject="Two macros", status="open")
    first, second = f"First {secrets.token_hex(2)}", f"Second {secrets.token_hex(2)}"
    assert _save_macro(boss, {"title": first, "language": "en", "body": "One.", "set_status": "pending",
                              "set_tags": tags[0]}).status_code == 303
    assert _save_macro(boss, {"title": second, "language": "en", "body": "Two.", "set_status": "solved",
                              "set_tags": tags[1]}).status_code == 303
    page = client.get(f"/tickets/{ticket.number}")
    version = parse(page.text).css_first("#message-form input[name=version]").attributes["value"]
    response = client.post(f"/tickets/{ticket.number}/messages", follow_redirects=False, data={
        "kind": "reply", "body": "One. Two.", "version": version, "_csrf_token": csrf_from(page.text),
        "macro_id": [str(_macro_id(boss, first)), str(_macro_id(boss, second))]})
    assert response.status_code == 303
    with db.read() as session:
        assert session.get(Ticket, ticket.id).status == "solved"
    assert sorted(texts(parse(client.get(f"/tickets/{ticket.number}").text), "#ticket-tags .tag")) == sorted(tags)


def test_a_forged_macro_field_is_a_message_not_a_500(db, client):
    ticket = factories.ticket(db, factories.customer(db, name="Forged Macro"), subject="Forged")
    for forged in ("abc", "99999999999999999999", "-1"):
        response = _send(client, ticket, "Hello", **{"macro_id": forged})
        assert response.status_code == 400, forged
        assert "not understood" in parse(response.text).css_first("#macro-error").text()
