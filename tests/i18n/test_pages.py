"""The customer-facing pages in Hindi and English: chosen by the browser, switched by the customer, remembered."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlmodel import delete

from helpdesk.throttle.models import Throttle
from helpdesk.i18n.switch import COOKIE
from helpdesk.tickets import satisfaction
from helpdesk.tickets.models import Ticket
from tests import factories
from tests.claims.conftest import JPEG, buyer  # noqa: F401  (the buyer fixture)
from tests.conftest import csrf_from, parse, texts

HINDI = {"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.8"}


@pytest.fixture
def public(app, db):
    """A fresh browser (no cookies) with the identity-check counters cleared."""
    with db.write() as session:
        session.execute(delete(Throttle))
        session.commit()
    with TestClient(app) as client:
        yield client


def _lang(response) -> str:
    return parse(response.text).css_first("html").attributes.get("lang")


def _text(response, selector: str) -> str:
    node = parse(response.text).css_first(selector)
    assert node is not None, f"{selector} is not on the page"
    return " ".join(node.text().split())


def _verify(client, customer, second, headers=None):
    page = client.get("/warranty", headers=headers)
    return client.post("/warranty", data={"customer": customer, "second": second, "_csrf_token": csrf_from(page.text)},
                       headers=headers)


def test_a_browser_that_prefers_hindi_gets_the_page_in_hindi(public):
    page = public.get("/warranty", headers=HINDI)
    assert page.status_code == 200 and _lang(page) == "hi"
    assert _text(page, "h1") == "वारंटी दावा दर्ज करें"
    tree = parse(page.text)
    assert texts(tree, "label") == ["ग्राहक आईडी", "ऑर्डर नंबर, या आपके फ़ोन के आख़िरी 4 अंक"]
    assert _text(page, "form.stacked button") == "आगे बढ़ें"
    assert tree.css_first("title").text().startswith("वारंटी दावा")
    # The switch offers English, named in English.
    assert _text(page, "#language-en") == "English" and tree.css_first("#language-hi") is None


def test_english_is_the_default_and_wins_when_the_browser_prefers_it(public):
    for headers in ({}, {"Accept-Language": "en-IN,en;q=0.9,hi;q=0.8"}, {"Accept-Language": "ta-IN"}):
        page = public.get("/warranty", headers=headers)
        assert _lang(page) == "en" and _text(page, "h1") == "File a warranty claim"
        assert _text(page, "#language-hi") == "हिन्दी"


def test_switching_is_remembered_across_requests_and_over_the_browsers_preference(public):
    switched = public.get("/warranty?lang=hi", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/warranty"
    cookie = switched.headers["set-cookie"]
    assert f"{COOKIE}=hi" in cookie and "HttpOnly" in cookie and "Max-Age=" in cookie
    for _ in range(2):
        page = public.get("/warranty")
        assert _lang(page) == "hi" and _text(page, "h1") == "वारंटी दावा दर्ज करें"
    back = public.get(parse(page.text).css_first("#language-en").attributes["href"])
    assert _lang(back) == "en" and _text(back, "h1") == "File a warranty claim"
    # Remembered: the next visit is in English although this browser asks for Hindi.
    again = public.get("/warranty", headers=HINDI)
    assert _lang(again) == "en" and _text(again, "h1") == "File a warranty claim"


def test_an_unknown_language_changes_nothing_and_keeps_the_rest_of_the_address(public):
    response = public.get("/warranty?item_q=fridge&lang=fr", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/warranty?item_q=fridge"
    assert "set-cookie" not in response.headers or COOKIE not in response.headers["set-cookie"]
    assert _lang(public.get("/warranty?lang=<script>")) == "en"
    # The switch itself keeps the page's query too.
    page = parse(public.get("/warranty?item_q=fridge&item_page=2").text)
    assert page.css_first("#language-hi").attributes["href"] == "/warranty?item_q=fridge&item_page=2&lang=hi"


def test_a_wrong_pair_is_refused_in_hindi(public, buyer):  # noqa: F811
    response = _verify(public, buyer.customer.code, "ORD-NOPE-1", headers=HINDI)
    assert response.status_code == 400 and _lang(response) == "hi"
    assert _text(response, "#verify-message") == ("ये जानकारी हमारे रिकॉर्ड से मेल नहीं खाई। "
                                                  "ग्राहक आईडी और ऑर्डर नंबर या फ़ोन के अंक जाँच लें।")
    assert parse(response.text).css_first("#warranty-customer").attributes["value"] == buyer.customer.code


def test_the_claim_form_and_its_errors_in_hindi(public, buyer):  # noqa: F811
    public.get("/warranty?lang=hi")
    form = _verify(public, buyer.customer.code, buyer.order_number)
    assert _lang(form) == "hi" and _text(form, "h1") == "वारंटी दावा दर्ज करें"
    items = " ".join(texts(parse(form.text), "label.item-choice"))
    assert "तक वारंटी में" in items and "से वारंटी ख़त्म (हम इसकी जाँच करेंगे)" in items and "को ख़रीदा" in items
    assert "in warranty" not in items
    faults = public.get(f"/warranty/faults?purchase_line_id={buyer.washer_line.id}", headers={"HX-Request": "true"})
    options = {node.attributes["value"]: node.text(strip=True) for node in parse(faults.text).css("option")}
    assert options["Not draining"] == "पानी बाहर नहीं निकल रहा" and options["Other"] == "अन्य"
    data = {"purchase_line_id": str(buyer.washer_line.id), "fault_category": "", "description": "   ",
            "remedy": "repair", "preferred_contact_time": "शाम " * 30, "_csrf_token": csrf_from(form.text)}
    refused = public.post("/warranty/claim", data=data,
                          files=[("photos", ("bill.pdf", b"%PDF-1.4 not a photo", "application/pdf"))])
    assert refused.status_code == 400 and _lang(refused) == "hi"
    assert _text(refused, "#fault-error") == "ख़राबी का प्रकार भरना ज़रूरी है।"
    assert _text(refused, "#description-error") == "विवरण भरना ज़रूरी है।"
    assert _text(refused, "#photos-error") == "bill.pdf JPEG या PNG फ़ोटो नहीं है।"
    assert "संपर्क का समय में अधिकतम 80 अक्षर हो सकते हैं; इसमें" in refused.text
    # The customer's input comes back as typed, and the remedies are offered in Hindi.
    assert parse(refused.text).css_first("#public-contact").attributes["value"] == ("शाम " * 30)
    assert "मरम्मत" in _text(refused, "fieldset.remedy")
    # Answered to a POST: the switch leads to the form's own page, not to an address without a GET.
    assert parse(refused.text).css_first("#language-en").attributes["href"] == "/warranty?lang=en"


def test_a_claim_filed_in_hindi_and_its_status_page(public, buyer):  # noqa: F811
    public.get("/warranty?lang=hi")
    form = parse(_verify(public, buyer.customer.code, buyer.order_number).text)
    data = {"purchase_line_id": str(buyer.washer_line.id), "fault_category": "Not draining",
            "description": "पानी नहीं निकल रहा", "remedy": "repair",
            "idempotency_key": form.css_first("input[name=idempotency_key]").attributes["value"],
            "_csrf_token": csrf_from(form.html)}
    filed = public.post("/warranty/claim", data=data, files=[("photos", ("leak.jpg", JPEG, "image/jpeg"))])
    assert filed.status_code == 200 and _lang(filed) == "hi" and _text(filed, "h1") == "दावा दर्ज हो गया"
    number = _text(filed, "#filed-number")
    assert f"आपका दावा नंबर {number} है।" in parse(filed.text).css_first("main").text()
    link = parse(filed.text).css_first("#status-link").attributes["href"]
    status_path = link[link.index("/warranty/status/"):]
    assert parse(filed.text).css_first("#language-en").attributes["href"] == f"{status_path}?lang=en"
    with TestClient(public.app) as other_browser:
        in_hindi = other_browser.get(status_path, headers=HINDI)
        assert _lang(in_hindi) == "hi" and _text(in_hindi, "h1") == f"दावा {number}"
        assert _text(in_hindi, "#public-status") == "दर्ज हुआ"
        assert "पानी बाहर नहीं निकल रहा" in in_hindi.text  # the fault category, in Hindi
        in_english = other_browser.get(status_path + "?lang=en")
        assert _lang(in_english) == "en" and _text(in_english, "#public-status") == "Submitted"
        missing = other_browser.get(status_path[:-3] + "xyz?lang=hi")
        assert missing.status_code == 404 and _text(missing, "#status-not-found").startswith("इस लिंक पर")


@pytest.fixture
def survey_path(db):
    customer = factories.customer(db, name="Survey Person")
    ticket = factories.ticket(db, customer, subject="Fan <b>noisy</b>", status="solved")
    with db.write() as session:
        token = satisfaction.new_link(session, ticket=session.get(Ticket, ticket.id))
    return f"/satisfaction/{token}"


def test_the_satisfaction_survey_in_hindi(public, survey_path):
    page = public.get(survey_path, headers=HINDI)
    assert page.status_code == 200 and _lang(page) == "hi" and _text(page, "h1") == "हमारी सेवा कैसी रही?"
    assert _text(page, "legend") == "आपके अंक (5 सबसे अच्छा)"
    assert "Fan <b>noisy</b>" in parse(page.text).css_first("main p").text()  # the subject, escaped
    refused = public.post(survey_path, data={"score": "9", "comment": "x" * 3000, "_csrf_token": csrf_from(page.text)},
                          headers=HINDI)
    assert refused.status_code == 400 and _lang(refused) == "hi"
    assert _text(refused, "#score-error") == "1 से 5 के बीच अंक चुनें।"
    assert "टिप्पणी में अधिकतम" in refused.text
    done = public.post(survey_path, data={"score": "4", "_csrf_token": csrf_from(page.text)}, headers=HINDI)
    assert done.status_code == 200 and _text(done, "#survey-thanks") == "आपका जवाब दर्ज हो गया है। हमें बताने के लिए धन्यवाद।"
    english = public.get(survey_path + "?lang=en")
    assert _lang(english) == "en" and _text(english, "h1") == "Thank you"


def test_agent_pages_stay_english_whatever_the_customer_chose(client):
    client.get("/warranty?lang=hi")
    page = client.get("/tickets", headers=HINDI)
    assert page.status_code == 200 and _lang(page) == "en"
    assert parse(page.text).css_first("#language-switch") is None
