"""The RFC 7638 thumbprint of a public JWK: what a DPoP-bound token's `cnf.jkt` names."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

#: The members a thumbprint covers, per key type (RFC 7638 §3.2, RFC 8037 §2 for OKP).
_REQUIRED = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}


def jwk_thumbprint(jwk: dict[str, Any]) -> str | None:
    """
    base64url(SHA-256) of the key's required members as compact, sorted JSON; None for a key type
    without a thumbprint here (`oct`, unknown) or a member that is missing or not a string.
    """
    members = _REQUIRED.get(jwk.get("kty"))  # type: ignore[arg-type]
    if members is None:
        return None
    picked = {name: jwk.get(name) for name in members}
    if not all(isinstance(value, str) for value in picked.values()):
        return None
    canonical = json.dumps(picked, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """`ath`: base64url(SHA-256) of the access token's ASCII bytes (RFC 9449 §4.2)."""
    digest = hashlib.sha256(token.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
