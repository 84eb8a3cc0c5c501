"""Personal-data encryption: AES-256-GCM tokens bound to their row, blind indexes for lookups, and the key ring.

Stored values
    ``v1.<key id>.<base64url(nonce 12 bytes | ciphertext | tag 16 bytes)>``, e.g. ``v1.k2.q0Yx…``. The associated
    data is ``v1|table|column|customer ID|key id``: a token copied to another row, column or table, or relabelled
    with another key id, fails to decrypt (``DecryptionError``) instead of showing someone else's data.
    ``None`` passes through both ways; ``""`` is encrypted like any other value.

Blind index
    ``keyring.blind_index("phone", "+919812345678")`` is an HMAC-SHA256 (first 16 bytes, hex) under a key derived
    with HKDF from the *index* root key, one derived key per kind ("phone": E.164, "email": lower-cased). The index
    key never rotates with the data keys, so lookups keep working through a rotation.

Keys (text form here; where they live, env or file, in helpdesk/privacy/keys.py)
    ``index:<b64>,k2:<b64>,k1:<b64>``: 32 random bytes each, base64 or base64url, any order. The data key with the
    highest number writes; every listed key reads. ``format_keys(generate_keyring())`` makes a fresh set.

Rotation
    ``keys.save_keyring(add_data_key(ring), path)`` adds ``k<n+1>`` as the writer; re-encrypt rows in batches with
    ``ring.reencrypt(...)`` until no stored value needs it (``ring.needs_reencrypt(token)``; count them with
    ``column LIKE 'v1.k1.%'``); then save ``retire_key(ring, "k1")``. A server whose ring came from the key file
    re-reads the file when it first meets an unknown key id, so pages keep working while a rotation runs. With the
    environment variable, restart the servers with the new key *before* re-encrypting. Keep a retired key with the
    backups made while it was in use.

Detecting a wrong key at start-up
    A wrong data key would only fail when a row is read, and a wrong index key would fail silently (every lookup
    finds nobody). So the integrator keeps one check value per key id in the database::

        stored = {row.key_id: row.check for row in session.exec(select(KeyCheck))}
        for key_id in verify_key_check(ring, stored):  # raises WrongKeyError on a mismatch
            session.add(KeyCheck(key_id=key_id, check=key_check_token(ring, key_id)))  # first start with this key

    and deletes a key's row when the key is retired.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INDEX_KEY_ID = "index"
FORMAT_VERSION = "v1"
BLIND_INDEX_KINDS = ("phone", "email", "pin")

_KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
# 128 bits: collisions stay out of reach (birthday bound 2**64) while the column stays short.
_INDEX_BYTES = 16
_DATA_KEY_ID = re.compile(r"k([1-9][0-9]{0,5})")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_CHECK_CONSTANT = b"helpdesk personal-data key check"
_CHECK_KIND = "key-check"
# binascii and a translation table: about half the time of base64.urlsafe_b64* (0.4 vs 0.7 µs), next to ~1.5 µs of AES.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")

log = logging.getLogger(__name__)


class KeyConfigError(Exception):
    """The personal-data keys are missing, malformed or unusable; the message is one line for the operator."""


class WrongKeyError(KeyConfigError):
    """A key does not match the one that wrote this database."""


class DecryptionError(ValueError):
    """A stored value cannot be decrypted: malformed, altered, moved to another row, or under an unknown key."""


class UnknownKeyId(DecryptionError):
    """The value was written with a key this key ring does not have."""

    def __init__(self, message: str, key_id: str) -> None:
        super().__init__(message)
        self.key_id = key_id


def _key_number(key_id: str) -> int:
    return int(key_id[1:])


def _derive_index_key(index_root: bytes, kind: str) -> bytes:
    # One key per kind, so an e-mail index value can never equal a phone index value of the same text. No salt:
    # the root is already a uniformly random key, the case RFC 5869 (section 3.1) allows it for.
    info = f"helpdesk blind index v1|{kind}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=info).derive(index_root)


class _Keys:
    """One immutable snapshot of the key material, swapped whole when the key file is re-read."""

    __slots__ = ("index_root", "data", "ciphers", "writer", "index_keys")

    def __init__(self, index_root: bytes, data: dict[str, bytes]) -> None:
        self.index_root = index_root
        self.data = data
        self.ciphers = {key_id: AESGCM(key) for key_id, key in data.items()}
        self.writer = max(data, key=_key_number)
        self.index_keys = {kind: _derive_index_key(index_root, kind) for kind in (*BLIND_INDEX_KINDS, _CHECK_KIND)}


class KeyRing:
    """The index root key and the data keys; encrypts with the newest data key, decrypts with any."""

    def __init__(
        self,
        index_root: bytes,
        data_keys: Mapping[str, bytes],
        *,
        source: str = "keys",
        reload: Callable[[], KeyRing] | None = None,
    ) -> None:
        self._keys = _Keys(index_root, dict(data_keys))
        self.source = source
        # Given when the keys come from a file: on meeting a key id it lacks, the ring re-reads its source, so a
        # rotation run by another process (which adds the key to the file first) causes no errors here.
        self.reload = reload
        self._reload_lock = threading.Lock()
        self._reloaded_at = float("-inf")

    def __repr__(self) -> str:  # never the key material
        return f"KeyRing(source={self.source!r}, data_keys={self.key_ids}, writer={self.writer!r})"

    @property
    def writer(self) -> str:
        """The key id new values are encrypted with."""
        return self._keys.writer

    @property
    def key_ids(self) -> list[str]:
        """Data key ids, newest first."""
        return sorted(self._keys.data, key=_key_number, reverse=True)

    # --- values ---------------------------------------------------------------------------------------

    def encrypt(self, value: str | None, *, table: str, column: str, customer_id: str) -> str | None:
        """A token for this value in this table, column and customer's row, under the writing key."""
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"only text is encrypted, got {type(value).__name__}")
        keys = self._keys
        return _seal(keys.ciphers[keys.writer], keys.writer, value.encode(), table, column, customer_id)

    def decrypt(self, token: str | None, *, table: str, column: str, customer_id: str) -> str | None:
        """The value of a token written for this table, column and customer; DecryptionError otherwise."""
        if token is None:
            return None
        key_id, blob = _split_token(token, table, column, customer_id)
        cipher = self._keys.ciphers.get(key_id) or self._reload_for(key_id, table, column, customer_id)
        try:
            associated = _associated_data(table, column, customer_id, key_id)
            plain = cipher.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], associated)
        except InvalidTag:
            raise DecryptionError(
                f"{_where(table, column, customer_id)} does not decrypt with key {key_id}: the value was altered or "
                "copied from another row or column, or the key is not the one that wrote it."
            ) from None
        return plain.decode("utf-8")

    def needs_reencrypt(self, token: str | None) -> bool:
        """True when the token was written with an older key than the writer."""
        return token is not None and key_id_of(token) != self.writer

    def reencrypt(self, token: str | None, *, table: str, column: str, customer_id: str) -> str | None:
        """The token under the writing key (the same token when it already uses it)."""
        if not self.needs_reencrypt(token):
            return token
        value = self.decrypt(token, table=table, column=column, customer_id=customer_id)
        return self.encrypt(value, table=table, column=column, customer_id=customer_id)

    def _reload_for(self, key_id: str, table: str, column: str, customer_id: str) -> AESGCM:
        if self.reload is not None:
            with self._reload_lock:
                # At most one re-read a second: a row under a truly retired key must not make every read hit the disk.
                if key_id not in self._keys.ciphers and time.monotonic() - self._reloaded_at > 1.0:
                    self._reloaded_at = time.monotonic()
                    self._adopt(self.reload)
            cipher = self._keys.ciphers.get(key_id)
            if cipher is not None:
                return cipher
        raise UnknownKeyId(
            f"{_where(table, column, customer_id)} was written with key {key_id}, which the keys from {self.source} "
            f"lack (they have {', '.join(self.key_ids)}): a retired key or the wrong key set.",
            key_id,
        )

    def _adopt(self, reload: Callable[[], KeyRing]) -> None:
        try:
            fresh = reload()._keys
        except KeyConfigError as exc:
            log.warning("personal-data keys could not be re-read: %s", exc)
            return
        if fresh.index_root != self._keys.index_root:
            # Adopting a different index key would silently break every phone and e-mail lookup.
            log.error("personal-data keys in %s now have a different index key; keeping the keys loaded", self.source)
            return
        self._keys = fresh  # one attribute swap: concurrent readers see the old or the new keys, never a mix
        log.info("personal-data keys re-read from %s: %s", self.source, ", ".join(self.key_ids))

    # --- lookups --------------------------------------------------------------------------------------

    def blind_index(self, kind: str, normalised_value: str) -> str:
        """HMAC of a normalised phone (E.164) or e-mail for equality lookups; the same across key rotations."""
        if kind == "phone":
            if not _E164.fullmatch(normalised_value):
                # A raw input here would be indexed under a value no stored row has: fail instead of finding nobody.
                raise ValueError("a phone number for the blind index must be normalised to E.164 first")
        elif kind == "email":
            normalised_value = normalised_value.strip().lower()
        elif kind == "pin":
            # PIN codes find duplicate candidates (same area + similar name); only six digits are one.
            if not (len(normalised_value) == 6 and normalised_value.isascii() and normalised_value.isdigit()):
                raise ValueError("a PIN code for the blind index must be six digits")
        else:
            raise ValueError(f"no blind index for {kind!r}; kinds are {', '.join(BLIND_INDEX_KINDS)}")
        return self._index(kind, normalised_value)

    def _index(self, kind: str, value: str) -> str:
        digest = hmac.digest(self._keys.index_keys[kind], value.encode(), hashlib.sha256)
        return digest[:_INDEX_BYTES].hex()


def _associated_data(table: str, column: str, customer_id: str, key_id: str) -> bytes:
    text = f"{FORMAT_VERSION}|{table}|{column}|{customer_id}|{key_id}"
    # Exactly four separators and no empty part: a "|" inside a part would let two different rows share associated data.
    if text.count("|") != 4 or not (table and column and f"{customer_id}"):
        raise ValueError(f"table, column and customer_id must be non-empty text without '|': {table!r}, {column!r}, {customer_id!r}")
    return text.encode()


def _b64(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode("ascii")


def _seal(cipher: AESGCM, key_id: str, plain: bytes, table: str, column: str, customer_id: str) -> str:
    # A fresh random 96-bit nonce per value: safe for far more values than one key will ever encrypt (~2**32).
    nonce = os.urandom(_NONCE_BYTES)
    sealed = cipher.encrypt(nonce, plain, _associated_data(table, column, customer_id, key_id))
    return f"{FORMAT_VERSION}.{key_id}.{_b64(nonce + sealed)}"


def _where(table: str, column: str, customer_id: str) -> str:
    return f"{table}.{column} of customer {customer_id}"


def _split_token(token: str, table: str, column: str, customer_id: str) -> tuple[str, bytes]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != FORMAT_VERSION or not _DATA_KEY_ID.fullmatch(parts[1]) or not parts[2]:
        where = _where(table, column, customer_id)
        raise DecryptionError(f"{where} is not an encrypted value of format {FORMAT_VERSION} (plain text left in the store?)")
    key_id, body = parts[1], parts[2]
    try:
        encoded = body.encode("ascii").translate(_FROM_URLSAFE)
        blob = binascii.a2b_base64(encoded + b"=" * (-len(encoded) % 4), strict_mode=True)
    except (binascii.Error, ValueError):
        raise DecryptionError(f"{_where(table, column, customer_id)} is not valid base64: the value was damaged.") from None
    if len(blob) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError(f"{_where(table, column, customer_id)} is too short to be an encrypted value: it was damaged.")
    return key_id, blob


def key_id_of(token: str) -> str:
    """The key id a token was written with (no decryption)."""
    version, _, rest = token.partition(".")
    key_id = rest.partition(".")[0]
    if version != FORMAT_VERSION or not _DATA_KEY_ID.fullmatch(key_id):
        raise DecryptionError(f"not an encrypted value of format {FORMAT_VERSION}")
    return key_id


# --- key material as text, and rotation ---------------------------------------------------------------


def _decode_key(text: str, name: str, source: str) -> bytes:
    text = text.strip()
    try:
        # Accept both base64 alphabets, padded or not: keys get pasted from many tools.
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"{source}: key {name} is not base64.") from None
    if len(raw) != _KEY_BYTES:
        raise KeyConfigError(f"{source}: key {name} must be {_KEY_BYTES} bytes (256 bits), it has {len(raw)}.")
    return raw


def _parse(text: str, *, source: str) -> _Keys:
    index_root: bytes | None = None
    data: dict[str, bytes] = {}
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    entries = [entry.strip() for line in lines for entry in line.split(",") if entry.strip()]
    for number, entry in enumerate(entries, 1):
        name, sep, material = entry.partition(":")
        name = name.strip()
        if not sep:
            raise KeyConfigError(f"{source}: entry {number} is not name:key (expected index:<base64>,k1:<base64>).")
        if name != INDEX_KEY_ID and not _DATA_KEY_ID.fullmatch(name):
            raise KeyConfigError(f"{source}: {name!r} is not a key name; use index, k1, k2, …")
        if (name == INDEX_KEY_ID and index_root is not None) or name in data:
            raise KeyConfigError(f"{source}: key {name} is listed twice.")
        key = _decode_key(material, name, source)
        if name == INDEX_KEY_ID:
            index_root = key
        else:
            data[name] = key
    if index_root is None:
        raise KeyConfigError(f"{source}: no index key (index:<base64>); it must stay the same for the store's lifetime.")
    if not data:
        raise KeyConfigError(f"{source}: no data key (k1:<base64>).")
    if index_root in data.values() or len(set(data.values())) != len(data):
        raise KeyConfigError(f"{source}: the same key material is used twice; every key must be its own random value.")
    return _Keys(index_root, data)


def parse_keys(text: str, *, source: str, reload: Callable[[], KeyRing] | None = None) -> KeyRing:
    """A key ring from ``index:<b64>,k1:<b64>`` entries (commas or new lines, # comments); KeyConfigError if malformed."""
    keys = _parse(text, source=source)
    return KeyRing(keys.index_root, keys.data, source=source, reload=reload)


def format_keys(keyring: KeyRing) -> str:
    """The key ring as text for HELPDESK_PERSONAL_KEYS (or, with commas as new lines, the key file)."""
    keys = keyring._keys
    entries = [(INDEX_KEY_ID, keys.index_root)] + [(key_id, keys.data[key_id]) for key_id in keyring.key_ids]
    return ",".join(f"{name}:{base64.urlsafe_b64encode(key).decode('ascii')}" for name, key in entries)


def generate_keyring() -> KeyRing:
    """A fresh index key and first data key (k1)."""
    return KeyRing(secrets.token_bytes(_KEY_BYTES), {"k1": secrets.token_bytes(_KEY_BYTES)}, source="new keys")


def add_data_key(keyring: KeyRing) -> KeyRing:
    """A ring with a new data key (the next number after the newest) that becomes the writer; the index key stays."""
    keys = keyring._keys
    # The writer always has the highest number and can never be retired, so a number is never handed out twice.
    new_id = f"k{_key_number(keys.writer) + 1}"
    data = {**keys.data, new_id: secrets.token_bytes(_KEY_BYTES)}
    return KeyRing(keys.index_root, data, source=keyring.source, reload=keyring.reload)


def retire_key(keyring: KeyRing, key_id: str) -> KeyRing:
    """A ring without this data key; check first that no stored value still uses it (``LIKE 'v1.<id>.%'``)."""
    keys = keyring._keys
    if key_id == INDEX_KEY_ID:
        raise KeyConfigError("The index key cannot be retired: every phone and e-mail lookup depends on it.")
    if key_id not in keys.data:
        raise KeyConfigError(f"There is no data key {key_id} to retire (keys: {', '.join(keyring.key_ids)}).")
    if key_id == keys.writer:
        raise KeyConfigError(f"Key {key_id} writes new values; add a newer key and re-encrypt before retiring it.")
    remaining = {name: key for name, key in keys.data.items() if name != key_id}
    return KeyRing(keys.index_root, remaining, source=keyring.source, reload=keyring.reload)


# --- wrong-key detection --------------------------------------------------------------------------------

_CHECK_AAD = {"table": "helpdesk_key_check", "column": "constant", "customer_id": "-"}


def key_check_token(keyring: KeyRing, key_id: str) -> str:
    """A value to store for this key id ("index" or a data key) so a later start can tell a wrong key."""
    keys = keyring._keys
    if key_id == INDEX_KEY_ID:
        return "index." + keyring._index(_CHECK_KIND, _CHECK_CONSTANT.decode())
    if key_id not in keys.ciphers:
        raise KeyConfigError(f"There is no data key {key_id} (keys: {', '.join(keyring.key_ids)}).")
    return _seal(keys.ciphers[key_id], key_id, _CHECK_CONSTANT, **_CHECK_AAD)


def verify_key_check(keyring: KeyRing, stored: Mapping[str, str]) -> list[str]:
    """Raise WrongKeyError if a key differs from the one its stored check was made with; return ids with no check yet."""
    wrong: list[str] = []
    for key_id, check in stored.items():
        if key_id == INDEX_KEY_ID:
            if not hmac.compare_digest(check.encode(), key_check_token(keyring, INDEX_KEY_ID).encode()):
                wrong.append(key_id)
        elif key_id in keyring._keys.ciphers:
            try:
                ok = key_id_of(check) == key_id and keyring.decrypt(check, **_CHECK_AAD).encode() == _CHECK_CONSTANT
            except DecryptionError:
                ok = False
            if not ok:
                wrong.append(key_id)
        # A check for a key the ring lacks belongs to a retired key; rows using it fail on their own, loudly.
    if wrong:
        which = f"key {wrong[0]} does" if len(wrong) == 1 else f"keys {', '.join(wrong)} do"
        raise WrongKeyError(
            f"Wrong personal-data key in {keyring.source}: {which} not match the keys this database was written with. "
            "Refusing to start rather than show garbage."
        )
    return [key_id for key_id in (INDEX_KEY_ID, *keyring.key_ids) if key_id not in stored]
