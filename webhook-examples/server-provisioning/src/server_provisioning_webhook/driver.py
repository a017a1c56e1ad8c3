"""The driver interface: what a provisioning round asks of the controller of one host.

The worker (:mod:`.worker`) decides what happens to a host and when: it refuses bad input,
keeps the user-data, waits for the host to answer on SSH and reports. A driver only carries out
four operations on one kind of controller. :class:`~.redfish.SushyRedfishDriver` (Redfish with
``sushy``) is the one in this example; a host names its driver in its configuration
(``"driver": "redfish"``, the default), and ``create_app(settings, drivers=...)`` maps each name
to an instance. docs/webhooks.md ("Adding a driver") tells how to add one, e.g. a Metal3
``BareMetalHost`` driver or an IPMI driver.

The contract every driver keeps:

- Methods are synchronous; the worker runs them in a thread, one round at a time, so a driver
  needs no locking of its own.
- Every method is idempotent: after a crash at any point the worker calls it again
  (``power_off`` of a host that is off, ``eject_all`` with nothing inserted).
- Every method returns or raises within a bounded time (the driver's own timeouts). Failure is
  :class:`BmcError` with a short reason: the worker reports it to the booking's owner, so it
  never carries a password or a response body.
- ``boot_from_media`` returns once the power-on was accepted; the worker then waits for SSH.
- ``eject_all`` removes everything the driver attached for a booking (media, user-data), so
  that nothing of it survives into the next booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .settings import HostConfig

__all__ = ["BmcError", "BootMedia", "HostDriver"]


class BmcError(Exception):
    """The host's controller could not be reached, refused a request, or did not finish in
    time."""


@dataclass(frozen=True)
class BootMedia:
    """What one booking boots from."""

    image_url: str  # the OS image, already checked against the allowed prefixes
    # The NoCloud seed this receiver serves for this booking only (``user-data``, ``meta-data``
    # below it); it answers 404 once the booking ends.
    seed_url: str
    # The same user-data, for a back end that carries it itself (a Metal3 ``userData`` Secret).
    user_data: str


class HostDriver(Protocol):
    """One kind of host controller. See the module's docstring for the contract."""

    def power_off(self, host: HostConfig) -> None:
        """Power the host off (hard) and return once it is off."""
        ...

    def boot_from_media(self, host: HostConfig, media: BootMedia) -> None:
        """Attach the image and the seed, boot once from the image, power on."""
        ...

    def eject_all(self, host: HostConfig) -> None:
        """Detach every medium and every piece of user-data attached to the host."""
        ...

    def is_on(self, host: HostConfig) -> bool:
        """Whether the host's power is on."""
        ...
