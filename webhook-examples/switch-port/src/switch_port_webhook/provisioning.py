"""What to change on a switch, decided from the switch's current state (so replays are no-ops).

A port this integration holds carries the description ``reservation <id>``: that marker is how
it recognises its own work after a restart, and how it refuses to take a port that someone else
configured (no VLAN hijacking). VLANs it creates are named ``<prefix><vlan>``; only those are
removed again, and only when no port is left on them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from .driver import SwitchError, SwitchSession
from .ios import PortConfig, VlanEntry, short_interface
from .settings import Settings
from .validation import Provision, Refused, Release

__all__ = ["MARKER_PREFIX", "Outcome", "held_ports", "provision", "release"]

logger = logging.getLogger(__name__)

MARKER_PREFIX = "reservation "


@dataclass(frozen=True)
class Outcome:
    state: Literal["ready", "failed", "released", "unchanged"]
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    changed: bool = False


def _marker(reservation_id: uuid.UUID) -> str:
    return f"{MARKER_PREFIX}{reservation_id}"


def _holder(port: PortConfig) -> str | None:
    if port.description and port.description.startswith(MARKER_PREFIX):
        return port.description.removeprefix(MARKER_PREFIX)
    return None


def _is_ready(port: PortConfig, vlan_id: int) -> bool:
    return port.mode == "access" and port.access_vlan == vlan_id and not port.shutdown


def provision(session: SwitchSession, request: Provision, settings: Settings) -> Outcome:
    """Put the port on the reservation's VLAN, unless it already is."""
    interface, vlan = request.target.interface, request.vlan_id
    details = {"switch": request.target.switch, "port": short_interface(interface), "vlan": vlan}
    port = session.port_config(interface)
    holder = _holder(port)
    if holder is not None and holder != str(request.reservation_id):
        raise Refused(f"port {details['port']} is held by reservation {holder}")
    if holder is None:
        if port.mode == "trunk":
            raise Refused(f"port {details['port']} is a trunk port")
        if port.access_vlan != settings.default_vlan:
            raise Refused(
                f"port {details['port']} is on VLAN {port.access_vlan}, "
                "which this integration did not set"
            )
    vlans = session.vlans()
    _check_vlan_is_free(session, request, vlans.get(vlan), settings)
    if holder is not None and _is_ready(port, vlan) and vlan in vlans:
        return Outcome("ready", _ready_message(details), details)

    commands: list[str] = []
    if vlan not in vlans:
        commands += [f"vlan {vlan}", f"name {settings.vlan_name_prefix}{vlan}", "exit"]
    commands += [
        f"interface {interface}",
        f"description {_marker(request.reservation_id)}",
        "switchport mode access",
        f"switchport access vlan {vlan}",
        "no shutdown",
    ]
    session.configure(commands)
    previous = port.access_vlan
    if holder is not None and previous not in (vlan, settings.default_vlan):
        # The reservation moved to another VLAN: the old one may now be unused.
        _remove_if_unused(session, previous, settings)
    session.save()
    after = session.port_config(interface)
    if not _is_ready(after, vlan):
        raise SwitchError(f"port {details['port']} is not on VLAN {vlan} after configuration")
    return Outcome("ready", _ready_message(details), details, changed=True)


def held_ports(session: SwitchSession, reservation_id: uuid.UUID) -> list[str]:
    """The ports of this switch that carry the reservation's marker."""
    marker = _marker(reservation_id)
    return sorted(name for name, text in session.descriptions().items() if text == marker)


def _check_vlan_is_free(
    session: SwitchSession, request: Provision, entry: VlanEntry | None, settings: Settings
) -> None:
    """A tenant VLAN is one network per reservation: never the operator's, never shared.

    A VLAN that exists on the switch under another name was made by someone else (the operator,
    another tool); one of ours with a port of another reservation on it is that reservation's
    network. Either way joining it would let this reservation into a network it was not given.
    """
    if entry is None:
        return
    vlan = request.vlan_id
    if entry.name != f"{settings.vlan_name_prefix}{vlan}":
        raise Refused(f"VLAN {vlan} is in use on this switch and was not created for reservations")
    mine = str(request.reservation_id)
    for other in sorted(entry.ports - {request.target.interface}):
        if _holder(session.port_config(other)) != mine:
            raise Refused(f"VLAN {vlan} is in use by another reservation")


def release(session: SwitchSession, request: Release, settings: Settings) -> Outcome:
    """Give the port back: default VLAN, marker removed, shut down when configured."""
    interface = request.target.interface
    details: dict[str, Any] = {
        "switch": request.target.switch,
        "port": short_interface(interface),
        "vlan": settings.default_vlan,
    }
    port = session.port_config(interface)
    if _holder(port) != str(request.reservation_id):
        return Outcome("unchanged", f"port {details['port']} is not held by this reservation")
    commands = [
        f"interface {interface}",
        "no description",
        f"switchport access vlan {settings.default_vlan}",
    ]
    if settings.shutdown_on_release:
        commands.append("shutdown")
    session.configure(commands)
    if port.access_vlan != settings.default_vlan and _remove_if_unused(
        session, port.access_vlan, settings
    ):
        details["removed_vlan"] = port.access_vlan
    session.save()
    message = f"port {details['port']} back on VLAN {settings.default_vlan}"
    return Outcome("released", message, details, changed=True)


def _remove_if_unused(session: SwitchSession, vlan_id: int, settings: Settings) -> bool:
    entry = session.vlans().get(vlan_id)
    if entry is None or entry.ports or entry.name != f"{settings.vlan_name_prefix}{vlan_id}":
        return False
    session.configure([f"no vlan {vlan_id}"])
    logger.info("removed VLAN %d: no port uses it any more", vlan_id)
    return True


def _ready_message(details: dict[str, Any]) -> str:
    return f"port {details['port']} on VLAN {details['vlan']} ({details['switch']})"
