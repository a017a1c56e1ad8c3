"""Everything an event asks for is checked here, before a single command reaches a switch.

Values are never interpolated into CLI text unless they passed these checks: a VLAN is a real
integer in the allow-list, a switch is one configured by name, an interface is a plain port name
that the configuration lists for that switch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .events import ReservationPayload
from .ios import canonical_interface
from .settings import Settings

__all__ = [
    "PortTarget",
    "Provision",
    "Refused",
    "Release",
    "validate_provision",
    "validate_release",
]


class Refused(Exception):
    """The event asks for something this integration will not do; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PortTarget:
    switch: str
    interface: str  # canonical, e.g. GigabitEthernet1/0/7


@dataclass(frozen=True)
class Provision:
    reservation_id: uuid.UUID
    target: PortTarget
    vlan_id: int


@dataclass(frozen=True)
class Release:
    reservation_id: uuid.UUID
    target: PortTarget


def _shown(value: Any) -> str:
    """A refused value as it appears in a report: quoted, escaped, never long."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def validate_provision(payload: ReservationPayload, settings: Settings) -> Provision:
    target = _target(payload, settings)
    vlan = payload.reservation.parameters.get("vlan_id")
    # bool is an int subclass in Python; JSON true is not a VLAN.
    if type(vlan) is not int:
        raise Refused(f"vlan_id must be an integer, got {_shown(vlan)}")
    if not 2 <= vlan <= 4094:
        raise Refused(f"vlan_id {vlan} is outside 2..4094")
    if vlan in settings.reserved_vlans or vlan == settings.default_vlan:
        raise Refused(f"VLAN {vlan} is reserved")
    if vlan not in settings.allowed_vlans:
        raise Refused(f"VLAN {vlan} is not in the VLANs this switch hands out")
    return Provision(payload.reservation.id, target, vlan)


def validate_release(payload: ReservationPayload, settings: Settings) -> Release:
    return Release(payload.reservation.id, _target(payload, settings))


def _target(payload: ReservationPayload, settings: Settings) -> PortTarget:
    attributes = payload.resource.attributes
    switch_name = _text(attributes, "switch")
    switch = settings.switches.get(switch_name)
    if switch is None:
        raise Refused(f"switch {_shown(switch_name)} is not managed by this integration")
    raw_interface = _text(attributes, "interface")
    interface = canonical_interface(raw_interface)
    if interface is None:
        raise Refused(f"interface {_shown(raw_interface)} is not a plain port name such as Gi1/0/7")
    if interface not in switch.ports:
        raise Refused(f"interface {interface} is not a port this integration may change")
    return PortTarget(switch_name, interface)


def _text(attributes: dict[str, Any], key: str) -> str:
    value = attributes.get(key)
    if not isinstance(value, str):
        raise Refused(f"the resource has no {key!r} attribute (got {_shown(value)})")
    return value
