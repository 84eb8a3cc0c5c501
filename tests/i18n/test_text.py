"""Service messages: English wherever they were before, Hindi on a customer's page, from the same object."""

from __future__ import annotations

import json
import pickle
from datetime import date

from helpdesk.claims.rules import check_eligibility
from helpdesk.i18n.catalogs import translate
from helpdesk.i18n.text import Translatable


def test_a_message_is_its_english_text_everywhere_but_a_hindi_page():
    label = Translatable("The description")
    message = Translatable("{label} can be at most {most:,} characters; this has {length:,}.",
                           label=label, most=5000, length=12345)
    assert message == "The description can be at most 5,000 characters; this has 12,345."
    assert json.loads(json.dumps({"description": message})) == {"description": str(message)}
    assert translate(message, "en") == message
    assert translate(message, "hi") == "विवरण में अधिकतम 5,000 अक्षर हो सकते हैं; इसमें 12,345 हैं।"
    # Exceptions carry their messages across processes: the message id survives.
    copied = pickle.loads(pickle.dumps(ValueError(message))).args[0]
    assert translate(copied, "hi") == translate(message, "hi")


def test_dates_inside_a_message_are_written_in_the_pages_language():
    expired = check_eligibility(purchased_on=date(2021, 5, 1), warranty_months=12, today=date(2026, 11, 30),
                                open_claim_number=None).message
    assert expired.startswith("Out of warranty (expired on 01 May 2022).")
    assert translate(expired, "hi").startswith("वारंटी ख़त्म हो चुकी है (1 मई 2022 को)।")


def test_plain_text_is_looked_up_by_itself_and_unknown_text_is_left_alone():
    assert translate("Not draining", "hi") == "पानी बाहर नहीं निकल रहा"
    assert translate("Something an agent wrote", "hi") == "Something an agent wrote"
    assert translate("", "hi") == "" and translate(None, "hi") == ""
    assert translate("Not draining", "xx") == "Not draining"
