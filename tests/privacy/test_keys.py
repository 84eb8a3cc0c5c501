"""Where personal-data keys come from: the environment, the owner-only key file, created for demo use, rotated in place."""

from __future__ import annotations

import logging
import stat
import threading

import pytest

from helpdesk.privacy import crypto, keys
from helpdesk.privacy.crypto import KeyConfigError

ROW = {"table": "personal_record", "column": "phone", "customer_id": "482109379"}


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_environment_variable_wins_over_the_file(tmp_path):
    file_ring = keys.load_keyring({}, tmp_path, create=True)
    env_ring = crypto.add_data_key(crypto.generate_keyring())
    env = {"HELPDESK_PERSONAL_KEYS": crypto.format_keys(env_ring)}
    ring = keys.load_keyring(env, tmp_path)
    assert ring.source == "HELPDESK_PERSONAL_KEYS" and ring.writer == "k2" and ring.reload is None
    assert ring.blind_index("phone", "+919812345678") == env_ring.blind_index("phone", "+919812345678")
    assert ring.blind_index("phone", "+919812345678") != file_ring.blind_index("phone", "+919812345678")


def test_missing_keys_refuse_with_one_line(tmp_path):
    with pytest.raises(KeyConfigError) as caught:
        keys.load_keyring({}, tmp_path / "data")
    message = str(caught.value)
    assert "\n" not in message
    assert "set HELPDESK_PERSONAL_KEYS" in message and str(tmp_path / "data" / "personal_keys") in message
    assert not (tmp_path / "data").exists()  # nothing is created unless asked


def test_blank_environment_variable_counts_as_unset(tmp_path):
    with pytest.raises(KeyConfigError, match="No personal-data keys"):
        keys.load_keyring({"HELPDESK_PERSONAL_KEYS": "  "}, tmp_path)


def test_malformed_environment_variable_is_a_one_line_error(tmp_path):
    with pytest.raises(KeyConfigError, match=r"^HELPDESK_PERSONAL_KEYS: key k1 must be 32 bytes"):
        keys.load_keyring({"HELPDESK_PERSONAL_KEYS": "k1:AAAA"}, tmp_path)


def test_demo_mode_creates_an_owner_only_key_file(tmp_path):
    data_dir = tmp_path / "data"
    ring = keys.load_keyring({}, data_dir, create=True)
    path = data_dir / "personal_keys"
    assert _mode(path) == 0o600 and _mode(data_dir) == 0o700
    text = path.read_text()
    assert text.startswith("# helpdesk personal-data keys") and "\nindex:" in text and "\nk1:" in text
    assert ring.writer == "k1" and ring.source == str(path)
    # The next start reads the same keys.
    token = ring.encrypt("+919812345678", **ROW)
    assert keys.load_keyring({}, data_dir, create=True).decrypt(token, **ROW) == "+919812345678"


def test_key_file_location_can_be_moved(tmp_path):
    path = tmp_path / "secrets" / "helpdesk.keys"
    env = {"HELPDESK_PERSONAL_KEY_FILE": str(path)}
    keys.load_keyring(env, tmp_path / "data", create=True)
    assert path.exists() and not (tmp_path / "data").exists()
    assert keys.key_file_path(env, tmp_path / "data") == path
    assert keys.key_file_path({}, tmp_path / "data") == tmp_path / "data" / "personal_keys"


def test_malformed_key_file_names_the_file(tmp_path):
    path = tmp_path / "personal_keys"
    path.write_text("index:AAAA\n")
    path.chmod(0o600)
    with pytest.raises(KeyConfigError, match=rf"^{path}: key index must be 32 bytes"):
        keys.load_keyring({}, tmp_path)


def test_unreadable_key_file_is_a_clear_error(tmp_path):
    path = tmp_path / "personal_keys"
    path.mkdir()  # a directory where the file should be: reading fails whoever runs the tests
    with pytest.raises(KeyConfigError, match="Cannot read the personal-data key file"):
        keys.load_keyring({}, tmp_path)


def test_a_key_file_others_can_read_is_warned_about(tmp_path, caplog):
    keys.load_keyring({}, tmp_path, create=True)
    (tmp_path / "personal_keys").chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="helpdesk.privacy.keys"):
        keys.load_keyring({}, tmp_path)
    assert "chmod 600" in caplog.text


def test_save_keyring_is_atomic_and_owner_only(tmp_path):
    ring = keys.load_keyring({}, tmp_path, create=True)
    path = tmp_path / "personal_keys"
    keys.save_keyring(crypto.add_data_key(ring), path)
    assert _mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["personal_keys"]  # no temporary file left behind
    assert keys.load_keyring({}, tmp_path).key_ids == ["k2", "k1"]


def test_a_server_picks_up_a_key_added_by_a_rotation_in_another_process(tmp_path):
    path = tmp_path / "personal_keys"
    server = keys.load_keyring({}, tmp_path, create=True)
    old = server.encrypt("+919812345678", **ROW)
    # `helpdesk keys rotate`, elsewhere: add k2 to the file, then re-encrypt rows with it.
    rotating = keys.load_keyring({}, tmp_path)
    keys.save_keyring(crypto.add_data_key(rotating), path)
    rotated = keys.load_keyring({}, tmp_path).reencrypt(old, **ROW)
    assert crypto.key_id_of(rotated) == "k2"
    # The running server meets k2 for the first time: it re-reads the file instead of failing.
    assert server.decrypt(rotated, **ROW) == "+919812345678"
    assert server.writer == "k2"  # and writes with the new key from now on


def test_concurrent_readers_during_rotation_see_no_errors(tmp_path):
    path = tmp_path / "personal_keys"
    server = keys.load_keyring({}, tmp_path, create=True)
    keys.save_keyring(crypto.add_data_key(keys.load_keyring({}, tmp_path)), path)
    token = keys.load_keyring({}, tmp_path).encrypt("आशा वर्मा", **ROW)
    errors: list[Exception] = []

    def read() -> None:
        try:
            for _ in range(200):
                assert server.decrypt(token, **ROW) == "आशा वर्मा"
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_key_file_with_a_changed_index_key_is_not_adopted(tmp_path, caplog):
    path = tmp_path / "personal_keys"
    server = keys.load_keyring({}, tmp_path, create=True)
    lookup = server.blind_index("phone", "+919812345678")
    stranger = crypto.add_data_key(crypto.generate_keyring())
    keys.save_keyring(stranger, path)
    with caplog.at_level(logging.ERROR), pytest.raises(crypto.UnknownKeyId):
        server.decrypt(stranger.encrypt("x", **ROW), **ROW)
    assert "different index key" in caplog.text
    assert server.blind_index("phone", "+919812345678") == lookup


def test_environment_keys_never_reload(tmp_path):
    ring = keys.load_keyring({"HELPDESK_PERSONAL_KEYS": crypto.format_keys(crypto.generate_keyring())}, tmp_path)
    token = crypto.add_data_key(ring).encrypt("x", **ROW)
    with pytest.raises(crypto.UnknownKeyId, match="HELPDESK_PERSONAL_KEYS"):
        ring.decrypt(token, **ROW)
