"""The personal record, kept in its own store (own registry, metadata and database), linked by customer ID only.

Every personal value is stored as an AES-256-GCM token (helpdesk/privacy/crypto.py), written and read only by
helpdesk/privacy/store.py. Phone and e-mail lookups go through blind indexes: keyed hashes of the normalised
value, which reveal only that two values are equal.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlalchemy.orm import registry
from sqlmodel import Column, Field, SQLModel

from helpdesk.timeutil import utcnow

# The personal fields, in the order pages and exports show them; each is a ciphertext column of personal_record.
PERSONAL_FIELDS = ("full_name", "phone", "alt_phone", "email", "address_line", "city", "state", "pin_code")
# Fields found by equality (phone lookup, the telephony screen-pop, duplicate checks): each has a blind index column.
# The PIN code too: duplicate candidates are customers with a similar name in the same PIN code area.
INDEXED_FIELDS = {"phone": "phone", "alt_phone": "phone", "email": "email", "pin_code": "pin"}
INDEX_LENGTH = 32


def _token() -> Field:
    return Field(default=None, sa_column=Column(Text, nullable=True))


class PersonalBase(SQLModel, registry=registry()):
    """Base for tables of the personal-data store; never joined with the main store."""


class PersonalRecord(PersonalBase, table=True):
    __tablename__ = "personal_record"

    customer_code: str = Field(primary_key=True, max_length=9)
    full_name: str | None = _token()
    phone: str | None = _token()
    alt_phone: str | None = _token()
    email: str | None = _token()
    address_line: str | None = _token()
    city: str | None = _token()
    state: str | None = _token()
    pin_code: str | None = _token()
    phone_index: str | None = Field(default=None, max_length=INDEX_LENGTH, index=True)
    alt_phone_index: str | None = Field(default=None, max_length=INDEX_LENGTH, index=True)
    email_index: str | None = Field(default=None, max_length=INDEX_LENGTH, index=True)
    pin_code_index: str | None = Field(default=None, max_length=INDEX_LENGTH, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class PersonalKeyCheck(PersonalBase, table=True):
    """One check value per key id, so a start with a wrong key fails loudly instead of showing garbage."""

    __tablename__ = "personal_key_check"

    key_id: str = Field(primary_key=True, max_length=20)
    token: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class MergeSnapshot(PersonalBase, table=True):
    """A customer's personal record as it was just before a merge, kept (encrypted) so the merge can be undone.

    One row per customer per merge; `details` is None when the customer had no record. Deleted when the merge is
    undone, and with the customer's data on erasure.
    """

    __tablename__ = "merge_snapshot"

    merge_id: int = Field(primary_key=True)
    customer_code: str = Field(primary_key=True, max_length=9, index=True)
    details: str | None = _token()
    created_at: datetime = Field(default_factory=utcnow)
