"""Personal-data encryption: round trips, values bound to their row, tampering, rotation, blind index, key checks."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.privacy import crypto
from helpdesk.privacy.crypto import DecryptionError, KeyConfigError, UnknownKeyId, WrongKeyError

ROW = {"table": "personal_record", "column": "full_name", "customer_id": "482109379"}


@pytest.fixture
def ring() -> crypto.KeyRing:
    return crypto.generate_keyring()


@pytest.mark.parametrize("value", ["Asha Verma", "आशा वर्मा", "राजेश कुमार, फ़्लैट 12, लाजपत नगर", "", "+919812345678", "x" * 5000])
def test_round_trip(ring, value):
    token = ring.encrypt(value, **ROW)
    assert token.startswith("v1.k1.") and value not in token[6:] or value == ""
    assert ring.decrypt(token, **ROW) == value


_SHARED_RING = crypto.generate_keyring()  # hypothesis runs the test many times: one ring, not one per example


@given(st.text(max_size=200))
def test_round_trip_any_text(value):
    assert _SHARED_RING.decrypt(_SHARED_RING.encrypt(value, **ROW), **ROW) == value


def test_none_passes_through(ring):
    assert ring.encrypt(None, **ROW) is None
    assert ring.decrypt(None, **ROW) is None


def test_only_text_is_encrypted(ring):
    with pytest.raises(TypeError):
        ring.encrypt(b"bytes", **ROW)


def test_every_encryption_uses_a_fresh_nonce(ring):
    tokens = {ring.encrypt("Asha Verma", **ROW) for _ in range(50)}
    assert len(tokens) == 50


def test_token_format(ring):
    version, key_id, body = ring.encrypt("abc", **ROW).split(".")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert (version, key_id) == ("v1", "k1")
    assert len(raw) == 12 + 3 + 16  # nonce, ciphertext as long as the text, tag
    assert "=" not in body and "+" not in body and "/" not in body


@pytest.mark.parametrize(
    "elsewhere",
    [
        {**ROW, "customer_id": "482109370"},
        {**ROW, "column": "address_line"},
        {**ROW, "table": "personal_archive"},
    ],
)
def test_a_token_copied_to_another_row_column_or_table_fails(ring, elsewhere):
    token = ring.encrypt("Asha Verma", **ROW)
    with pytest.raises(DecryptionError, match="copied from another row or column"):
        ring.decrypt(token, **elsewhere)


def test_associated_data_parts_cannot_be_shifted(ring):
    with pytest.raises(ValueError, match="without '|'"):
        ring.encrypt("x", table="personal_record|full_name", column="x", customer_id="1")
    with pytest.raises(ValueError):
        ring.encrypt("x", table="personal_record", column="", customer_id="1")


def _flip(token: str, position: int) -> str:
    version, key_id, body = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position] ^= 0x01
    return f"{version}.{key_id}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


@pytest.mark.parametrize("position", [0, 11, 12, 15, -1, -16])  # nonce, ciphertext, tag
def test_tampering_fails(ring, position):
    token = ring.encrypt("Asha Verma", **ROW)
    with pytest.raises(DecryptionError):
        ring.decrypt(_flip(token, position), **ROW)


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("Asha Verma", "not an encrypted value"),
        ("v2.k1.AAAA", "not an encrypted value"),
        ("v1.x1.AAAA", "not an encrypted value"),
        ("v1.k1.", "not an encrypted value"),
        ("v1.k1.AAAA", "too short"),
        ("v1.k1.A", "not valid base64"),
    ],
)
def test_malformed_tokens_fail_clearly(ring, token, says):
    with pytest.raises(DecryptionError, match=says):
        ring.decrypt(token, **ROW)


def test_relabelling_a_token_with_another_key_id_fails(ring):
    rotated = crypto.add_data_key(ring)
    token = rotated.encrypt("Asha Verma", **ROW)
    with pytest.raises(DecryptionError):
        rotated.decrypt(token.replace("v1.k2.", "v1.k1.", 1), **ROW)


def test_unknown_key_id_fails_clearly(ring):
    token = crypto.add_data_key(ring).encrypt("Asha Verma", **ROW)
    with pytest.raises(UnknownKeyId, match=r"key k2, which the keys from .* lack \(they have k1\)") as caught:
        ring.decrypt(token, **ROW)
    assert caught.value.key_id == "k2"


def test_a_different_key_set_cannot_decrypt(ring):
    token = ring.encrypt("Asha Verma", **ROW)
    with pytest.raises(DecryptionError, match="the key is not the one that wrote it"):
        crypto.generate_keyring().decrypt(token, **ROW)


# --- rotation ----------------------------------------------------------------------------------------------------


def test_rotation_old_tokens_still_decrypt_and_new_ones_use_the_new_key(ring):
    old = ring.encrypt("आशा वर्मा", **ROW)
    rotated = crypto.add_data_key(ring)
    assert rotated.writer == "k2" and rotated.key_ids == ["k2", "k1"]
    assert rotated.decrypt(old, **ROW) == "आशा वर्मा"
    new = rotated.encrypt("आशा वर्मा", **ROW)
    assert crypto.key_id_of(new) == "k2"
    assert crypto.add_data_key(rotated).writer == "k3"


def test_reencrypt_moves_a_token_to_the_newest_key(ring):
    old = ring.encrypt("Asha Verma", **ROW)
    rotated = crypto.add_data_key(ring)
    assert rotated.needs_reencrypt(old) and not rotated.needs_reencrypt(None)
    moved = rotated.reencrypt(old, **ROW)
    assert crypto.key_id_of(moved) == "k2" and not rotated.needs_reencrypt(moved)
    assert rotated.reencrypt(moved, **ROW) is moved  # already on the writer: nothing to do
    assert rotated.reencrypt(None, **ROW) is None
    retired = crypto.retire_key(rotated, "k1")
    assert retired.key_ids == ["k2"] and retired.decrypt(moved, **ROW) == "Asha Verma"
    with pytest.raises(UnknownKeyId):
        retired.decrypt(old, **ROW)


def test_retiring_refuses_the_writer_the_index_and_unknown_keys(ring):
    rotated = crypto.add_data_key(ring)
    for key_id, says in [("k2", "writes new values"), ("index", "cannot be retired"), ("k7", "no data key k7")]:
        with pytest.raises(KeyConfigError, match=says):
            crypto.retire_key(rotated, key_id)


def test_a_key_number_is_never_handed_out_twice(ring):
    ring = crypto.add_data_key(crypto.add_data_key(ring))  # k1, k2, k3
    ring = crypto.retire_key(ring, "k2")
    assert crypto.add_data_key(ring).writer == "k4"


# --- blind index -------------------------------------------------------------------------------------------------


def test_blind_index_is_stable_across_rotation(ring):
    before = ring.blind_index("phone", "+919812345678")
    rotated = crypto.retire_key(crypto.add_data_key(crypto.add_data_key(ring)), "k1")
    assert rotated.blind_index("phone", "+919812345678") == before
    assert crypto.parse_keys(crypto.format_keys(rotated), source="text").blind_index("phone", "+919812345678") == before


def test_blind_index_equal_inputs_equal_values_and_nothing_else(ring):
    phone = ring.blind_index("phone", "+919812345678")
    assert phone == ring.blind_index("phone", "+919812345678")
    assert phone != ring.blind_index("phone", "+919812345679")
    assert len(phone) == 32 and int(phone, 16) >= 0
    assert "9812345678" not in phone
    assert ring.blind_index("email", " Asha.Verma@Example.IN ") == ring.blind_index("email", "asha.verma@example.in")
    # Kinds have their own keys: the same text indexes differently.
    assert ring.blind_index("email", "+919812345678") != phone
    # Another installation (another index key) gives other values.
    assert crypto.generate_keyring().blind_index("phone", "+919812345678") != phone


@pytest.mark.parametrize(("kind", "value"), [("phone", "98123 45678"), ("phone", "09812345678"), ("name", "Asha")])
def test_blind_index_refuses_what_would_never_match(ring, kind, value):
    with pytest.raises(ValueError):
        ring.blind_index(kind, value)


# --- key material as text ------------------------------------------------------------------------------------------


def test_format_and_parse_round_trip(ring):
    rotated = crypto.add_data_key(ring)
    text = crypto.format_keys(rotated)
    assert text.startswith("index:") and ",k2:" in text and ",k1:" in text
    again = crypto.parse_keys(text, source="HELPDESK_PERSONAL_KEYS")
    token = rotated.encrypt("Asha Verma", **ROW)
    assert again.writer == "k2" and again.decrypt(token, **ROW) == "Asha Verma"


def test_parse_accepts_any_order_both_base64_alphabets_comments_and_lines():
    key = bytes(range(32))
    other = bytes(range(32, 64))
    text = f"""# keys
    k1:{base64.urlsafe_b64encode(key).decode().rstrip("=")}
    index:{base64.b64encode(other).decode()}   # standard alphabet, padded
    """
    ring = crypto.parse_keys(text, source="file")
    assert ring.key_ids == ["k1"]


def _b64(n: int, fill: int = 7) -> str:
    return base64.b64encode(bytes([fill]) * n).decode()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no index key"),
        (f"k1:{_b64(32)}", "no index key"),
        (f"index:{_b64(32)}", "no data key"),
        (f"index:{_b64(32, 1)},k1", "entry 2 is not name:key"),
        (f"index:{_b64(32, 1)},key1:{_b64(32)}", "'key1' is not a key name"),
        (f"index:{_b64(32, 1)},k0:{_b64(32)}", "'k0' is not a key name"),
        (f"index:{_b64(32, 1)},k1:{_b64(16)}", "must be 32 bytes .256 bits., it has 16"),
        (f"index:{_b64(32, 1)},k1:not base64!", "key k1 is not base64"),
        (f"index:{_b64(32, 1)},k1:{_b64(32)},k1:{_b64(32, 2)}", "k1 is listed twice"),
        (f"index:{_b64(32, 1)},index:{_b64(32, 2)},k1:{_b64(32)}", "index is listed twice"),
        (f"index:{_b64(32)},k1:{_b64(32)}", "same key material is used twice"),
    ],
)
def test_malformed_keys_give_one_line_errors_without_the_key(text, says):
    with pytest.raises(KeyConfigError, match=says) as caught:
        crypto.parse_keys(text, source="HELPDESK_PERSONAL_KEYS")
    message = str(caught.value)
    assert message.startswith("HELPDESK_PERSONAL_KEYS: ") and "\n" not in message
    assert _b64(32) not in message and _b64(32, 1) not in message


def test_repr_never_shows_key_material(ring):
    text = crypto.format_keys(ring)
    assert repr(ring) == "KeyRing(source='new keys', data_keys=['k1'], writer='k1')"
    assert all(entry.split(":")[1] not in repr(ring) for entry in text.split(","))


# --- wrong-key detection ---------------------------------------------------------------------------------------------


def _stored_checks(ring: crypto.KeyRing) -> dict[str, str]:
    return {key_id: crypto.key_check_token(ring, key_id) for key_id in crypto.verify_key_check(ring, {})}


def test_key_check_passes_for_the_right_keys_and_names_new_ones(ring):
    stored = _stored_checks(ring)
    assert set(stored) == {"index", "k1"}
    assert crypto.verify_key_check(ring, stored) == []
    rotated = crypto.add_data_key(ring)
    assert crypto.verify_key_check(rotated, stored) == ["k2"]  # the integrator stores a check for k2 now


def test_key_check_detects_a_wrong_data_key(ring):
    stored = _stored_checks(ring)
    impostor = crypto.generate_keyring()
    with pytest.raises(WrongKeyError, match=r"keys index, k1 do not match") as caught:
        crypto.verify_key_check(impostor, stored)
    assert "Refusing to start" in str(caught.value)


def test_key_check_detects_a_wrong_index_key_alone(ring):
    stored = _stored_checks(ring)
    text = crypto.format_keys(ring)
    data_entry = text.split(",")[1]
    wrong_index = crypto.parse_keys(f"index:{_b64(32, 9)},{data_entry}", source="HELPDESK_PERSONAL_KEYS")
    with pytest.raises(WrongKeyError, match=r"HELPDESK_PERSONAL_KEYS: key index does not match"):
        crypto.verify_key_check(wrong_index, stored)


def test_key_check_refuses_a_check_swapped_between_key_ids(ring):
    rotated = crypto.add_data_key(ring)
    stored = _stored_checks(rotated)
    stored["k1"], stored["k2"] = stored["k2"], stored["k1"]
    with pytest.raises(WrongKeyError):
        crypto.verify_key_check(rotated, stored)


def test_key_check_ignores_checks_of_retired_keys(ring):
    rotated = crypto.add_data_key(ring)
    stored = _stored_checks(rotated)
    assert crypto.verify_key_check(crypto.retire_key(rotated, "k1"), stored) == []
