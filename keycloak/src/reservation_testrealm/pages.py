"""The few HTML pages of the browser flows: plain forms, no scripts, no styling framework."""

from __future__ import annotations

from html import escape

_BANNER = "Development/test identity provider. Never use it in production."


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto}"
        "label,input,button{display:block;width:100%;margin:.4rem 0}"
        ".error{color:#b00020}.banner{background:#fff3cd;padding:.5rem;font-size:.85rem}</style>"
        f"</head><body><p class='banner'>{_BANNER}</p><h1>{escape(title)}</h1>{body}"
        "</body></html>"
    )


def _hidden(fields: dict[str, str]) -> str:
    return "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in fields.items()
    )


def login_page(
    realm_display: str,
    action: str,
    request_id: str,
    *,
    error: str | None = None,
    username: str = "",
) -> str:
    message = f"<p class='error' id='input-error'>{escape(error)}</p>" if error else ""
    return _page(
        f"Sign in to {realm_display}",
        f"{message}<form id='kc-form-login' method='post' action='{escape(action)}'>"
        f"{_hidden({'request': request_id})}"
        "<label for='username'>Username or email</label>"
        f"<input id='username' name='username' value='{escape(username)}' autofocus>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password'>"
        "<button id='kc-login' type='submit'>Sign In</button></form>",
    )


def device_page(action: str, *, user_code: str = "", error: str | None = None) -> str:
    message = f"<p class='error' id='input-error'>{escape(error)}</p>" if error else ""
    return _page(
        "Device Login",
        f"{message}<form id='kc-device-form' method='post' action='{escape(action)}'>"
        "<label for='device-user-code'>Enter the code shown on your device</label>"
        f"<input id='device-user-code' name='user_code' value='{escape(user_code)}'>"
        "<label for='username'>Username or email</label><input id='username' name='username'>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password'>"
        "<button name='decision' value='approve' type='submit'>Yes, sign in the device</button>"
        "<button name='decision' value='deny' type='submit'>No</button></form>",
    )


def message_page(title: str, text: str) -> str:
    return _page(title, f"<p id='kc-info-message'>{escape(text)}</p>")


def logout_confirm_page(action: str, fields: dict[str, str]) -> str:
    return _page(
        "Logging out",
        "<p>Do you want to log out?</p>"
        f"<form method='post' action='{escape(action)}'>{_hidden(fields)}"
        "<input type='hidden' name='confirm' value='yes'>"
        "<button id='kc-logout' type='submit'>Logout</button></form>",
    )


# keycloak-js probes third-party cookies before it sets up its session iframe; answering
# "unsupported" makes it skip the iframe, which the test realm does not serve.
THIRD_PARTY_COOKIES_PAGE = (
    "<!doctype html><html><body><script>"
    "parent.postMessage('unsupported', '*');"
    "</script></body></html>"
)
