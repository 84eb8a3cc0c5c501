"""Finding the customers of an import batch, or creating them: by customer ID, else by phone or e-mail (blind
indexes in the personal store), else a new neutral ID. A fixed number of queries per batch, none per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time

from sqlalchemy import Connection, select

from helpdesk import ids
from helpdesk.customers.models import Customer, Tier
from helpdesk.imports.bulk import insert_rows, reserve_ids
from helpdesk.imports.rows import PersonRow
from helpdesk.privacy import store as personal_store
from helpdesk.privacy.crypto import KeyRing
from helpdesk.timeutil import SHOP_TZ, utcnow

_CUSTOMER = Customer.__table__
_CHUNK = 1_000


@dataclass
class Resolution:
    """Per person of the batch: the customer's row id, or why not; and how many customers were created."""

    customer_ids: list[int | None] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    created: set[int] = field(default_factory=set)


def _contact_keys(person: PersonRow) -> list[tuple[str, str]]:
    keys = [("phone", number) for number in (person.phone, person.alt_phone) if number]
    if person.email:
        keys.append(("email", person.email.lower()))
    return keys


def _ids_by_code(main: Connection, codes: set[str]) -> dict[str, int]:
    ordered = sorted(codes)
    found: dict[str, int] = {}
    for start in range(0, len(ordered), _CHUNK):
        found.update((code, row_id) for row_id, code in main.execute(
            select(_CUSTOMER.c.id, _CUSTOMER.c.code).where(_CUSTOMER.c.code.in_(ordered[start:start + _CHUNK]))))
    return found


def _since(person: PersonRow, first_seen: date | None) -> datetime:
    """Customer since: the date the file gives, else the day of their first purchase in it, else now."""
    day = person.customer_since or first_seen
    if day is None:
        return utcnow()
    return datetime.combine(day, clock_time(0), tzinfo=SHOP_TZ)


def resolve(main: Connection, personal: Connection, keyring: KeyRing, people: list[PersonRow],
            first_seen: list[date | None]) -> Resolution:
    """Match every person to a customer, creating the missing ones (personal record first, then the customer row).

    A personal record without its customer row (an import killed between its two stores' commits) is completed
    with the customer row, so a re-run neither loses that customer nor adds them twice.
    """
    result = Resolution(customer_ids=[None] * len(people))
    by_code = _ids_by_code(main, {person.customer_code for person in people if person.customer_code})
    contacts = personal_store.codes_by_contacts(
        personal, keyring,
        phones_e164={value for person in people if not person.customer_code
                     for kind, value in _contact_keys(person) if kind == "phone"},
        emails={value for person in people if not person.customer_code
                for kind, value in _contact_keys(person) if kind == "email"})
    by_code |= _ids_by_code(main, set(contacts.values()) - set(by_code))

    new_rows: dict[str, dict] = {}  # customer rows to insert, by code
    new_people: list[dict] = []  # personal records to insert
    owners: dict[str, list[int]] = {}  # code -> positions of the people it answers
    batch_contacts: dict[tuple[str, str], str] = {}
    generated: set[str] = set()  # new neutral IDs (not those the file gives)
    for position, person in enumerate(people):
        code = person.customer_code
        if code is None:
            code = next((contacts.get(key) or batch_contacts.get(key) for key in _contact_keys(person)
                         if contacts.get(key) or batch_contacts.get(key)), None)
        if code is not None and code in by_code:
            result.customer_ids[position] = by_code[code]
            continue
        if code is None or code not in new_rows:
            if person.customer_code and not (person.full_name or person.phone or person.email):
                result.problems[position] = "no customer has this ID (and the row has no details to create them by)"
                continue
            orphan = code is not None and person.customer_code is None  # found by contact, customer row missing
            if code is None:
                code = _fresh_code(new_rows)
                generated.add(code)
            new_rows[code] = {"code": code, "created_at": _since(person, first_seen[position]),
                              "tier": Tier.STANDARD.value, "loyalty_points": 0, "consent_sms": False,
                              "consent_email": False, "consent_whatsapp": False, "preferred_language": None,
                              "erased_at": None}
            if not orphan:
                new_people.append(person.personal_fields(code))
            for key in _contact_keys(person):
                batch_contacts.setdefault(key, code)
        owners.setdefault(code, []).append(position)

    if new_rows:
        _avoid_taken_codes(main, personal, generated, new_rows, new_people, owners)
        # People already on file under a given ID keep their record; only the missing ones are added.
        on_file = personal_store.existing_codes(personal, [person["customer_code"] for person in new_people])
        personal_store.insert_many(personal, keyring, [p for p in new_people if p["customer_code"] not in on_file])
        rows = list(new_rows.values())
        for row, row_id in zip(rows, reserve_ids(main, _CUSTOMER, len(rows)), strict=True):
            row["id"] = row_id
            by_code[row["code"]] = row_id
            result.created.add(row_id)
        insert_rows(main, _CUSTOMER, rows)
    for code, positions in owners.items():
        for position in positions:
            result.customer_ids[position] = by_code[code]
    return result


def _fresh_code(taken: dict[str, dict]) -> str:
    while (code := ids.generate()) in taken:
        pass
    return code


def _avoid_taken_codes(main: Connection, personal: Connection, generated: set[str], new_rows: dict[str, dict],
                       new_people: list[dict], owners: dict[str, list[int]]) -> None:
    """Give another random ID to a new customer whose generated one is taken in either store (rare: 1 in 10^7)."""
    while generated:
        taken = set(_ids_by_code(main, generated)) | personal_store.existing_codes(personal, generated)
        if not taken:
            return
        generated = set()
        for old in taken:
            new = _fresh_code(new_rows)
            generated.add(new)
            new_rows[new] = {**new_rows.pop(old), "code": new}
            owners[new] = owners.pop(old)
            for person in new_people:
                if person["customer_code"] == old:
                    person["customer_code"] = new
