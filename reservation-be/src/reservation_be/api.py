"""The routers of the API. A domain joins the API with one line here."""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter

API_PREFIX = "/api/v1"

# Modules exposing ``router: APIRouter``, mounted under /api/v1 in this order.
# FastAPI tries the routes in this order on every request (each router's routes in turn): the
# routers of the hot paths (booking, availability, calendar) come first. No path of one router
# can match a route of another, so the order changes nothing else.
ROUTER_MODULES: list[str] = [
    "reservation_be.reservations.endpoints",
    "reservation_be.find.endpoints",
    "reservation_be.series.endpoints",
    "reservation_be.resources.endpoints",
    "reservation_be.client_config.endpoints",
    "reservation_be.users.endpoints",
    "reservation_be.sites.endpoints",
    "reservation_be.members.endpoints",
    "reservation_be.notifications.endpoints",
    "reservation_be.audit.endpoints",
    "reservation_be.resource_types.endpoints",
    "reservation_be.webhooks.endpoints",
    "reservation_be.provisioning.endpoints",
    "reservation_be.events_stream.endpoints",
    "reservation_be.mail.endpoints",
    "reservation_be.calendar_feeds.endpoints",
    "reservation_be.stats.endpoints",
    "reservation_be.fairuse.endpoints",
    "reservation_be.co_users.endpoints",
    "reservation_be.opening_hours.endpoints",
]


def build_api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    for name in ROUTER_MODULES:
        api.include_router(import_module(name).router)
    return api
