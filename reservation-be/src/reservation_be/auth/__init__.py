"""Who is calling: the verified token, mapped to an :class:`Actor` and a ``users`` row."""

from reservation_be.auth.actor import PLATFORM_ADMIN_ROLE, Actor
from reservation_be.auth.dependencies import ActorDep, get_actor

__all__ = ["PLATFORM_ADMIN_ROLE", "Actor", "ActorDep", "get_actor"]
