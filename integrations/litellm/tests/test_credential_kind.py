"""credential_kind: the documented rule deciding which check a bearer value goes to."""

from __future__ import annotations

from proxy_auth_litellm import credential_kind

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"


def test_the_master_key_goes_to_litellm_as_the_admin() -> None:
    assert credential_kind("sk-master-1234", "sk-master-1234") == "master_key"


def test_other_sk_values_are_virtual_keys_not_jwts() -> None:
    assert credential_kind("sk-master-1235", "sk-master-1234") == "virtual_key"
    assert credential_kind("sk-anything", None) == "virtual_key"


def test_jwt_shaped_values_are_verified_and_nothing_else_is_accepted() -> None:
    assert credential_kind(JWT, "sk-master-1234") == "jwt"
    assert credential_kind("opaque-token-value", "sk-master-1234") == "unknown"
    assert credential_kind("a.b", None) == "unknown"
    assert credential_kind("", "sk-master-1234") == "missing"


def test_no_master_key_configured_matches_nothing() -> None:
    assert credential_kind("", "") == "missing"
