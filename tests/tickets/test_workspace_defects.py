"""Issue 13, defects found using the ticket pages: each test failed before its fix."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from helpdesk.tickets import properties, satisfaction, service
from helpdesk.tickets.models import TicketCreate, TicketUpdate
from helpdesk.tickets.workflow import SlaState, sla_state, warning_window
from tests import factories
from tests.conftest import csrf_from, parse

HX = {"HX-Request": "true"}


def _post(client, url, data, htmx=True):
    headers = {**HX, "x-csrftoken": client.cookies.get("csrftoken")} if htmx else {}
    if not htmx:
        data = {**data, "_csrf_token": csrf_from(client.get("/").text)}
    return client.post(url, data=data, headers=headers, follow_redirects=False)


def _version(client, number) -> str:
    return parse(client.get(f"/tickets/{number}").text).css_first("#properties-form input[name=version]").attributes["value"]


@pytest.fixture
def buyer(db):
    customer = factories.customer(db, name="Item Owner")
    washer = factories.product(db, name="Top-load washer 6 kg", model_number="TL-6K", warranty_months=24,
                               category="Washing machine")
    purchase = factories.purchase(db, customer, on=date.today() - timedelta(days=30), lines=[(washer, "TL6-SN-42", 1_999_900)])
    return customer, factories.line_of(db, purchase)


# --- 1: the item a ticket is about ------------------------------------------------------------------


def test_ticket_about_an_item_shows_it_on_the_page_and_in_the_api(client, buyer):
    customer, line = buyer
    response = _post(client, f"/customers/{customer.code}/tickets",
                     {"subject": "Drum noise", "body": "Loud at spin", "channel": "phone", "priority": "normal",
                      "purchase_line_id": str(line.id), "idempotency_key": secrets.token_hex(8)})
    number = response.headers["HX-Redirect"].rsplit("/", 1)[1]
    tree = parse(client.get(f"/tickets/{number}").text)
    assert tree.css_first("#ticket-item-product").text(strip=True) == "Top-load washer 6 kg"
    assert tree.css_first("#ticket-item-model").text(strip=True) == "TL-6K"
    assert tree.css_first("#ticket-item-serial").text(strip=True) == "TL6-SN-42"
    assert "In warranty" in tree.css_first("#ticket-item-warranty").text()
    item = client.get(f"/api/tickets/{number}").json()["item"]
    assert (item["product_name"], item["model_number"], item["serial_number"], item["in_warranty"]) == \
        ("Top-load washer 6 kg", "TL-6K", "TL6-SN-42", True)


# --- 2: "(nobody)" unassigns ---------------------------------------------------------------------------


def test_choosing_nobody_unassigns(client, db, agent):
    customer = factories.customer(db, name="Unassign Me")
    ticket = factories.ticket(db, customer, subject="Assigned", assignee_id=agent.id)
    saved = _post(client, f"/tickets/{ticket.number}", {"version": _version(client, ticket.number), "status": "open",
                                                         "priority": "normal", "assignee_id": "", "tags_present": "1"})
    tree = parse(saved.text)
    assert tree.css_first("#properties-notice").text(strip=True) == "Saved."
    assert tree.css_first("#ticket-assignee").text(strip=True) == "nobody"
    assert tree.css_first("#prop-assignee option[selected]").attributes["value"] == ""


# --- 6: messages in words ------------------------------------------------------------------------------


def test_refusals_use_labels_and_articles(client, db):
    customer = factories.customer(db, name="Grammar")
    ticket = factories.ticket(db, customer, subject="Open one", status="open")
    refused = parse(_post(client, f"/tickets/{ticket.number}", {"version": _version(client, ticket.number),
                                                                 "status": "new"}).text)
    assert refused.css_first("#status-error").text(strip=True).startswith("An open ticket can move to")


def test_the_customers_own_score_is_logged_as_theirs(client, anon, db):
    customer = factories.customer(db, name="Own Score")
    ticket = factories.ticket(db, customer, subject="Solved one", status="solved")
    with db.write() as session:
        token = satisfaction.new_link(session, ticket=service.get_ticket(session, ticket.number))
    page = anon.get(f"/satisfaction/{token}")
    anon.post(f"/satisfaction/{token}", data={"score": "5", "_csrf_token": csrf_from(page.text)})
    thread = parse(client.get(f"/tickets/{ticket.number}").text).css_first("#thread").text()
    assert "Satisfaction: 5/5 (from the customer" in thread and "given to the customer" not in thread


# --- 7: survey links and repeated submits, handled kindly --------------------------------------------


def _survey(db, number) -> str:
    with db.write() as session:
        return satisfaction.new_link(session, ticket=service.get_ticket(session, number))


def test_a_survey_link_of_a_reopened_ticket_says_so(client, anon, db):
    customer = factories.customer(db, name="Reopened")
    ticket = factories.ticket(db, customer, subject="Came back", status="solved")
    token = _survey(db, ticket.number)
    page = anon.get(f"/satisfaction/{token}")
    _post(client, f"/tickets/{ticket.number}", {"version": _version(client, ticket.number), "status": "open"})
    answer = anon.post(f"/satisfaction/{token}", data={"score": "3", "_csrf_token": csrf_from(page.text)})
    assert answer.status_code == 200, answer.text
    assert parse(answer.text).css_first("#survey-reopened") is not None
    assert parse(anon.get(f"/satisfaction/{token}").text).css_first("#survey-reopened") is not None


def test_double_click_on_send_thanks_twice(anon, db):
    customer = factories.customer(db, name="Double Click")
    ticket = factories.ticket(db, customer, subject="Fixed", status="solved")
    token = _survey(db, ticket.number)
    csrf = csrf_from(anon.get(f"/satisfaction/{token}").text)
    first = anon.post(f"/satisfaction/{token}", data={"score": "4", "_csrf_token": csrf})
    second = anon.post(f"/satisfaction/{token}", data={"score": "4", "_csrf_token": csrf})
    for answer in (first, second):
        assert answer.status_code == 200 and parse(answer.text).css_first("#survey-thanks") is not None


def test_double_submit_of_the_properties_form_without_javascript_is_not_stale(client, db):
    customer = factories.customer(db, name="No Script")
    ticket = factories.ticket(db, customer, subject="Plain form", status="open")
    form = {"version": _version(client, ticket.number), "status": "pending", "priority": "high", "assignee_id": "",
            "tags_present": "1"}
    first = _post(client, f"/tickets/{ticket.number}", form, htmx=False)
    second = _post(client, f"/tickets/{ticket.number}", form, htmx=False)
    assert first.status_code == 303 and second.status_code == 303, second.text
    # A genuinely stale form (someone else changed the priority meanwhile) is still refused.
    stale = _post(client, f"/tickets/{ticket.number}", {**form, "priority": "low"}, htmx=False)
    assert stale.status_code == 409


def test_repeat_check_is_a_rule_of_the_service(db, agent):
    customer = factories.customer(db, name="Service Repeat")
    ticket = factories.ticket(db, customer, subject="Twice", status="open")
    with db.write() as session:
        row = service.get_ticket(session, ticket.number)
        change = TicketUpdate(version=row.version, status="pending", tags=[])
        properties.update_ticket(session, ticket=row, data=change, agent_id=agent.id)
    with db.write() as session:
        row = service.get_ticket(session, ticket.number)
        properties.update_ticket(session, ticket=row, data=change, agent_id=agent.id)  # no StaleTicket
        with pytest.raises(service.StaleTicket):
            properties.update_ticket(session, ticket=row, data=TicketUpdate(version=change.version, status="open"),
                                     agent_id=agent.id)


# --- 9: long tokens and pages past the end ------------------------------------------------------------


def test_long_tokens_are_404_not_400(anon):
    assert anon.get("/warranty/status/" + "a" * 150).status_code == 404
    assert anon.get("/satisfaction/" + "b" * 150).status_code == 404


def test_a_queue_page_past_the_end_shows_the_last_page(client, db, agent):
    customer = factories.customer(db, name="Short Queue")
    factories.ticket(db, customer, subject="Only one here", status="pending")
    tree = parse(client.get("/tickets?view=pending&page=99").text)
    summary = tree.css_first(".queue-summary").text()
    assert "page 99" not in summary
    pages = int(summary.split(" of ")[-1].split()[0])
    assert f"page {pages} of {pages}" in summary
    assert tree.css("#queue-results tbody tr")


# --- 10: the SLA warning window follows the target -----------------------------------------------------


T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("target", "window"), [(timedelta(minutes=30), timedelta(minutes=7, seconds=30)),
                                                (timedelta(hours=4), timedelta(hours=1)),
                                                (timedelta(hours=2), timedelta(minutes=30))])
def test_warning_window_is_a_quarter_of_the_target_at_most_an_hour(target, window):
    assert warning_window(target) == window


def test_a_new_urgent_ticket_is_not_breaching():
    def state(now):
        return sla_state(status="new", now=now, first_response_due=T0 + timedelta(minutes=30), first_responded_at=None,
                         resolution_due=T0 + timedelta(hours=4), opened_at=T0)

    assert state(T0) == SlaState.OK
    assert state(T0 + timedelta(minutes=22)) == SlaState.OK
    assert state(T0 + timedelta(minutes=23)) == SlaState.BREACHING
    assert state(T0 + timedelta(minutes=31)) == SlaState.BREACHED


def test_urgent_ticket_page_and_sla_queue_agree(client, db, agent):
    customer = factories.customer(db, name="Urgent Now")
    with db.write() as session:
        fresh = service.open_ticket(session, customer=customer, agent_id=agent.id,
                                    data=TicketCreate(subject="Urgent just now", body="x", priority="urgent"))
        late = service.open_ticket(session, customer=customer, agent_id=agent.id,
                                   data=TicketCreate(subject="Urgent a while ago", body="x", priority="urgent"))
        # Opened 25 minutes ago: 5 minutes left of a 30-minute target, inside its 7.5-minute window.
        late.created_at -= timedelta(minutes=25)
        late.first_response_due -= timedelta(minutes=25)
        late.resolution_due -= timedelta(minutes=25)
        session.add(late)
        session.commit()
    page = parse(client.get(f"/tickets/{fresh.number}").text)
    assert "sla-ok" in page.css_first("#ticket-sla").attributes["class"]
    assert "due in" in page.css_first("#ticket-sla").text()
    sla_view = [node.text(strip=True) for node in parse(client.get("/tickets?view=sla").text).css("#queue-results td.mono a")]
    assert late.number in sla_view and fresh.number not in sla_view
    assert "sla-breaching" in parse(client.get(f"/tickets/{late.number}").text).css_first("#ticket-sla").attributes["class"]


def test_an_absurd_assignee_is_a_message_not_a_500(client, db):
    customer = factories.customer(db, name="Absurd Assignee")
    ticket = factories.ticket(db, customer, subject="Who?")
    refused = _post(client, f"/tickets/{ticket.number}", {"version": _version(client, ticket.number),
                                                           "assignee_id": "9" * 25})
    assert refused.status_code == 200
    assert parse(refused.text).css_first("#assignee-error").text(strip=True) == "Choose an agent from the list."
