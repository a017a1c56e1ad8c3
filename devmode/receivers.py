"""Where dev mode's own webhook receivers listen, and the one address the processor may reach.

The event processor refuses loopback and private targets unless they are allow-listed, and its
allow-list names hosts, not ports. So the receivers get a loopback address of their own
(``127.0.0.2``, where the system routes all of 127.0.0.0/8 to loopback, as Linux does) and only
that address is allow-listed: a subscription pointed at the API, the identity provider or the
processor on ``127.0.0.1`` is still refused. Where that address cannot be bound (macOS without an
alias) the receivers share the main address, which is then the one allow-listed.
"""

from __future__ import annotations

import ipaddress
import socket

__all__ = ["DEDICATED_RECEIVER_HOST", "receiver_host"]

DEDICATED_RECEIVER_HOST = "127.0.0.2"


def _bindable(address: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def receiver_host(main_host: str, requested: str | None = None) -> str:
    """The address the receivers listen on: ``requested``, else a dedicated loopback address."""
    if requested:
        return requested
    try:
        main = ipaddress.ip_address(main_host)
    except ValueError:
        return main_host
    dedicated = main.version == 4 and main.is_loopback and main_host != DEDICATED_RECEIVER_HOST
    if dedicated and _bindable(DEDICATED_RECEIVER_HOST):
        return DEDICATED_RECEIVER_HOST
    return main_host
