"""Helpers of the unit tests: a signing provider behind the module's fetch seam, and a clock."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from proxy_auth_litellm.fetch_json import FetchFailed
from proxy_auth_litellm.settings import Settings

ISSUER = "https://idp.example.test"
AUDIENCE = "https://litellm-proxy.test"
DISCOVERY = f"{ISSUER}/.well-known/openid-configuration"
JWKS = f"{ISSUER}/jwks"


@dataclass
class Clock:
    """A monotonic clock the test moves."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Provider:
    """An identity provider: signs tokens, serves discovery and JWKS through the fetch seam."""

    keys: list[tuple[str, rsa.RSAPrivateKey]] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    down: bool = False
    issuer: str = ISSUER

    def rotate(self) -> str:
        kid = f"key-{len(self.keys) + 1}"
        self.keys.append((kid, rsa.generate_private_key(public_exponent=65537, key_size=2048)))
        return kid

    @property
    def jwks_fetches(self) -> int:
        return self.fetched.count(JWKS)

    async def fetch(self, url: str, timeout: float) -> dict[str, Any]:
        self.fetched.append(url)
        if self.down:
            raise FetchFailed(f"{url} could not be reached (refused)")
        if url == DISCOVERY:
            return {"issuer": self.issuer, "jwks_uri": JWKS}
        if url == JWKS:
            return {"keys": [self.public_jwk(kid) for kid, _ in self.keys]}
        raise FetchFailed(f"{url} answered 404")

    def public_jwk(self, kid: str) -> dict[str, Any]:
        private = dict(self.keys)[kid]
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}

    def sign(
        self,
        claims: dict[str, Any] | None = None,
        *,
        kid: str | None = None,
        lifetime: int = 600,
        headers: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        kid = kid or self.keys[-1][0]
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "svc-reports",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "scope": "litellm_proxy_api",
            **(claims or {}),
        }
        return jwt.encode(
            body, dict(self.keys)[kid], algorithm="RS256", headers={"kid": kid, **(headers or {})}
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    made = Provider()
    made.rotate()
    yield made


def make_settings(**overrides: Any) -> Settings:
    """Settings for the test provider."""
    base: dict[str, Any] = {
        "issuer": ISSUER,
        "audiences": (AUDIENCE,),
        "discovery_url": DISCOVERY,
    }
    return Settings(**{**base, **overrides})
