"""The one place a request's bearer token is judged (a proof-of-possession check slots in here)."""

from __future__ import annotations

from typing import Any

from .identity import Identity, identity_from_claims
from .key_set import KeySet
from .settings import Settings
from .verify_token import verify_token


async def verify_request(request: Any, token: str, settings: Settings, keys: KeySet) -> Identity:
    """
    The identity a JWT bearer token speaks for, or TokenRejected. `request` (LiteLLM's Starlette
    request) is at hand for checks that bind the token to the request, such as a DPoP proof
    (`cnf.jkt` against the `DPoP` header's key); there is none yet.
    """
    del request  # not needed until a proof-of-possession check reads its headers
    claims = await verify_token(token, settings, keys)
    return identity_from_claims(claims, settings)
