"""The rules of ``policy`` as data; the HTTP-level matrix is ``test_policy_matrix.py``."""

from __future__ import annotations

import uuid

import pytest
from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit.errors import Forbidden, NotFound
from reservation_be.policy import Action, Rule, SiteContext
from reservation_db.models import Site, SiteRole

ME = "user-1"


def _ctx(role: SiteRole | None, *, visibility="private", admin=False, service=False):
    actor = Actor(user_id=ME, username="me", is_platform_admin=admin, is_service_account=service)
    site = Site(id=uuid.uuid4(), slug="s", name="S", visibility=visibility)
    return SiteContext(actor=actor, site=site, role=role)


def test_every_action_has_a_rule():
    assert set(policy.RULES) == set(Action)


@pytest.mark.parametrize("action", [a for a in Action if policy.RULES[a] is not policy.Rule.OWNER])
def test_platform_admin_may_do_everything(action):
    assert policy.allows(_ctx(None, admin=True), action)


def test_only_the_owner_checks_in_not_even_a_platform_admin():
    assert not policy.allows(_ctx(None, admin=True), Action.RESERVATION_CHECK_IN, owner_id="x")
    assert not policy.allows(
        _ctx(SiteRole.SITE_ADMIN), Action.RESERVATION_CHECK_IN, owner_id="someone-else"
    )
    assert policy.allows(_ctx(SiteRole.MEMBER), Action.RESERVATION_CHECK_IN, owner_id=ME)


@pytest.mark.parametrize("action", list(Action))
def test_service_accounts_pass_no_rule(action):
    assert not policy.allows(_ctx(SiteRole.SITE_ADMIN, service=True), action)


@pytest.mark.parametrize(
    ("rule", "role", "visibility", "allowed"),
    [
        (Rule.VISIBLE, None, "public", True),
        (Rule.VISIBLE, None, "private", False),
        (Rule.MEMBER, None, "public", False),
        (Rule.MEMBER, SiteRole.MEMBER, "private", True),
        (Rule.SITE_ADMIN, SiteRole.MEMBER, "private", False),
        (Rule.SITE_ADMIN, SiteRole.SITE_ADMIN, "private", True),
        (Rule.PLATFORM_ADMIN, SiteRole.SITE_ADMIN, "public", False),
    ],
)
def test_rules_by_role(rule, role, visibility, allowed):
    action = next(a for a, r in policy.RULES.items() if r is rule)
    assert policy.allows(_ctx(role, visibility=visibility), action) is allowed


def test_owner_rule_needs_membership_and_ownership():
    action = Action.RESERVATION_CANCEL
    assert policy.allows(_ctx(SiteRole.MEMBER), action, owner_id=ME)
    assert not policy.allows(_ctx(SiteRole.MEMBER), action, owner_id="someone-else")
    assert not policy.allows(_ctx(SiteRole.MEMBER), action)
    assert not policy.allows(_ctx(None, visibility="public"), action, owner_id=ME)
    assert policy.allows(_ctx(SiteRole.SITE_ADMIN), action, owner_id="someone-else")


def test_check_hides_private_sites_and_forbids_visible_ones():
    with pytest.raises(NotFound):
        policy.check(_ctx(None, visibility="private"), Action.SITE_READ)
    with pytest.raises(Forbidden):
        policy.check(_ctx(None, visibility="public"), Action.SITE_UPDATE)


def test_nobody_raises_their_own_role():
    admin = _ctx(SiteRole.SITE_ADMIN)
    # stepping down is fine, promoting others is fine
    policy.check_role_change(
        admin, target_user_id=ME, current=SiteRole.SITE_ADMIN, new=SiteRole.MEMBER
    )
    policy.check_role_change(admin, target_user_id="other", current=None, new=SiteRole.SITE_ADMIN)
    with pytest.raises(Forbidden):
        policy.check_role_change(admin, target_user_id=ME, current=None, new=SiteRole.MEMBER)
    with pytest.raises(Forbidden):
        policy.check_role_change(
            _ctx(SiteRole.MEMBER),
            target_user_id=ME,
            current=SiteRole.MEMBER,
            new=SiteRole.SITE_ADMIN,
        )


def test_require_service_account_checks_the_client():
    service = Actor(user_id="sa", username="sa", is_service_account=True, client_id="hook")
    assert policy.require_service_account(service, client_ids={"hook"}) == "hook"
    with pytest.raises(Forbidden):
        policy.require_service_account(service, client_ids={"other"})
    with pytest.raises(Forbidden):
        policy.require_service_account(Actor(user_id="u", username="u"))
