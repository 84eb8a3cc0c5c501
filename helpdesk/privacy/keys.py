"""Where the personal-data keys live: the HELPDESK_PERSONAL_KEYS variable or an owner-only key file, loaded and saved.

Format (see helpdesk/privacy/crypto.py): ``index:<base64 of 32 bytes>,k1:<…>,k2:<…>``; in the file, one entry a line
and ``#`` comments. The file is ``HELPDESK_PERSONAL_KEY_FILE``, by default ``<HELPDESK_DATA_DIR>/personal_keys``
(``./.helpdesk/personal_keys``, git-ignored), written with mode 0600 in a 0700 directory.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from helpdesk.privacy.crypto import KeyConfigError, KeyRing, format_keys, generate_keyring, parse_keys

KEYS_ENV = "HELPDESK_PERSONAL_KEYS"
KEY_FILE_ENV = "HELPDESK_PERSONAL_KEY_FILE"
KEY_FILE_NAME = "personal_keys"

log = logging.getLogger(__name__)


def load_for(settings, *, create: bool = False) -> KeyRing:
    """The key ring these settings name (HELPDESK_PERSONAL_KEYS, else the key file); create=True only for local use."""
    env = {KEYS_ENV: settings.personal_keys or "", KEY_FILE_ENV: str(settings.personal_key_file or "")}
    return load_keyring(env, settings.data_dir, create=create)


def key_file_path(env: Mapping[str, str], data_dir: Path) -> Path:
    """Where the key file is: HELPDESK_PERSONAL_KEY_FILE, else <data dir>/personal_keys."""
    configured = env.get(KEY_FILE_ENV, "").strip()
    return Path(configured).expanduser() if configured else Path(data_dir) / KEY_FILE_NAME


def load_keyring(env: Mapping[str, str], data_dir: Path, *, create: bool = False) -> KeyRing:
    """The key ring from HELPDESK_PERSONAL_KEYS, else the key file; create=True (demo, local use) makes a missing file."""
    text = env.get(KEYS_ENV, "").strip()
    if text:
        return parse_keys(text, source=KEYS_ENV)
    path = key_file_path(env, data_dir)
    if path.exists():
        return read_key_file(path)
    if create:
        return _create_key_file(path)
    raise KeyConfigError(
        f"No personal-data keys: set {KEYS_ENV} or provide the key file {path} ({KEY_FILE_ENV} moves it); "
        "`helpdesk demo` creates one for local use."
    )


def read_key_file(path: Path) -> KeyRing:
    """The key ring in this file; it re-reads the file when it meets a key id it lacks (a rotation in progress)."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as exc:
        raise KeyConfigError(f"Cannot read the personal-data key file {path}: {exc.strerror}.") from None
    if mode & 0o077:
        # A warning, not a refusal: secret mounts in containers are often 0644 inside a private volume.
        log.warning("personal-data key file %s is readable by others (mode %o); run: chmod 600 %s", path, mode & 0o777, path)
    return parse_keys(text, source=str(path), reload=lambda: read_key_file(path))


def save_keyring(keyring: KeyRing, path: Path) -> None:
    """Replace the key file atomically and owner-only, so a server re-reading it never sees half a file."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(_file_text(keyring))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _file_text(keyring: KeyRing) -> str:
    header = (
        "# helpdesk personal-data keys. Secret: never commit or e-mail this file. The index key must never change;\n"
        "# the data key with the highest number writes, all listed keys read.\n"
    )
    return header + format_keys(keyring).replace(",", "\n") + "\n"


def _create_key_file(path: Path) -> KeyRing:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting together must not each write their own keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key_file(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(_file_text(generate_keyring()))
    log.info("created personal-data key file %s", path)
    return read_key_file(path)
