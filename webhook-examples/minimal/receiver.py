"""The smallest correct receiver of the platform's webhooks (Standard Webhooks).

Run: ``WEBHOOK_SECRET=whsec_... uvicorn receiver:app --port 8091``
"""

import json
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

logger = logging.getLogger("receiver")
Handler = Callable[[dict[str, Any]], None]

# The platform's events are a few KB; anything far larger is refused before it is buffered, so
# an unsigned request cannot make the receiver hold an unbounded body in memory.
MAX_BODY_BYTES = 256 * 1024


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, or BodyTooLarge as soon as the declared or the received size passes limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def log_event(event: dict[str, Any]) -> None:
    logger.info("event %s of type %s", event.get("id"), event.get("type"))  # your work goes here


def problem(status: int, title: str, detail: str) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def create_app(secret: str | None = None, handle: Handler = log_event) -> FastAPI:
    webhook = Webhook(secret or os.environ["WEBHOOK_SECRET"])
    seen: OrderedDict[str, None] = OrderedDict()  # keep it in your database in production
    app = FastAPI()

    @app.post("/webhook", status_code=202, response_model=None)
    async def receive(
        request: Request, background: BackgroundTasks
    ) -> dict[str, str] | JSONResponse:
        try:  # the raw bytes: re-encoded JSON would not match the signature
            body = await read_body(request)
        except BodyTooLarge:
            return problem(
                413, "Body too large", f"webhook bodies are at most {MAX_BODY_BYTES} bytes"
            )
        try:  # checks the HMAC and refuses timestamps more than 5 minutes away (replays)
            webhook.verify(body, dict(request.headers), json_parse=False)
        except (WebhookVerificationError, ValueError) as error:
            return problem(401, "Invalid webhook signature", str(error) or "malformed headers")
        message_id = request.headers["webhook-id"]  # the same on every retry of one delivery
        if message_id in seen:
            return {"status": "duplicate"}
        try:
            event = json.loads(body)
        except ValueError:
            return problem(400, "Invalid body", "the body is not JSON")
        seen[message_id] = None
        if len(seen) > 10_000:
            seen.popitem(last=False)
        background.add_task(handle, event)  # answer now, work after: the sender waits 15 s at most
        return {"status": "accepted"}

    return app


def __getattr__(name: str) -> FastAPI:  # `uvicorn receiver:app` builds it from WEBHOOK_SECRET
    if name == "app":
        return create_app()
    raise AttributeError(name)
