"""The OpenID Connect endpoints under ``/realms/{realm}``, with Keycloak's paths and errors."""

from __future__ import annotations

import base64
from typing import Annotated, Any
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from joserfc.jwk import RSAKey

from reservation_testrealm import pages
from reservation_testrealm.realm import Client
from reservation_testrealm.state import SESSION_COOKIE, RealmState, get_state
from reservation_testrealm.tokens import OAuthError, Tokens

router = APIRouter(prefix="/realms/{realm}")
OIDC = "/protocol/openid-connect"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RealmNotFoundError(Exception):
    pass


def realm_state(realm: str, state: Annotated[RealmState, Depends(get_state)]) -> RealmState:
    if realm != state.name:
        raise RealmNotFoundError(realm)
    return state


State = Annotated[RealmState, Depends(realm_state)]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
            client_id, _, secret = decoded.partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise OAuthError(400, "invalid_request", "Invalid Authorization header") from exc
        # RFC 6749 2.3.1: both parts are form-urlencoded before base64.
        return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
    return form.get("client_id"), form.get("client_secret")


def _authenticate(state: RealmState, request: Request, form: dict[str, str]) -> Client:
    client_id, secret = _client_credentials(request, form)
    return state.service.authenticate_client(client_id, secret)


def _token_response(tokens: Tokens) -> JSONResponse:
    return JSONResponse(tokens.as_dict(), headers=NO_STORE)


# discovery and keys ---------------------------------------------------------------------------


@router.get("")
def realm_info(state: State, request: Request) -> dict[str, Any]:
    issuer = state.issuer(request)
    key = RSAKey.import_key(
        next(
            k
            for k in state.service.keys.jwks()["keys"]
            if k["kid"] == state.service.keys.active_kid
        )
    )
    der = key.as_der(private=False)
    return {
        "realm": state.name,
        "public_key": base64.b64encode(der).decode(),
        "token-service": f"{issuer}{OIDC}",
        "account-service": f"{issuer}/account",
        "tokens-not-before": 0,
    }


@router.get("/.well-known/openid-configuration")
def discovery(state: State, request: Request) -> dict[str, Any]:
    issuer = state.issuer(request)
    base = f"{issuer}{OIDC}"
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/auth",
        "token_endpoint": f"{base}/token",
        "introspection_endpoint": f"{base}/token/introspect",
        "userinfo_endpoint": f"{base}/userinfo",
        "end_session_endpoint": f"{base}/logout",
        "frontchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "jwks_uri": f"{base}/certs",
        "check_session_iframe": f"{base}/login-status-iframe.html",
        "grant_types_supported": [
            "authorization_code",
            "client_credentials",
            "password",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        "acr_values_supported": ["0", "1"],
        "response_types_supported": ["code"],
        "subject_types_supported": ["public", "pairwise"],
        "prompt_values_supported": ["none", "login"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["none"],
        "response_modes_supported": ["query", "fragment"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "claims_supported": [
            "aud",
            "sub",
            "iss",
            "auth_time",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "email",
            "acr",
            "azp",
            "sid",
        ],
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": False,
        "scopes_supported": [
            "openid",
            "profile",
            "email",
            "roles",
            "web-origins",
            "acr",
            "basic",
            "offline_access",
            "address",
            "phone",
            "microprofile-jwt",
            "organization",
        ],
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "code_challenge_methods_supported": ["plain", "S256"],
        "tls_client_certificate_bound_access_tokens": False,
        "device_authorization_endpoint": f"{base}/auth/device",
        "revocation_endpoint": f"{base}/revoke",
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "backchannel_logout_supported": False,
        "backchannel_logout_session_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }


@router.get(f"{OIDC}/certs")
def certs(state: State) -> JSONResponse:
    return JSONResponse(state.service.keys.jwks(), media_type="application/jwk-set+json")


@router.get(f"{OIDC}/3p-cookies/step1.html", response_class=HTMLResponse)
def third_party_cookies(state: State) -> str:
    return pages.THIRD_PARTY_COOKIES_PAGE


# token endpoint -------------------------------------------------------------------------------


@router.post(f"{OIDC}/token")
async def token(state: State, request: Request) -> JSONResponse:
    form = await _form(request)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError(400, "invalid_request", "Missing form parameter: grant_type")
    client = _authenticate(state, request, form)
    service, issuer = state.service, state.issuer(request)
    if grant_type == "password":
        tokens = service.password_grant(
            client, form.get("username"), form.get("password"), form.get("scope"), issuer
        )
    elif grant_type == "client_credentials":
        tokens = service.client_credentials_grant(
            client,
            form.get("scope"),
            issuer,
            request.client.host if request.client is not None else "127.0.0.1",
        )
    elif grant_type == "refresh_token":
        tokens = service.refresh_grant(client, form.get("refresh_token"), issuer)
    elif grant_type == "authorization_code":
        tokens = service.code_grant(
            client, form.get("code"), form.get("redirect_uri"), form.get("code_verifier"), issuer
        )
    elif grant_type == "urn:ietf:params:oauth:grant-type:device_code":
        tokens = service.device_grant(client, form.get("device_code"), issuer)
    else:
        raise OAuthError(400, "unsupported_grant_type", "Unsupported grant_type")
    return _token_response(tokens)


@router.post(f"{OIDC}/token/introspect")
async def introspect(state: State, request: Request) -> JSONResponse:
    form = await _form(request)
    client = _authenticate(state, request, form)
    if client.public:
        raise OAuthError(403, "invalid_request", "Client not allowed.")
    token_value = form.get("token")
    if not token_value:
        raise OAuthError(400, "invalid_request", "Token not provided.")
    claims = state.service.validate(token_value, types=("Bearer", "ID", "Refresh"))
    if claims is None:
        return JSONResponse({"active": False}, headers=NO_STORE)
    body = dict(claims)
    body["client_id"] = claims.get("azp")
    if "preferred_username" in claims:
        body["username"] = claims["preferred_username"]
    body["token_type"] = claims.get("typ")
    body["active"] = True
    return JSONResponse(body, headers=NO_STORE)


@router.post(f"{OIDC}/revoke")
async def revoke(state: State, request: Request) -> Response:
    form = await _form(request)
    client = _authenticate(state, request, form)
    token_value = form.get("token")
    if not token_value:
        raise OAuthError(400, "invalid_request", "Token not provided.")
    state.service.revoke(client, token_value)
    return Response(status_code=200, headers=NO_STORE)


# userinfo -------------------------------------------------------------------------------------


def _bearer_error(state: RealmState, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": "invalid_token", "error_description": description},
        status_code=401,
        headers={
            "WWW-Authenticate": f'Bearer realm="{state.name}", error="invalid_token", '
            f'error_description="{description}"'
        },
    )


@router.api_route(f"{OIDC}/userinfo", methods=["GET", "POST"])
async def userinfo(state: State, request: Request) -> JSONResponse:
    header = request.headers.get("authorization", "")
    token_value = header[7:].strip() if header.lower().startswith("bearer ") else None
    if token_value is None and request.method == "POST":
        token_value = (await _form(request)).get("access_token")
    if not token_value:
        return _bearer_error(state, "Token not provided")
    claims = state.service.validate(token_value)
    if claims is None:
        return _bearer_error(state, "Token verification failed")
    return JSONResponse(state.service.userinfo(claims), headers=NO_STORE)


# browser login (authorization code) -------------------------------------------------------------


def _redirect_with(uri: str, params: dict[str, str], mode: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v})
    if not query:
        return RedirectResponse(uri, status_code=302)
    separator = "#" if mode == "fragment" else ("&" if "?" in uri else "?")
    return RedirectResponse(f"{uri}{separator}{query}", status_code=302)


def _error_page(title: str, text: str, status: int = 400) -> HTMLResponse:
    return HTMLResponse(pages.message_page(title, text), status_code=status)


def _set_session_cookie(response: Response, state: RealmState, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, session_id, path=f"/realms/{state.name}/", httponly=True, samesite="lax"
    )


def _issue_code(
    state: RealmState, request: Request, client: Client, session_id: str, params: dict[str, str]
) -> RedirectResponse:
    session = state.service.active_session(session_id)
    assert session is not None
    code = state.service.create_code(
        client,
        session,
        redirect_uri=params["redirect_uri"],
        scope=params.get("scope"),
        nonce=params.get("nonce"),
        code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get("code_challenge_method")
        or ("plain" if params.get("code_challenge") else None),
    )
    response = _redirect_with(
        params["redirect_uri"],
        {
            "state": params.get("state", ""),
            "session_state": session.id,
            "iss": state.issuer(request),
            "code": code,
        },
        params.get("response_mode", "query"),
    )
    _set_session_cookie(response, state, session.id)
    return response


@router.get(f"{OIDC}/auth", response_model=None)
def authorize(state: State, request: Request) -> Response:
    params = dict(request.query_params)
    client = state.service.realm.clients.get(params.get("client_id", ""))
    if client is None or not client.enabled:
        return _error_page("We are sorry...", "Client not found.")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not client.allows_redirect(redirect_uri):
        return _error_page("We are sorry...", "Invalid parameter: redirect_uri")
    mode = params.get("response_mode") or "query"
    if mode not in ("query", "fragment"):
        return _error_page("We are sorry...", "Invalid parameter: response_mode")
    params["response_mode"] = mode

    def fail(error: str, description: str) -> RedirectResponse:
        return _redirect_with(
            redirect_uri,
            {"error": error, "error_description": description, "state": params.get("state", "")},
            mode,
        )

    if params.get("response_type") != "code":
        return fail("unsupported_response_type", "Client is not allowed to use response_type")
    if not client.standard_flow:
        return fail(
            "unauthorized_client",
            "Client is not allowed to initiate browser login with given response_type. "
            "Standard flow is disabled for the client.",
        )
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if method is not None and method not in ("plain", "S256"):
        return fail("invalid_request", "Invalid parameter: code_challenge_method")
    if client.pkce_method is not None:
        if not challenge:
            return fail("invalid_request", "Missing parameter: code_challenge")
        if (method or "plain") != client.pkce_method:
            return fail(
                "invalid_request",
                "Invalid parameter: code challenge method is not matching the configured one",
            )
    try:
        state.service.granted_scope(client, params.get("scope"))
    except OAuthError as exc:
        return fail(exc.error, exc.description)
    prompt = params.get("prompt", "")
    session = state.service.active_session(request.cookies.get(SESSION_COOKIE))
    if session is not None and "login" not in prompt.split():
        return _issue_code(state, request, client, session.id, params)
    if "none" in prompt.split():
        return fail("login_required", "")
    request_id = state.remember_login(params)
    action = f"/realms/{state.name}/login-actions/authenticate"
    return HTMLResponse(pages.login_page(state.name, action, request_id))


@router.post("/login-actions/authenticate", response_model=None)
async def authenticate(state: State, request: Request) -> Response:
    form = await _form(request)
    request_id = form.get("request", "")
    pending = state.login_request(request_id)
    if pending is None:
        return _error_page(
            "Page has expired",
            "Your login attempt timed out. Login will start from the beginning.",
        )
    user = state.service.check_password(form.get("username", ""), form.get("password", ""))
    if user is None:
        action = f"/realms/{state.name}/login-actions/authenticate"
        return HTMLResponse(
            pages.login_page(
                state.name,
                action,
                request_id,
                error="Invalid username or password.",
                username=form.get("username", ""),
            )
        )
    state.forget_login(request_id)
    client = state.service.realm.clients[pending.params["client_id"]]
    session = state.service.start_session(user)
    return _issue_code(state, request, client, session.id, pending.params)


# device authorization ---------------------------------------------------------------------------


@router.post(f"{OIDC}/auth/device")
async def device_authorization(state: State, request: Request) -> JSONResponse:
    form = await _form(request)
    client = _authenticate(state, request, form)
    grant = state.service.start_device_grant(client, form.get("scope"))
    verification = f"{state.issuer(request)}/device"
    return JSONResponse(
        {
            "device_code": grant.device_code,
            "user_code": grant.user_code,
            "verification_uri": verification,
            "verification_uri_complete": f"{verification}?user_code={grant.user_code}",
            "expires_in": state.service.realm.device_code_lifespan,
            "interval": grant.interval,
        },
        headers=NO_STORE,
    )


@router.get("/device", response_class=HTMLResponse)
def device_page(state: State, user_code: str = "") -> str:
    return pages.device_page(f"/realms/{state.name}/device", user_code=user_code)


@router.post("/device", response_class=HTMLResponse)
async def device_decision(state: State, request: Request) -> HTMLResponse:
    form = await _form(request)
    action = f"/realms/{state.name}/device"
    grant = state.service.find_device_grant(form.get("user_code", ""))
    if grant is None:
        return HTMLResponse(
            pages.device_page(action, error="Invalid code, please try again."), status_code=400
        )
    if form.get("decision") == "deny":
        state.service.decide_device_grant(grant, None, approve=False)
        return HTMLResponse(
            pages.message_page("Device Login", "Consent denied for connecting the device.")
        )
    user = state.service.check_password(form.get("username", ""), form.get("password", ""))
    if user is None:
        return HTMLResponse(
            pages.device_page(
                action, user_code=grant.user_code, error="Invalid username or password."
            )
        )
    state.service.decide_device_grant(grant, user, approve=True)
    return HTMLResponse(
        pages.message_page(
            "Device Login Successful",
            "Device login successful. You may now close this browser window and go back to "
            "your device.",
        )
    )


# logout ---------------------------------------------------------------------------------------


@router.api_route(f"{OIDC}/logout", methods=["GET", "POST"], response_model=None)
async def logout(state: State, request: Request) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        params |= await _form(request)
    if "refresh_token" in params:
        return _logout_with_refresh_token(state, request, params)
    return _browser_logout(state, request, params)


def _logout_with_refresh_token(
    state: RealmState, request: Request, params: dict[str, str]
) -> Response:
    client = _authenticate(state, request, params)
    claims = state.service.keys.decode(params["refresh_token"])
    if claims is None or claims.get("typ") != "Refresh":
        raise OAuthError(400, "invalid_grant", "Invalid refresh token")
    if claims.get("azp") != client.client_id:
        raise OAuthError(400, "invalid_grant", "Invalid refresh token")
    state.service.end_session(str(claims.get("sid")))
    return Response(status_code=204)


def _browser_logout(state: RealmState, request: Request, params: dict[str, str]) -> Response:
    hint = params.get("id_token_hint")
    hint_claims = state.service.keys.decode(hint) if hint else None
    if hint and (hint_claims is None or hint_claims.get("typ") != "ID"):
        return _error_page("We are sorry...", "Invalid parameter: id_token_hint")
    client_id = params.get("client_id") or (hint_claims or {}).get("azp")
    client = state.service.realm.clients.get(str(client_id)) if client_id else None
    target = params.get("post_logout_redirect_uri")
    if target is not None and (client is None or not client.allows_post_logout_redirect(target)):
        return _error_page("We are sorry...", "Invalid redirect uri")
    if hint_claims is None and params.get("confirm") != "yes":
        return HTMLResponse(
            pages.logout_confirm_page(
                f"/realms/{state.name}{OIDC}/logout",
                {k: v for k, v in params.items() if k != "confirm"},
            )
        )
    for sid in {request.cookies.get(SESSION_COOKIE), (hint_claims or {}).get("sid")}:
        if sid:
            state.service.end_session(str(sid))
    response: Response
    if target is not None:
        response = _redirect_with(target, {"state": params.get("state", "")}, "query")
    else:
        response = HTMLResponse(pages.message_page("You are logged out", "You are logged out."))
    response.delete_cookie(SESSION_COOKIE, path=f"/realms/{state.name}/")
    return response
