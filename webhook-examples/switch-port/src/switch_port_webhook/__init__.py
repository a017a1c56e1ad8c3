"""Reference integration: puts a switch port on the reservation's VLAN while it is active."""

from .app import create_app
from .settings import Settings, SwitchConfig
from .simulator import SimulatedSwitch

__all__ = ["Settings", "SimulatedSwitch", "SwitchConfig", "create_app"]
