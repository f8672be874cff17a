"""
A LiteLLM proxy `custom_auth` hook that checks OAuth2 JWT access tokens the way LiteLLM's own
JWT auth does (`enable_jwt_auth` is licence-gated; `custom_auth` is not).

The token's signature is verified against the identity provider's JWKS, and its issuer,
audience and expiry (zero leeway) are checked. An expired token gets LiteLLM's own answer:
401 "Authentication Error, Token Expired" (what `litellm/proxy/auth/handle_jwt.py` raises).

PyJWKClient fetches the JWKS synchronously (once, then cached), which blocks the proxy's event
loop for that one request: fine for a test proxy, not what a production hook should do.

Configured through the environment of the proxy process:
    PROXY_AUTH_JWKS_URL, PROXY_AUTH_ISSUER, PROXY_AUTH_AUDIENCE
"""

import os

import jwt
from fastapi import Request
from litellm.proxy._types import ProxyErrorTypes, ProxyException, UserAPIKeyAuth

_JWKS = jwt.PyJWKClient(os.environ["PROXY_AUTH_JWKS_URL"], cache_keys=True, timeout=5)
_ISSUER = os.environ["PROXY_AUTH_ISSUER"]
_AUDIENCE = os.environ["PROXY_AUTH_AUDIENCE"]


def _reject(message: str) -> ProxyException:
    return ProxyException(
        message=f"Authentication Error, {message}",
        type=ProxyErrorTypes.auth_error,
        param="None",
        code=401,
    )


async def user_api_key_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    """Accepts the request when `api_key` (the bearer token, `Bearer ` stripped) is a valid JWT."""
    if not api_key:
        raise _reject("No bearer token was sent")
    try:
        key = _JWKS.get_signing_key_from_jwt(api_key)
        claims = jwt.decode(
            api_key,
            key.key,
            algorithms=[key.algorithm_name],
            issuer=_ISSUER,
            audience=_AUDIENCE,
            leeway=0,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise _reject("Token Expired")
    except jwt.PyJWTError as error:
        # The message names the failed check only; the token itself is never echoed.
        raise _reject(f"Invalid token ({type(error).__name__})")
    return UserAPIKeyAuth(user_id=str(claims.get("sub") or claims.get("client_id") or "jwt"))
