"""JSON logs (``reservation_common.logs``) on stdout, with the ``extra=`` fields a call passes."""

from __future__ import annotations

import sys

from reservation_common import logs
from reservation_common.logs import JsonFormatter

__all__ = ["JsonFormatter", "configure_logging"]


def configure_logging(level: str = "INFO") -> None:
    # Request lines of the probes and the AMQP library's chatter are noise at INFO.
    logs.configure_logging(
        level,
        stream=sys.stdout,
        quiet=("uvicorn.access", "aiormq", "aio_pika", "httpx"),
    )
