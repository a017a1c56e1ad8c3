from __future__ import annotations

import base64
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from reservation_be.users.ssh_keys import parse_public_key


def _openssh(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _sk_ed25519() -> str:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    kind = b"sk-ssh-ed25519@openssh.com"
    blob = _ssh_string(kind) + _ssh_string(raw) + _ssh_string(b"ssh:")
    return f"{kind.decode()} {base64.b64encode(blob).decode()} yubikey"


async def test_me_creates_the_user_on_first_sight(client, auth, test_realm):
    response = await client.get("/api/v1/users/me", headers=await auth("alice"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["username"] == "alice"
    assert body["id"] == test_realm.user_id("alice")
    assert body["is_platform_admin"] is False


async def test_profile_update_sets_own_fields(client, auth):
    headers = await auth("bob")
    response = await client.patch(
        "/api/v1/users/me",
        json={"display_name": "Bob B.", "timezone": "Europe/Berlin"},
        headers=headers,
    )
    assert response.status_code == 200
    me = (await client.get("/api/v1/users/me", headers=headers)).json()
    assert (me["display_name"], me["timezone"]) == ("Bob B.", "Europe/Berlin")


async def test_profile_update_refuses_unknown_time_zone_and_identity_fields(client, auth):
    headers = await auth("bob")
    bad_tz = await client.patch("/api/v1/users/me", json={"timezone": "Mars/Base"}, headers=headers)
    assert bad_tz.status_code == 422
    renamed = await client.patch("/api/v1/users/me", json={"username": "root"}, headers=headers)
    assert renamed.status_code == 422  # identity comes from the token, not from the client


async def test_every_accepted_key_type_can_be_registered(client, auth):
    headers = await auth("bob")
    keys = {
        "ssh-ed25519": _openssh(ed25519.Ed25519PrivateKey.generate()) + " bob@laptop",
        "ecdsa-sha2-nistp256": _openssh(ec.generate_private_key(ec.SECP256R1())),
        "ecdsa-sha2-nistp384": _openssh(ec.generate_private_key(ec.SECP384R1())),
        "ecdsa-sha2-nistp521": _openssh(ec.generate_private_key(ec.SECP521R1())),
        "ssh-rsa": _openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "sk-ssh-ed25519@openssh.com": _sk_ed25519(),
    }
    for kind, line in keys.items():
        response = await client.post(
            "/api/v1/users/me/ssh-keys", json={"public_key": line}, headers=headers
        )
        assert response.status_code == 201, (kind, response.text)
        body = response.json()
        assert body["key_type"] == kind
        assert body["fingerprint"].startswith("SHA256:")
    listed = (await client.get("/api/v1/users/me/ssh-keys", headers=headers)).json()
    assert sorted(k["key_type"] for k in listed) == sorted(keys)
    named = next(k for k in listed if k["key_type"] == "ssh-ed25519")
    assert named["comment"] == "bob@laptop"
    assert named["name"] == "bob@laptop"


async def test_bad_keys_are_refused_with_a_reason(client, auth):
    headers = await auth("bob")
    short_rsa = _openssh(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    ed = _openssh(ed25519.Ed25519PrivateKey.generate()).split()[1]
    bad = {
        "garbage": "hello world",
        "dsa": "ssh-dss AAAAB3NzaC1kc3MAAACBAP8=",
        "short rsa": short_rsa,
        "type mismatch": f"ssh-rsa {ed}",
        "not base64": "ssh-ed25519 !!!!",
        "two keys": f"ssh-ed25519 {ed}\nssh-ed25519 {ed}",
        "truncated": f"ssh-ed25519 {ed[:20]}",
    }
    for label, line in bad.items():
        response = await client.post(
            "/api/v1/users/me/ssh-keys", json={"public_key": line}, headers=headers
        )
        assert response.status_code == 422, (label, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/users/me/ssh-keys", headers=headers)).json() == []


async def test_rsa_below_2048_bits_names_the_size(client, auth):
    short_rsa = _openssh(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    response = await client.post(
        "/api/v1/users/me/ssh-keys", json={"public_key": short_rsa}, headers=await auth("bob")
    )
    assert "1024" in response.json()["detail"]


async def test_the_same_key_twice_is_a_conflict(client, auth):
    headers = await auth("bob")
    line = _openssh(ed25519.Ed25519PrivateKey.generate())
    first = await client.post(
        "/api/v1/users/me/ssh-keys", json={"public_key": line}, headers=headers
    )
    again = await client.post(
        "/api/v1/users/me/ssh-keys", json={"public_key": line + " other-comment"}, headers=headers
    )
    assert (first.status_code, again.status_code) == (201, 409)


async def test_keys_are_private_to_their_owner(client, auth):
    line = _openssh(ed25519.Ed25519PrivateKey.generate())
    created = await client.post(
        "/api/v1/users/me/ssh-keys", json={"public_key": line}, headers=await auth("bob")
    )
    key_id = created.json()["id"]
    alice = await auth("alice")
    assert (
        await client.get(f"/api/v1/users/me/ssh-keys/{key_id}", headers=alice)
    ).status_code == 404
    assert (
        await client.delete(f"/api/v1/users/me/ssh-keys/{key_id}", headers=alice)
    ).status_code == 404
    bob = await auth("bob")
    assert (
        await client.delete(f"/api/v1/users/me/ssh-keys/{key_id}", headers=bob)
    ).status_code == 204
    assert (await client.get(f"/api/v1/users/me/ssh-keys/{key_id}", headers=bob)).status_code == 404


def test_fingerprint_matches_openssh_format():
    line = _openssh(ed25519.Ed25519PrivateKey.generate())
    parsed = parse_public_key(line)
    blob = base64.b64decode(line.split()[1])
    import hashlib

    expected = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert parsed.fingerprint == f"SHA256:{expected}"
    assert parsed.bits == 256
