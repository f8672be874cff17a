"""DPoP (RFC 9449) at the proxy: each rule of the proof check and of token binding."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from conftest import Clock, Provider, make_settings
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from proxy_auth_litellm import (
    Credential,
    DPoPVerifier,
    KeySet,
    NonceIssuer,
    ProofRequest,
    ReplayCache,
    TokenRejected,
    jwk_thumbprint,
    presented_credential,
    verify_request,
)
from proxy_auth_litellm.settings import Settings

URL = "http://127.0.0.1:4000/chat/completions"


class Holder:
    """A client's DPoP key: makes proofs and names its thumbprint."""

    def __init__(self, kind: str = "ES256") -> None:
        self.algorithm = kind
        if kind == "ES256":
            self.private: Any = ec.generate_private_key(ec.SECP256R1())
            self.jwk = json.loads(ECAlgorithm.to_jwk(self.private.public_key()))
        elif kind == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
            self.jwk = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))

    @property
    def jkt(self) -> str:
        thumbprint = jwk_thumbprint(self.jwk)
        assert thumbprint is not None
        return thumbprint

    def proof(self, token: str, *, method: str = "POST", url: str = URL, **overrides: Any) -> str:
        claims: dict[str, Any] = {
            "htm": method,
            "htu": url,
            "iat": int(time.time()),
            "jti": str(uuid.uuid4()),
            "ath": base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest())
            .rstrip(b"=")
            .decode(),
        }
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        header = {"typ": "dpop+jwt", "jwk": self.jwk}
        return jwt.encode(claims, self.private, algorithm=self.algorithm, headers=header)


def judge(
    provider: Provider,
    credential: Credential,
    proofs: tuple[str, ...] = (),
    *,
    settings: Settings | None = None,
    verifier: DPoPVerifier | None = None,
    method: str = "POST",
    url: str = URL,
) -> str:
    chosen = settings or make_settings()
    keys = KeySet(chosen, fetch=provider.fetch, clock=Clock())
    checker = verifier or DPoPVerifier(chosen)
    request = ProofRequest(method=method, url=url, proofs=proofs)
    identity = asyncio.run(verify_request(request, credential, chosen, keys, checker))
    return identity.user_id


def refusal(provider: Provider, credential: Credential, *args: Any, **kwargs: Any) -> TokenRejected:
    with pytest.raises(TokenRejected) as caught:
        judge(provider, credential, *args, **kwargs)
    return caught.value


@pytest.fixture
def holder() -> Holder:
    return Holder()


def bound_token(provider: Provider, holder: Holder) -> str:
    return provider.sign({"sub": "alice", "cnf": {"jkt": holder.jkt}})


@pytest.mark.parametrize("kind", ["ES256", "EdDSA", "RS256"])
def test_accepts_a_bound_token_with_its_proof(provider: Provider, kind: str) -> None:
    holder = Holder(kind)
    token = bound_token(provider, holder)
    assert judge(provider, Credential("DPoP", token), (holder.proof(token),)) == "alice"


def test_thumbprint_matches_rfc_7638_example() -> None:
    # RFC 7638 §3.1's RSA key and thumbprint.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1"
            "L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4"
            "QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO"
            "pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
            "Cur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    assert jwk_thumbprint({"kty": "oct", "k": "c2VjcmV0"}) is None


def test_a_bound_token_sent_as_bearer_is_refused(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    rejected = refusal(provider, Credential("Bearer", token), (holder.proof(token),))
    assert "bearer" in rejected.reason
    assert rejected.headers["WWW-Authenticate"].startswith('DPoP error="invalid_token"')


@pytest.mark.parametrize(
    "cnf", [{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89"}, {"jkt": 7}, {"jkt": ""}, "x"]
)
def test_a_token_bound_some_other_way_is_never_a_bearer_token(
    provider: Provider, holder: Holder, cnf: Any
) -> None:
    # A certificate-bound token (RFC 8705) or a malformed cnf: its holder's binding cannot be
    # checked here, so it is refused with either scheme.
    token = provider.sign({"sub": "alice", "cnf": cnf})
    assert "cnf" in refusal(provider, Credential("Bearer", token)).reason
    assert "cnf" in refusal(provider, Credential("DPoP", token), (holder.proof(token),)).reason


def test_the_dpop_scheme_needs_a_bound_token(provider: Provider, holder: Holder) -> None:
    token = provider.sign({"sub": "alice"})
    rejected = refusal(provider, Credential("DPoP", token), (holder.proof(token),))
    assert "not DPoP-bound" in rejected.reason


def test_bearer_tokens_pass_unless_dpop_is_required(provider: Provider) -> None:
    token = provider.sign({"sub": "bob"})
    assert judge(provider, Credential("Bearer", token)) == "bob"
    rejected = refusal(
        provider, Credential("Bearer", token), settings=make_settings(dpop_required=True)
    )
    assert "DPoP required" in rejected.reason


def test_a_token_without_its_proof_is_refused(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    assert "missing" in refusal(provider, Credential("DPoP", token), ()).reason
    two = (holder.proof(token), holder.proof(token))
    assert "more than one" in refusal(provider, Credential("DPoP", token), two).reason


def test_a_proof_for_another_method_is_refused(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    proof = holder.proof(token, method="GET")
    assert "htm" in refusal(provider, Credential("DPoP", token), (proof,)).reason


def test_a_proof_for_another_url_is_refused(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    proof = holder.proof(token, url="http://127.0.0.1:4000/embeddings")
    assert "htu" in refusal(provider, Credential("DPoP", token), (proof,)).reason
    other_host = holder.proof(token, url="https://other.example/chat/completions")
    assert "htu" in refusal(provider, Credential("DPoP", token), (other_host,)).reason


def test_htu_ignores_query_and_normalises_scheme_host_and_default_port(
    provider: Provider, holder: Holder
) -> None:
    token = bound_token(provider, holder)
    proof = holder.proof(token, url="HTTPS://Proxy.Example:443/chat/completions")
    assert (
        judge(
            provider,
            Credential("DPoP", token),
            (proof,),
            url="https://proxy.example/chat/completions?x=1",
        )
        == "alice"
    )


def test_public_url_names_the_address_clients_call(provider: Provider, holder: Holder) -> None:
    settings = make_settings(dpop_public_url="https://llm.example.com")
    token = bound_token(provider, holder)
    seen_inside = "http://10.0.0.5:4000/chat/completions"
    public = holder.proof(token, url="https://llm.example.com/chat/completions")
    assert judge(provider, Credential("DPoP", token), (public,), settings=settings, url=seen_inside)
    inside = holder.proof(token, url=seen_inside)
    rejected = refusal(
        provider, Credential("DPoP", token), (inside,), settings=settings, url=seen_inside
    )
    assert "htu" in rejected.reason


def test_a_replayed_jti_is_refused(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    settings = make_settings()
    verifier = DPoPVerifier(settings)
    proof = holder.proof(token)
    judge(provider, Credential("DPoP", token), (proof,), settings=settings, verifier=verifier)
    rejected = refusal(
        provider, Credential("DPoP", token), (proof,), settings=settings, verifier=verifier
    )
    assert "replayed" in rejected.reason


def test_a_proof_signed_by_another_key_is_refused(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    thief = Holder()
    rejected = refusal(provider, Credential("DPoP", token), (thief.proof(token),))
    assert "another key" in rejected.reason


def test_a_proof_for_another_token_is_refused(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    other = provider.sign({"sub": "alice", "cnf": {"jkt": holder.jkt}, "jti": "another"})
    proof = holder.proof(other)
    assert "ath" in refusal(provider, Credential("DPoP", token), (proof,)).reason


def test_iat_window(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    old = holder.proof(token, iat=int(time.time()) - 61)
    assert "iat" in refusal(provider, Credential("DPoP", token), (old,)).reason
    future = holder.proof(token, iat=int(time.time()) + 120)
    assert "iat" in refusal(provider, Credential("DPoP", token), (future,)).reason
    missing = holder.proof(token, iat=None)
    assert "iat" in refusal(provider, Credential("DPoP", token), (missing,)).reason


def test_header_rules(provider: Provider, holder: Holder) -> None:
    token = bound_token(provider, holder)
    claims = {"htm": "POST", "htu": URL, "iat": int(time.time()), "jti": "j"}
    untyped = jwt.encode(claims, holder.private, algorithm="ES256", headers={"jwk": holder.jwk})
    assert "typ" in refusal(provider, Credential("DPoP", token), (untyped,)).reason
    hmac_proof = jwt.encode(
        claims,
        "secret-secret-secret-secret-1234",
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": {"kty": "oct", "k": "c2VjcmV0"}},
    )
    assert "algorithm" in refusal(provider, Credential("DPoP", token), (hmac_proof,)).reason
    private_numbers = holder.private.private_numbers().private_value.to_bytes(32, "big")
    leaked = {**holder.jwk, "d": base64.urlsafe_b64encode(private_numbers).rstrip(b"=").decode()}
    with_private = jwt.encode(
        claims, holder.private, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": leaked}
    )
    assert "public jwk" in refusal(provider, Credential("DPoP", token), (with_private,)).reason
    header, payload, _ = holder.proof(token).split(".")
    forged = f"{header}.{payload}.{base64.urlsafe_b64encode(b'x' * 64).rstrip(b'=').decode()}"
    assert "invalid" in refusal(provider, Credential("DPoP", token), (forged,)).reason
    none = f"{header}.{payload}."
    assert "invalid" in refusal(provider, Credential("DPoP", token), (none,)).reason


def test_nonces_when_asked_for(provider: Provider, holder: Holder) -> None:
    settings = make_settings(dpop_nonce=True)
    clock = Clock(now=time.time())
    nonces = NonceIssuer(period_seconds=300)
    verifier = DPoPVerifier(settings, clock=clock, nonces=nonces)
    token = bound_token(provider, holder)
    rejected = refusal(
        provider,
        Credential("DPoP", token),
        (holder.proof(token),),
        settings=settings,
        verifier=verifier,
    )
    assert rejected.headers["WWW-Authenticate"].startswith('DPoP error="use_dpop_nonce"')
    nonce = rejected.headers["DPoP-Nonce"]
    proof = holder.proof(token, nonce=nonce)
    assert judge(
        provider, Credential("DPoP", token), (proof,), settings=settings, verifier=verifier
    )
    clock.now += 600  # two periods later the nonce is stale
    assert not nonces.accepts(nonce, clock.now)
    assert nonces.accepts(nonce, clock.now - 300)


def test_replay_cache_forgets_expired_entries_and_fails_closed_when_full() -> None:
    cache = ReplayCache(capacity=2)
    assert cache.remember("a", 10, now=0)
    assert not cache.remember("a", 10, now=5)
    assert cache.remember("b", 12, now=5)
    assert not cache.remember("c", 15, now=5)  # full: refused, never forgetting a live one
    assert cache.remember("c", 20, now=10)  # "a" expired at 10
    assert cache.remember("a", 22, now=12)  # "a" and "b" gone: "a" is new again
    assert len(cache) == 2


def test_presented_credential() -> None:
    assert presented_credential("tok", []) == Credential("Bearer", "tok")
    assert presented_credential("", ["DPoP abc"]) == Credential("DPoP", "abc")
    assert presented_credential("", ["dpop abc"]) == Credential("DPoP", "abc")
    assert presented_credential("", ["DPoP abc", "DPoP def"]) == Credential("Bearer", "")
    assert presented_credential("", ["Digest abc"]) == Credential("Bearer", "")
    assert presented_credential("", ["DPoP "]) == Credential("Bearer", "")
