"""settings_from_environment: what PROXY_AUTH_* accepts and what it refuses at startup."""

from __future__ import annotations

import pytest

from proxy_auth_litellm import ConfigurationError, settings_from_environment

BASE = {"PROXY_AUTH_ISSUER": "https://idp.example.test", "PROXY_AUTH_AUDIENCE": "api://llm"}


def test_defaults() -> None:
    settings = settings_from_environment(BASE)
    assert settings.discovery_url == "https://idp.example.test/.well-known/openid-configuration"
    assert settings.algorithms == ("RS256", "PS256", "ES256")
    assert settings.leeway_seconds == 0
    assert settings.user_id_claim == "sub"
    assert settings.team_id_claim is None


@pytest.mark.parametrize("missing", ["PROXY_AUTH_ISSUER", "PROXY_AUTH_AUDIENCE"])
def test_names_a_missing_required_variable(missing: str) -> None:
    environ = {name: value for name, value in BASE.items() if name != missing}
    with pytest.raises(ConfigurationError, match=missing):
        settings_from_environment(environ)


@pytest.mark.parametrize("algorithms", ["none", "HS256", "RS256,HS512"])
def test_refuses_none_and_hmac(algorithms: str) -> None:
    with pytest.raises(ConfigurationError, match="not allowed"):
        settings_from_environment({**BASE, "PROXY_AUTH_ALGORITHMS": algorithms})


def test_refuses_plain_http_except_to_loopback() -> None:
    with pytest.raises(ConfigurationError, match="https"):
        settings_from_environment({**BASE, "PROXY_AUTH_ISSUER": "http://idp.example.test"})
    local = settings_from_environment({**BASE, "PROXY_AUTH_ISSUER": "http://127.0.0.1:8080"})
    assert local.discovery_url == "http://127.0.0.1:8080/.well-known/openid-configuration"


@pytest.mark.parametrize("leeway", ["-1", "301", "nan", "soon"])
def test_refuses_a_bad_leeway(leeway: str) -> None:
    with pytest.raises(ConfigurationError, match="PROXY_AUTH_LEEWAY_SECONDS"):
        settings_from_environment({**BASE, "PROXY_AUTH_LEEWAY_SECONDS": leeway})


def test_reads_lists_and_claims() -> None:
    settings = settings_from_environment(
        {
            **BASE,
            "PROXY_AUTH_AUDIENCE": "api://llm, https://llm.example.test",
            "PROXY_AUTH_REQUIRED_SCOPES": "chat embeddings",
            "PROXY_AUTH_TEAM_ID_CLAIM": "team",
            "PROXY_AUTH_ADMIN_ROLES": "llm-admin",
        }
    )
    assert settings.audiences == ("api://llm", "https://llm.example.test")
    assert settings.required_scopes == frozenset({"chat", "embeddings"})
    assert settings.team_id_claim == "team"
    assert settings.admin_roles == frozenset({"llm-admin"})


def test_dpop_settings() -> None:
    defaults = settings_from_environment(BASE)
    assert not defaults.dpop_required
    assert not defaults.dpop_nonce
    assert defaults.dpop_public_url is None
    assert defaults.dpop_max_age_seconds == 60
    chosen = settings_from_environment(
        {
            **BASE,
            "PROXY_AUTH_DPOP_REQUIRED": "true",
            "PROXY_AUTH_DPOP_NONCE": "1",
            "PROXY_AUTH_DPOP_PUBLIC_URL": "https://llm.example.com",
            "PROXY_AUTH_DPOP_MAX_AGE_SECONDS": "30",
        }
    )
    assert chosen.dpop_required
    assert chosen.dpop_nonce
    assert chosen.dpop_public_url == "https://llm.example.com"
    assert chosen.dpop_max_age_seconds == 30


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PROXY_AUTH_DPOP_REQUIRED", "maybe", "true or false"),
        ("PROXY_AUTH_DPOP_PUBLIC_URL", "http://llm.example.com", "https"),
        ("PROXY_AUTH_DPOP_PUBLIC_URL", "https://llm.example.com/?a=1", "no query"),
        ("PROXY_AUTH_DPOP_MAX_AGE_SECONDS", "301", "at most 300"),
    ],
)
def test_refuses_bad_dpop_settings(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        settings_from_environment({**BASE, name: value})
