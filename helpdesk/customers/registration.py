"""Registering a caller who is not yet a customer: validated details, a new customer ID, and the duplicate check."""

from __future__ import annotations

import re

from pydantic import field_validator
from sqlalchemy import select
from sqlmodel import Session

from helpdesk import ids
from helpdesk.customers import duplicates
from helpdesk.customers.duplicates import Match
from helpdesk.customers.models import Customer
from helpdesk.forms import InvalidInput, limited_text
from helpdesk.privacy import store as personal
from helpdesk.privacy.fields import AddressFields, phone_field

_PIN = re.compile(r"[1-9]\d{5}")
# Eight random digits give 90 million IDs: a clash is rare, a few retries make it vanishingly so.
_ID_TRIES = 10


class NewCustomer(AddressFields):
    """The new-customer form. Name, phone and PIN code are required; e-mail and street address are optional."""

    full_name: str
    phone: str
    pin_code: str

    @field_validator("full_name", mode="before")
    @classmethod
    def _name(cls, value):
        return limited_text(value, label="The name", max_length=120)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value):
        return phone_field(value, label="The phone number", required=True)

    @field_validator("pin_code", mode="before")
    @classmethod
    def _pin(cls, value):
        text = "".join(limited_text(value, label="The PIN code", max_length=12).split())
        if not _PIN.fullmatch(text):
            raise ValueError("A PIN code has six digits and does not start with 0, e.g. 226001.")
        return text

    def details(self, code: str) -> personal.PersonalDetails:
        return personal.PersonalDetails(code, full_name=self.full_name, phone=self.phone, email=self.email,
                                        address_line=self.address_line, city=self.city, pin_code=self.pin_code)


class PossibleDuplicate(InvalidInput):
    """Another customer has this phone or e-mail (or a very similar name here): the agent confirms before saving."""

    def __init__(self, matches: list[Match]) -> None:
        super().__init__({"duplicates": "This may be a customer we already have: check with the caller, open "
                                        "theirs, or tick the box to register a new customer anyway."})
        self.matches = matches


def _checkable(form: dict) -> personal.PersonalDetails:
    """What of a half-filled form can be checked for duplicates: each valid field on its own."""
    values: dict[str, str | None] = {}
    for name in ("full_name", "phone", "email", "pin_code"):
        try:
            values[name] = getattr(NewCustomer.__pydantic_validator__.validate_assignment(
                NewCustomer.model_construct(), name, form.get(name)), name)
        except (ValueError, TypeError):
            values[name] = None
    return personal.PersonalDetails("", **values)


def possible_duplicates(session: Session, form: dict) -> list[Match]:
    """Customers the form's phone, e-mail or name and PIN code may belong to (the HTMX check on blur)."""
    return duplicates.find_matches(session, _checkable(form))


def new_customer_id(session: Session) -> str:
    """An ID no customer has yet."""
    for _ in range(_ID_TRIES):
        code = ids.generate()
        if session.execute(select(Customer.id).where(Customer.code == code)).first() is None:
            return code
    raise RuntimeError("could not find a free customer ID")  # pragma: no cover: 1 in 10**70


def register(session: Session, *, data: NewCustomer, confirmed: bool) -> Customer:
    """Create the customer and their (encrypted) personal record, and flag possible duplicates. Commits.

    Refused with PossibleDuplicate when someone already has the phone or e-mail (or a very similar name with the
    same PIN code), unless the agent `confirmed` they are a different person.
    """
    matches = duplicates.find_matches(session, data.details(""))
    if matches and not confirmed:
        raise PossibleDuplicate(matches)
    customer = Customer(code=new_customer_id(session))
    session.add(customer)
    session.flush()
    personal.save(session, data.details(customer.code))
    duplicates.flag_new_customer(session, customer.id)
    session.commit()
    return customer
