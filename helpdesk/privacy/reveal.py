"""Revealing one personal field for a while, with a reason, written to the audit log (never the value itself).

A reveal is remembered in the agent's server-side session as {customer:field -> until}: pages show the value
until then and masked afterwards. The session keeps only that, never the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlmodel import Session, SQLModel

from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.customers.queries import customer_row_id
from helpdesk.forms import InvalidInput, limited_text
from helpdesk.privacy import store
from helpdesk.privacy.masking import FIELD_LABELS, RevealField, plain
from helpdesk.privacy.queries import reference_of_customer

REVEAL_MINUTES = 15
NOTE_MAX = 300
REFERENCE_MAX = 20
SESSION_KEY = "reveals"
# At most this many live reveals are remembered per session (older ones drop off first).
MAX_GRANTS = 50
_REFERENCE = re.compile(r"[TtWw]-[\d-]{1,16}")


class RevealReason(StrEnum):
    CONFIRM = "confirm_details"
    CALL_BACK = "call_back"
    DELIVERY = "delivery"
    VERIFY = "verify_caller"
    OTHER = "other"


REASON_LABELS = {
    RevealReason.CONFIRM: "Customer asked to confirm their details",
    RevealReason.CALL_BACK: "Call the customer back",
    RevealReason.DELIVERY: "Arrange a visit, pickup or delivery",
    RevealReason.VERIFY: "Check who is calling",
    RevealReason.OTHER: "Other (say why)",
}


class RevealRequest(SQLModel):
    """Why the agent needs to see the value: a reason from the list, free text, and the ticket or claim if any."""

    reason: RevealReason
    note: str | None = None
    reference: str | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value):
        if value in (None, ""):
            raise ValueError("Choose why you need to see it.")
        return value

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: str | None) -> str | None:
        return limited_text(value, label="The note", max_length=NOTE_MAX, required=False) or None

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        text = limited_text(value, label="The ticket or claim", max_length=REFERENCE_MAX, required=False)
        if text and not _REFERENCE.fullmatch(text):
            raise ValueError("A ticket number (T-000123) or a claim number (W-2026-000123), or leave it blank.")
        return text.upper() or None

    def reason_text(self) -> str:
        label = REASON_LABELS[self.reason]
        return f"{label}: {self.note}" if self.note else label


@dataclass(frozen=True)
class Revealed:
    field: RevealField
    value: str
    until: datetime


def reveal(session: Session, *, actor: audit.Actor, code: str, field: RevealField, request: RevealRequest,
           now: datetime) -> Revealed:
    """Read one field in plain text and write the one audit entry that says who saw it, when and why; commits."""
    customer_id = customer_row_id(session, code)  # CustomerNotFound for an ID nobody has
    if request.reason == RevealReason.OTHER and not request.note:
        raise InvalidInput({"note": "Say why you need to see it."})
    reference = None
    if request.reference:
        reference = reference_of_customer(session, customer_id, request.reference)
        if reference is None:
            raise InvalidInput({"reference": f"{request.reference} is not one of this customer's tickets or claims."})
    value = plain(store.read(session, code), field)
    if not value:
        raise InvalidInput({"form": f"There is no {FIELD_LABELS[field].lower()} on file to show."})
    audit.record(session, actor=actor, action=AuditAction.REVEAL, customer_code=code, field=field.value,
                 reason=request.reason_text(), reference=reference, at=now)
    session.commit()
    return Revealed(field, value, now + timedelta(minutes=REVEAL_MINUTES))


# --- the reveal window, kept in the agent's session ---------------------------------------------------


def _key(code: str, field: str) -> str:
    return f"{code}:{field}"


def _grants(session_data: dict[str, Any], now: datetime) -> dict[str, float]:
    stored = session_data.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    stamp = now.timestamp()
    return {key: until for key, until in stored.items()
            if isinstance(key, str) and isinstance(until, (int, float)) and until > stamp}


def with_grant(session_data: dict[str, Any], revealed: Revealed, code: str, now: datetime) -> dict[str, Any]:
    """The session data with this reveal remembered until it ends (and ended ones forgotten)."""
    grants = _grants(session_data, now)
    grants[_key(code, revealed.field)] = revealed.until.timestamp()
    newest = dict(sorted(grants.items(), key=lambda item: item[1])[-MAX_GRANTS:])
    return {**session_data, SESSION_KEY: newest}


def without_grant(session_data: dict[str, Any], code: str, field: str, now: datetime) -> dict[str, Any]:
    """The session data with this field masked again at once."""
    grants = _grants(session_data, now)
    grants.pop(_key(code, field), None)
    return {**session_data, SESSION_KEY: grants}


def live_grants(session_data: dict[str, Any], code: str, now: datetime) -> dict[RevealField, datetime]:
    """The customer's fields this session may still see, and until when."""
    prefix = f"{code}:"
    found = {}
    for key, until in _grants(session_data, now).items():
        if key.startswith(prefix) and key[len(prefix):] in RevealField._value2member_map_:
            found[RevealField(key[len(prefix):])] = datetime.fromtimestamp(until, tz=UTC)
    return found
