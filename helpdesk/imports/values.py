"""Reading one cell of an import file: money, dates, quantities, phones, e-mails, PIN codes, GSTINs, customer IDs.

Each reader returns the stored form or raises FieldError with a reason a shop's clerk can act on.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import ValidationError as NumberValidationError
from stdnum.in_ import gstin as gstin_numbers

from helpdesk import ids, phones
from helpdesk.timeutil import SHOP_TZ

# Spreadsheets and Shopify's export put an apostrophe before numbers (phones, PIN codes) so Excel keeps them as text.
_EXCEL_TEXT_MARK = "'"
_MONEY_NOISE = re.compile(r"[₹,\s]|^(?:rs\.?|inr)", re.IGNORECASE)
_PIN_CODE = re.compile(r"[1-9][0-9]{5}")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


class FieldError(ValueError):
    """One cell cannot be imported; `column` is the file's own header name, `reason` says what to fix."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


def clean(value: str | None) -> str:
    """The cell without surrounding spaces, the Excel text mark, and in NFC (so ख़ typed two ways is one word)."""
    if not value:
        return ""
    value = value.strip().removeprefix(_EXCEL_TEXT_MARK).strip()
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def text(value: str | None, column: str, *, max_length: int, required: bool = False) -> str | None:
    """Free text (names, addresses in any script), None when empty."""
    value = clean(value)
    if not value:
        if required:
            raise FieldError(column, "is empty; it is required")
        return None
    if len(value) > max_length:
        raise FieldError(column, f"is {len(value)} characters long; at most {max_length} fit")
    return value


def money_paise(value: str | None, column: str, *, required: bool = False) -> int | None:
    """Rupees as written (1299, 1,299.50, ₹1,299, Rs. 1299) in paise; refunds (negative amounts) are refused."""
    value = clean(value)
    if not value:
        if required:
            raise FieldError(column, "is empty; give the amount in rupees, e.g. 1299.00")
        return None
    return _paise(value, column)


_PLAIN_RUPEES = re.compile(r"(\d{1,11})(?:\.(\d{1,2}))?")


def _paise(value: str, column: str) -> int:
    plain = _PLAIN_RUPEES.fullmatch(value)
    if plain:  # the common case (1299, 1299.5, 1299.00) without Decimal
        rupees, paise = plain.groups()
        return int(rupees) * 100 + int((paise or "0").ljust(2, "0"))
    try:
        amount = Decimal(_MONEY_NOISE.sub("", value))
    except InvalidOperation:
        raise FieldError(column, f"{value!r} is not an amount in rupees, e.g. 1299.00") from None
    if not amount.is_finite():
        raise FieldError(column, f"{value!r} is not an amount in rupees, e.g. 1299.00")
    if amount < 0:
        raise FieldError(column, "is negative: refunds and credit notes are not imported as sales")
    paise = amount * 100
    if paise != paise.to_integral_value():
        raise FieldError(column, f"{value!r} has more than two decimals (paise)")
    if paise > 10**13:
        raise FieldError(column, f"{value!r} is too large an amount")
    return int(paise)


def quantity(value: str | None, column: str) -> int:
    """A whole number of units, 1 or more (empty means 1)."""
    value = clean(value)
    if not value:
        return 1
    try:
        number = int(value)
    except ValueError:
        raise FieldError(column, f"{value!r} is not a whole number of units") from None
    if not 1 <= number <= 100_000:
        raise FieldError(column, f"{number} units: give 1 or more (returns are not imported as sales)")
    return number


def whole_number(value: str | None, column: str, *, low: int, high: int, default: int | None = None) -> int:
    """A whole number between low and high (warranty months and the like)."""
    value = clean(value)
    if not value and default is not None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise FieldError(column, f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise FieldError(column, f"{number} is out of range ({low} to {high})")
    return number


def day(value: str | None, column: str, *, today: date, required: bool = True) -> date | None:
    """The shop's calendar day of a sale: 2024-01-15, 15/01/2024, or a time with its offset (Shopify)."""
    value = clean(value)
    if not value:
        if not required:
            return None
        raise FieldError(column, "is empty; give the date, e.g. 2024-01-15")
    found = _day(value)
    if found is None:
        raise FieldError(column, f"{value!r} is not a date (use 2024-01-15 or 15/01/2024)")
    if found > today:
        raise FieldError(column, f"{found.isoformat()} is in the future")
    return found


@lru_cache(maxsize=8192)
def _day(value: str) -> date | None:
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        for pattern in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        # A sale at 00:30 IST is 19:00 UTC the day before: the shop's day is what warranties count from.
        parsed = parsed.astimezone(SHOP_TZ)
    return parsed.date()


def phone(value: str | None, column: str) -> str | None:
    """A phone number in E.164, None when empty (helpdesk.phones decides what is a number)."""
    value = clean(value)
    if not value:
        return None
    try:
        return phones.normalise(value)
    except phones.InvalidPhone as exc:
        raise FieldError(column, str(exc)) from None


# A plain ASCII address (the WHATWG form's definition, with a dotted domain ending in letters). email_validator's
# IDNA checks cost ~100 µs an address, most of the time of a new customer's row; it still judges every other address.
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                          r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})")


def email(value: str | None, column: str) -> str | None:
    """An e-mail address (syntax only: no look-up of the domain during an import), None when empty."""
    value = clean(value)
    if not value:
        return None
    plain = _PLAIN_EMAIL.fullmatch(value) if len(value) <= 254 else None
    if plain:
        # The form email_validator normalises to: the domain in lower case, the local part as written.
        return value[:plain.start(1)] + plain.group(1).lower()
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(column, f"is not an e-mail address: {exc}") from None


def pin_code(value: str | None, column: str) -> str | None:
    """An Indian PIN code: six digits, not starting with 0 (560 001 and 560001 both read)."""
    value = clean(value).replace(" ", "")
    if not value:
        return None
    if not _PIN_CODE.fullmatch(value):
        raise FieldError(column, f"{value!r} is not a PIN code (six digits, not starting with 0)")
    return value


def gstin(value: str | None, column: str) -> str | None:
    """A GSTIN (15 characters with its check character), None when empty."""
    value = clean(value)
    if not value:
        return None
    try:
        return gstin_numbers.validate(value)
    except NumberValidationError as exc:
        raise FieldError(column, f"{value!r} is not a valid GSTIN ({exc})") from None


def hsn(value: str | None, column: str) -> str | None:
    """An HSN or SAC code: 4 to 8 digits."""
    value = clean(value).replace(" ", "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and 4 <= len(value) <= 8):
        raise FieldError(column, f"{value!r} is not an HSN code (4 to 8 digits)")
    return value


def gst_rate_basis_points(value: str | None, column: str) -> int | None:
    """A GST rate in percent (18, 18%, 2.5) as basis points (1800)."""
    value = clean(value).removesuffix("%").strip()
    if not value:
        return None
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise FieldError(column, f"{value!r} is not a tax rate in percent, e.g. 18") from None
    if not (rate.is_finite() and 0 <= rate <= 100):
        raise FieldError(column, f"{value!r} is not a tax rate between 0 and 100")
    return int(rate * 100)


def customer_code(value: str | None, column: str) -> str | None:
    """A customer ID with a valid check digit, None when empty."""
    value = clean(value)
    if not value:
        return None
    try:
        return ids.parse(value)
    except ids.InvalidCustomerId as exc:
        raise FieldError(column, exc.reason) from None


def choice(value: str | None, column: str, allowed: dict[str, str], *, default: str) -> str:
    """One of a few words (payment status, channel), case-insensitive; empty gives the default."""
    value = clean(value).lower()
    if not value:
        return default
    if value not in allowed:
        raise FieldError(column, f"{value!r} is not one of: {', '.join(sorted(allowed))}")
    return allowed[value]
