"""Benchmark receiver: verifies each webhook, dedupes on webhook-id, records the latency from the
event's timestamp to verification. ``python receiver.py PORT SECRET``."""

from __future__ import annotations

import sys
import time
from datetime import datetime

import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

port, secret = int(sys.argv[1]), sys.argv[2]
verifier = Webhook(secret)
seen: set[str] = set()
latencies: list[float] = []
rejected = 0


async def hook(request: Request) -> Response:
    global rejected
    body = await request.body()
    try:
        payload = verifier.verify(body, dict(request.headers))
    except WebhookVerificationError:
        rejected += 1
        return Response(status_code=400)
    webhook_id = request.headers["webhook-id"]
    if webhook_id not in seen:
        seen.add(webhook_id)
        sent = datetime.fromisoformat(payload["timestamp"]).timestamp()
        latencies.append(time.time() - sent)
    return Response(status_code=204)


async def stats(request: Request) -> Response:
    return JSONResponse({"count": len(seen), "latencies": latencies, "rejected": rejected})


async def reset(request: Request) -> Response:
    global rejected
    seen.clear()
    latencies.clear()
    rejected = 0
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/hook", hook, methods=["POST"]),
        Route("/stats", stats),
        Route("/reset", reset, methods=["POST"]),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
