"""What the CLI does on the machine alone: shell completion, where tokens are kept, output
shapes and SSE parsing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import keyring
import pytest
from keyring.backend import KeyringBackend
from reservation_cli.commands.events import parse_sse
from reservation_cli.tokens import (
    FileTokenStore,
    KeyringTokenStore,
    TokenSet,
    default_store,
    keyring_available,
)

RSV = shutil.which("rsv")


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory, standing in for the desktop's Secret Service."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring():  # type: ignore[no-untyped-def]
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def tokens() -> TokenSet:
    return TokenSet(access_token="a", refresh_token="r", expires_at=time.time() + 300)


def test_tokens_go_to_the_keyring_when_there_is_one(memory_keyring: MemoryKeyring) -> None:
    store = default_store()
    store.save("lab", tokens())

    assert isinstance(store, KeyringTokenStore)
    assert json.loads(memory_keyring.items[("rsv", "lab")])["refresh_token"] == "r"
    loaded = store.load("lab")
    assert loaded is not None and (loaded.access_token, loaded.refresh_token) == ("a", "r")
    store.delete("lab")
    store.delete("lab")  # forgetting twice is fine
    assert store.load("lab") is None


def test_without_a_keyring_tokens_go_to_a_private_file() -> None:
    assert os.environ["PYTHON_KEYRING_BACKEND"] == "keyring.backends.null.Keyring"
    assert not keyring_available()
    assert isinstance(default_store(), FileTokenStore)


def test_shell_completion_completes_commands() -> None:
    assert RSV is not None
    env = os.environ | {
        "_RSV_COMPLETE": "complete_bash",
        "COMP_WORDS": "rsv reser",
        "COMP_CWORD": "1",
    }
    completed = subprocess.run([RSV], capture_output=True, text=True, env=env, timeout=60)
    script = subprocess.run(
        [RSV, "--show-completion", "bash"], capture_output=True, text=True, timeout=60
    )

    assert completed.stdout.split() == ["reservations"]
    assert "_rsv_completion" in script.stdout


def test_event_stream_parsing_keeps_ids_and_skips_comments() -> None:
    lines = [
        "retry: 3000",
        ": connected",
        "",
        "id: 7",
        "event: notification",
        'data: {"message": "hi"}',
        "",
        ": keep-alive",
        "",
        "event: reservation",
        "data: {}",
        "",
    ]

    assert list(parse_sse(iter(lines))) == [
        ("notification", "7", '{"message": "hi"}'),
        ("reservation", None, "{}"),
    ]
