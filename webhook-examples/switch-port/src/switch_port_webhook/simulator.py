"""A simulated Cisco IOS-style access switch reachable over real SSH.

It speaks enough of the IOS CLI for the switch-port integration (and for a person with ``ssh``)
and keeps state, so tests assert on the switch's resulting configuration rather than on the
commands that were sent. Every line received in a configuration mode is recorded, so a test can
prove that a refused event sent no configuration command at all.

Run it as a process for dev mode::

    python -m switch_port_webhook.simulator --port 2222 --ports Gi1/0/1-48
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import asyncssh

from .ios import canonical_interface, short_interface

__all__ = ["InterfaceState", "SimulatedSwitch", "VlanState", "main"]

logger = logging.getLogger(__name__)

_INVALID = "% Invalid input detected at '^' marker."
_INCOMPLETE = "% Incomplete command."
_AMBIGUOUS = "% Ambiguous command:"
_RESERVED_VLANS = range(1002, 1006)
_VLAN_NAME = re.compile(r"^[!-~]{1,32}$")  # printable ASCII, no spaces, as IOS accepts


@dataclass
class VlanState:
    vlan_id: int
    name: str


@dataclass
class InterfaceState:
    name: str
    mode: str | None = None  # None (dynamic, IOS default) | "access" | "trunk"
    access_vlan: int = 1
    shutdown: bool = False
    description: str | None = None

    def running_config(self) -> list[str]:
        lines = [f"interface {self.name}"]
        if self.description:
            lines.append(f" description {self.description}")
        if self.access_vlan != 1:
            lines.append(f" switchport access vlan {self.access_vlan}")
        if self.mode is not None:
            lines.append(f" switchport mode {self.mode}")
        if self.shutdown:
            lines.append(" shutdown")
        return lines


@dataclass
class _Config:
    vlans: dict[int, VlanState]
    interfaces: dict[str, InterfaceState]

    def copy(self) -> _Config:
        return _Config(
            vlans={k: VlanState(v.vlan_id, v.name) for k, v in self.vlans.items()},
            interfaces={
                k: InterfaceState(v.name, v.mode, v.access_vlan, v.shutdown, v.description)
                for k, v in self.interfaces.items()
            },
        )


def _default_config(interfaces: Iterable[str]) -> _Config:
    vlans = {1: VlanState(1, "default")}
    for vid, vlan_name in zip(
        _RESERVED_VLANS,
        ("fddi-default", "token-ring-default", "fddinet-default", "trnet-default"),
        strict=True,
    ):
        vlans[vid] = VlanState(vid, vlan_name)
    ports: dict[str, InterfaceState] = {}
    for raw in interfaces:
        name = canonical_interface(raw)
        if name is None:
            raise ValueError(f"not an interface name: {raw!r}")
        ports[name] = InterfaceState(name)
    return _Config(vlans=vlans, interfaces=ports)


@dataclass
class _Command:
    words: tuple[str, ...]  # keywords; "<vlan>", "<iface>", "<text>" are arguments
    handler: Callable[..., str | None]
    config: bool = True  # recorded as a configuration command


class _Session:
    """One CLI session: its mode and current context (interface or VLAN being edited)."""

    def __init__(self, switch: SimulatedSwitch) -> None:
        self.switch = switch
        self.mode = "exec"
        self.interface: InterfaceState | None = None
        self.vlan: VlanState | None = None

    @property
    def prompt(self) -> str:
        host = self.switch.hostname
        return {
            "exec": f"{host}>",
            "privileged": f"{host}#",
            "config": f"{host}(config)#",
            "config-if": f"{host}(config-if)#",
            "config-vlan": f"{host}(config-vlan)#",
        }[self.mode]

    # --- command tables -------------------------------------------------------------------

    def _table(self) -> list[_Command]:
        common_config = [
            _Command(("end",), self._end),
            _Command(("exit",), self._exit_config),
            _Command(("vlan", "<vlan>"), self._vlan),
            _Command(("no", "vlan", "<vlan>"), self._no_vlan),
            _Command(("interface", "<iface>"), self._interface),
        ]
        show_vlan = _Command(("show", "vlan", "brief"), self._show_vlan_brief, config=False)
        if self.mode == "exec":
            return [
                show_vlan,
                _Command(("enable",), self._enable, config=False),
                _Command(("terminal", "length", "<text>"), _ok, config=False),
                _Command(("terminal", "width", "<text>"), _ok, config=False),
                _Command(("exit",), self._logout, config=False),
            ]
        if self.mode == "privileged":
            return [
                _Command(("configure", "terminal"), self._configure, config=True),
                _Command(("terminal", "length", "<text>"), _ok, config=False),
                _Command(("terminal", "width", "<text>"), _ok, config=False),
                show_vlan,
                _Command(
                    ("show", "interfaces", "description"), self._show_descriptions, config=False
                ),
                _Command(
                    ("show", "running-config", "interface", "<iface>"),
                    self._show_run_interface,
                    config=False,
                ),
                _Command(("write", "memory"), self._write, config=True),
                _Command(("copy", "running-config", "startup-config"), self._write, config=True),
                _Command(("disable",), self._disable, config=False),
                _Command(("exit",), self._logout, config=False),
            ]
        if self.mode == "config":
            return common_config
        if self.mode == "config-vlan":
            return [*common_config, _Command(("name", "<text>"), self._vlan_name)]
        return [
            *common_config,
            _Command(("description", "<text>"), self._description),
            _Command(("no", "description"), self._no_description),
            _Command(("switchport", "mode", "access"), self._mode_access),
            _Command(("switchport", "access", "vlan", "<vlan>"), self._access_vlan),
            _Command(("no", "switchport", "access", "vlan"), self._no_access_vlan),
            _Command(("shutdown",), self._shutdown),
            _Command(("no", "shutdown"), self._no_shutdown),
        ]

    def execute(self, line: str) -> str | None:
        """Run one line; return the text to print, or None when the session ends."""
        line = line.strip()
        if not line or line.startswith("!"):
            return ""
        tokens = line.split()
        matches: list[tuple[_Command, list[Any]]] = []
        incomplete = False
        for command in self._table():
            outcome = _match(command.words, tokens, self.switch)
            if outcome == "incomplete":
                incomplete = True
            elif isinstance(outcome, list):
                matches.append((command, outcome))
        if self.mode.startswith("config"):
            self.switch.config_commands.append(line)
        if len(matches) > 1:
            return f'{_AMBIGUOUS} "{line}"'
        if not matches:
            return _INCOMPLETE if incomplete else _invalid(self.prompt, line)
        command, args = matches[0]
        if command.config and not self.mode.startswith("config"):
            self.switch.config_commands.append(line)
        return command.handler(*args)

    # --- handlers --------------------------------------------------------------------------

    def _enable(self) -> str:
        self.mode = "privileged"
        return ""

    def _disable(self) -> str:
        self.mode = "exec"
        return ""

    def _logout(self) -> None:
        return None

    def _configure(self) -> str:
        self.mode = "config"
        return "Enter configuration commands, one per line.  End with CNTL/Z."

    def _end(self) -> str:
        self.mode, self.interface, self.vlan = "privileged", None, None
        return ""

    def _exit_config(self) -> str:
        if self.mode == "config":
            return self._end()
        self.mode, self.interface, self.vlan = "config", None, None
        return ""

    def _vlan(self, vlan_id: int) -> str:
        if vlan_id in _RESERVED_VLANS:
            return f"Default VLAN {vlan_id} may not have its name changed."
        vlans = self.switch.running.vlans
        self.vlan = vlans.setdefault(vlan_id, VlanState(vlan_id, f"VLAN{vlan_id:04d}"))
        self.mode, self.interface = "config-vlan", None
        return ""

    def _no_vlan(self, vlan_id: int) -> str:
        if vlan_id == 1 or vlan_id in _RESERVED_VLANS:
            return f"%Default VLAN {vlan_id} may not be deleted."
        self.switch.running.vlans.pop(vlan_id, None)
        return ""

    def _vlan_name(self, name: str) -> str:
        assert self.vlan is not None
        if not _VLAN_NAME.match(name):
            return _invalid(self.prompt, f"name {name}")
        self.vlan.name = name
        return ""

    def _interface(self, interface: InterfaceState) -> str:
        self.mode, self.interface, self.vlan = "config-if", interface, None
        return ""

    def _description(self, text: str) -> str:
        assert self.interface is not None
        self.interface.description = text[:240]
        return ""

    def _no_description(self) -> str:
        assert self.interface is not None
        self.interface.description = None
        return ""

    def _mode_access(self) -> str:
        assert self.interface is not None
        self.interface.mode = "access"
        return ""

    def _access_vlan(self, vlan_id: int) -> str:
        assert self.interface is not None
        self.interface.access_vlan = vlan_id
        if vlan_id not in self.switch.running.vlans:
            self.switch.running.vlans[vlan_id] = VlanState(vlan_id, f"VLAN{vlan_id:04d}")
            return f"% Access VLAN does not exist. Creating vlan {vlan_id}"
        return ""

    def _no_access_vlan(self) -> str:
        assert self.interface is not None
        self.interface.access_vlan = 1
        return ""

    def _shutdown(self) -> str:
        assert self.interface is not None
        self.interface.shutdown = True
        return ""

    def _no_shutdown(self) -> str:
        assert self.interface is not None
        self.interface.shutdown = False
        return ""

    def _write(self) -> str:
        self.switch.startup = self.switch.running.copy()
        self.switch.saves += 1
        return "Building configuration...\n[OK]"

    def _show_vlan_brief(self) -> str:
        lines = [
            "",
            "VLAN Name                             Status    Ports",
            "---- -------------------------------- --------- -------------------------------",
        ]
        running = self.switch.running
        for vid in sorted(running.vlans):
            status = "act/unsup" if vid in _RESERVED_VLANS else "active"
            ports = [
                short_interface(i.name)
                for i in running.interfaces.values()
                if i.mode != "trunk" and i.access_vlan == vid
            ]
            chunks = [", ".join(ports[n : n + 4]) for n in range(0, len(ports), 4)] or [""]
            head = f"{vid:<4} {running.vlans[vid].name:<32} {status:<9} {chunks[0]}"
            lines.append(head.rstrip())
            lines.extend(f"{'':<48}{chunk}" for chunk in chunks[1:])
        return "\n".join(lines)

    def _show_descriptions(self) -> str:
        lines = [f"{'Interface':<31}{'Status':<15}{'Protocol':<9}Description"]
        for port in self.switch.running.interfaces.values():
            status, protocol = ("admin down", "down") if port.shutdown else ("up", "up")
            row = (
                f"{short_interface(port.name):<31}{status:<15}{protocol:<9}{port.description or ''}"
            )
            lines.append(row.rstrip())
        return "\n".join(lines)

    def _show_run_interface(self, interface: InterfaceState) -> str:
        body = [*interface.running_config(), "end"]
        size = sum(len(line) + 1 for line in body)
        return "\n".join(
            ["Building configuration...", "", f"Current configuration : {size} bytes", "!", *body]
        )


def _ok(*_: object) -> str:
    return ""


def _invalid(prompt: str, line: str) -> str:
    return f"{' ' * len(prompt)}^\n{_INVALID}"


def _match(
    words: tuple[str, ...], tokens: list[str], switch: SimulatedSwitch
) -> list[Any] | str | None:
    """Match IOS-style abbreviated keywords; return the parsed arguments, or why it failed."""
    args: list[Any] = []
    for index, word in enumerate(words):
        if index >= len(tokens):
            return "incomplete"
        token = tokens[index]
        if word == "<text>":
            args.append(" ".join(tokens[index:]))
            return args
        if word == "<vlan>":
            if not token.isdigit() or not 1 <= int(token) <= 4094:
                return None
            args.append(int(token))
        elif word == "<iface>":
            # IOS accepts "Gi1/0/7" and "GigabitEthernet 1/0/7" alike.
            name = canonical_interface("".join(tokens[index:]))
            port = switch.running.interfaces.get(name) if name else None
            if port is None:
                return None
            args.append(port)
            return args
        elif not word.startswith(token.lower()):
            return None
    return args if len(tokens) == len(words) else None


class SimulatedSwitch:
    """An in-process SSH server that behaves like an IOS access switch.

    ``await start()`` listens on a loopback port (0 picks a free one; see :attr:`port`),
    ``await stop()`` closes it. Inspect :attr:`running`, :attr:`startup`,
    :attr:`config_commands` and :meth:`port_state` from tests.
    """

    def __init__(
        self,
        *,
        hostname: str = "sw1",
        interfaces: Iterable[str] = (),
        username: str = "netops",
        password: str = "netops",  # noqa: S107  # a simulator's dev default
        enable_secret: str = "enable",  # noqa: S107
        command_delay: float = 0.0,
    ) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.enable_secret = enable_secret
        self.running = _default_config(interfaces)
        self.startup = self.running.copy()
        self.config_commands: list[str] = []
        self.saves = 0
        self.logins = 0
        # A real switch takes a while per command; tests slow the simulator down with this.
        self.command_delay = command_delay
        self.active_sessions = 0
        self.peak_sessions = 0
        self._server: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulated switch is not started")
        return int(self._server.get_port())

    @property
    def host_key_public(self) -> str:
        return str(self._host_key.export_public_key().decode().strip())

    def port_state(self, interface: str) -> InterfaceState:
        name = canonical_interface(interface)
        if name is None or name not in self.running.interfaces:
            raise KeyError(interface)
        return self.running.interfaces[name]

    def set_port(self, interface: str, **changes: Any) -> None:
        """Change a port directly, as an administrator would have (for test set-up)."""
        port = self.port_state(interface)
        for key, value in changes.items():
            setattr(port, key, value)
        if port.access_vlan not in self.running.vlans:
            self.running.vlans[port.access_vlan] = VlanState(
                port.access_vlan, f"VLAN{port.access_vlan:04d}"
            )

    def show(self, command: str) -> str:
        """What a ``show`` command prints in privileged mode, without an SSH session."""
        if not command.strip().lower().startswith("sh"):
            raise ValueError("only show commands can be run this way")
        session = _Session(self)
        session.mode = "privileged"
        return session.execute(command) or ""

    @property
    def saved(self) -> bool:
        """Whether the running configuration equals the saved (startup) one."""
        return self.running == self.startup

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        switch = self

        class _Server(asyncssh.SSHServer):
            def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
                self._connection = conn
                switch._connections.add(conn)

            def connection_lost(self, exc: Exception | None) -> None:
                switch._connections.discard(self._connection)

            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return _same(username, switch.username) & _same(password, switch.password)

        self._server = await asyncssh.create_server(
            _Server,
            host,
            port,
            server_host_keys=[self._host_key],
            process_factory=self._handle,
            line_editor=True,
            # The session echoes the end of each line itself, after reading it: a line typed
            # ahead of the prompt then still shows after the prompt, as on a real switch.
            line_echo=False,
            encoding="utf-8",
            keepalive_interval=0,
        )
        logger.info("simulated switch %s listening on %s:%d", self.hostname, host, self.port)

    async def stop(self) -> None:
        """Stop listening and close every open session, as a switch reload would."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        connections, self._connections = list(self._connections), set()
        for connection in connections:
            connection.close()
        for connection in connections:
            await connection.wait_closed()

    async def __aenter__(self) -> SimulatedSwitch:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def _handle(self, process: asyncssh.SSHServerProcess[str]) -> None:
        self.logins += 1
        self.active_sessions += 1
        self.peak_sessions = max(self.peak_sessions, self.active_sessions)
        session = _Session(self)
        try:
            if process.command:  # "ssh switch show vlan brief": one command, no prompt
                process.stdout.write(_crlf(session.execute(process.command) or "") + "\r\n")
                return
            process.stdout.write("\r\n")
            if self.command_delay:  # logging in takes a while too
                await asyncio.sleep(self.command_delay)
            while True:
                process.stdout.write(session.prompt)
                line = await process.stdin.readline()
                if not line:
                    break
                process.stdout.write("\r\n")
                enabling = session.mode == "exec" and _is_enable(line)
                if enabling and not await self._ask_enable_secret(process):
                    process.stdout.write("% Access denied\r\n\r\n")
                    continue
                if self.command_delay:
                    await asyncio.sleep(self.command_delay)
                output = session.execute(line)
                if output is None:
                    break
                if output:
                    process.stdout.write(_crlf(output) + "\r\n")
        except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, ConnectionError):
            pass
        finally:
            self.active_sessions -= 1
            process.exit(0)

    async def _ask_enable_secret(self, process: asyncssh.SSHServerProcess[str]) -> bool:
        process.stdout.write("Password: ")
        # The line editor wraps the channel at run time; its type is not the declared one.
        editor = cast(Any, process.channel)
        editor.set_echo(False)
        try:
            secret = await process.stdin.readline()
        finally:
            editor.set_echo(True)
        process.stdout.write("\r\n")
        return _same(secret.strip(), self.enable_secret)


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


def _is_enable(line: str) -> bool:
    word = line.strip().lower()
    return len(word) >= 2 and "enable".startswith(word)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _expand_ports(specs: Iterable[str]) -> list[str]:
    """Expand ``Gi1/0/1-48`` into single ports."""
    ports: list[str] = []
    for spec in specs:
        head, _, last = spec.rpartition("-")
        prefix, _, first = head.rpartition("/")
        if head and last.isdigit() and first.isdigit():
            ports.extend(f"{prefix}/{n}" for n in range(int(first), int(last) + 1))
        else:
            ports.append(spec)
    return ports


async def _serve(args: argparse.Namespace) -> None:
    switch = SimulatedSwitch(
        hostname=args.hostname,
        interfaces=_expand_ports(args.ports),
        username=args.username,
        password=args.password,
        enable_secret=args.enable_secret,
    )
    await switch.start(args.host, args.port)
    print(f"simulated switch {args.hostname} (dev/test only) on {args.host}:{switch.port}")
    try:
        await asyncio.Event().wait()
    finally:
        await switch.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Simulated IOS-style switch over SSH (dev/test).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2222)
    parser.add_argument("--hostname", default="sw1")
    parser.add_argument("--ports", nargs="+", default=["Gi1/0/1-48"])
    parser.add_argument("--username", default="netops")
    parser.add_argument("--password", default="netops")
    parser.add_argument("--enable-secret", default="enable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
