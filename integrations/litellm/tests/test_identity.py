"""identity_from_claims: claims to LiteLLM's user, team and role."""

from __future__ import annotations

import pytest
from conftest import make_settings

from proxy_auth_litellm import TokenRejected, identity_from_claims


def test_maps_sub_to_the_user_and_nothing_to_the_team() -> None:
    identity = identity_from_claims({"sub": "alice"}, make_settings())
    assert (identity.user_id, identity.team_id, identity.user_role) == (
        "alice",
        None,
        "internal_user",
    )


def test_maps_chosen_claims_and_admin_roles() -> None:
    settings = make_settings(
        user_id_claim="preferred_username",
        team_id_claim="team",
        roles_claim="realm_access.roles",
        admin_roles=frozenset({"llm-admin"}),
    )
    claims = {
        "sub": "f81d4fae",
        "preferred_username": "alice",
        "team": "data-science",
        "realm_access": {"roles": ["llm-admin"]},
    }
    identity = identity_from_claims(claims, settings)
    assert (identity.user_id, identity.team_id, identity.user_role) == (
        "alice",
        "data-science",
        "proxy_admin",
    )


def test_takes_the_first_group_of_a_list_claim() -> None:
    settings = make_settings(team_id_claim="groups")
    identity = identity_from_claims({"sub": "a", "groups": ["team-a", "team-b"]}, settings)
    assert identity.team_id == "team-a"


def test_refuses_a_token_without_the_user_claim() -> None:
    with pytest.raises(TokenRejected) as caught:
        identity_from_claims({"client_id": "x"}, make_settings(user_id_claim="oid"))
    assert caught.value.reason == "Invalid token (no oid claim)"
