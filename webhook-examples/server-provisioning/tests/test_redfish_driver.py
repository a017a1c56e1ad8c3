"""The Redfish driver's waiting for a power change, on a system that applies it late."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sushy
from server_provisioning_webhook.driver import BmcError
from server_provisioning_webhook.redfish import SushyRedfishDriver


@dataclass
class SlowSystem:
    """A Redfish system whose power-off takes effect after ``polls`` refreshes; asking again
    restarts the wait, as a BMC's pending power change (and the emulator's fake driver) does."""

    polls: int
    power_state: str = sushy.PowerState.ON
    resets: list[str] = field(default_factory=list)
    _left: int = 0

    def __post_init__(self) -> None:
        self._left = self.polls

    def refresh(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.power_state = sushy.PowerState.OFF

    def reset_system(self, value: str) -> None:
        self.resets.append(value)
        self._left = self.polls  # the pending change starts over


def test_a_power_off_on_its_way_is_not_asked_for_again() -> None:
    # Before: every poll asked again, which restarted the pending change each time, so a host
    # that takes a few polls to go off never did.
    system = SlowSystem(polls=5)
    driver = SushyRedfishDriver(power_wait_seconds=5, poll_seconds=0.01, reask_seconds=5)

    driver._wait_power(system, sushy.PowerState.OFF)

    assert system.power_state == sushy.PowerState.OFF
    assert system.resets == []


def test_a_host_still_on_after_the_reask_interval_is_asked_again() -> None:
    system = SlowSystem(polls=10**6)  # never goes off by itself
    driver = SushyRedfishDriver(power_wait_seconds=0.3, poll_seconds=0.01, reask_seconds=0.1)

    with pytest.raises(BmcError, match="did not reach power state"):
        driver._wait_power(system, sushy.PowerState.OFF)

    assert 1 <= len(system.resets) <= 3
    assert set(system.resets) == {sushy.ResetType.FORCE_OFF}
