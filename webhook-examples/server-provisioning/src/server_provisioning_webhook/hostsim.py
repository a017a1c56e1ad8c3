"""A simulated bare-metal host for tests and dev mode: it "boots" from what its BMC holds.

It watches its system on a Redfish service (the sushy-tools emulator): when the power comes on
with a seed in the removable virtual-media slot, it fetches ``user-data`` from the seed URL, as
cloud-init's NoCloud data source would, and starts an SSH server that, like the sshd the
user-data configures, asks the receiver for the login user's keys at every login
(``AuthorizedKeysCommand``). When the power goes off the SSH server stops and the keys are gone.

    python -m server_provisioning_webhook.hostsim --redfish http://127.0.0.1:8000 \\
        --system <uuid> --ssh-port 2201
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging

import asyncssh
import httpx

from .userdata import keys_command_url

__all__ = ["SimulatedHost"]

logger = logging.getLogger(__name__)


class SimulatedHost:
    def __init__(
        self,
        *,
        redfish_url: str,
        system_id: str,
        ssh_port: int,
        auth: tuple[str, str] | None = None,
        host: str = "127.0.0.1",
        poll_seconds: float = 0.3,
    ) -> None:
        self._redfish = redfish_url.rstrip("/")
        self._system = system_id
        self._auth = auth
        self._host = host
        self.ssh_port = ssh_port
        self._poll = poll_seconds
        self._server: asyncssh.SSHAcceptor | None = None
        self._task: asyncio.Task[None] | None = None
        self.user: str | None = None
        self.keys: list[str] = []  # the keys command's last answer (its cache)
        self._keys_url: str | None = None
        self.boots = 0
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")
        self._off = asyncio.Event()
        self._off.set()

    @property
    def running(self) -> bool:
        return self._server is not None

    async def power_went_off(self) -> None:
        """Return once the host has seen its power go off (it polls its BMC)."""
        await self._off.wait()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._power_off()

    async def _watch(self) -> None:
        async with httpx.AsyncClient(auth=self._auth, timeout=5) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                    system = (await client.get(f"{self._redfish}{self._system}")).json()
                    on = system["PowerState"] == "On"
                    if on and not self.running:
                        await self._boot(client)
                    elif not on and self.running:
                        await self._power_off()
                await asyncio.sleep(self._poll)

    async def _boot(self, client: httpx.AsyncClient) -> None:
        self.boots += 1
        media = (await client.get(f"{self._redfish}{self._system}/VirtualMedia/Floppy")).json()
        seed = media.get("Image") or ""
        user = None
        self._keys_url = None
        if seed:
            answer = await client.get(f"{seed.rstrip('/')}/user-data")
            if answer.status_code == 200:
                document = json.loads(answer.text.removeprefix("#cloud-config\n"))
                user = document["users"][0]["name"]
                self._keys_url = keys_command_url(answer.text)
        self.user, self.keys = user, []
        await self._authorized_keys()
        host = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def public_key_auth_supported(self) -> bool:
                return True

            async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
                offered = key.export_public_key("openssh").decode().split()[:2]
                return username == host.user and " ".join(offered) in await host._authorized_keys()

        self._off.clear()
        self._server = await asyncssh.create_server(
            Server,
            self._host,
            self.ssh_port,
            server_host_keys=[self._host_key],
            process_factory=_shell,
        )
        logger.info("booted with %d key(s) for %s", len(self.keys), user)

    async def _authorized_keys(self) -> list[str]:
        """What the user-data's keys command prints, asked at every login as sshd does: the
        receiver's answer; when it cannot be reached, the last one; nobody after a 404."""
        if self._keys_url is None:
            self.keys = []
            return self.keys
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                answer = await client.get(self._keys_url)
        except httpx.TransportError:
            return self.keys
        lines = answer.text.splitlines() if answer.status_code == 200 else []
        self.keys = [line.strip() for line in lines if line.strip()]
        return self.keys

    async def _power_off(self) -> None:
        self.user, self.keys, self._keys_url = None, [], None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self._off.set()


def _shell(process: asyncssh.SSHServerProcess[str]) -> None:
    process.stdout.write(f"welcome {process.get_extra_info('username')}\n")
    process.exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redfish", required=True)
    parser.add_argument("--system", required=True, help="e.g. /redfish/v1/Systems/<uuid>")
    parser.add_argument("--ssh-port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)

    async def run() -> None:
        host = SimulatedHost(
            redfish_url=args.redfish, system_id=args.system, ssh_port=args.ssh_port, host=args.host
        )
        await host.start()
        await asyncio.Event().wait()

    asyncio.run(run())


if __name__ == "__main__":
    main()
