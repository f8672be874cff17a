"""The rule that decides which check a bearer value goes to (never "whatever fails to decode")."""

from __future__ import annotations

import hmac
import re
from typing import Literal

#: Three base64url segments: a compact JWS (the last may be empty, as in `alg: none`).
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

CredentialKind = Literal["missing", "master_key", "virtual_key", "jwt", "unknown"]


def credential_kind(api_key: str, master_key: str | None) -> CredentialKind:
    """
    - empty → `missing`;
    - exactly LiteLLM's master key (compared in constant time) → `master_key`: the proxy admin;
    - any other `sk-` value → `virtual_key`: a LiteLLM virtual key, refused by this hook (see the
      README: keep virtual keys on a proxy without this hook);
    - three base64url segments → `jwt`: verified against the identity provider;
    - anything else → `unknown`: refused.
    """
    if not api_key:
        return "missing"
    if master_key and hmac.compare_digest(api_key.encode(), master_key.encode()):
        return "master_key"
    if api_key.startswith("sk-"):
        return "virtual_key"
    if _JWT_SHAPE.fullmatch(api_key):
        return "jwt"
    return "unknown"
