"""A mail worker on its own, for the tests that kill it: ``python -m tests.mail.worker_process
<database url>``; SMTP and mail settings from the ``RESERVATION_BE_*`` environment."""

from __future__ import annotations

import asyncio
import logging
import sys

from reservation_be.kit.db import create_sessionmaker
from reservation_be.mail.settings import MailSettings
from reservation_be.mail.worker import MailWorker
from reservation_be.settings import DEV_WEBHOOK_SECRETS_KEY
from sqlalchemy.ext.asyncio import create_async_engine


async def main(database_url: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    engine = create_async_engine(database_url)
    worker = MailWorker(
        sessionmaker=create_sessionmaker(engine),
        settings=MailSettings(),
        unsubscribe_secret=DEV_WEBHOOK_SECRETS_KEY,
    )
    print("ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
