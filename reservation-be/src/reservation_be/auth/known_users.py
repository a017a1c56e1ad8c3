"""Which token identities this process has seen stored as they are: the users-row sync skips them.

Every authenticated request used to read (and, when a claim changed, upsert) the caller's users
row. The row only changes through that sync, and users rows are never deleted (only
``testing.truncate_all`` empties the table, and it calls :func:`forget_all`), so once a request
has *read* the committed row equal to its token's claims, the same claims need no database work
again in this process. An upsert is not remembered: its transaction may still roll back; the
next request reads the committed row and remembers it then.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

MAX_ENTRIES = 10_000

_known: OrderedDict[str, tuple[Any, ...]] = OrderedDict()


def is_current(user_id: str, fields: tuple[Any, ...]) -> bool:
    known = _known.get(user_id)
    if known is None or known != fields:
        return False
    _known.move_to_end(user_id)
    return True


def remember(user_id: str, fields: tuple[Any, ...]) -> None:
    _known[user_id] = fields
    _known.move_to_end(user_id)
    while len(_known) > MAX_ENTRIES:
        _known.popitem(last=False)


def forget_all() -> None:
    _known.clear()
