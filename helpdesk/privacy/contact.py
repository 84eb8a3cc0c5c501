"""Keeping contact details right: validated edits of the personal record, consent per channel and the preferred
language, each change audited with before and after masked, consent changes kept as history.

Who may edit: every signed-in role (agent, supervisor, admin). Agents take the calls in which customers give a new
number or address; the audit log shows who changed what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pydantic import field_validator
from sqlmodel import Session

from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.customers.models import CONSENT_FIELDS, LANGUAGES, ConsentChange, Customer
from helpdesk.customers.service import get_customer
from helpdesk.forms import InvalidInput, limited_text
from helpdesk.privacy import store
from helpdesk.privacy.fields import AddressFields, phone_field
from helpdesk.privacy.masking import masked_for_audit
from helpdesk.timeutil import utcnow

OUTSIDE_INDIA = "Outside India"
STATES = (
    "Andaman and Nicobar Islands", "Andhra Pradesh", "Arunachal Pradesh", "Assam", "Bihar", "Chandigarh",
    "Chhattisgarh", "Dadra and Nagar Haveli and Daman and Diu", "Delhi", "Goa", "Gujarat", "Haryana",
    "Himachal Pradesh", "Jammu and Kashmir", "Jharkhand", "Karnataka", "Kerala", "Ladakh", "Lakshadweep",
    "Madhya Pradesh", "Maharashtra", "Manipur", "Meghalaya", "Mizoram", "Nagaland", "Odisha", "Puducherry", "Punjab",
    "Rajasthan", "Sikkim", "Tamil Nadu", "Telangana", "Tripura", "Uttar Pradesh", "Uttarakhand", "West Bengal",
    OUTSIDE_INDIA,
)
CONSENT_LABELS = {"consent_sms": "Marketing by SMS", "consent_email": "Marketing by e-mail",
                  "consent_whatsapp": "Marketing by WhatsApp", "preferred_language": "Preferred language"}
FIELD_LABELS = {"full_name": "Name", "phone": "Phone", "alt_phone": "Second phone", "email": "E-mail",
                "address_line": "Street address", "city": "City", "state": "State", "pin_code": "PIN code"}
# Fields a customer may have none of (the name stays: a record without one is no record).
REMOVABLE = ("phone", "alt_phone", "email", "address_line", "city", "state", "pin_code")
_PIN = re.compile(r"[1-9]\d{5}")
_POSTCODE_ABROAD = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{1,9}")
_YES_NO = {"yes": True, "no": False}


class ContactUpdate(AddressFields):
    """The contact form: a blank field keeps what is on file (inputs never show plain values); `clear` empties one."""

    full_name: str | None = None
    phone: str | None = None
    alt_phone: str | None = None
    email: str | None = None
    address_line: str | None = None
    city: str | None = None
    state: str | None = None
    pin_code: str | None = None
    clear: list[str] = []
    consent_sms: bool
    consent_email: bool
    consent_whatsapp: bool
    preferred_language: str | None = None

    @field_validator("full_name", mode="before")
    @classmethod
    def _name(cls, value):
        return limited_text(value, label="The name", max_length=120, required=False) or None

    @field_validator("phone", "alt_phone", mode="before")
    @classmethod
    def _phone(cls, value):
        return phone_field(value)

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value):
        text = (value or "").strip()
        if text and text not in STATES:
            raise ValueError("Choose a state or union territory from the list (or Outside India).")
        return text or None

    @field_validator("pin_code", mode="before")
    @classmethod
    def _pin(cls, value):
        return limited_text(value, label="The PIN code", max_length=12, required=False) or None

    @field_validator("clear", mode="before")
    @classmethod
    def _clear(cls, value):
        values = [value] if isinstance(value, str) else list(value or [])
        if any(item not in REMOVABLE for item in values):
            raise ValueError("Only the listed details can be removed.")
        return values

    @field_validator("consent_sms", "consent_email", "consent_whatsapp", mode="before")
    @classmethod
    def _yes_no(cls, value):
        if value not in _YES_NO:
            raise ValueError("Choose yes or no.")
        return _YES_NO[value]

    @field_validator("preferred_language", mode="before")
    @classmethod
    def _language(cls, value):
        if value in (None, ""):
            return None
        if value not in LANGUAGES:
            raise ValueError("Choose a language from the list.")
        return value


@dataclass
class ContactResult:
    changed: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if not self.changed:
            return "Nothing changed."
        return "Saved: " + ", ".join(self.changed) + "."


def _check_pin(details: store.PersonalDetails) -> None:
    """An Indian address has a six-digit PIN code; an address abroad a postcode of its own."""
    if not details.pin_code:
        return
    compact = details.pin_code.replace(" ", "")
    if details.state == OUTSIDE_INDIA:
        if not _POSTCODE_ABROAD.fullmatch(details.pin_code):
            raise InvalidInput({"pin_code": "A postcode has letters and digits only (at most 10)."})
    elif not _PIN.fullmatch(compact):
        raise InvalidInput({"pin_code": "A PIN code has six digits and does not start with 0, e.g. 226001."})


def _personal_changes(current: store.PersonalDetails, form: ContactUpdate) -> dict[str, str | None]:
    changes: dict[str, str | None] = {}
    for name in FIELD_LABELS:
        typed = getattr(form, name)
        if name in form.clear:
            if typed:
                raise InvalidInput({name: "Type a new value or tick remove, not both."})
            new = None
        elif typed is not None:
            new = typed
        else:
            continue
        if name == "pin_code" and new:
            new = new.replace(" ", "") if (form.state or current.state) != OUTSIDE_INDIA else new
        if new != getattr(current, name):
            changes[name] = new
    return changes


def _record_consent(session: Session, customer: Customer, actor: audit.Actor, name: str, old: str | None,
                    new: str | None) -> None:
    session.add(ConsentChange(customer_id=customer.id, field=name, old_value=old, new_value=new, changed_at=utcnow(),
                              actor_id=actor.agent_id, actor_label=actor.label, source="agent"))
    audit.record(session, actor=actor, action=AuditAction.CONTACT_CHANGE, customer_code=customer.code, field=name,
                 details=f"{old or '(none)'} → {new or '(none)'}")


def update_contact(session: Session, *, actor: audit.Actor, code: str, form: ContactUpdate) -> ContactResult:
    """Apply the form: personal fields through the personal store, consent on the customer; audit each change; commits."""
    customer = get_customer(session, code)
    current = store.read(session, code) or store.PersonalDetails(code)
    changes = _personal_changes(current, form)
    new = replace(current, **changes)
    if not new.full_name and changes:
        raise InvalidInput({"full_name": "Give the customer's name with their details."})
    _check_pin(new)
    result = ContactResult()
    if changes:
        store.update(session, code, **changes)
        for name, value in changes.items():
            before, after = masked_for_audit(name, getattr(current, name)), masked_for_audit(name, value)
            audit.record(session, actor=actor, action=AuditAction.CONTACT_CHANGE, customer_code=code, field=name,
                         details=f"{before} → {after}")
            result.changed.append(FIELD_LABELS[name])
    for name in CONSENT_FIELDS:
        old, wanted = getattr(customer, name), getattr(form, name)
        if old != wanted:
            setattr(customer, name, wanted)
            _record_consent(session, customer, actor, name, "yes" if old else "no", "yes" if wanted else "no")
            result.changed.append(CONSENT_LABELS[name])
    if customer.preferred_language != form.preferred_language:
        _record_consent(session, customer, actor, "preferred_language", customer.preferred_language,
                        form.preferred_language)
        customer.preferred_language = form.preferred_language
        result.changed.append(CONSENT_LABELS["preferred_language"])
    session.add(customer)
    session.commit()
    return result
