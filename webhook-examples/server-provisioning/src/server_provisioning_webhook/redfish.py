"""The Redfish driver: :class:`~.driver.HostDriver` over Redfish with ``sushy``.

Power, a one-time boot override to the CD, and two virtual-media slots: the OS image in the CD
slot, the NoCloud seed URL in the removable (floppy/USB) slot. Any failure is a
:class:`~.driver.BmcError`.
"""

from __future__ import annotations

import time

import sushy
from sushy import exceptions as sushy_errors

from .driver import BmcError, BootMedia
from .settings import HostConfig

__all__ = ["SushyRedfishDriver"]


class SushyRedfishDriver:
    """Redfish over HTTP(S) with sushy: power, one-time boot device, virtual media."""

    def __init__(
        self,
        *,
        timeout_seconds: float = 30.0,
        power_wait_seconds: float = 120.0,
        poll_seconds: float = 0.5,
        reask_seconds: float = 15.0,
    ) -> None:
        self._timeout = timeout_seconds
        self._power_wait = power_wait_seconds
        self._poll = poll_seconds
        # A power-off still not applied after this long is asked for again. Asking at every
        # poll restarts a BMC's pending power change each time (the emulator's fake driver
        # then takes up to minutes, past power_wait_seconds).
        self._reask = reask_seconds

    def _connect(self, host: HostConfig) -> tuple[sushy.Sushy, object]:
        try:
            root = sushy.Sushy(
                f"{host.bmc_url.rstrip('/')}/redfish/v1",
                username=host.username,
                password=host.bmc_password(),
                verify=host.verify_tls,
                read_timeout=max(int(self._timeout), 1),
                connect_timeout=max(int(self._timeout), 1),
                # sushy's default retries a dead BMC for minutes; one quick retry is enough,
                # the job reports failed and the platform shows it.
                server_side_retries=2,
                server_side_retries_delay=1,
            )
            system = root.get_system(host.system_id)
        except (sushy_errors.SushyError, OSError) as error:
            raise BmcError(f"BMC {host.bmc_url}: {_short(error)}") from error
        return root, system

    def _media(self, root: sushy.Sushy, system: object) -> list[object]:
        members = []
        for manager_id in root.get_manager_collection().members_identities:
            manager = root.get_manager(manager_id)
            members.extend(manager.virtual_media.get_members())
        return members

    def power_off(self, host: HostConfig) -> None:
        _, system = self._connect(host)
        try:
            if system.power_state != sushy.PowerState.OFF:  # type: ignore[attr-defined]
                system.reset_system(sushy.ResetType.FORCE_OFF)  # type: ignore[attr-defined]
            self._wait_power(system, sushy.PowerState.OFF)
        except sushy_errors.SushyError as error:
            raise BmcError(f"BMC {host.bmc_url}: power off: {_short(error)}") from error

    def boot_from_media(self, host: HostConfig, media: BootMedia) -> None:
        root, system = self._connect(host)
        try:
            cd = floppy = None
            for slot in self._media(root, system):
                types = set(slot.media_types)  # type: ignore[attr-defined]
                if cd is None and types & {sushy.VirtualMediaType.CD, sushy.VirtualMediaType.DVD}:
                    cd = slot
                elif floppy is None and types & {
                    sushy.VirtualMediaType.FLOPPY,
                    sushy.VirtualMediaType.USB_STICK,
                }:
                    floppy = slot
            if cd is None or floppy is None:
                raise BmcError(f"BMC {host.bmc_url}: no CD and removable virtual media slots")
            for slot, url in ((cd, media.image_url), (floppy, media.seed_url)):
                if slot.inserted:  # type: ignore[attr-defined]
                    slot.eject_media()  # type: ignore[attr-defined]
                slot.insert_media(url, inserted=True, write_protected=True)  # type: ignore[attr-defined]
            system.set_system_boot_options(  # type: ignore[attr-defined]
                sushy.BootSource.CD, enabled=sushy.BootSourceOverrideEnabled.ONCE
            )
            system.reset_system(sushy.ResetType.ON)  # type: ignore[attr-defined]
            self._wait_power(system, sushy.PowerState.ON)
        except sushy_errors.SushyError as error:
            raise BmcError(f"BMC {host.bmc_url}: {_short(error)}") from error

    def eject_all(self, host: HostConfig) -> None:
        root, system = self._connect(host)
        try:
            for media in self._media(root, system):
                media.refresh()  # type: ignore[attr-defined]
                if media.inserted or media.image:  # type: ignore[attr-defined]
                    media.eject_media()  # type: ignore[attr-defined]
        except sushy_errors.SushyError as error:
            raise BmcError(f"BMC {host.bmc_url}: eject: {_short(error)}") from error

    def is_on(self, host: HostConfig) -> bool:
        _, system = self._connect(host)
        try:
            system.refresh()  # type: ignore[attr-defined]
            return bool(system.power_state == sushy.PowerState.ON)  # type: ignore[attr-defined]
        except sushy_errors.SushyError as error:
            raise BmcError(f"BMC {host.bmc_url}: {_short(error)}") from error

    def _wait_power(self, system: object, state: object) -> None:
        began = asked = time.monotonic()
        deadline = began + self._power_wait
        while True:
            system.refresh()  # type: ignore[attr-defined]
            if system.power_state == state:  # type: ignore[attr-defined]
                return
            now = time.monotonic()
            if (
                state == sushy.PowerState.OFF
                and system.power_state == sushy.PowerState.ON  # type: ignore[attr-defined]
                and now - asked >= self._reask
            ):
                # Still on: our power-off was lost, or a power-on asked for before (by a round
                # that was interrupted) took effect after it. Ask again.
                system.reset_system(sushy.ResetType.FORCE_OFF)  # type: ignore[attr-defined]
                asked = now
            if now >= deadline:
                raise BmcError(f"the host did not reach power state {state} in time")
            time.sleep(self._poll)


def _short(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:300]
