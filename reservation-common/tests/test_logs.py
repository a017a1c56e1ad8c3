"""Every service logs one JSON object a line with the same field names."""

from __future__ import annotations

import io
import json
import logging
import sys

from reservation_common.logs import JsonFormatter, configure_logging


def test_a_line_has_the_shared_field_names_the_context_and_the_extras() -> None:
    record = logging.makeLogRecord(
        {"name": "svc", "levelname": "WARNING", "msg": "a %s", "args": ("b",), "route": "/x"}
    )
    line = json.loads(JsonFormatter(context=lambda: {"request_id": "r-1"}).format(record))
    assert set(line) == {"time", "level", "logger", "message", "request_id", "route"}
    assert (line["level"], line["logger"], line["message"]) == ("warning", "svc", "a b")


def test_an_exception_goes_into_its_field_and_an_empty_context_value_is_left_out() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.makeLogRecord({"name": "svc", "msg": "failed", "exc_info": sys.exc_info()})
    line = json.loads(JsonFormatter(context=lambda: {"request_id": None}).format(record))
    assert "ValueError: boom" in line["exception"]
    assert "request_id" not in line


def test_configure_sends_uvicorn_through_the_handler_and_quiets_the_named_loggers() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        # Another test's uvicorn server may have left its loggers at WARNING.
        logging.getLogger("uvicorn.error").setLevel(logging.NOTSET)
        configure_logging("INFO", stream=stream, quiet=("chatty",))
        logging.getLogger("uvicorn.error").info("started")
        logging.getLogger("chatty").info("hidden")
        logging.getLogger("chatty").warning("shown")
        lines = [json.loads(x) for x in stream.getvalue().splitlines()]
        assert [x["message"] for x in lines] == ["started", "shown"]
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("chatty").setLevel(logging.NOTSET)
