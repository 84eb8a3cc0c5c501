"""Phone numbers (India by default, any country with +): normalise what agents and telephony send to E.164, and mask it."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

DEFAULT_REGION = "IN"

# What people put between digits when they type or paste a number. Anything else (letters, "#", "*", "ext.") is
# refused before phonenumbers sees it: it would quietly skip it, and "SN9812345678" is a serial, not a phone.
_ALLOWED = re.compile(r"[\d\s+\-.()/\u2010-\u2015]+")
_DIGIT = re.compile(r"\d")
# Customer IDs are 9 digits and share the lookup box (helpdesk/ids.py); no bare 9 digits may ever be a phone.
_CUSTOMER_ID_DIGITS = 9
_INDIAN_MOBILE_START = "6789"
_STORED = re.compile(r"\+[1-9]\d{6,14}")
_MASK_DOT = "\u2022"


class InvalidPhone(ValueError):
    """The text is not a phone number we can match; the message tells the agent what to fix."""


def _parse(text: str) -> phonenumbers.PhoneNumber:
    """Parse and validate, or raise InvalidPhone with a message for the agent."""
    stripped = text.strip()
    if not stripped:
        raise InvalidPhone("No phone number was given.")
    if not _ALLOWED.fullmatch(stripped):
        raise InvalidPhone("A phone number has digits only (spaces, dashes, dots and brackets are fine).")
    if "+" in stripped and (stripped.count("+") > 1 or not stripped.lstrip("( ").startswith("+")):
        raise InvalidPhone("The + goes once, before the country code: +91 98123 45678.")
    # Devanagari and other scripts' digits are welcome: read them as ASCII digits.
    digits = "".join(str(int(d)) for d in _DIGIT.findall(stripped))
    international = "+" in stripped or digits.startswith("00")
    # Nine digits are a customer ID in the lookup box, even after a 00 (only a + marks a short foreign number).
    if "+" not in stripped and len(digits) == _CUSTOMER_ID_DIGITS:
        raise InvalidPhone("Nine digits is a customer ID, not a phone number: a mobile has 10. Check the number.")
    try:
        number = phonenumbers.parse(stripped, DEFAULT_REGION)
    except NumberParseException as exc:
        raise InvalidPhone(_parse_failure(exc)) from None
    national = str(number.national_number)
    if number.country_code == 91 and not international:
        if len(digits) == 10 and national[0] not in _INDIAN_MOBILE_START:
            # phonenumbers reads "1123456789" as a Delhi landline without its 0; people write landlines with the 0
            # (011 2345 6789), and a bare 10-digit code not starting 6-9 is more likely a serial or an order number.
            raise InvalidPhone("A landline needs the 0 before its area code, e.g. 011 2345 6789.")
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_invalid_message(number, international))
    return number


def _parse_failure(exc: NumberParseException) -> str:
    if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
        return "That country code does not exist. Check the digits after +."
    if exc.error_type == NumberParseException.TOO_LONG:
        return "That is too long for a phone number."
    if exc.error_type == NumberParseException.NOT_A_NUMBER:
        return "That is not a phone number."
    return "That is too short for a phone number."


def _invalid_message(number: phonenumbers.PhoneNumber, international: bool) -> str:
    if number.country_code == 91:
        length = len(str(number.national_number))
        size = "too short for" if length < 10 else "too long for" if length > 10 else "not"
        if not international:
            return (
                f"That is {size} an Indian number: a mobile has 10 digits starting 6-9, a landline is 0, area code and "
                "number (011 2345 6789). A number abroad needs + and its country code."
            )
        return f"That is {size} an Indian number: after +91 come 10 digits (a mobile starts 6-9)."
    region = phonenumbers.region_code_for_country_code(number.country_code)
    return f"Not a valid number for +{number.country_code} ({region}). Check the digits with the caller."


def normalise(text: str) -> str:
    """E.164 (+919812345678). Takes `+91 98123 45678`, `09812345678`, `011 2345 6789`, `+44 20 7946 0958`, …"""
    return phonenumbers.format_number(_parse(text), PhoneNumberFormat.E164)


def is_phone(text: str) -> bool:
    """True when the text normalises to a phone number."""
    try:
        normalise(text)
    except InvalidPhone:
        return False
    return True


def _country_code_length(e164: str) -> int:
    """Digits in the country code of an E.164 number (calling codes are prefix-free, 1 to 3 digits)."""
    for length in (1, 2, 3):
        if int(e164[1 : 1 + length]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return length
    return 0


def mask(phone: str | None) -> str:
    """Country code and the last three digits only: +91 ••••• ••321, +44 ••••• ••958."""
    if not phone:
        return ""
    if _STORED.fullmatch(phone):
        # Stored numbers are already E.164: no parsing on the hot path of lists.
        code_length = _country_code_length(phone)
    else:
        try:
            phone = normalise(phone)
            code_length = _country_code_length(phone)
        except InvalidPhone:
            code_length = 0
    digits = "".join(_DIGIT.findall(phone))
    national = digits[code_length:]
    hidden = max(len(national) - 3, 0)
    # The same shape for every number of a length: grouping by area code would hint at the city.
    dots = _MASK_DOT * hidden
    masked = f"{dots[:-2]} {dots[-2:]}{national[-3:]}" if hidden > 2 else dots + national[-3:]
    prefix = f"+{digits[:code_length]} " if code_length else ""
    return prefix + masked.strip()


def format_display(phone: str) -> str:
    """Grouped the way the number's country writes it: +91 98123 45678, +44 20 7946 0958, +1 415-555-2671."""
    try:
        return phonenumbers.format_number(_parse(phone), PhoneNumberFormat.INTERNATIONAL)
    except InvalidPhone:
        return phone


def mask_email(email: str | None) -> str:
    """Keep the first letter and the domain: r•••••@example.in."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••••@{domain}"
