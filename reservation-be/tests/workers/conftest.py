from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.workers.live import Broker, TcpProxy


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    b = await Broker().open()
    yield b
    await b.close()


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    async with TcpProxy() as p:
        yield p
