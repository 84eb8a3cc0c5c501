"""The one module that reads and writes personal data: it encrypts on the way in, decrypts on the way out.

Nothing else touches the personal_record table or a ciphertext. Values leave this module as PersonalDetails
(plain text, in memory only); pages mask them (helpdesk.privacy.masking) unless an agent reveals one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from helpdesk import phones
from helpdesk.db import PERSONAL_KEYS
from helpdesk.privacy.crypto import KeyConfigError, KeyRing, key_check_token, verify_key_check
from helpdesk.privacy.models import INDEXED_FIELDS, PERSONAL_FIELDS, MergeSnapshot, PersonalKeyCheck, PersonalRecord
from helpdesk.timeutil import utcnow

TABLE = "personal_record"
_R = PersonalRecord.__table__
# A lookup offers at most this many customers sharing one number or address.
MATCHES_MAX = 20
REENCRYPT_BATCH = 500


@dataclass(frozen=True)
class PersonalDetails:
    """A customer's personal data in plain text: only ever in memory, never stored or logged as it is."""

    customer_code: str
    full_name: str | None = None
    phone: str | None = None
    alt_phone: str | None = None
    email: str | None = None
    address_line: str | None = None
    city: str | None = None
    state: str | None = None
    pin_code: str | None = None

    def __repr__(self) -> str:  # a stray log line or traceback must not print the values
        return f"PersonalDetails(customer_code={self.customer_code!r}, …)"

    def values(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in PERSONAL_FIELDS}


def keyring_of(session: Session) -> KeyRing:
    """The personal-data keys the session's Database carries."""
    keyring = session.info.get(PERSONAL_KEYS)
    if keyring is None:
        raise KeyConfigError("This session has no personal-data keys (open it through helpdesk.db.Database).")
    return keyring


def normalised_for_index(kind: str, value: str | None) -> str | None:
    """The form a blind index is taken of: E.164 for phones, lower case for e-mail; None when not findable."""
    if not value:
        return None
    if kind == "phone":
        try:
            return phones.normalise(value)
        except phones.InvalidPhone:
            return None
    if kind == "pin":
        compact = "".join(value.split())
        return compact if len(compact) == 6 and compact.isascii() and compact.isdigit() else None
    return value.strip().lower() or None


def encrypted_row(keyring: KeyRing, details: PersonalDetails) -> dict[str, str | None]:
    """The stored form of a record: a token per field and a blind index per findable field."""
    code = details.customer_code
    row: dict[str, str | None] = {"customer_code": code}
    for name, value in details.values().items():
        row[name] = keyring.encrypt(value, table=TABLE, column=name, customer_id=code)
    for name, kind in INDEXED_FIELDS.items():
        plain = normalised_for_index(kind, getattr(details, name))
        row[f"{name}_index"] = keyring.blind_index(kind, plain) if plain else None
    return row


def _details(keyring: KeyRing, row) -> PersonalDetails:
    code = row.customer_code
    return PersonalDetails(code, **{name: keyring.decrypt(getattr(row, name), table=TABLE, column=name, customer_id=code)
                                    for name in PERSONAL_FIELDS})


_COLUMNS = (_R.c.customer_code, *(_R.c[name] for name in PERSONAL_FIELDS))
_ONE = select(*_COLUMNS).where(_R.c.customer_code == bindparam("code"))
_MANY = select(*_COLUMNS).where(_R.c.customer_code.in_(bindparam("codes", expanding=True)))


# --- reading --------------------------------------------------------------------------------------


def read(session: Session, code: str) -> PersonalDetails | None:
    """The customer's personal details, or None when there is no record (erased, or never given)."""
    row = session.execute(_ONE, {"code": code}).first()
    return _details(keyring_of(session), row) if row else None


def read_many(session: Session, codes: Iterable[str]) -> dict[str, PersonalDetails]:
    """Personal details for several customers in one query (lists, exports)."""
    codes = sorted({code for code in codes if code})
    if not codes:
        return {}
    keyring = keyring_of(session)
    return {row.customer_code: _details(keyring, row) for row in session.execute(_MANY, {"codes": codes})}


_BY_PHONE = (select(*_COLUMNS).where(or_(_R.c.phone_index == bindparam("index"), _R.c.alt_phone_index == bindparam("index")))
             .order_by(_R.c.customer_code).limit(MATCHES_MAX))


def find_by_phone(session: Session, phone: str) -> list[PersonalDetails]:
    """Records whose main or second number is this one (any form; matched through the blind index): one query."""
    normalised = normalised_for_index("phone", phone)
    if normalised is None:
        return []
    keyring = keyring_of(session)
    rows = session.execute(_BY_PHONE, {"index": keyring.blind_index("phone", normalised)})
    return [_details(keyring, row) for row in rows]


def codes_by_phone(session: Session, phone: str) -> list[str]:
    """Customers whose main or second number is this one."""
    return [details.customer_code for details in find_by_phone(session, phone)]


def codes_by_email(session: Session, email: str) -> list[str]:
    """Customers with this e-mail address (case does not matter)."""
    normalised = normalised_for_index("email", email)
    if normalised is None:
        return []
    index = keyring_of(session).blind_index("email", normalised)
    return list(session.execute(
        select(_R.c.customer_code).where(_R.c.email_index == index).order_by(_R.c.customer_code).limit(MATCHES_MAX)
    ).scalars())


def codes_by_pin(session: Session, pin_code: str, *, limit: int = 500) -> list[str]:
    """Customers whose PIN code is this one (duplicate checks compare their names)."""
    normalised = normalised_for_index("pin", pin_code)
    if normalised is None:
        return []
    index = keyring_of(session).blind_index("pin", normalised)
    return list(session.execute(
        select(_R.c.customer_code).where(_R.c.pin_code_index == index).order_by(_R.c.customer_code).limit(limit)
    ).scalars())


def groups_sharing(session: Session, field: str, *, largest: int = 200) -> Iterator[list[str]]:
    """Customers who share a value of an indexed field (phone, alt_phone, email, pin_code), group by group.

    For scanning existing records for duplicates; a value shared by more than `largest` customers (a shop's own
    number, a big town's PIN code) is skipped: pairs among so many say nothing.
    """
    if field not in INDEXED_FIELDS:
        raise ValueError(f"{field} has no blind index")
    column = _R.c[f"{field}_index"]
    shared = select(column).where(column.is_not(None)).group_by(column).having(func.count() > 1).subquery()
    rows = session.execute(select(column, _R.c.customer_code).where(column.in_(select(shared.c[0])))
                           .order_by(column, _R.c.customer_code))
    group: list[str] = []
    current = None
    for value, code in rows:
        if value != current:
            if 1 < len(group) <= largest:
                yield group
            group, current = [], value
        group.append(code)
    if 1 < len(group) <= largest:
        yield group


# --- writing --------------------------------------------------------------------------------------


def save(session: Session, details: PersonalDetails) -> None:
    """Create or replace the customer's record, encrypted, in the caller's transaction."""
    row = encrypted_row(keyring_of(session), details)
    record = session.get(PersonalRecord, details.customer_code)
    if record is None:
        record = PersonalRecord(customer_code=details.customer_code)
    for name, value in row.items():
        setattr(record, name, value)
    record.updated_at = utcnow()
    session.add(record)


def update(session: Session, code: str, **changes: str | None) -> PersonalDetails:
    """Change some fields of an existing record; returns the new details."""
    current = read(session, code) or PersonalDetails(code)
    unknown = set(changes) - {f.name for f in fields(PersonalDetails)} | ({"customer_code"} & set(changes))
    if unknown:
        raise ValueError(f"not personal fields: {sorted(unknown)}")
    new = replace(current, **changes)
    save(session, new)
    return new


def erase(session: Session, code: str) -> bool:
    """Delete the customer's record (secure_delete overwrites it on SQLite); True if there was one."""
    return bool(session.execute(delete(PersonalRecord).where(PersonalRecord.customer_code == code)).rowcount)


# --- merge snapshots -------------------------------------------------------------------------------

_SNAPSHOT = "merge_snapshot"


def save_merge_snapshot(session: Session, merge_id: int, code: str, details: PersonalDetails | None) -> None:
    """Keep the customer's record as it is now (None: they had none), encrypted, until the merge is undone."""
    token = None
    if details is not None:
        token = keyring_of(session).encrypt(json.dumps(details.values()), table=_SNAPSHOT, column="details",
                                            customer_id=code)
    session.add(MergeSnapshot(merge_id=merge_id, customer_code=code, details=token))


def read_merge_snapshot(session: Session, merge_id: int) -> dict[str, PersonalDetails | None] | None:
    """The records kept for a merge by customer ID, or None when they are gone (erased, or the merge undone)."""
    keyring = keyring_of(session)
    rows = session.execute(select(MergeSnapshot.customer_code, MergeSnapshot.details)
                           .where(MergeSnapshot.merge_id == merge_id)).all()
    if not rows:
        return None
    snapshot: dict[str, PersonalDetails | None] = {}
    for code, token in rows:
        plain = keyring.decrypt(token, table=_SNAPSHOT, column="details", customer_id=code) if token else None
        snapshot[code] = PersonalDetails(code, **json.loads(plain)) if plain else None
    return snapshot


def drop_merge_snapshot(session: Session, merge_id: int) -> None:
    """Forget the records kept for a merge (it was undone)."""
    session.execute(delete(MergeSnapshot).where(MergeSnapshot.merge_id == merge_id))


def drop_merge_snapshots(session: Session, merge_ids: Iterable[int]) -> None:
    """Forget the records kept for merges that can no longer be undone (past their undo window)."""
    merge_ids = sorted(set(merge_ids))
    for start in range(0, len(merge_ids), REENCRYPT_BATCH):
        session.execute(delete(MergeSnapshot).where(MergeSnapshot.merge_id.in_(merge_ids[start:start + REENCRYPT_BATCH])))


def erase_merge_snapshots(session: Session, code: str) -> list[int]:
    """Delete every merge snapshot holding this customer's data (erasure); returns the merges that lose theirs."""
    merge_ids = list(session.execute(select(MergeSnapshot.merge_id).where(MergeSnapshot.customer_code == code)).scalars())
    if merge_ids:
        # The other customer's half is useless alone: the merge can no longer be undone exactly.
        session.execute(delete(MergeSnapshot).where(MergeSnapshot.merge_id.in_(merge_ids)))
    return merge_ids


def bulk_rows(keyring: KeyRing, people: Iterable[dict]) -> list[dict]:
    """Stored rows for a bulk loader (demo data, imports), encrypted exactly as save() would.

    Each person is a dict of plain personal fields with its `customer_code` (and optionally `updated_at`).
    """
    now = utcnow()
    rows = []
    for person in people:
        details = PersonalDetails(person["customer_code"], **{name: person.get(name) for name in PERSONAL_FIELDS})
        rows.append({**encrypted_row(keyring, details), "updated_at": person.get("updated_at") or now})
    return rows


def insert_many(connection, keyring: KeyRing, people: Iterable[dict]) -> int:
    """Insert new records in bulk (an import's batch), encrypted as save() would; returns how many."""
    rows = bulk_rows(keyring, people)
    if rows:
        connection.execute(_R.insert(), rows)
    return len(rows)


# Blind-index values per IN (...) list: far below every database's limit on bound parameters.
_LOOKUP_CHUNK = 1_000


def codes_by_contacts(connection, keyring: KeyRing, *, phones_e164: Iterable[str] = (),
                      emails: Iterable[str] = ()) -> dict[tuple[str, str], str]:
    """Customer IDs for many normalised phones (main or second number) and e-mails at once: an import's batch.

    Keys are ("phone", E.164) or ("email", lower-cased address). Where several customers share a value, the
    lowest customer ID answers, so every run of an import picks the same one.
    """
    wanted: dict[str, tuple[str, str]] = {}
    for kind, found in (("phone", phones_e164), ("email", emails)):
        for value in found:
            plain = normalised_for_index(kind, value) if kind == "email" else value
            if plain:
                wanted[keyring.blind_index(kind, plain)] = (kind, value)
    answers: dict[tuple[str, str], str] = {}
    indexes = sorted(wanted)
    for start in range(0, len(indexes), _LOOKUP_CHUNK):
        chunk = indexes[start:start + _LOOKUP_CHUNK]
        rows = connection.execute(
            select(_R.c.customer_code, _R.c.phone_index, _R.c.alt_phone_index, _R.c.email_index)
            .where(or_(_R.c.phone_index.in_(chunk), _R.c.alt_phone_index.in_(chunk), _R.c.email_index.in_(chunk))))
        for code, *row_indexes in rows:
            for index in row_indexes:
                if index in wanted and (wanted[index] not in answers or code < answers[wanted[index]]):
                    answers[wanted[index]] = code
    return answers


def existing_codes(connection, codes: Iterable[str]) -> set[str]:
    """Which of these customer IDs have a personal record (an import never reuses one for a new customer)."""
    codes = sorted(set(codes))
    found: set[str] = set()
    for start in range(0, len(codes), _LOOKUP_CHUNK):
        found.update(connection.execute(
            select(_R.c.customer_code).where(_R.c.customer_code.in_(codes[start:start + _LOOKUP_CHUNK]))).scalars())
    return found


def stored_phones(connection, keyring: KeyRing) -> set[str]:
    """Every main phone number on file, decrypted (a bulk loader keeps invented numbers unique with it)."""
    return {keyring.decrypt(token, table=TABLE, column="phone", customer_id=code)
            for code, token in connection.execute(select(_R.c.customer_code, _R.c.phone).where(_R.c.phone.is_not(None)))}


# --- keys -----------------------------------------------------------------------------------------


def check_keys(session: Session) -> None:
    """Refuse to go on with a wrong key (WrongKeyError, loudly, at start-up); remember checks for new keys."""
    keyring = keyring_of(session)
    stored = dict(session.execute(select(PersonalKeyCheck.key_id, PersonalKeyCheck.token)).all())
    missing = verify_key_check(keyring, stored)
    if not missing:
        return
    for key_id in missing:
        session.add(PersonalKeyCheck(key_id=key_id, token=key_check_token(keyring, key_id)))
    try:
        session.commit()
    except IntegrityError:
        # Another worker starting at the same moment stored them first: check against what it stored.
        session.rollback()
        verify_key_check(keyring, dict(session.execute(select(PersonalKeyCheck.key_id, PersonalKeyCheck.token)).all()))


def key_usage(session: Session) -> dict[str, int]:
    """How many stored values each key id protects (retire a key only at zero).

    Merge snapshots count too: they are not re-encrypted, so a key they use stays until they expire (30 days).
    """
    usage: dict[str, int] = {}
    for column in (*(_R.c[name] for name in PERSONAL_FIELDS), MergeSnapshot.__table__.c.details):
        # Tokens are "v1.<key id>.<data>": the key id is the text between the first two dots.
        for token, count in session.execute(
            select(func.substr(column, 1, 12), func.count()).where(column.is_not(None))
            .group_by(func.substr(column, 1, 12))
        ):
            key_id = token.split(".")[1]
            usage[key_id] = usage.get(key_id, 0) + count
    return usage


def reencrypt_batch(session: Session, *, after: str, limit: int = REENCRYPT_BATCH) -> tuple[int, str | None]:
    """Move the next `limit` records (by customer ID, after `after`) to the writing key; commits.

    Returns (records changed, the last customer ID looked at, or None at the end). Short transactions, so the
    desk keeps serving: each batch holds the write lock for a few milliseconds.
    """
    keyring = keyring_of(session)
    rows = session.execute(select(_R).where(_R.c.customer_code > after).order_by(_R.c.customer_code).limit(limit)).all()
    if not rows:
        return 0, None
    changed = 0
    for row in rows:
        values = {name: getattr(row, name) for name in PERSONAL_FIELDS}
        stale = {name: token for name, token in values.items() if keyring.needs_reencrypt(token)}
        if stale:
            new = {name: keyring.reencrypt(token, table=TABLE, column=name, customer_id=row.customer_code)
                   for name, token in stale.items()}
            session.execute(_R.update().where(_R.c.customer_code == row.customer_code).values(**new))
            changed += 1
    session.commit()
    return changed, rows[-1].customer_code


def iter_all_codes(session: Session, *, batch: int = 5_000) -> Iterator[list[str]]:
    """Every customer ID with a record, in batches (for exports and checks)."""
    last = ""
    while True:
        codes = list(session.execute(select(_R.c.customer_code).where(_R.c.customer_code > last)
                                     .order_by(_R.c.customer_code).limit(batch)).scalars())
        if not codes:
            return
        yield codes
        last = codes[-1]

