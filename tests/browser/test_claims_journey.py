"""Warranty claims in a real browser: an agent files one from the customer page with a photo, the intake form swaps
in another customer's items, and a customer files one on the public page and follows its status link."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import delete, select

from helpdesk import ids
from helpdesk.claims import service
from helpdesk.claims.models import (
    ClaimCreate,
    ClaimPhoto,
    WarrantyClaim,
)
from helpdesk.claims.self_service import NOT_VERIFIED
from helpdesk.customers.models import Customer
from helpdesk.privacy import store as personal
from helpdesk.throttle.models import Throttle
from helpdesk.timeutil import shop_today
from tests import factories

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips these tests, or fails them under HELPDESK_REQUIRE_BROWSER=1
    expect = None

# An 8 × 6 pixel baseline JPEG (drawn on a canvas by Chromium, colour profile stripped): a real photo the <img> decodes.
PHOTO_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBk"
    "eFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAGAAgD"
    "ASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAT/xAAXEAEBAQEAAAAAAAAAAAAAAAAAAQIx/8QAFQEBAQAAAAAAAAAAAAAAAAAABAX/xAAZ"
    "EQEBAAMBAAAAAAAAAAAAAAACAQADERL/2gAMAwEAAhEDEQA/AILq66AElVe3LwB1nyZyZ//Z"
)
PHOTO_SIZE = (8, 6)
HINDI = "ड्रम नहीं घूम रहा है, नीचे से पानी रिस रहा है"
CLAIM_NUMBER = re.compile(r"^W-\d{4}-\d{6}$")
CLAIM_PAGE = re.compile(r"/claims/W-\d{4}-\d{6}$")


def _mark(page) -> None:
    """A full page load would wipe this; an htmx swap must not."""
    page.evaluate("window.__marker = 'still here'")


def _assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__marker") == "still here", "the page was reloaded instead of swapped"


def _unique_phone() -> str:
    return "+9197" + "".join(secrets.choice("0123456789") for _ in range(8))


def _serial(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3).upper()}"


def _recent_purchase_date() -> date:
    """About 100 days ago, on a day every month has, so the warranty end below needs no month-end rule."""
    day = shop_today() - timedelta(days=100)
    return day.replace(day=min(day.day, 28))


def _last_warranty_day(bought: date, months: int) -> date:
    """Spelled out for whole years, the test pins what the agent reads: the day before the same date N years on."""
    assert months % 12 == 0
    return bought.replace(year=bought.year + months // 12) - timedelta(days=1)


def _shown(day: date) -> str:
    return day.strftime("%d %b %Y")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "drum.jpg"
    path.write_bytes(PHOTO_JPEG)
    assert path.read_bytes().startswith(b"\xff\xd8\xff")
    return path


@dataclass
class Owner:
    code: str
    name: str
    address: str
    city: str
    pin_code: str
    phone: str
    washer_line_id: int
    washer_model: str
    washer_serial: str
    bought_on: date
    order_number: str
    fridge_model: str


@pytest.fixture
def owner(db) -> Owner:
    """A customer with a washing machine bought ~100 days ago (24 months' warranty) and a fridge long out of it."""
    name, address, city, pin_code, phone = "Kavita Deshpande", "14 Laxmi Road, Sadashiv Peth", "Pune", "411030", _unique_phone()
    cust = factories.customer(db, name=name, phone=phone, city=city)
    with db.write() as session:
        personal.update(session, cust.code, address_line=address, pin_code=pin_code)
        session.commit()
    washer = factories.product(db, name="Front-load washing machine 8 kg", model_number="WM-8KG-BRW",
                               warranty_months=24, category="Washing machine")
    fridge = factories.product(db, name="Single-door refrigerator 190 L", model_number="RF-190-BRW",
                               warranty_months=12, category="Refrigerator")
    bought_on = _recent_purchase_date()
    serial = _serial("WM8")
    recent = factories.purchase(db, cust, on=bought_on, lines=[(washer, serial, 3_499_000)])
    factories.purchase(db, cust, on=date(2021, 5, 3), lines=[(fridge, _serial("RF"), 1_899_000)])
    return Owner(code=cust.code, name=name, address=address, city=city, pin_code=pin_code, phone=phone,
                 washer_line_id=factories.line_of(db, recent).id, washer_model=washer.model_number, washer_serial=serial,
                 bought_on=bought_on, order_number=recent.order_number, fridge_model=fridge.model_number)


def _claim_row(db, number: str) -> tuple[WarrantyClaim, list[ClaimPhoto]]:
    with db.read() as session:
        claim = session.exec(select(WarrantyClaim).where(WarrantyClaim.number == number)).one()
        photos = session.exec(select(ClaimPhoto).where(ClaimPhoto.claim_id == claim.id)).all()
        return claim, list(photos)


def test_agent_files_a_claim_from_the_customer_page_with_a_photo(signed_in_page, db, owner, photo):
    page = signed_in_page
    page.goto(f"/customers/{owner.code}")
    expect(page.locator("h1.customer-name")).to_have_text(owner.name)

    washer_row = page.locator("#purchases tr.line", has_text=owner.washer_serial)
    expect(washer_row).to_have_count(1)
    washer_row.locator("a.file-claim").click()
    page.wait_for_url(f"**/claims/new?customer={owner.code}&line={owner.washer_line_id}")

    # --- the intake form comes with the customer and the item already chosen ---
    expect(page.locator("#claim-customer")).to_have_value(owner.code)
    expect(page.locator("#claim-items input[name=purchase_line_id]")).to_have_count(2)
    expect(page.locator(f"#claim-items input[name=purchase_line_id][value='{owner.washer_line_id}']")).to_be_checked()
    expect(page.locator("#item-model")).to_have_text(owner.washer_model)
    expect(page.locator("#item-serial")).to_have_text(owner.washer_serial)
    expect(page.locator("#item-date")).to_contain_text(_shown(owner.bought_on))
    last_day = _last_warranty_day(owner.bought_on, 24)
    expect(page.locator("#item-warranty-end")).to_have_text(_shown(last_day))
    expect(page.locator("#eligibility")).to_have_text(f"In warranty until {_shown(last_day)}.")
    expect(page.locator("#add-to-claim")).to_have_count(0)

    # --- the agent fills in what the customer says and attaches a photo ---
    fault_options = page.locator("#claim-fault option").all_inner_texts()
    assert "Drum not spinning" in fault_options and "Not cooling" not in fault_options, fault_options
    page.select_option("#claim-fault", "Drum not spinning")
    description = f"{HINDI}. Drum stops mid-cycle with error E21."
    page.fill("#claim-description", description)
    page.check("#claim-form input[name=remedy][value=replace]")
    page.fill("#claim-contact", "weekdays after 6 pm")
    page.set_input_files("#claim-photos", str(photo))
    page.click("#claim-form button[type=submit]")

    # --- the claim page ---
    page.wait_for_url(CLAIM_PAGE)
    number = page.url.rsplit("/", 1)[1]
    assert CLAIM_NUMBER.match(number), number
    expect(page.locator("#claim h1")).to_contain_text(number)
    expect(page.locator("#claim-status")).to_have_text("Submitted")
    expect(page.locator("#claim-eligibility")).to_have_text("At filing: In warranty")
    expect(page.locator("#claim")).to_contain_text("Remedy asked: Replace")
    expect(page.locator("#claim-description")).to_have_text(description)
    expect(page.locator("#claim")).to_contain_text(owner.washer_serial)
    expect(page.locator("#claim a[href^='/tickets/T-']")).to_have_count(1)  # the linked ticket

    photos = page.locator("#claim img.claim-photo")
    expect(photos).to_have_count(1)
    page.wait_for_function("() => document.querySelector('#claim img.claim-photo').complete")  # loaded or broken
    size = photos.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size[0] > 0, "the photo <img> is broken: the browser could not load or decode it"
    assert tuple(size) == PHOTO_SIZE, f"the photo did not decode as the uploaded JPEG: {size}"
    served = page.request.get(photos.get_attribute("src"))
    assert served.status == 200 and served.headers["content-type"].startswith("image/jpeg")
    assert served.body() == PHOTO_JPEG

    claim, stored = _claim_row(db, number)
    assert claim.status == "submitted" and claim.filed_via == "agent" and claim.description == description
    assert [p.content_type for p in stored] == ["image/jpeg"]

    # --- a second "File a claim" for the same item offers the open claim instead ---
    page.goto(f"/customers/{owner.code}")
    page.locator("#purchases tr.line", has_text=owner.washer_serial).locator("a.file-claim").click()
    page.wait_for_url(f"**/claims/new?customer={owner.code}&line={owner.washer_line_id}")
    expect(page.locator("#eligibility")).to_contain_text(f"already has an open claim, {number}")
    add_instead = page.locator("#add-to-claim")
    expect(add_instead).to_have_text(f"Add to {number} instead")
    add_instead.click()
    page.wait_for_url(f"**/claims/{number}#add-note")
    expect(page.locator("#add-note #claim-note")).to_be_visible()


@dataclass
class SecondCaller:
    code: str
    tv_line_id: int
    tv_model: str
    tv_serial: str
    open_claim: str
    cooler_line_id: int
    cooler_model: str
    cooler_expired_on: date


@pytest.fixture
def second_caller(db, tmp_path: Path) -> SecondCaller:
    """A customer with a TV that already has an open claim and an air cooler out of warranty."""
    cust = factories.customer(db, name="Imran Qureshi", phone=_unique_phone(), city="Lucknow")
    tv = factories.product(db, name="43-inch LED television", model_number="TV-43-BRW", warranty_months=12,
                           category="Television")
    cooler = factories.product(db, name="Desert air cooler 55 L", model_number="AC-55-BRW", warranty_months=12,
                               category="Air cooler")
    tv_serial = _serial("TV43")
    tv_purchase = factories.purchase(db, cust, on=shop_today() - timedelta(days=40), lines=[(tv, tv_serial, 2_499_000)])
    cooler_bought = date(2023, 4, 10)
    cooler_purchase = factories.purchase(db, cust, on=cooler_bought, lines=[(cooler, _serial("AC55"), 899_000)])
    tv_line = factories.line_of(db, tv_purchase)
    # Filed through the desk's own service, so it is numbered by the desk's counter like any claim.
    with db.write() as session:
        filed = service.file_claim(
            session, customer=session.get(Customer, cust.id),
            data=ClaimCreate(purchase_line_id=tv_line.id, fault_category="No picture", description="Screen stays black"),
            photos=[], today=shop_today(), agent_id=None,
        )
        open_claim = filed.claim.number
    return SecondCaller(code=cust.code, tv_line_id=tv_line.id, tv_model=tv.model_number, tv_serial=tv_serial,
                        open_claim=open_claim, cooler_line_id=factories.line_of(db, cooler_purchase).id,
                        cooler_model=cooler.model_number, cooler_expired_on=date(2024, 4, 10))


def test_intake_swaps_in_another_customers_items_and_offers_the_open_claim(signed_in_page, owner, second_caller):
    page = signed_in_page
    page.goto(f"/claims/new?customer={owner.code}")
    items = page.locator("#claim-items")
    expect(items).to_contain_text(owner.washer_model)
    expect(page.locator("#claim-item dl")).to_have_count(0)  # no item chosen yet
    _mark(page)

    # The agent realises it is the other caller's product and types their ID, grouped as it is printed.
    field = page.locator("#claim-customer")
    field.fill("")
    field.press_sequentially(ids.format_grouped(second_caller.code))
    expect(items).to_contain_text(second_caller.tv_model)
    expect(items).to_contain_text(second_caller.cooler_model)
    expect(items).not_to_contain_text(owner.washer_model)
    expect(items.locator("input[name=purchase_line_id]")).to_have_count(2)
    _assert_not_reloaded(page)
    assert page.url.endswith(f"/claims/new?customer={owner.code}")
    expect(page.locator("header.topbar")).to_have_count(1)  # rows swapped in, not a second page inside the form
    expect(page.locator("#claim-form")).to_have_count(1)

    # The TV already has an open claim: the form says so and offers to add to it instead.
    # One click, as an agent would: focus leaves the ID box on the way (a "change" there must not undo the choice).
    tv_choice = page.locator(f"#claim-items input[name=purchase_line_id][value='{second_caller.tv_line_id}']")
    tv_choice.click()
    expect(page.locator("#item-serial")).to_have_text(second_caller.tv_serial)
    expect(page.locator("#item-model")).to_have_text(second_caller.tv_model)
    expect(page.locator("#eligibility")).to_contain_text(f"already has an open claim, {second_caller.open_claim}")
    add_instead = page.locator("#add-to-claim")
    expect(add_instead).to_have_text(f"Add to {second_caller.open_claim} instead")
    assert add_instead.get_attribute("href") == f"/claims/{second_caller.open_claim}#add-note"
    expect(tv_choice).to_be_checked()
    _assert_not_reloaded(page)

    # The cooler is out of warranty: still fileable, marked for a supervisor, with its own fault list.
    cooler_choice = page.locator(f"#claim-items input[name=purchase_line_id][value='{second_caller.cooler_line_id}']")
    cooler_choice.click()
    expect(page.locator("#item-model")).to_have_text(second_caller.cooler_model)
    expect(page.locator("#eligibility")).to_contain_text(
        f"Out of warranty (expired on {_shown(second_caller.cooler_expired_on)})"
    )
    expect(page.locator("#add-to-claim")).to_have_count(0)
    expect(page.locator("#claim-fault option", has_text="Pump not working")).to_have_count(1)
    expect(page.locator("#claim-item")).to_have_count(1)
    expect(cooler_choice).to_be_checked()
    expect(tv_choice).not_to_be_checked()
    _assert_not_reloaded(page)


@pytest.fixture
def fresh_attempts(db) -> None:
    """Every browser here comes from 127.0.0.1: start the public page's rate limit from zero."""
    with db.write() as session:
        session.execute(delete(Throttle))
        session.commit()


def test_customer_files_a_claim_on_the_public_page_and_follows_it(page, live_server, db, owner, photo, fresh_attempts):
    # `page` is a fresh browser context: nobody is signed in.
    page.goto("/warranty")
    expect(page.locator("h1")).to_have_text("File a warranty claim")
    form = page.locator("form[action='/warranty']")

    # --- a wrong order number: the generic message, nothing of the customer's ---
    page.fill("#warranty-customer", owner.code)
    page.fill("#warranty-second", "ORD-NOPE-" + secrets.token_hex(3).upper())
    form.locator("button[type=submit]").click()
    expect(page.locator("#verify-message")).to_have_text(NOT_VERIFIED)
    expect(page.locator("#public-claim-form")).to_have_count(0)
    expect(page.locator("input[name=purchase_line_id]")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(owner.washer_model)
    expect(page.locator("#warranty-customer")).to_have_value(owner.code)  # kept for a retry
    expect(page.locator("#warranty-second")).to_have_value("")

    # --- the right order number: the customer's own items, and no name or address ---
    page.fill("#warranty-second", owner.order_number)
    form.locator("button[type=submit]").click()
    claim_form = page.locator("#public-claim-form")
    expect(claim_form).to_be_visible()
    assert page.url == f"{live_server}/warranty"
    expect(claim_form.locator("input[name=purchase_line_id]")).to_have_count(2)
    washer_choice = claim_form.locator("label.item-choice", has_text=owner.washer_model)
    expect(washer_choice).to_contain_text(f"in warranty until {_shown(_last_warranty_day(owner.bought_on, 24))}")
    expect(claim_form.locator("label.item-choice", has_text=owner.fridge_model)).to_contain_text("out of warranty")
    body = page.locator("body")
    for private in (owner.name, owner.address, owner.pin_code, owner.phone, owner.phone[-10:], owner.city):
        expect(body).not_to_contain_text(private)

    # --- file the claim with a photo ---
    washer_choice.locator("input[name=purchase_line_id]").check()
    page.select_option("#public-fault", "Water leaking")
    description = f"{HINDI}. Leaks from the door seal on every wash."
    page.fill("#public-description", description)
    page.set_input_files("#public-photos", str(photo))
    claim_form.locator("button[type=submit]").click()

    number_shown = page.locator("#filed-number")
    expect(number_shown).to_be_visible()
    number = number_shown.inner_text()
    assert CLAIM_NUMBER.match(number), number
    status_link = page.locator("#status-link")
    href = status_link.get_attribute("href")
    assert href.startswith(f"{live_server}/warranty/status/"), href
    token = href.rsplit("/", 1)[1]
    assert len(token) >= 24, "the status link's token is too short to be unguessable"

    claim, stored = _claim_row(db, number)
    assert claim.filed_via == "self_service" and claim.description == description
    assert [p.content_type for p in stored] == ["image/jpeg"]

    # --- follow the status link ---
    status_link.click()
    page.wait_for_url(href)
    expect(page.locator("h1")).to_contain_text(number)
    expect(page.locator("#public-status")).to_have_text("Submitted")
    expect(page.locator("body")).to_contain_text(owner.washer_model)
    expect(page.locator("body")).not_to_contain_text(owner.name)
    expect(page.locator("body")).not_to_contain_text(owner.address)
