"""Key rotation: add a data key, re-encrypt every record to it in short batches while the desk serves, retire old keys."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from helpdesk.audit import service as audit
from helpdesk.audit.models import AuditAction
from helpdesk.db import Database
from helpdesk.privacy import keys, store
from helpdesk.privacy.crypto import KeyConfigError, KeyRing, add_data_key, format_keys, retire_key


@dataclass
class RotationReport:
    writer: str
    records_changed: int
    seconds: float
    usage: dict[str, int]

    @property
    def rate(self) -> float:
        return self.records_changed / self.seconds if self.seconds else 0.0


def add_key(database: Database, settings) -> KeyRing:
    """A new data key that writes from now on: saved to the key file (keys in the environment are the operator's)."""
    if settings.personal_keys:
        raise KeyConfigError(
            "The keys come from HELPDESK_PERSONAL_KEYS: set it on every machine to this value (a new key added), "
            f"restart, then run `helpdesk keys rotate --no-new-key`:\n{format_keys(add_data_key(database.keyring))}"
        )
    keyring = add_data_key(database.keyring)
    keys.save_keyring(keyring, settings.personal_key_file)
    database.keyring = keyring
    with database.write() as session:
        store.check_keys(session)
        audit.record(session, actor=audit.SYSTEM, action=AuditAction.KEY_CHANGE, details=f"added data key {keyring.writer}")
        session.commit()
    return keyring


def reencrypt_all(database: Database, *, batch: int = store.REENCRYPT_BATCH,
                  progress: Callable[[int], None] | None = None) -> RotationReport:
    """Move every record to the writing key, a batch per transaction; returns counts and the rate."""
    started = time.perf_counter()
    changed, after = 0, ""
    while after is not None:
        with database.write() as session:
            done, after = store.reencrypt_batch(session, after=after, limit=batch)
        changed += done
        if progress is not None:
            progress(done)
    with database.write() as session:
        usage = store.key_usage(session)
        audit.record(session, actor=audit.SYSTEM, action=AuditAction.KEY_CHANGE,
                     details=f"re-encrypted {changed:,} records to {database.keyring.writer}")
        session.commit()
    return RotationReport(database.keyring.writer, changed, time.perf_counter() - started, usage)


def retire(database: Database, settings, key_id: str) -> KeyRing:
    """Drop a data key that no stored value uses any more (KeyConfigError, with the count, while some still do)."""
    with database.read() as session:
        in_use = store.key_usage(session).get(key_id, 0)
    if in_use:
        raise KeyConfigError(f"Key {key_id} still protects {in_use:,} values: run `helpdesk keys rotate` first.")
    keyring = retire_key(database.keyring, key_id)
    if settings.personal_keys:
        raise KeyConfigError(f"No value uses {key_id} any more. The keys come from HELPDESK_PERSONAL_KEYS: set it "
                             f"on every machine to:\n{format_keys(keyring)}")
    keys.save_keyring(keyring, settings.personal_key_file)
    database.keyring = keyring
    with database.write() as session:
        audit.record(session, actor=audit.SYSTEM, action=AuditAction.KEY_CHANGE, details=f"retired data key {key_id}")
        session.commit()
    return keyring
