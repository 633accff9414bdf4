"""The API key format: generation, checksum, uniqueness and parsing."""

from __future__ import annotations

import secrets
import string
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ringtonic.services.keys.api_keys import (
    BASE62,
    KEY_LENGTH,
    KEY_PREFIX,
    decode_base62,
    encode_base62,
    generate_api_key,
    is_well_formed,
    key_checksum,
    key_digest,
    key_hint,
)


def test_generated_key_is_prefix_43_base62_chars_and_6_checksum_chars():
    key = generate_api_key()
    assert len(key) == KEY_LENGTH == 59
    assert key.startswith("ringtonic_")
    rest = key[len(KEY_PREFIX) :]
    assert set(rest) <= set(string.ascii_letters + string.digits)
    assert key[-6:] == key_checksum(key[:-6])
    assert is_well_formed(key)


def test_checksum_is_the_crc32_of_everything_before_it_in_base62():
    key = generate_api_key()
    assert decode_base62(key[-6:]) == zlib.crc32(key[:-6].encode())


def test_key_carries_the_32_random_bytes_that_secrets_gave(monkeypatch):
    asked = []
    random_bytes = bytes(range(200, 232))

    def fake_token_bytes(n):
        asked.append(n)
        return random_bytes

    monkeypatch.setattr(secrets, "token_bytes", fake_token_bytes)
    key = generate_api_key()
    assert asked == [32]
    body = key[len(KEY_PREFIX) : -6]
    assert decode_base62(body).to_bytes(32, "big") == random_bytes


def test_extreme_random_values_still_make_well_formed_keys(monkeypatch):
    for value in (b"\x00" * 32, b"\xff" * 32):
        monkeypatch.setattr(secrets, "token_bytes", lambda n, v=value: v)
        key = generate_api_key()
        assert len(key) == KEY_LENGTH and is_well_formed(key)


def test_keys_are_unique():
    keys = {generate_api_key() for _ in range(20_000)}
    assert len(keys) == 20_000


def test_a_body_above_256_bits_is_refused_even_with_a_good_checksum():
    payload = KEY_PREFIX + "z" * 43  # 62**43 - 1 > 2**256 - 1: no generated key looks like this
    assert not is_well_formed(payload + key_checksum(payload))


def test_digest_is_sha256_hex_and_hint_shows_only_the_last_four():
    key = generate_api_key()
    assert len(key_digest(key)) == 64 and key not in key_digest(key)
    assert key_hint(key) == "ringtonic_…" + key[-4:]


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=62**8 - 1))
def test_base62_round_trips(value):
    assert decode_base62(encode_base62(value, 8)) == value


@settings(max_examples=2000)
@given(st.text(max_size=80))
def test_random_text_is_never_accepted(text):
    assert is_well_formed(text) is False


@settings(max_examples=2000)
@given(st.text(alphabet=BASE62, min_size=49, max_size=49))
def test_prefixed_random_base62_is_accepted_only_with_a_matching_checksum(rest):
    candidate = KEY_PREFIX + rest
    expected = rest[-6:] == key_checksum(candidate[:-6]) and decode_base62(rest[:43]) < 2**256
    assert is_well_formed(candidate) is expected


@settings(max_examples=2000)
@given(st.data())
def test_any_single_character_change_is_refused(data):
    key = generate_api_key()
    position = data.draw(st.integers(min_value=0, max_value=KEY_LENGTH - 1))
    # Any Unicode character: letters and digits of other scripts pass str.isalnum(), not us.
    replacement = data.draw(st.characters().filter(lambda ch, p=position: ch != key[p]))
    mutated = key[:position] + replacement + key[position + 1 :]
    assert not is_well_formed(mutated)
