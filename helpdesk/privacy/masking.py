"""How personal values are shown unless revealed: phones, e-mail and address masked; masked forms for the audit log."""

from __future__ import annotations

from enum import StrEnum

from helpdesk import phones
from helpdesk.privacy.store import PersonalDetails

DOTS = "\u2022" * 5


class RevealField(StrEnum):
    """What an agent may reveal, one at a time. The name is shown as it is: agents greet callers by name."""

    PHONE = "phone"
    ALT_PHONE = "alt_phone"
    EMAIL = "email"
    ADDRESS = "address"


FIELD_LABELS = {
    RevealField.PHONE: "Phone",
    RevealField.ALT_PHONE: "Second phone",
    RevealField.EMAIL: "E-mail",
    RevealField.ADDRESS: "Address",
}


def address_text(details: PersonalDetails | None) -> str:
    """The whole postal address on one line: "12 MG Road, Lucknow, Uttar Pradesh 226001"."""
    if details is None:
        return ""
    place = " ".join(part for part in (details.state, details.pin_code) if part)
    return ", ".join(part for part in (details.address_line, details.city, place) if part)


def mask_pin(pin: str | None) -> str:
    """The first two digits (the postal region) only: 22••••."""
    if not pin:
        return ""
    compact = pin.replace(" ", "")
    return compact[:2] + "\u2022" * max(len(compact) - 2, 0)


def mask_address(details: PersonalDetails | None) -> str:
    """City and state stay (the page shows the city anyway); street and PIN are hidden: •••••, Lucknow, Uttar Pradesh 22••••."""
    if details is None or not any((details.address_line, details.city, details.state, details.pin_code)):
        return ""
    place = " ".join(part for part in (details.state, mask_pin(details.pin_code)) if part)
    return ", ".join(part for part in (DOTS if details.address_line else None, details.city, place) if part)


def mask_text(value: str | None) -> str:
    """Each word's first letter: "Asha Verma" -> "A••• V•••" (names and street lines in the audit log)."""
    if not value:
        return ""
    return " ".join(word[:1] + "\u2022" * 3 for word in value.split())


def masked(details: PersonalDetails | None, field: str) -> str:
    """The value as every page shows it."""
    if details is None:
        return ""
    if field in (RevealField.PHONE, RevealField.ALT_PHONE):
        return phones.mask(getattr(details, field))
    if field == RevealField.EMAIL:
        return phones.mask_email(details.email)
    if field == RevealField.ADDRESS:
        return mask_address(details)
    raise ValueError(f"not a field that is shown masked: {field}")


def plain(details: PersonalDetails | None, field: str) -> str:
    """The value as a reveal shows it (phones grouped the way their country writes them)."""
    if details is None:
        return ""
    if field in (RevealField.PHONE, RevealField.ALT_PHONE):
        value = getattr(details, field)
        return phones.format_display(value) if value else ""
    if field == RevealField.EMAIL:
        return details.email or ""
    if field == RevealField.ADDRESS:
        return address_text(details)
    raise ValueError(f"not a field that can be revealed: {field}")


def masked_for_audit(field: str, value: str | None) -> str:
    """A before/after value for the audit log: never the value itself."""
    if not value:
        return "(none)"
    if field in ("phone", "alt_phone"):
        return phones.mask(value)
    if field == "email":
        return phones.mask_email(value)
    if field == "pin_code":
        return mask_pin(value)
    if field == "state":
        return value  # one of 37 names: identifies nobody
    return mask_text(value)
