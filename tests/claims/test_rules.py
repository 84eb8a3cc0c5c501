"""Claim rules as pure functions: eligibility on boundary days, duplicates, the status machine, photos."""

from __future__ import annotations

from datetime import date

import pytest

from helpdesk.claims.models import Eligibility
from helpdesk.claims.photos import MAX_PHOTO_BYTES, PhotoRejected, check_photos
from helpdesk.claims.rules import can_change_claim_status, check_eligibility, fault_categories, needs_supervisor

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def _check(bought, months, today, open_claim=None):
    return check_eligibility(purchased_on=bought, warranty_months=months, today=today, open_claim_number=open_claim)


@pytest.mark.parametrize(
    ("bought", "months", "today", "expected"),
    [
        (date(2025, 11, 23), 12, date(2026, 11, 22), Eligibility.IN_WARRANTY),  # last covered day is today
        (date(2025, 11, 23), 12, date(2026, 11, 23), Eligibility.EXPIRED),  # ended yesterday
        (date(2024, 2, 29), 12, date(2025, 2, 27), Eligibility.IN_WARRANTY),  # leap day: anniversary is 28 Feb
        (date(2024, 2, 29), 12, date(2025, 2, 28), Eligibility.EXPIRED),
        (date(2026, 1, 31), 1, date(2026, 2, 27), Eligibility.IN_WARRANTY),  # short month clamps
        (date(2026, 1, 31), 1, date(2026, 2, 28), Eligibility.EXPIRED),
        (date(2025, 8, 31), 1, date(2025, 9, 29), Eligibility.IN_WARRANTY),
        (date(2025, 8, 31), 1, date(2025, 9, 30), Eligibility.EXPIRED),
    ],
)
def test_eligibility_on_boundary_days(bought, months, today, expected):
    assert _check(bought, months, today).eligibility == expected


def test_open_claim_makes_it_a_duplicate_whatever_the_warranty():
    check = _check(date(2026, 1, 1), 24, date(2026, 6, 1), open_claim="W-2026-000007")
    assert check.eligibility == Eligibility.DUPLICATE and "W-2026-000007" in check.message


def test_expired_message_says_supervisor():
    assert "supervisor" in _check(date(2020, 1, 1), 12, date(2026, 1, 1)).message


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [("submitted", "in_review", True), ("submitted", "approved", False), ("in_review", "approved", True),
     ("in_review", "rejected", True), ("approved", "in_repair", True), ("approved", "refunded", True),
     ("in_repair", "closed", True), ("rejected", "closed", True), ("closed", "in_review", False),
     ("refunded", "approved", False)],
)
def test_status_machine(current, new, allowed):
    assert can_change_claim_status(current, new) is allowed


def test_only_out_of_warranty_approval_needs_a_supervisor():
    assert needs_supervisor(eligibility="expired", new_status="approved")
    assert not needs_supervisor(eligibility="in_warranty", new_status="approved")
    assert not needs_supervisor(eligibility="expired", new_status="rejected")


def test_fault_categories_per_product_category():
    assert "Not cooling" in fault_categories("Refrigerator")
    assert "Drum not spinning" in fault_categories("Washing machine")
    assert fault_categories("Something new")[-1] == "Other"


def test_photos_checked_by_content_not_name():
    photos = check_photos([("a.jpg", JPEG), ("b.png", PNG)])
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    with pytest.raises(PhotoRejected, match="not a JPEG or PNG"):
        check_photos([("holiday.jpg", b"MZ\x90\x00" + b"\x00" * 64)])  # an .exe renamed .jpg
    with pytest.raises(PhotoRejected, match="empty"):
        check_photos([("empty.jpg", b"")])
    with pytest.raises(PhotoRejected, match="at most 5 MB"):
        check_photos([("big.jpg", JPEG + b"\x00" * MAX_PHOTO_BYTES)])
    with pytest.raises(PhotoRejected, match="At most 5 photos"):
        check_photos([(f"{i}.jpg", JPEG) for i in range(6)])
