"""Whose keys a host lets in: the owner's and the co-users', checked before the BMC is touched."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import key_pair
from server_provisioning_webhook.userdata import (
    KEYS_COMMAND,
    BadKey,
    keys_command_url,
    render_user_data,
    team_keys,
)

DSS = "ssh-dss AAAAB3NzaC1kc3MAAACBAP"


def _line(public: str) -> str:
    return " ".join(public.split()[:2])


def test_the_owners_and_the_co_users_keys_each_once_in_order() -> None:
    owner, bob = key_pair()[1], key_pair()[1]
    team = team_keys([owner], [("bob", [bob, owner + " laptop"])])
    assert team.keys == (_line(owner), _line(bob))
    assert team.left_out == ()


def test_a_co_users_unusable_key_is_left_out_and_named_the_owners_is_refused() -> None:
    owner, bob = key_pair()[1], key_pair()[1]
    team = team_keys([owner], [("bob", [DSS, bob])])
    assert team.keys == (_line(owner), _line(bob))
    assert team.left_out == ("bob's SSH key 1 has an unsupported type 'ssh-dss'",)
    with pytest.raises(BadKey, match="unsupported type"):
        team_keys([DSS], [("bob", [bob])])


def test_a_team_with_a_key_only_among_the_co_users_gets_in_and_one_with_none_is_refused() -> None:
    bob = key_pair()[1]
    assert team_keys([], [("bob", [bob])]).keys == (_line(bob),)
    with pytest.raises(BadKey, match="no SSH key"):
        team_keys([], [("bob", []), ("carol", [DSS])])


def test_the_user_data_points_sshd_at_the_keys_url_and_holds_no_key() -> None:
    url = "http://receiver/seed/t0k3n/authorized_keys"
    user_data = render_user_data(login_user="cloud", keys_url=url, hostname="node1")
    assert keys_command_url(user_data) == url
    assert "ssh-ed25519" not in user_data and "ssh_authorized_keys" not in user_data


def _keys_script(user_data: str, cache: Path) -> str:
    document = json.loads(user_data.removeprefix("#cloud-config\n"))
    (script,) = [f["content"] for f in document["write_files"] if f["path"] == KEYS_COMMAND]
    return str(script).replace("/var/cache/reservation-keys", str(cache))


@pytest.mark.skipif(shutil.which("curl") is None, reason="the host's keys command needs curl")
def test_the_hosts_keys_command_prints_the_answer_keeps_it_when_unreachable_and_none_after_404(
    tmp_path: Path,
) -> None:
    answers: list[tuple[int, str]] = []

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answers[0]
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    url = f"http://127.0.0.1:{server.server_address[1]}/seed/t0k3n/authorized_keys"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = tmp_path / "reservation-keys"
    user_data = render_user_data(login_user="cloud", keys_url=url, hostname="node1")
    script.write_text(_keys_script(user_data, tmp_path))

    def run() -> str:
        done = subprocess.run(["sh", str(script)], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        answers[:] = [(200, "ssh-ed25519 AAAA-owner\nssh-ed25519 AAAA-bob\n")]
        assert run() == "ssh-ed25519 AAAA-owner\nssh-ed25519 AAAA-bob\n"
        answers[:] = [(200, "ssh-ed25519 AAAA-owner\n")]  # bob removed
        assert run() == "ssh-ed25519 AAAA-owner\n"
    finally:
        server.shutdown()
        server.server_close()
    assert run() == "ssh-ed25519 AAAA-owner\n"  # receiver unreachable: the last answer
    server = ThreadingHTTPServer(("127.0.0.1", int(url.split(":")[2].split("/")[0])), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answers[:] = [(404, "not found\n")]  # released
        assert run() == ""
    finally:
        server.shutdown()
        server.server_close()
