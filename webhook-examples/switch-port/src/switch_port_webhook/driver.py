"""Talking to a switch. Drivers are synchronous and run in a worker thread, off the event loop.

Exceptions::

    SwitchError            the switch could not be reached, or refused a command
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Protocol

from scrapli import AuthOptions, Cli, LookupKeyValue, SessionOptions, TransportSsh2Options
from scrapli.exceptions import ScrapliException

from .ios import (
    PortConfig,
    VlanEntry,
    parse_interface_descriptions,
    parse_running_interface,
    parse_vlan_brief,
)
from .settings import SwitchConfig

__all__ = ["ScrapliIosDriver", "SwitchDriver", "SwitchError", "SwitchSession"]


class SwitchError(Exception):
    """The switch could not be reached, or it refused a command."""


class SwitchSession(Protocol):
    def port_config(self, interface: str) -> PortConfig: ...

    def vlans(self) -> dict[int, VlanEntry]: ...

    def descriptions(self) -> dict[str, str]: ...

    def configure(self, commands: Sequence[str]) -> None: ...

    def save(self) -> None: ...


class SwitchDriver(Protocol):
    def session(self, switch: SwitchConfig) -> AbstractContextManager[SwitchSession]: ...


class _ScrapliSession:
    def __init__(self, cli: Cli) -> None:
        self._cli = cli

    def _show(self, command: str) -> str:
        result = self._cli.send_input(command, requested_mode="privileged_exec")
        if result.failed:
            raise SwitchError(f"the switch refused {command!r}: {result.result.strip()}")
        return result.result

    def port_config(self, interface: str) -> PortConfig:
        output = self._show(f"show running-config interface {interface}")
        try:
            return parse_running_interface(interface, output)
        except ValueError as error:
            raise SwitchError(str(error)) from error

    def vlans(self) -> dict[int, VlanEntry]:
        return parse_vlan_brief(self._show("show vlan brief"))

    def descriptions(self) -> dict[str, str]:
        return parse_interface_descriptions(self._show("show interfaces description"))

    def configure(self, commands: Sequence[str]) -> None:
        result = self._cli.send_inputs(
            list(commands), requested_mode="configuration", stop_on_indicated_failure=True
        )
        if result.failed:
            failed = result.inputs[len(result.results) - 1] if result.results else "?"
            raise SwitchError(f"the switch refused {failed!r}: {result.results[-1].strip()}")

    def save(self) -> None:
        output = self._show("write memory")
        if "[OK]" not in output:
            raise SwitchError(f"saving the configuration failed: {output.strip()}")


class ScrapliIosDriver:
    """Cisco IOS / IOS-XE CLI over SSH with scrapli (libssh2 transport)."""

    def __init__(self, *, platform: str = "cisco_iosxe") -> None:
        self._platform = platform

    @contextmanager
    def session(self, switch: SwitchConfig) -> Iterator[SwitchSession]:
        lookups = []
        if switch.enable_secret is not None:
            lookups.append(LookupKeyValue("enable", switch.enable_secret.get_secret_value()))
        cli = Cli(
            switch.host,
            port=switch.port,
            definition_file_or_name=self._platform,
            auth_options=AuthOptions(
                username=switch.username,
                password=switch.password.get_secret_value(),
                lookups=lookups,
            ),
            transport_options=TransportSsh2Options(known_hosts_path=switch.known_hosts_path),
            session_options=SessionOptions(
                operation_timeout_ns=int(switch.timeout_seconds * 1_000_000_000)
            ),
        )
        try:
            cli.open()
        except ScrapliException as error:
            raise SwitchError(f"cannot connect to {switch.host}:{switch.port}: {error}") from error
        try:
            yield _ScrapliSession(cli)
        except ScrapliException as error:
            raise SwitchError(f"{switch.host}:{switch.port}: {error}") from error
        finally:
            with suppress(ScrapliException):  # the session is gone either way
                cli.close()
