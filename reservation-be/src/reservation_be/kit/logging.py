"""Structured JSON logs (``reservation_common.logs``), carrying the request id."""

from __future__ import annotations

from collections.abc import Mapping

from reservation_common import logs

from reservation_be.kit.request_context import current_request_id

__all__ = ["JsonFormatter", "configure_logging"]


def _request_context() -> Mapping[str, object]:
    return {"request_id": current_request_id()}


class JsonFormatter(logs.JsonFormatter):
    def __init__(self) -> None:
        super().__init__(context=_request_context)


def configure_logging(level: str = "INFO") -> None:
    logs.configure_logging(level, context=_request_context)
