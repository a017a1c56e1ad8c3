"""The scrapli driver against the simulated switch over SSH, and the simulator's own CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh
import pytest
from conftest import PORTS, config_for
from pydantic import SecretStr
from switch_port_webhook import SimulatedSwitch, SwitchConfig
from switch_port_webhook.driver import ScrapliIosDriver, SwitchError
from switch_port_webhook.ios import PortConfig, parse_vlan_brief


def switch_config(switch: SimulatedSwitch) -> SwitchConfig:
    return config_for(switch, PORTS)


async def test_driver_reads_ports_and_vlans(switch: SimulatedSwitch) -> None:
    switch.set_port("Gi1/0/2", mode="access", access_vlan=150, shutdown=True, description="x y")

    def read() -> tuple[PortConfig, set[int]]:
        with ScrapliIosDriver().session(switch_config(switch)) as session:
            return session.port_config("GigabitEthernet1/0/2"), set(session.vlans())

    port, vlans = await asyncio.to_thread(read)
    assert port == PortConfig("GigabitEthernet1/0/2", "access", 150, True, "x y")
    assert {1, 150, 1002}.issubset(vlans)
    assert switch.config_commands == []


async def test_refused_command_raises_and_stops_the_batch(switch: SimulatedSwitch) -> None:
    def configure() -> None:
        with ScrapliIosDriver().session(switch_config(switch)) as session:
            session.configure(["vlan 150", "frobnicate", "vlan 151"])

    with pytest.raises(SwitchError, match="frobnicate"):
        await asyncio.to_thread(configure)
    assert 150 in switch.running.vlans
    assert 151 not in switch.running.vlans


async def test_wrong_password_is_a_switch_error(switch: SimulatedSwitch) -> None:
    config = switch_config(switch).model_copy(update={"password": SecretStr("wrong")})

    def connect() -> None:
        with ScrapliIosDriver().session(config):
            pass

    with pytest.raises(SwitchError, match="cannot connect"):
        await asyncio.to_thread(connect)


def test_vlan_brief_with_wrapped_port_lists_is_parsed() -> None:
    many = SimulatedSwitch(interfaces=[f"Gi1/0/{n}" for n in range(1, 11)])
    output = many.show("show vlan brief")
    assert len(output.splitlines()) > 7  # ten ports on VLAN 1 wrap over three lines
    assert parse_vlan_brief(output)[1].ports == {f"GigabitEthernet1/0/{n}" for n in range(1, 11)}


async def type_lines(switch: SimulatedSwitch, lines: list[str]) -> str:
    """What a person typing ``lines`` into an interactive SSH session would see."""
    async with asyncssh.connect(
        "127.0.0.1",
        switch.port,
        username=switch.username,
        password=switch.password,
        known_hosts=None,
    ) as connection:
        process = await connection.create_process(term_type="vt100")
        process.stdin.write("\n".join(lines) + "\n")
        return str(await asyncio.wait_for(process.stdout.read(), timeout=10))


async def test_simulator_speaks_abbreviated_ios(switch: SimulatedSwitch) -> None:
    lines = ["en", switch.enable_secret, "conf t", "int gi1/0/4", "sw mo acc", "sw acc vl 160"]
    output = await type_lines(switch, [*lines, "no vlan 1", "end", "wr mem", "exit"])
    assert "Creating vlan 160" in output
    assert "may not be deleted" in output
    port = switch.port_state("Gi1/0/4")
    assert (port.mode, port.access_vlan) == ("access", 160)
    assert 1 in switch.running.vlans
    assert switch.saved
    assert switch.config_commands[:2] == ["conf t", "int gi1/0/4"]


async def test_simulator_refuses_unknown_interfaces(switch: SimulatedSwitch) -> None:
    lines = ["enable", switch.enable_secret, "conf t", "interface Gi1/0/99", "end", "exit"]
    output = await type_lines(switch, lines)
    assert "% Invalid input detected" in output
    assert set(switch.running.interfaces) == {f"GigabitEthernet{p[2:]}" for p in PORTS}


async def test_host_key_is_checked_against_known_hosts(
    switch: SimulatedSwitch, tmp_path: Path
) -> None:
    impostor = SimulatedSwitch(interfaces=PORTS)  # another key, same address
    outcomes: dict[str, str] = {}
    for name, key in (("genuine", switch.host_key_public), ("impostor", impostor.host_key_public)):
        known_hosts = tmp_path / name
        known_hosts.write_text(f"[127.0.0.1]:{switch.port} {key}\n")
        config = switch_config(switch).model_copy(update={"known_hosts_path": str(known_hosts)})

        def read(config: SwitchConfig = config) -> str:
            with ScrapliIosDriver().session(config) as session:
                return session.port_config("GigabitEthernet1/0/1").interface

        try:
            outcomes[name] = await asyncio.to_thread(read)
        except SwitchError as error:
            outcomes[name] = str(error)
    assert outcomes["genuine"] == "GigabitEthernet1/0/1"
    assert "known host check mismatch" in outcomes["impostor"]


async def test_wrong_enable_secret_is_refused(switch: SimulatedSwitch) -> None:
    output = await type_lines(switch, ["enable", "guess", "conf t", "exit"])
    assert "% Access denied" in output
    assert switch.config_commands == []


async def test_returns_typed_ahead_of_the_prompt_keep_prompts_on_their_own_lines(
    switch: SimulatedSwitch,
) -> None:
    switch.command_delay = 0.3  # the lines arrive before the first prompt is shown
    output = await type_lines(switch, ["", "", "exit"])
    assert "sw1>sw1>" not in output
    assert output.count("sw1>") == 3
