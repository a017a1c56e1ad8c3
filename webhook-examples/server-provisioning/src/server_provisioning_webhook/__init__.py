"""Reference integration: a bare-metal host installed over Redfish for the length of a booking."""

from .app import create_app
from .settings import HostConfig, Settings

__all__ = ["HostConfig", "Settings", "create_app"]
