"""Exit codes and the one error type every command raises.

An error becomes one line on stderr and an exit code (``--debug`` adds the detail):

==== =======================================================================
0    success
1    any other error (server unreachable, server error, provisioning failed)
2    usage: bad option or argument, or input the API refused (400, 422)
3    conflict: the period is taken, or the object changed meanwhile (409, 412)
4    not found (404, or no resource of that name)
5    authentication or permission: not logged in, session ended (401, 403)
==== =======================================================================
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    CONFLICT = 3
    NOT_FOUND = 4
    AUTH = 5


_BY_STATUS = {
    400: ExitCode.USAGE,
    401: ExitCode.AUTH,
    403: ExitCode.AUTH,
    404: ExitCode.NOT_FOUND,
    409: ExitCode.CONFLICT,
    412: ExitCode.CONFLICT,
    422: ExitCode.USAGE,
    428: ExitCode.CONFLICT,
}


def exit_code_for_status(status: int) -> ExitCode:
    return _BY_STATUS.get(status, ExitCode.ERROR)


class CliError(Exception):
    """A failure to report as one line; ``detail`` is shown with ``--debug``."""

    def __init__(
        self, message: str, code: ExitCode = ExitCode.ERROR, *, detail: Any = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail


class NotLoggedInError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.AUTH)


def problem_line(status: int, body: Any) -> str:
    """One line out of an RFC 9457 problem document (or whatever the server sent)."""
    if not isinstance(body, dict):
        text = str(body or "").strip().splitlines()
        return f"HTTP {status}: {text[0][:200]}" if text else f"HTTP {status}"
    title = str(body.get("title") or f"HTTP {status}")
    detail = body.get("detail")
    line = f"{title}: {detail}" if detail and detail != title else title
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        parts = []
        for error in errors[:5]:
            if not isinstance(error, dict):
                continue
            loc = [str(p) for p in error.get("loc", []) if p not in ("body", "query", "path")]
            where = ".".join(loc)
            parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        if parts:
            line = f"{line} ({'; '.join(parts)})"
    return line


class ApiError(CliError):
    """The API answered with an error status (a problem document)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(problem_line(status, body), exit_code_for_status(status), detail=body)
        self.status = status
        self.body = body
