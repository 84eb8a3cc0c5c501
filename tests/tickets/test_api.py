"""The JSON API under /api/tickets: queues with filters, create, read, update, interactions, and every refusal."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import func, select

from helpdesk import ids
from helpdesk.history.models import Interaction
from helpdesk.tickets.models import Ticket
from tests import factories
from tests.conftest import parse, sign_in, texts

HINDI = "फ्रिज ठंडा नहीं कर रहा है, कंप्रेसर से आवाज़ आ रही है"
HINGLISH = "AC ka compressor kharab ho gaya hai, cooling nahi ho rahi"
HOSTILE = "<img src=x onerror=alert(1)>"


# --- helpers --------------------------------------------------------------------------------------


def _csrf(client: TestClient) -> dict[str, str]:
    """Unsafe methods need the CSRF cookie echoed back in a header, as htmx and API clients do."""
    token = client.cookies.get("csrftoken")
    assert token, "the signed-in client has no csrftoken cookie"
    return {"x-csrftoken": token}


def _create(client: TestClient, customer_code: str, **fields):
    body = {"customer_id": customer_code, "subject": "Washing machine not draining", "body": "Error E21 on display",
            **fields}
    return client.post("/api/tickets", json=body, headers=_csrf(client))


def _patch(client: TestClient, number: str, **fields):
    return client.patch(f"/api/tickets/{number}", json=fields, headers=_csrf(client))


def _add(client: TestClient, number: str, **fields):
    return client.post(f"/api/tickets/{number}/interactions", json=fields, headers=_csrf(client))


def _list(client: TestClient, **params) -> dict:
    response = client.get("/api/tickets", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _numbers(listing: dict) -> list[str]:
    return [item["number"] for item in listing["items"]]


def _messages(response) -> dict[str, str]:
    """{field: message} from a 422's per-field `extra`."""
    return {item["key"]: item["message"] for item in response.json()["extra"]}


def _ticket_count(db, **where) -> int:
    with db.read() as session:
        statement = select(func.count()).select_from(Ticket)
        for name, value in where.items():
            statement = statement.where(getattr(Ticket, name) == value)
        return session.exec(statement).one()


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def customer(db):
    return factories.customer(db, name="Api Customer", phone="+919811100011")


@pytest.fixture
def desk(app, db) -> Iterator[tuple[TestClient, object]]:
    """A signed-in agent of its own, so "my queue" holds exactly what the test put there."""
    newcomer = factories.agent(db, f"api.{secrets.token_hex(4)}@helpdesk.local", name="Api Agent " + secrets.token_hex(2))
    with TestClient(app) as client:
        assert sign_in(client, newcomer.email).status_code == 303
        yield client, newcomer


@pytest.fixture
def ticket(client, customer) -> dict:
    response = _create(client, customer.code)
    assert response.status_code == 201, response.text
    return response.json()


# --- create and read ------------------------------------------------------------------------------


def test_create_returns_the_ticket_with_number_sla_and_first_message(client, customer, agent):
    response = _create(client, customer.code, channel="email", priority="high")
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("T-") and len(body["number"]) == 8
    assert body["customer_id"] == customer.code
    assert (body["status"], body["priority"], body["channel"], body["version"]) == ("new", "high", "email", 1)
    created = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["resolution_due"]) - created == timedelta(hours=8)
    assert datetime.fromisoformat(body["first_response_due"]) - created == timedelta(hours=1)
    assert [(e["kind"], e["body"], e["author_name"]) for e in body["thread"]] == [("email", "Error E21 on display", agent.name)]

    read = client.get(f"/api/tickets/{body['number']}")
    assert read.status_code == 200
    assert read.json()["number"] == body["number"] and read.json()["thread"] == body["thread"]
    # The number is read the way agents type it, in either case.
    assert client.get(f"/api/tickets/{body['number'].lower()}").json()["number"] == body["number"]


def test_same_idempotency_key_twice_creates_one_ticket(client, db, customer):
    key = "api-double-" + secrets.token_hex(6)
    first = _create(client, customer.code, idempotency_key=key)
    second = _create(client, customer.code, idempotency_key=key)
    assert first.status_code == 201 and second.status_code in (200, 201)
    assert first.json()["number"] == second.json()["number"]
    assert len(second.json()["thread"]) == 1
    assert _ticket_count(db, idempotency_key=key) == 1


def test_create_refuses_bad_input_with_messages_and_limits(client, db, customer):
    before = _ticket_count(db, customer_id=customer.id)

    long_subject = _create(client, customer.code, subject="s" * 201)
    assert long_subject.status_code == 422
    assert "at most 200 characters" in _messages(long_subject)["subject"]

    long_body = _create(client, customer.code, body="b" * 10_001)
    assert long_body.status_code == 422
    assert "at most 10,000 characters" in _messages(long_body)["body"]

    empty = _create(client, customer.code, subject="   ")
    assert empty.status_code == 422 and "The subject cannot be empty." in _messages(empty)["subject"]

    channel = _create(client, customer.code, channel="fax")
    assert channel.status_code == 422 and "channel" in _messages(channel)

    assert _ticket_count(db, customer_id=customer.id) == before


def test_malformed_and_unknown_customer_ids(client):
    malformed = _create(client, "12AB")
    assert malformed.status_code == 422
    assert malformed.json()["extra"][0]["key"] == "customer_id"
    assert "not a valid customer ID" in malformed.json()["detail"]

    wrong_check_digit = _create(client, "123456780" if not ids.is_valid("123456780") else "123456781")
    assert wrong_check_digit.status_code == 422

    unknown = _create(client, ids.with_check_digit("22222222"))
    assert unknown.status_code == 404 and "2222 2222" in unknown.json()["detail"]


def test_unknown_ticket_is_404_everywhere(client):
    assert client.get("/api/tickets/T-999999").status_code == 404
    assert "There is no ticket T-999999" in client.get("/api/tickets/T-999999").json()["detail"]
    assert _patch(client, "T-999999", version=1, priority="high").status_code == 404
    assert _add(client, "T-999999", body="hello").status_code == 404
    # Not a ticket number at all: refused before any lookup.
    malformed = client.get("/api/tickets/not-a-number")
    assert malformed.status_code == 422 and malformed.json()["extra"][0]["key"] == "number"


def test_text_round_trips_exactly(client, customer):
    created = _create(client, customer.code, subject=HINDI, body=HINGLISH)
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["subject"] == HINDI
    for text in (HINDI, HINGLISH, HOSTILE):
        added = _add(client, number, kind="note", body=text)
        assert added.status_code == 201 and added.json()["body"] == text
    read = client.get(f"/api/tickets/{number}")
    assert read.headers["content-type"].startswith("application/json")
    body = read.json()
    assert body["subject"] == HINDI
    assert [entry["body"] for entry in body["thread"]] == [HINGLISH, HINDI, HINGLISH, HOSTILE]
    listed = [item for item in _list(client, view="open", sort="activity")["items"] if item["number"] == number]
    assert listed and listed[0]["subject"] == HINDI


# --- update ---------------------------------------------------------------------------------------


def test_patch_changes_properties_and_records_them(client, agent, ticket):
    number = ticket["number"]
    response = _patch(client, number, version=ticket["version"], status="pending", priority="urgent",
                      assignee_id=agent.id, tags=["Warranty", "vip"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["priority"], body["assignee_id"], body["assignee_name"]) == ("pending", "urgent", agent.id, agent.name)
    assert body["tags"] == ["vip", "warranty"]
    # The version moves on with each save (how far is the ORM's business); the old one is now stale.
    assert body["version"] > ticket["version"]
    assert datetime.fromisoformat(body["resolution_due"]) - datetime.fromisoformat(body["created_at"]) == timedelta(hours=4)
    events = [entry["body"] for entry in body["thread"]]
    assert "Status: new → pending" in events and "Priority: normal → urgent" in events
    assert f"Assignee: nobody → {agent.name}" in events and "Tags: added vip, warranty" in events
    assert client.get(f"/api/tickets/{number}").json()["version"] == body["version"]


def test_stale_version_is_409_and_changes_nothing(client, app, db, ticket):
    number, seen = ticket["number"], ticket["version"]
    other_agent = factories.agent(db, f"api.other.{secrets.token_hex(4)}@helpdesk.local", name="Other Agent")
    with TestClient(app) as other:
        assert sign_in(other, other_agent.email).status_code == 303
        assert _patch(other, number, version=seen, priority="high").status_code == 200

    stale = _patch(client, number, version=seen, priority="low")
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"] and "not saved" in stale.json()["detail"]
    current = client.get(f"/api/tickets/{number}").json()
    assert current["priority"] == "high" and current["version"] > seen

    # A status change sent with a reply is checked against the version too.
    stale_reply = _add(client, number, body="Solving this", status="solved", version=seen)
    assert stale_reply.status_code == 409
    assert client.get(f"/api/tickets/{number}").json()["status"] == "new"


def test_illegal_status_is_422_with_per_field_messages(client, ticket):
    number = ticket["number"]
    illegal = _patch(client, number, version=ticket["version"], status="closed")
    assert illegal.status_code == 422
    assert "A new ticket can move to open, pending, solved, not closed." in _messages(illegal)["status"]
    unknown = _patch(client, number, version=ticket["version"], status="bogus")
    assert unknown.status_code == 422 and "status" in _messages(unknown)
    assert client.get(f"/api/tickets/{number}").json()["status"] == "new"


def test_unknown_assignee_and_tag_are_422(client, ticket):
    number = ticket["number"]
    nobody = _patch(client, number, version=ticket["version"], assignee_id=999_999)
    assert nobody.status_code == 422 and "no active agent" in _messages(nobody)["assignee_id"]
    tag = _patch(client, number, version=ticket["version"], tags=["billing", "no-such-tag"])
    assert tag.status_code == 422 and "Unknown tag(s): no-such-tag" in _messages(tag)["tags"]
    after = client.get(f"/api/tickets/{number}").json()
    assert after["assignee_id"] is None and after["tags"] == [] and after["version"] == ticket["version"]


def test_solve_with_satisfaction(client, ticket):
    number = ticket["number"]
    too_early = _patch(client, number, version=ticket["version"], satisfaction_score=5)
    assert too_early.status_code == 422 and "once the ticket is solved" in _messages(too_early)["satisfaction_score"]
    out_of_range = _patch(client, number, version=ticket["version"], status="solved", satisfaction_score=6)
    assert out_of_range.status_code == 422 and "satisfaction_score" in _messages(out_of_range)
    solved = _patch(client, number, version=ticket["version"], status="solved", satisfaction_score=4,
                    satisfaction_comment="बहुत अच्छा")
    assert solved.status_code == 200, solved.text
    body = solved.json()
    assert (body["status"], body["satisfaction_score"], body["satisfaction_comment"]) == ("solved", 4, "बहुत अच्छा")
    assert body["solved_at"] is not None and body["sla"] == "done"


# --- interactions ---------------------------------------------------------------------------------


def test_reply_opens_a_new_ticket_and_is_in_the_thread(client, ticket):
    number = ticket["number"]
    response = _add(client, number, kind="reply", body="A technician will visit tomorrow.")
    assert response.status_code == 201
    added = response.json()
    assert (added["ticket"], added["kind"], added["body"]) == (number, "reply", "A technician will visit tomorrow.")
    after = client.get(f"/api/tickets/{number}").json()
    assert after["status"] == "open" and after["first_responded_at"] is not None
    assert after["thread"][-2]["id"] == added["id"]  # then the status change it caused
    assert after["thread"][-1]["body"] == "Status: new → open"


def test_same_interaction_key_twice_adds_one_entry(client, ticket):
    number = ticket["number"]
    key = "api-msg-" + secrets.token_hex(6)
    first = _add(client, number, kind="note", body="Checked stock", idempotency_key=key)
    second = _add(client, number, kind="note", body="Checked stock", idempotency_key=key)
    assert first.json()["id"] == second.json()["id"]
    bodies = [entry["body"] for entry in client.get(f"/api/tickets/{number}").json()["thread"]]
    assert bodies.count("Checked stock") == 1


def test_interaction_refusals_state_the_problem(client, db, ticket):
    number = ticket["number"]
    with db.read() as session:
        before = session.exec(select(func.count()).select_from(Interaction)).one()

    empty = _add(client, number, body="   ")
    assert empty.status_code == 422
    assert "The message cannot be empty." in _messages(empty)["body"]

    at_limit = "x" * 10_000
    too_long = _add(client, number, body=at_limit + "x")
    assert too_long.status_code == 422
    assert "at most 10,000 characters" in _messages(too_long)["body"]

    wrong_kind = _add(client, number, kind="status_change", body="sneaky")
    assert wrong_kind.status_code == 422 and "kind" in _messages(wrong_kind)

    illegal = _add(client, number, body="Closing", status="closed")
    assert illegal.status_code == 422 and "can move to" in _messages(illegal)["status"]

    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Interaction)).one() == before
    assert _add(client, number, kind="note", body=at_limit).status_code == 201


def test_long_thread_comes_in_pages_with_the_same_query_count(client, db, customer, count_queries):
    short = _create(client, customer.code, subject="Short thread").json()
    long = _create(client, customer.code, subject="Long thread", body="The first message").json()
    with db.read() as session:
        ticket_id = session.exec(select(Ticket.id).where(Ticket.number == long["number"])).one()
    bodies = [f"Thread entry {n:03d}" for n in range(120)]
    factories.interactions(db, customer, bodies, start=datetime.now(UTC) - timedelta(days=1), step=timedelta(minutes=1),
                           kind="note", ticket_id=ticket_id)
    oldest_first = bodies + ["The first message"]

    count_queries.count = 0
    assert client.get(f"/api/tickets/{short['number']}").status_code == 200
    short_queries = count_queries.count
    count_queries.count = 0
    body = client.get(f"/api/tickets/{long['number']}").json()
    assert count_queries.count == short_queries, "the query count follows the thread's length"

    assert [entry["body"] for entry in body["thread"]] == oldest_first[-50:]
    cursor, seen = body["earlier_cursor"], [entry["body"] for entry in body["thread"]]
    pages = 1
    while cursor:
        earlier = parse(client.get(f"/tickets/{long['number']}/thread", params={"cursor": cursor},
                                   headers={"HX-Request": "true"}).text)
        seen = texts(earlier, "li.entry .body") + seen
        more = earlier.css_first("#thread-earlier a")
        cursor = more.attributes["href"].split("cursor=")[1] if more else None
        pages += 1
    assert pages == 3 and seen == oldest_first


# --- queues ---------------------------------------------------------------------------------------


def test_my_queue_sorts_by_due_and_by_activity(desk, customer):
    client, me = desk
    made = {}
    for priority in ("low", "urgent", "normal", "high"):
        number = _create(client, customer.code, subject=f"{priority} one", priority=priority).json()["number"]
        assert _patch(client, number, version=1, assignee_id=me.id).status_code == 200
        made[priority] = number
    by_due = _list(client, view="mine", sort="due")
    assert by_due["total"] == 4 and by_due["pages"] == 1 and by_due["page"] == 1
    assert _numbers(by_due) == [made[p] for p in ("urgent", "high", "normal", "low")]
    assert {item["assignee_name"] for item in by_due["items"]} == {me.name}
    assert {item["customer_id"] for item in by_due["items"]} == {customer.code}
    by_activity = _list(client, view="mine", sort="activity")
    assert _numbers(by_activity) == [made[p] for p in ("high", "normal", "urgent", "low")]
    assert _list(client, view="mine")["items"] == by_due["items"]  # due first is the default


def test_queue_filters_by_status_priority_assignee_and_tag(desk, db, customer):
    client, me = desk
    urgent = _create(client, customer.code, subject="Urgent", priority="urgent").json()
    pending = _create(client, customer.code, subject="Pending").json()
    tagged = _create(client, customer.code, subject="Tagged").json()
    unassigned = _create(client, customer.code, subject="Nobody's").json()
    _patch(client, urgent["number"], version=1, assignee_id=me.id)
    _patch(client, pending["number"], version=1, assignee_id=me.id, status="pending")
    _patch(client, tagged["number"], version=1, assignee_id=me.id, tags=["refund"])

    assert _numbers(_list(client, view="mine", priority="urgent")) == [urgent["number"]]
    assert _numbers(_list(client, view="mine", status="pending")) == [pending["number"]]
    assert _numbers(_list(client, view="pending", assignee_id=me.id)) == [pending["number"]]
    assert _numbers(_list(client, view="mine", tag="Refund")) == [tagged["number"]]
    assert _list(client, view="mine", tag="refund")["items"][0]["tags"] == ["refund"]
    assert sorted(_numbers(_list(client, view="open", assignee_id=me.id))) == sorted(
        [urgent["number"], pending["number"], tagged["number"]])

    newest_unassigned = _list(client, view="unassigned", sort="activity")
    assert unassigned["number"] in _numbers(newest_unassigned)
    assert all(item["assignee_name"] is None for item in newest_unassigned["items"])
    assert _list(client, view="unassigned", assignee_id=me.id)["total"] == 0

    _patch(client, urgent["number"], version=2, status="solved")
    assert _numbers(_list(client, view="solved", assignee_id=me.id)) == [urgent["number"]]
    assert urgent["number"] not in _numbers(_list(client, view="mine"))
    assert all(item["status"] == "solved" for item in _list(client, view="solved")["items"])


def test_sla_view_lists_breached_tickets(desk, db, customer):
    client, me = desk
    late = factories.ticket(db, customer, subject="Overdue", assignee_id=me.id)
    fine = _create(client, customer.code, subject="Fresh").json()
    _patch(client, fine["number"], version=1, assignee_id=me.id)
    with db.write() as session:
        row = session.get(Ticket, late.id)
        row.resolution_due = datetime.now(UTC) - timedelta(hours=1)
        session.add(row)
        session.commit()
    listing = _list(client, view="sla", assignee_id=me.id)
    assert _numbers(listing) == [late.number]
    assert listing["items"][0]["sla"] == "breached"
    assert all(item["sla"] in ("breaching", "breached") for item in _list(client, view="sla")["items"])


def test_queue_pages(desk, db):
    client, me = desk
    customer = factories.customer(db, name="Many Api Tickets")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [factories.ticket(db, customer, subject=f"Bulk {n}", assignee_id=me.id, updated_at=start + timedelta(minutes=n)).number
            for n in range(52)]
    first = _list(client, view="mine", sort="activity")
    second = _list(client, view="mine", sort="activity", page=2)
    assert (first["total"], first["pages"], len(first["items"])) == (52, 2, 50)
    assert _numbers(first) == made[::-1][:50] and _numbers(second) == made[::-1][50:]
    beyond = _list(client, view="mine", sort="activity", page=9)
    assert beyond["items"] == [] and beyond["total"] == 52


def test_bad_queue_parameters_are_422(client):
    for params in ({"view": "nonsense"}, {"priority": "whenever"}, {"status": "done"}, {"sort": "random"},
                   {"page": "0"}, {"assignee_id": "me"}):
        response = client.get("/api/tickets", params=params)
        assert response.status_code == 422, params
        assert response.json()["extra"][0]["key"] == next(iter(params)), params


# --- who may call it, and where it is documented --------------------------------------------------


def test_anonymous_is_401(anon, ticket):
    number = ticket["number"]
    for method, url in (("get", "/api/tickets"), ("get", f"/api/tickets/{number}"), ("post", "/api/tickets"),
                        ("patch", f"/api/tickets/{number}"), ("post", f"/api/tickets/{number}/interactions")):
        response = anon.request(method.upper(), url, json={"version": 1, "body": "x"} if method != "get" else None)
        assert response.status_code == 401, (method, url)
        assert response.json()["detail"] == "Sign in first."


def test_unsafe_methods_need_the_csrf_header(client, ticket):
    refused = client.post(f"/api/tickets/{ticket['number']}/interactions", json={"body": "no token"})
    assert refused.status_code == 403
    assert all(entry["body"] != "no token" for entry in client.get(f"/api/tickets/{ticket['number']}").json()["thread"])


def test_openapi_documents_the_ticket_api(client):
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/tickets"]) >= {"get", "post"}
    assert set(paths["/api/tickets/{number}"]) >= {"get", "patch"}
    assert "post" in paths["/api/tickets/{number}/interactions"]
    listed = {parameter["name"] for parameter in paths["/api/tickets"]["get"]["parameters"]}
    assert listed >= {"view", "status", "priority", "assignee_id", "tag", "sort", "page"}
    assert "requestBody" in paths["/api/tickets/{number}"]["patch"]

