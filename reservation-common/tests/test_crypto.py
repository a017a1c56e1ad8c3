import pytest
from reservation_common.crypto import (
    DecryptionError,
    InvalidKeyError,
    SecretBox,
    generate_key,
    validate_keys,
)
from reservation_common.signing import generate_secret


def test_secret_round_trips_and_ciphertext_hides_it() -> None:
    box = SecretBox(generate_key())
    secret = generate_secret()
    token = box.encrypt(secret)
    assert secret not in token
    assert box.decrypt(token) == secret


def test_wrong_key_cannot_decrypt() -> None:
    token = SecretBox(generate_key()).encrypt("whsec_x")
    with pytest.raises(DecryptionError):
        SecretBox(generate_key()).decrypt(token)


def test_tampered_token_is_refused() -> None:
    box = SecretBox(generate_key())
    token = box.encrypt("whsec_x")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        box.decrypt(tampered)


def test_key_rotation_decrypts_old_values_and_reencrypts_under_new_key() -> None:
    old_key, new_key = generate_key(), generate_key()
    token = SecretBox(old_key).encrypt("whsec_rotate")
    both = SecretBox(f"{new_key},{old_key}")
    assert both.decrypt(token) == "whsec_rotate"
    rotated = both.rotate(token)
    assert SecretBox(new_key).decrypt(rotated) == "whsec_rotate"


@pytest.mark.parametrize("bad", ["", " , ", "not-a-fernet-key"])
def test_invalid_keys_are_refused(bad: str) -> None:
    with pytest.raises(InvalidKeyError):
        SecretBox(bad)


def test_repr_does_not_leak_keys() -> None:
    key = generate_key()
    assert key not in repr(SecretBox(key))


def test_validate_keys_checks_every_key_and_names_only_its_position() -> None:
    first, second = generate_key(), generate_key()
    assert validate_keys(f"{first}, {second}") == [first, second]
    for bad in ("", "c2hvcnQ=", first + "x", "é" * 44):
        with pytest.raises(InvalidKeyError, match="key 2 of 2") as error:
            validate_keys(f"{first},{bad}" if bad else f"{first},{first[:10]}")
        assert first not in str(error.value)
    with pytest.raises(InvalidKeyError, match="holds no key"):
        validate_keys(" , ")
