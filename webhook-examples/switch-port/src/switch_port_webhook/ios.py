"""IOS vocabulary: interface names, and parsers for the ``show`` output the integration reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "PortConfig",
    "VlanEntry",
    "canonical_interface",
    "parse_interface_descriptions",
    "parse_running_interface",
    "parse_vlan_brief",
    "short_interface",
]

# Full name -> the abbreviation IOS prints in "show vlan brief".
_KINDS = {
    "FastEthernet": "Fa",
    "GigabitEthernet": "Gi",
    "TwoGigabitEthernet": "Tw",
    "FiveGigabitEthernet": "Fi",
    "TenGigabitEthernet": "Te",
    "TwentyFiveGigE": "Twe",
    "FortyGigabitEthernet": "Fo",
    "HundredGigE": "Hu",
}
_ABBREVIATIONS = {short.lower(): full for full, short in _KINDS.items()} | {
    full.lower(): full for full in _KINDS
}
# A kind, then 1 to 3 slot/port numbers: Gi0/1, GigabitEthernet1/0/7, Te1/1/1. Nothing else:
# no spaces, no sub-interfaces, no ranges, nothing a CLI could read as a second command.
_INTERFACE = re.compile(r"([A-Za-z]{2,20})(\d{1,2}(?:/\d{1,3}){1,2})")


def canonical_interface(name: str) -> str | None:
    """``gi1/0/7`` -> ``GigabitEthernet1/0/7``; None when it is not a plain port name."""
    match = _INTERFACE.fullmatch(name)
    if match is None:
        return None
    kind = _ABBREVIATIONS.get(match.group(1).lower())
    return f"{kind}{match.group(2)}" if kind else None


def short_interface(name: str) -> str:
    match = _INTERFACE.fullmatch(name)
    if match is None:
        return name
    kind = _ABBREVIATIONS.get(match.group(1).lower(), match.group(1))
    return f"{_KINDS.get(kind, kind)}{match.group(2)}"


@dataclass(frozen=True)
class VlanEntry:
    vlan_id: int
    name: str
    ports: frozenset[str]  # canonical interface names


@dataclass(frozen=True)
class PortConfig:
    interface: str
    mode: str | None
    access_vlan: int
    shutdown: bool
    description: str | None


_VLAN_ROW = re.compile(r"^(\d{1,4})\s+(\S+)\s+(\S+)\s*(.*)$")


def parse_vlan_brief(output: str) -> dict[int, VlanEntry]:
    """Parse ``show vlan brief``; port lists may wrap onto indented continuation lines."""
    rows: dict[int, tuple[str, list[str]]] = {}
    current: int | None = None
    for line in output.splitlines():
        if not line.strip() or line.startswith(("VLAN", "----")):
            continue
        row = _VLAN_ROW.match(line)
        if row:
            current = int(row.group(1))
            rows[current] = (row.group(2), _ports(row.group(4)))
        elif line[:1].isspace() and current is not None:
            rows[current][1].extend(_ports(line))
    return {vid: VlanEntry(vid, name, frozenset(ports)) for vid, (name, ports) in rows.items()}


def _ports(text: str) -> list[str]:
    names = (canonical_interface(p.strip()) for p in text.split(","))
    return [n for n in names if n]


def parse_running_interface(interface: str, output: str) -> PortConfig:
    """Parse ``show running-config interface X``; IOS omits defaults (VLAN 1, no shutdown)."""
    if "% Invalid input" in output or f"interface {interface}" not in output:
        raise ValueError(f"the switch has no interface {interface}")
    mode: str | None = None
    vlan = 1
    shutdown = False
    description: str | None = None
    for raw in output.splitlines():
        line = raw.strip()
        if line.startswith("description "):
            description = line.removeprefix("description ")
        elif line.startswith("switchport mode "):
            mode = line.removeprefix("switchport mode ")
        elif line.startswith("switchport access vlan "):
            vlan = int(line.removeprefix("switchport access vlan "))
        elif line == "shutdown":
            shutdown = True
    return PortConfig(interface, mode, vlan, shutdown, description)


def parse_interface_descriptions(output: str) -> dict[str, str]:
    """Parse ``show interfaces description``: canonical interface name -> description.

    The description column starts where the header's ``Description`` starts; ports without a
    description are left out.
    """
    column: int | None = None
    descriptions: dict[str, str] = {}
    for line in output.splitlines():
        if column is None:
            if line.startswith("Interface") and "Description" in line:
                column = line.index("Description")
            continue
        name = canonical_interface(line.split(" ", 1)[0]) if line.strip() else None
        text = line[column:].strip() if len(line) > column else ""
        if name and text:
            descriptions[name] = text
    return descriptions
