from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from reservation_common.testing import TcpProxy

from tests.workers.live import Broker


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    b = await Broker().open()
    yield b
    await b.close()


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    async with TcpProxy(5672) as p:
        yield p
