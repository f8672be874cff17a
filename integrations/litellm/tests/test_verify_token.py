"""verify_token: the signature against the provider's keys, then iss, aud, exp, nbf, scope, role."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import jwt
import pytest
from conftest import AUDIENCE, Clock, Provider, make_settings
from cryptography.hazmat.primitives import serialization

from proxy_auth_litellm import KeySet, TokenRejected, verify_token
from proxy_auth_litellm.settings import Settings


def verify(provider: Provider, token: str, settings: Settings | None = None) -> dict[str, object]:
    chosen = settings or make_settings()
    keys = KeySet(chosen, fetch=provider.fetch, clock=Clock())
    return asyncio.run(verify_token(token, chosen, keys))


def refused(provider: Provider, token: str, settings: Settings | None = None) -> TokenRejected:
    with pytest.raises(TokenRejected) as caught:
        verify(provider, token, settings)
    return caught.value


def test_accepts_a_token_the_provider_signed(provider: Provider) -> None:
    claims = verify(provider, provider.sign({"sub": "alice"}))
    assert claims["sub"] == "alice"
    assert claims["aud"] == AUDIENCE


def test_words_an_expired_token_as_litellm_does(provider: Provider) -> None:
    rejected = refused(provider, provider.sign(lifetime=-5))
    assert rejected.reason == "Token Expired"
    assert rejected.expired


def test_leeway_forgives_a_little_clock_skew(provider: Provider) -> None:
    token = provider.sign(lifetime=-5)
    assert verify(provider, token, make_settings(leeway_seconds=30))["sub"] == "svc-reports"
    assert refused(provider, token, make_settings(leeway_seconds=2)).expired


def test_refuses_a_token_not_yet_valid(provider: Provider) -> None:
    rejected = refused(provider, provider.sign({"nbf": int(time.time()) + 120}))
    assert rejected.reason == "Invalid token (ImmatureSignatureError)"


def test_forgives_a_provider_clock_a_little_ahead(provider: Provider) -> None:
    ahead = int(time.time()) + 10
    assert verify(provider, provider.sign({"nbf": ahead, "iat": ahead}))["sub"] == "svc-reports"
    strict = make_settings(clock_skew_seconds=0)
    assert refused(provider, provider.sign({"iat": ahead}), strict).reason == (
        "Invalid token (ImmatureSignatureError)"
    )
    assert refused(provider, provider.sign({"nbf": "soon"})).reason == (
        "Invalid token (nbf is not a number)"
    )


def test_refuses_the_wrong_audience_and_the_wrong_issuer(provider: Provider) -> None:
    wrong_audience = provider.sign({"aud": "https://another-api.test"})
    assert refused(provider, wrong_audience).reason == "Invalid token (InvalidAudienceError)"
    wrong_issuer = provider.sign({"iss": "https://evil.example.test"})
    assert refused(provider, wrong_issuer).reason == "Invalid token (InvalidIssuerError)"


def test_accepts_any_configured_audience(provider: Provider) -> None:
    settings = make_settings(audiences=("api://other", AUDIENCE))
    assert verify(provider, provider.sign(), settings)["aud"] == AUDIENCE


def test_requires_exp_iss_and_aud(provider: Provider) -> None:
    now = int(time.time())
    private = provider.keys[-1][1]
    no_exp = jwt.encode(
        {"iss": "https://idp.example.test", "aud": AUDIENCE, "sub": "x", "iat": now},
        private,
        algorithm="RS256",
        headers={"kid": provider.keys[-1][0]},
    )
    assert refused(provider, no_exp).reason == "Invalid token (MissingRequiredClaimError)"


def _segment(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_refuses_alg_none(provider: Provider) -> None:
    payload = jwt.decode(provider.sign(), options={"verify_signature": False})
    unsigned = f"{_segment({'alg': 'none', 'kid': 'key-1'})}.{_segment(payload)}."
    assert refused(provider, unsigned).reason == "Invalid token (algorithm not allowed)"


def test_refuses_hs256_signed_with_the_public_key(provider: Provider) -> None:
    # The classic confusion attack: the public key (known to all) used as an HMAC secret.
    public_pem = (
        provider.keys[-1][1]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    payload = jwt.decode(provider.sign(), options={"verify_signature": False})
    header = _segment({"alg": "HS256", "typ": "JWT", "kid": "key-1"})
    body = _segment(payload)
    import hashlib
    import hmac

    mac = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert refused(provider, forged).reason == "Invalid token (algorithm not allowed)"


def test_refuses_a_token_of_another_provider(provider: Provider) -> None:
    other = Provider()
    other.rotate()
    # Same kid, same claims, another key: the signature does not verify.
    rejected = refused(provider, other.sign())
    assert rejected.reason == "Invalid token (InvalidSignatureError)"


def test_refuses_a_tampered_payload(provider: Provider) -> None:
    header, _, signature = provider.sign({"sub": "alice"}).split(".")
    payload = jwt.decode(provider.sign({"sub": "alice"}), options={"verify_signature": False})
    tampered = f"{header}.{_segment({**payload, 'sub': 'admin'})}.{signature}"
    assert refused(provider, tampered).reason == "Invalid token (InvalidSignatureError)"


def test_refuses_garbage_without_echoing_it(provider: Provider) -> None:
    rejected = refused(provider, "not.a.jwt")
    assert rejected.reason == "Invalid token (malformed)"
    assert "not.a.jwt" not in str(rejected)


def test_requires_the_configured_scopes(provider: Provider) -> None:
    settings = make_settings(required_scopes=frozenset({"litellm_proxy_api", "chat"}))
    token = provider.sign({"scope": "litellm_proxy_api"})
    assert refused(provider, token, settings).reason == "Invalid token (missing scope chat)"
    # Entra ID puts scopes in `scp`.
    entra = provider.sign({"scope": None, "scp": "chat litellm_proxy_api"})
    assert verify(provider, entra, settings)["scp"] == "chat litellm_proxy_api"


def test_requires_the_configured_roles_at_a_dotted_path(provider: Provider) -> None:
    settings = make_settings(
        required_roles=frozenset({"llm-user"}), roles_claim="realm_access.roles"
    )
    keycloak = provider.sign({"realm_access": {"roles": ["llm-user", "offline_access"]}})
    assert verify(provider, keycloak, settings)["sub"] == "svc-reports"
    without = provider.sign({"realm_access": {"roles": ["offline_access"]}})
    assert refused(provider, without, settings).reason == "Invalid token (missing role llm-user)"


def test_refuses_an_algorithm_outside_the_allow_list(provider: Provider) -> None:
    settings = make_settings(algorithms=("ES256",))
    assert refused(provider, provider.sign(), settings).reason == (
        "Invalid token (algorithm not allowed)"
    )
