"""The bounded memory of DPoP proof `jti`s already used (RFC 9449 §11.1)."""

from __future__ import annotations

from collections import OrderedDict


class ReplayCache:
    """
    Remembers each `jti` until `expires_at`; refuses one seen before. Bounded: at `capacity`
    live entries it refuses new ones (fail closed) rather than forget one still replayable.
    Per process: workers of one proxy, or proxies behind one balancer, each keep their own.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    def remember(self, jti: str, expires_at: float, now: float) -> bool:
        """True the first time `jti` is seen (and remembers it); False for a replay or when full."""
        while self._expiry:
            first, expiry = next(iter(self._expiry.items()))
            if expiry > now:
                break
            del self._expiry[first]
        if jti in self._expiry:
            return False
        # Entries arrive in nearly increasing expiry order (a constant window past now), so the
        # eviction above, which stops at the first live entry, frees what has expired.
        if len(self._expiry) >= self._capacity:
            return False
        self._expiry[jti] = expires_at
        return True
