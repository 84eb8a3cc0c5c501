"""Indian phone numbers: normalise what agents and telephony send to one canonical form, and mask it."""

from __future__ import annotations

import re

_NOISE = re.compile(r"[\s\-.()\u2010-\u2015]+")


class InvalidPhone(ValueError):
    """The text is not a phone number we can match."""


def normalise(text: str) -> str:
    """Canonical +91 and ten digits. Accepts `+91 98123 45678`, `09812345678`, `919812345678`, `9812345678`."""
    compact = _NOISE.sub("", text.strip())
    if compact.startswith("+"):
        if not compact.startswith("+91"):
            raise InvalidPhone("Only Indian numbers (+91) are on file.")
        compact = compact[3:]
    elif compact.startswith("0091"):
        compact = compact[4:]
    elif len(compact) == 12 and compact.startswith("91"):
        compact = compact[2:]
    elif len(compact) == 11 and compact.startswith("0"):
        compact = compact[1:]
    if not compact.isascii() or not compact.isdigit():
        raise InvalidPhone("A phone number has digits only.")
    if len(compact) != 10 or compact[0] in "01":
        raise InvalidPhone("An Indian phone number has 10 digits after +91 or 0.")
    return "+91" + compact


def is_phone(text: str) -> bool:
    """True when the text normalises to a phone number."""
    try:
        normalise(text)
    except InvalidPhone:
        return False
    return True


def mask(phone: str | None) -> str:
    """Show the last three digits only: +91 ••••• ••321."""
    if not phone:
        return ""
    digits = phone[-10:]
    return f"+91 ••••• ••{digits[-3:]}"


def format_display(phone: str) -> str:
    """+91 98123 45678."""
    digits = phone[-10:]
    return f"+91 {digits[:5]} {digits[5:]}"


def mask_email(email: str | None) -> str:
    """Keep the first letter and the domain: r•••••@example.in."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••••@{domain}"
