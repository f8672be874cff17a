"""The identity provider's signing keys: fetched once, cached, refetched on rotation, bounded."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import jwt

from .errors import ConfigurationError, TokenRejected
from .fetch_json import FetchFailed, FetchJson, fetch_json
from .settings import Settings, check_url

logger = logging.getLogger("proxy_auth_litellm")


class KeySet:
    """
    The JWKS of one issuer. A key is looked up by the token's `kid`:

    - a known `kid` is served from memory (the set is refetched in the background of a request
      once it is older than `jwks_max_age_seconds`);
    - an unknown `kid` (the provider rotated its key) refetches the set, but at most once per
      `jwks_refresh_interval_seconds`, however many tokens with made-up `kid`s arrive; concurrent
      requests share one fetch;
    - when a fetch fails, the keys already held keep working.
    """

    def __init__(
        self,
        settings: Settings,
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._fetch = fetch
        self._clock = clock
        self._jwks_url = settings.jwks_url
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()
        #: How many times the key set was fetched (for tests and metrics).
        self.fetches = 0

    async def key_for(self, kid: str | None, algorithm: str) -> Any:
        """The public key for a token's `kid` and `alg`, or TokenRejected."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= (
            self._settings.jwks_max_age_seconds
        )
        if stale or not self._holds(kid):
            await self._refresh(now)
        return self._key(kid, algorithm)

    def _holds(self, kid: str | None) -> bool:
        return (kid in self._keys) if kid is not None else len(self._keys) == 1

    async def _refresh(self, now: float) -> None:
        async with self._lock:
            interval = self._settings.jwks_refresh_interval_seconds
            if not self._keys:
                # Nothing to serve yet: try again sooner (still bounded).
                interval = min(interval, 5.0)
            if self._attempted_at is not None and now - self._attempted_at < interval:
                return  # fetched (or tried) a moment ago: serve what is held
            self._attempted_at = self._clock()
            try:
                keys = await self._fetch_keys()
            except FetchFailed as error:
                # Never log the token; the URL and the status are enough.
                logger.warning(
                    "proxy_auth_litellm: keeping %d cached keys: %s", len(self._keys), error
                )
                return
            self._keys = keys
            self._fetched_at = self._clock()

    async def _fetch_keys(self) -> dict[str, dict[str, Any]]:
        timeout = self._settings.http_timeout_seconds
        if self._jwks_url is None:
            discovery = await self._fetch(self._settings.discovery_url, timeout)
            if discovery.get("issuer") != self._settings.issuer:
                raise FetchFailed(
                    f"the discovery document names issuer {discovery.get('issuer')!r}, "
                    f"not PROXY_AUTH_ISSUER {self._settings.issuer!r}"
                )
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise FetchFailed("the discovery document has no jwks_uri")
            try:
                self._jwks_url = check_url("jwks_uri", jwks_uri)
            except ConfigurationError as error:
                raise FetchFailed(str(error)) from None
        self.fetches += 1
        document = await self._fetch(self._jwks_url, timeout)
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise FetchFailed(f"{self._jwks_url} has no `keys` list")
        keys: dict[str, dict[str, Any]] = {}
        for entry in entries:
            # Signing keys of an asymmetric type only: a symmetric (`oct`) key is never used.
            if not isinstance(entry, dict) or entry.get("kty") not in ("RSA", "EC", "OKP"):
                continue
            if entry.get("use", "sig") != "sig":
                continue
            kid = entry.get("kid")
            keys[kid if isinstance(kid, str) else ""] = entry
        return keys

    def _key(self, kid: str | None, algorithm: str) -> Any:
        if kid is None:
            if len(self._keys) != 1:
                raise TokenRejected("Invalid token (no kid, and the provider has several keys)")
            entry = next(iter(self._keys.values()))
        else:
            found = self._keys.get(kid)
            if found is None:
                if self._fetched_at is None:
                    raise TokenRejected("Identity provider keys unavailable")
                raise TokenRejected("Invalid token (unknown signing key)")
            entry = found
        if entry.get("alg", algorithm) != algorithm:
            raise TokenRejected("Invalid token (algorithm does not match the key)")
        try:
            return jwt.PyJWK(entry, algorithm=algorithm).key
        except jwt.PyJWTError:
            raise TokenRejected("Invalid token (algorithm does not match the key)") from None
