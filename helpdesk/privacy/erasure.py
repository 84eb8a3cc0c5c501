"""Erasing a customer on request: the personal record goes, their details leave the free text of their history
(through the history's write path) and the search index, the neutral sales, claim and ticket history stays (GST law
keeps invoices 72 months). Refused while work is open, unless a supervisor overrides with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from pydantic import field_validator
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from helpdesk import ids, phones
from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.customers.models import CONSENT_FIELDS, ConsentChange
from helpdesk.customers.service import get_customer
from helpdesk.db import Database
from helpdesk.forms import InvalidInput, limited_text
from helpdesk.history import service as history
from helpdesk.privacy import store
from helpdesk.privacy.queries import open_work
from helpdesk.search.models import SearchPurge
from helpdesk.search.cursor import read_cursor
from helpdesk.search.layout import IndexLayout
from helpdesk.timeutil import utcnow

REASON_MAX = 500
# A name part shorter than this ("Om", "Li") would take too many ordinary words with it; the full name still goes.
MIN_NAME_PART = 3
_SEPARATORS = r"[\s\-.()/]*"
# Letters and the Devanagari signs that \\w misses: a name part only matches as a whole word.
_WORD = r"\w\u0900-\u097F\u200c\u200d"


class ErasureRequest(SQLModel):
    """The erase form: the customer ID typed again, why (the request), and an override reason when work is open."""

    confirm: str = ""
    reason: str
    override: bool = False
    override_reason: str | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value):
        return limited_text(value, label="The reason", max_length=REASON_MAX)

    @field_validator("override_reason", mode="before")
    @classmethod
    def _override_reason(cls, value):
        return limited_text(value, label="The override reason", max_length=REASON_MAX, required=False) or None

    @field_validator("override", mode="before")
    @classmethod
    def _override(cls, value):
        return value in (True, "1", "on", "true", "yes")


@dataclass
class ErasureReport:
    had_record: bool
    redaction: history.Redaction
    override: str | None = None

    @property
    def message(self) -> str:
        r = self.redaction
        return (f"Personal data erased. Text redacted in history entries: {r.entries}, tickets: {r.tickets}, "
                f"claims: {r.claims}. Purchases, claims and tickets are kept; the search index drops the text within "
                "seconds.")


def _whole_word(text: str) -> str:
    return rf"(?<![{_WORD}]){text}(?![{_WORD}])"


def _phone_pattern(number: str) -> str:
    """The number as people write it: any separators between digits, with or without +country code or a 0."""
    try:
        parsed = phonenumbers.parse(number, phones.DEFAULT_REGION)
        national, country = str(parsed.national_number), str(parsed.country_code)
    except phonenumbers.NumberParseException:
        national, country = re.sub(r"\D", "", number), ""
    digits = _SEPARATORS.join(national)
    prefix = rf"(?:\(?(?:\+|00)?{country}\)?{_SEPARATORS}|0{_SEPARATORS})?" if country else ""
    return rf"(?<!\d){prefix}{digits}(?!\d)"


def erasure_pattern(details: store.PersonalDetails | None) -> re.Pattern | None:
    """One pattern for everything of this person that free text may hold: name, numbers, e-mail, street, PIN."""
    if details is None:
        return None
    # Alternatives are tried in order: whole values first (an e-mail before the name inside it, a full name before
    # its parts), so nothing is left half-redacted.
    parts: list[str] = []
    if details.email:
        parts.append(re.escape(details.email.strip()))
    for number in (details.phone, details.alt_phone):
        if number:
            parts.append(_phone_pattern(number))
    if details.address_line:
        parts.append(r"\s+".join(re.escape(word) for word in details.address_line.split()))
    if details.pin_code and details.pin_code.replace(" ", "").isdigit():
        pin = details.pin_code.replace(" ", "")
        parts.append(rf"(?<!\d){pin[:3]}\s?{pin[3:]}(?!\d)")
    if details.full_name:
        words = details.full_name.split()
        parts.append(_whole_word(r"\s+".join(re.escape(word) for word in words)))
        parts += [_whole_word(re.escape(word)) for word in sorted(words, key=len, reverse=True)
                  if len(word) >= MIN_NAME_PART]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _check(session: Session, code: str, customer, request: ErasureRequest) -> str | None:
    """Refuse with a reason (InvalidInput per field); returns the override text when open work is overridden."""
    if customer.erased_at is not None:
        raise InvalidInput({"form": f"This customer's personal data was already erased on {customer.erased_at:%d %b %Y}."})
    try:
        confirmed = ids.parse(request.confirm) == code
    except ids.InvalidCustomerId:
        confirmed = False
    if not confirmed:
        raise InvalidInput({"confirm": f"Type the customer ID {ids.format_grouped(code)} to confirm."})
    work = open_work(session, customer.id)
    if not work:
        return None
    if not request.override:
        raise InvalidInput({"override": f"Not erased: the customer has {work.describe()}. Close them first, or "
                                        "override with a reason."})
    if not request.override_reason:
        raise InvalidInput({"override_reason": "Say why the erasure cannot wait for the open work."})
    return f"override with {work.describe()}: {request.override_reason}"


def erase_customer(session: Session, *, actor: audit.Actor, code: str, request: ErasureRequest) -> ErasureReport:
    """Erase the customer's personal data (see the module's docstring); one audit entry without the erased data; commits."""
    customer = get_customer(session, code)
    override = _check(session, code, customer, request)
    details = store.read(session, code)
    pattern = erasure_pattern(details)
    redaction = history.redact_customer(session, customer.id, pattern) if pattern else history.Redaction()
    had_record = store.erase(session, code)
    # A merge's undo copy of this record goes too: after erasure that merge can no longer be undone exactly.
    store.erase_merge_snapshots(session, code)
    now = utcnow()
    for name in CONSENT_FIELDS:  # nobody may be contacted for marketing whose details are gone
        if getattr(customer, name):
            setattr(customer, name, False)
            session.add(ConsentChange(customer_id=customer.id, field=name, old_value="yes", new_value="no",
                                      changed_at=now, actor_id=actor.agent_id, actor_label=actor.label, source="erasure"))
    customer.erased_at = now
    session.add(customer)
    # The indexer re-indexes the redacted documents and rewrites the index files that held the old text.
    session.add(SearchPurge(customer_code=code, requested_at=now))

    def scrub(text: str | None) -> str | None:  # a reason typed by a person may repeat what was just erased
        return pattern.sub(history.REDACTED, text) if text and pattern else text

    audit.record(session, actor=actor, action=AuditAction.ERASE, customer_code=code, reason=scrub(request.reason),
                 details=f"personal record {'erased' if had_record else 'was already gone'}; free text redacted in "
                         f"history entries: {redaction.entries}, tickets: {redaction.tickets}, claims: {redaction.claims}"
                         + (f"; {scrub(override)}" if override else ""), at=now)
    session.commit()
    return ErasureReport(had_record, redaction, override)


def purge_pending(session: Session, code: str, layout: IndexLayout) -> bool:
    """True while this machine's search index still has to drop this customer's erased text."""
    directory = layout.current_dir()
    cursor = read_cursor(directory) if directory is not None and directory.exists() else None
    done = cursor.purged_through if cursor else 0
    return session.execute(select(SearchPurge.id).where(SearchPurge.customer_code == code, SearchPurge.id > done)
                           .limit(1)).first() is not None


def flush_deleted_pages(database: Database) -> None:
    """Checkpoint SQLite's write-ahead logs now, so old page images holding erased values leave the -wal files.

    secure_delete (on for both stores) overwrites the freed space inside the database files; the WAL keeps
    the pages as they were until a checkpoint copies them back. PostgreSQL keeps dead rows until VACUUM
    (autovacuum), which is the server's business, not a file of ours.
    """
    for engine in (database.main, database.personal):
        if engine.dialect.name != "sqlite":
            continue
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
