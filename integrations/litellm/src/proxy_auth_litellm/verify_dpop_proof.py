"""Verifies a request's DPoP proof (RFC 9449 §4.3) against its access token and bound key."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from .dpop_nonce import NonceIssuer
from .errors import TokenRejected
from .jwk_thumbprint import jwk_thumbprint, token_hash
from .replay_cache import ReplayCache
from .settings import Settings

#: Proof signature algorithms accepted: asymmetric only (never `none`, never HMAC).
PROOF_ALGORITHMS = ("ES256", "ES384", "ES512", "EdDSA", "PS256", "RS256")
#: JWK members that only a private or symmetric key has: a proof must never carry them.
_SECRET_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
#: Longest proof read (a proof is a few hundred bytes; an RSA key makes it about 1 KiB).
MAX_PROOF_LENGTH = 8192
MAX_JTI_LENGTH = 256


@dataclass(frozen=True)
class ProofRequest:
    """What a proof is checked against: the request's method, URL and every `DPoP` header value."""

    method: str
    url: str
    proofs: tuple[str, ...]


def challenge(
    reason: str, error: str = "invalid_dpop_proof", nonce: str | None = None
) -> TokenRejected:
    """A refusal carrying RFC 9449's `WWW-Authenticate: DPoP` challenge (and a nonce to use)."""
    headers = {"WWW-Authenticate": f'DPoP error="{error}", algs="{" ".join(PROOF_ALGORITHMS)}"'}
    if nonce is not None:
        headers["DPoP-Nonce"] = nonce
    return TokenRejected(reason, headers=headers)


def normalized_url(url: str) -> str | None:
    """`scheme://host[:port]/path`, scheme and host lower-cased, default port, query and fragment
    dropped (RFC 9449 §4.3 point 9); None for what is not an http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    authority = host if port in (None, default) else f"{host}:{port}"
    return f"{scheme}://{authority}{parts.path or '/'}"


class DPoPVerifier:
    """The proof checks, with the state they need: the replay cache and the nonces."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        replay: ReplayCache | None = None,
        nonces: NonceIssuer | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._replay = replay if replay is not None else ReplayCache()
        self._nonces = nonces if nonces is not None or not settings.dpop_nonce else NonceIssuer()

    def expected_htu(self, request_url: str) -> str | None:
        """The `htu` a proof for this request must name: the request's URL, or its path under
        `PROXY_AUTH_DPOP_PUBLIC_URL` when the proxy is reached through another address."""
        public = self._settings.dpop_public_url
        if public is None:
            return normalized_url(request_url)
        path = urlsplit(request_url).path or "/"
        return normalized_url(public.rstrip("/") + path)

    def verify(self, request: ProofRequest, token: str, jkt: str) -> None:
        """Returns when the one proof on `request` proves possession of the key `jkt` names for
        this request and `token`; else raises TokenRejected with a DPoP challenge."""
        if len(request.proofs) != 1 or "," in request.proofs[0]:
            raise challenge("DPoP proof missing or more than one")
        proof = request.proofs[0]
        if len(proof) > MAX_PROOF_LENGTH:
            raise challenge("DPoP proof too large")
        payload, jwk = self._signed_claims(proof)
        now = self._clock()
        if payload.get("htm") != request.method:
            raise challenge("DPoP proof for another method (htm)")
        htu = payload.get("htu")
        expected = self.expected_htu(request.url)
        if not isinstance(htu, str) or expected is None or normalized_url(htu) != expected:
            raise challenge("DPoP proof for another URL (htu)")
        # The nonce before the rest, as RFC 9449 §4.3 orders it: a nonce is no secret.
        if self._nonces is not None and not self._nonces.accepts(payload.get("nonce"), now):
            raise challenge("DPoP nonce required", "use_dpop_nonce", self._nonces.current(now))
        iat = payload.get("iat")
        window = self._settings.dpop_max_age_seconds
        skew = self._settings.clock_skew_seconds
        if isinstance(iat, bool) or not isinstance(iat, int | float):
            raise challenge("DPoP proof without a numeric iat")
        if not now - window <= iat <= now + skew:
            raise challenge("DPoP proof outside the iat window")
        if payload.get("ath") != token_hash(token):
            raise challenge("DPoP proof for another token (ath)")
        if jwk_thumbprint(jwk) != jkt:
            raise challenge("DPoP proof signed by another key (cnf.jkt)", "invalid_token")
        jti = payload.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
            raise challenge("DPoP proof without a usable jti")
        if not self._replay.remember(jti, now + window + skew, now):
            raise challenge("DPoP proof replayed (jti seen before)")

    @staticmethod
    def _signed_claims(proof: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The proof's claims and embedded public key, once `typ`, `alg`, key and signature pass."""
        try:
            header = jwt.get_unverified_header(proof)
        except jwt.PyJWTError:
            raise challenge("DPoP proof malformed") from None
        if header.get("typ") != "dpop+jwt":
            raise challenge("DPoP proof without typ dpop+jwt")
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in PROOF_ALGORITHMS:
            raise challenge("DPoP proof algorithm not allowed")
        jwk = header.get("jwk")
        if not isinstance(jwk, dict) or jwk.get("kty") == "oct" or _SECRET_MEMBERS & jwk.keys():
            raise challenge("DPoP proof without a public jwk")
        try:
            key = jwt.PyJWK(jwk, algorithm=algorithm)
            payload: dict[str, Any] = jwt.decode(
                proof,
                key.key,
                algorithms=[algorithm],
                options={"verify_aud": False, "verify_iat": False, "verify_exp": False},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise challenge(f"DPoP proof invalid ({type(error).__name__})") from None
        return payload, jwk
