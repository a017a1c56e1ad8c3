"""One JSON log format for every service: one object a line with the same field names
everywhere (``time``, ``level``, ``logger``, ``message``, ``exception``), the fields a service's
``context`` adds (the API's ``request_id``) and the ``extra=`` fields a call passes."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TextIO

__all__ = ["JsonFormatter", "configure_logging"]

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

LogContext = Callable[[], Mapping[str, object]]


class JsonFormatter(logging.Formatter):
    def __init__(self, *, context: LogContext | None = None) -> None:
        super().__init__()
        self._context = context

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self._context is not None:
            entry.update({k: v for k, v in self._context().items() if v is not None})
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(
    level: str = "INFO",
    *,
    stream: TextIO | None = None,
    context: LogContext | None = None,
    quiet: Iterable[str] = (),
) -> None:
    """Send every log record (uvicorn's included) through one JSON handler on ``stream``
    (stderr by default); the ``quiet`` loggers only from WARNING up."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(context=context))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
