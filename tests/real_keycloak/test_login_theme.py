"""The login theme (keycloak/themes/reservations) on real Keycloak, in Chromium: the app's
colours and texts in English and Italian, with screenshots under artifacts/keycloak/."""

from __future__ import annotations

from pathlib import Path

import pytest
from reservation_testrealm.real import RealKeycloak

from .browser import chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "keycloak"
PRIMARY = "rgb(52, 71, 201)"  # --primary of frontend/src/styles.css, #3447c9

TEXTS = {
    "en": ("Sign in to book lab resources", "Username or e-mail", "Sign in"),
    "it": ("Accedi per prenotare le risorse del laboratorio", "Nome utente o e-mail", "Accedi"),
}


@pytest.mark.parametrize("locale", sorted(TEXTS))
def test_login_page_wears_the_apps_theme(real_keycloak: RealKeycloak, locale: str) -> None:
    title, username_label, button = TEXTS[locale]
    url = (
        f"{real_keycloak.issuer}/protocol/openid-connect/auth?client_id=reservation-frontend"
        f"&redirect_uri={real_keycloak.frontend_url}/callback&response_type=code&scope=openid"
        f"&code_challenge={'x' * 43}&code_challenge_method=S256&ui_locales={locale}"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"login-{locale}.png"

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        page.wait_for_selector("#kc-form-login")
        stylesheets = page.eval_on_selector_all(
            "link[rel=stylesheet]", "links => links.map(l => l.href)"
        )
        button_colour = page.eval_on_selector(
            "#kc-login", "b => getComputedStyle(b).backgroundColor"
        )
        header_colour = page.eval_on_selector(
            "#kc-header-wrapper", "h => getComputedStyle(h).color"
        )
        body = page.inner_text("body")
        button_text = page.inner_text("#kc-login").strip()
        page.screenshot(path=str(shot), full_page=True)

    assert any(href.endswith("/login/reservations/css/reservations.css") for href in stylesheets)
    assert button_colour == PRIMARY
    assert header_colour == PRIMARY
    assert title in body
    assert username_label in body
    assert button_text == button
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
