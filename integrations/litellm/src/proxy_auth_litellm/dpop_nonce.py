"""The proxy's DPoP nonces (RFC 9449 §9): fresh ones a client must put in its proofs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os


class NonceIssuer:
    """
    Nonces that change every `period_seconds`: the current and the previous one are accepted, so a
    client that just got one is not refused at a change. Derived from a random per-process key:
    nothing to store, and several workers of one proxy each have their own (see the README).
    """

    def __init__(self, period_seconds: float = 300.0, key: bytes | None = None) -> None:
        self._period = period_seconds
        self._key = key if key is not None else os.urandom(32)

    def _nonce(self, window: int) -> str:
        digest = hmac.new(self._key, str(window).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def current(self, now: float) -> str:
        """The nonce to hand out now."""
        return self._nonce(int(now // self._period))

    def accepts(self, nonce: object, now: float) -> bool:
        """Whether `nonce` is the current or the previous one."""
        if not isinstance(nonce, str):
            return False
        window = int(now // self._period)
        return any(
            hmac.compare_digest(nonce.encode(), self._nonce(candidate).encode())
            for candidate in (window, window - 1)
        )
