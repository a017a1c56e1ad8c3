"""The slice of Keycloak's admin REST API the backend uses through python-keycloak's
``KeycloakAdmin``: user search and user by id, for callers holding ``realm-management`` roles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from reservation_testrealm.endpoints import RealmNotFoundError
from reservation_testrealm.realm import User
from reservation_testrealm.state import RealmState, get_state

router = APIRouter(prefix="/admin/realms/{realm}")
MANAGEMENT_CLIENT = "realm-management"
MAX_RESULTS = 100


class AdminError(Exception):
    def __init__(self, status: int, body: dict[str, str]) -> None:
        super().__init__(body.get("error", ""))
        self.status = status
        self.body = body


def _unauthorized() -> AdminError:
    return AdminError(401, {"error": "HTTP 401 Unauthorized"})


def _forbidden() -> AdminError:
    return AdminError(
        403,
        {
            "error": "HTTP 403 Forbidden",
            "error_description": "For more on this error consult the server log.",
        },
    )


def admin_roles(
    realm: str, request: Request, state: Annotated[RealmState, Depends(get_state)]
) -> frozenset[str]:
    if realm != state.name:
        raise RealmNotFoundError(realm)
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise _unauthorized()
    claims = state.service.validate(header[7:].strip())
    if claims is None:
        raise _unauthorized()
    access = (claims.get("resource_access") or {}).get(MANAGEMENT_CLIENT) or {}
    return frozenset(access.get("roles") or ())


Roles = Annotated[frozenset[str], Depends(admin_roles)]


def user_representation(user: User, *, brief: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "emailVerified": user.email_verified,
        "createdTimestamp": user.created_ms,
        "enabled": user.enabled,
    }
    body = {k: v for k, v in body.items() if v is not None}
    if not brief:
        body |= {
            "totp": False,
            "disableableCredentialTypes": [],
            "requiredActions": [],
            "notBefore": 0,
        }
    return body


def _contains(value: str | None, wanted: str) -> bool:
    return value is not None and wanted.lower() in value.lower()


def _equals(value: str | None, wanted: str) -> bool:
    return value is not None and value.lower() == wanted.lower()


def _search(state: RealmState, request: Request) -> list[User]:
    query = request.query_params
    exact = query.get("exact", "false").lower() == "true"
    match = _equals if exact else _contains
    with state.service.lock:
        # Keycloak leaves service-account users out of user searches.
        users = [u for u in state.service.realm.users.values() if u.service_account_client is None]
    if (search := query.get("search")) is not None:
        text = search.strip().strip("*")
        users = [
            u
            for u in users
            if any(_contains(v, text) for v in (u.username, u.email, u.first_name, u.last_name))
        ]
    for param, attribute in (
        ("username", "username"),
        ("email", "email"),
        ("firstName", "first_name"),
        ("lastName", "last_name"),
    ):
        if (wanted := query.get(param)) is not None:
            users = [u for u in users if match(getattr(u, attribute), wanted)]
    if (enabled := query.get("enabled")) is not None:
        users = [u for u in users if u.enabled == (enabled.lower() == "true")]
    return sorted(users, key=lambda u: u.username)


def _int(value: str | None, default: int) -> int:
    try:
        return max(int(value), 0) if value is not None else default
    except ValueError as exc:
        raise AdminError(
            400, {"error": "invalid_request", "error_description": "not a number"}
        ) from exc


@router.get("/users")
def search_users(
    request: Request, roles: Roles, state: Annotated[RealmState, Depends(get_state)]
) -> JSONResponse:
    if not roles & {"query-users", "view-users", "manage-users"}:
        raise _forbidden()
    first = _int(request.query_params.get("first"), 0)
    limit = _int(request.query_params.get("max"), MAX_RESULTS)
    brief = request.query_params.get("briefRepresentation", "false").lower() == "true"
    found = _search(state, request)[first : first + limit]
    return JSONResponse([user_representation(u, brief=brief) for u in found])


@router.get("/users/count")
def count_users(
    request: Request, roles: Roles, state: Annotated[RealmState, Depends(get_state)]
) -> int:
    if not roles & {"query-users", "view-users", "manage-users"}:
        raise _forbidden()
    return len(_search(state, request))


@router.get("/users/{user_id}")
def get_user(
    user_id: str, roles: Roles, state: Annotated[RealmState, Depends(get_state)]
) -> JSONResponse:
    if not roles & {"view-users", "manage-users"}:
        raise _forbidden()
    with state.service.lock:
        user = state.service.realm.users.get(user_id)
    if user is None:
        raise AdminError(404, {"error": "User not found"})
    body = user_representation(user)
    body["access"] = {
        "view": True,
        "manage": "manage-users" in roles,
        "impersonate": False,
        "manageGroupMembership": False,
        "mapRoles": False,
    }
    return JSONResponse(body)
