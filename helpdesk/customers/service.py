"""Customer rules: lookup by ID or phone, and finding a customer."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from helpdesk import ids, phones
from helpdesk.customers.errors import CustomerMerged, CustomerNotFound
from helpdesk.customers.models import Customer
from helpdesk.privacy import store as personal
from helpdesk.serials.queries import line_ids_for

MAX_LOOKUP_LENGTH = 64


# --- lookup -------------------------------------------------------------------------------------


@dataclass
class LookupChoice:
    customer_id: str
    name: str | None
    phone_masked: str
    city: str | None


@dataclass
class LookupResult:
    """What the lookup box found: one customer to open, several to choose from, or a message."""

    query: str
    customer_id: str | None = None
    serial: str | None = None
    phone: str | None = None  # a number nobody has: the agent may register the caller with it
    choices: list[LookupChoice] = field(default_factory=list)
    message: str | None = None
    kind: str = "none"  # "id", "phone", "serial", "invalid", "empty", "not_found"

    @property
    def found(self) -> bool:
        return self.customer_id is not None


def lookup(session: Session, text: str) -> LookupResult:
    """Resolve what the agent typed: a customer ID (any spacing), a phone number, or else a unit's serial number."""
    query = text.strip()
    if not query:
        return LookupResult(query=text, kind="empty", message="Type the customer ID the caller reads out, or a phone number.")
    if len(query) > MAX_LOOKUP_LENGTH:
        return LookupResult(
            query=text[:MAX_LOOKUP_LENGTH],
            kind="invalid",
            message=f"That is too long for a customer ID or phone number (at most {MAX_LOOKUP_LENGTH} characters).",
        )
    if ids.looks_like_id(query):
        try:
            code = ids.parse(query)
        except ids.InvalidCustomerId as exc:
            return _serial_or(session, query, LookupResult(query=text, kind="invalid",
                                                           message=_invalid_id_message(exc.reason)))
        if session.exec(select(Customer.id).where(Customer.code == code)).first() is None:
            return LookupResult(
                query=text, kind="not_found", message=f"No customer has the ID {ids.format_grouped(code)}. Check it with the caller."
            )
        return LookupResult(query=text, kind="id", customer_id=code)
    if phones.is_phone(query):
        return _lookup_phone(session, text, phones.normalise(query))
    try:
        ids.parse(query)
    except ids.InvalidCustomerId as exc:
        return _serial_or(session, query, LookupResult(query=text, kind="invalid", message=_invalid_id_message(exc.reason)))
    raise AssertionError("unreachable: a valid ID always looks like one")  # pragma: no cover


def _serial_or(session: Session, query: str, otherwise: LookupResult) -> LookupResult:
    """Text that is neither a customer ID nor a phone number may be a unit's serial number: open its record."""
    if line_ids_for(session, query):
        return LookupResult(query=query, kind="serial", serial=query)
    return otherwise


def _invalid_id_message(reason: str) -> str:
    return f"That is not a valid customer ID. {reason} Ask the caller to repeat it."


def customers_by_phone(session: Session, phone: str) -> list[LookupChoice]:
    """Customers whose main or second number is this (normalised) phone."""
    records = personal.find_by_phone(session, phone)
    if not records:
        return []
    # The personal store may name customers the main store no longer has (or not yet): keep only real ones.
    known = set(session.exec(select(Customer.code).where(col(Customer.code).in_([r.customer_code for r in records]))).all())
    return sorted(
        (LookupChoice(customer_id=r.customer_code, name=r.full_name, phone_masked=phones.mask(r.phone), city=r.city)
         for r in records if r.customer_code in known),
        key=lambda choice: ((choice.name or "").casefold(), choice.customer_id),
    )


def _lookup_phone(session: Session, text: str, phone: str) -> LookupResult:
    choices = customers_by_phone(session, phone)
    if not choices:
        return LookupResult(query=text, kind="not_found", phone=phone,
                            message=f"No customer has the number {phones.mask(phone)} on file.")
    if len(choices) == 1:
        return LookupResult(query=text, kind="phone", customer_id=choices[0].customer_id, choices=choices)
    return LookupResult(
        query=text, kind="phone", choices=choices, message=f"{len(choices)} customers share this number: choose one."
    )


def get_customer(session: Session, code: str) -> Customer:
    """The customer with this (validated) ID, or CustomerNotFound."""
    customer = session.exec(select(Customer).where(Customer.code == code)).first()
    if customer is None:
        raise CustomerNotFound(code)
    return customer


def active_customer(session: Session, code: str) -> Customer:
    """The customer to add work to: CustomerNotFound, or CustomerMerged when the ID now leads to a survivor."""
    customer = get_customer(session, code)
    if customer.merged_into_id is not None:
        survivor = session.get(Customer, customer.merged_into_id)
        raise CustomerMerged(code, survivor.code)
    return customer


def customer_by_row_id(session: Session, row_id: int) -> Customer:
    """The customer a verified self-service session points at (by row id, which the session keeps)."""
    customer = session.get(Customer, row_id)
    if customer is None:
        raise CustomerNotFound(str(row_id))
    return customer


def customer_from_typed_id(session: Session, text: str) -> tuple[Customer | None, str | None]:
    """(customer, None), or (None, a message for the agent) for what was typed in a customer ID field."""
    if not text.strip():
        return None, "Enter the customer ID."
    try:
        code = ids.parse(text)
    except ids.InvalidCustomerId as exc:
        return None, _invalid_id_message(exc.reason)
    try:
        return get_customer(session, code), None
    except CustomerNotFound as exc:
        return None, str(exc)


def names_for(session: Session, codes: list[str] | set[str]) -> dict[str, str | None]:
    """The names of these customers by customer ID, for lists that show a name beside the ID: one query.

    Other areas read names through here; the personal store decrypts them (helpdesk.privacy.store).
    """
    return {code: details.full_name for code, details in personal.read_many(session, codes).items()}
