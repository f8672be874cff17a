"""Verifies one bearer JWT: signature against the provider's keys, then its claims."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt

from .errors import TokenRejected
from .key_set import KeySet
from .settings import Settings


def claim_at(claims: dict[str, Any], path: str) -> Any:
    """The claim at a dotted path (`realm_access.roles`), or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def claim_words(value: Any) -> frozenset[str]:
    """A claim holding names as a list (`["a", "b"]`) or a space-separated string (`"a b"`)."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


def token_scopes(claims: dict[str, Any]) -> frozenset[str]:
    """The scopes of a token: `scope` (OAuth2, Okta, Auth0, Keycloak) or `scp` (Entra ID, Okta)."""
    return claim_words(claims.get("scope")) | claim_words(claims.get("scp"))


def _check_not_future(claims: dict[str, Any], settings: Settings, now: float) -> None:
    # `nbf` and `iat` get the provider's clock skew (PyJWT would give them `exp`'s leeway, and a
    # provider clock one second ahead would make every fresh token "not yet valid").
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TokenRejected(f"Invalid token ({name} is not a number)")
        if value > now + settings.clock_skew_seconds:
            raise TokenRejected("Invalid token (ImmatureSignatureError)")


async def verify_token(
    token: str,
    settings: Settings,
    keys: KeySet,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """
    The claims of `token` once its signature, `iss`, `aud`, `exp`, `nbf`, `iat`, scopes and roles
    pass; else TokenRejected naming the failed check ("Token Expired" for an expired token, the
    words LiteLLM's own JWT auth uses and the SDK's replay looks for).
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRejected("Invalid token (malformed)") from None
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in settings.algorithms:
        # `none`, HMAC and anything not configured end here, before any key is looked up.
        raise TokenRejected("Invalid token (algorithm not allowed)")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRejected("Invalid token (malformed)")
    key = await keys.key_for(kid, algorithm)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=list(settings.audiences),
            issuer=settings.issuer,
            leeway=settings.leeway_seconds,
            options={"require": ["exp", "iss", "aud"], "verify_nbf": False, "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("Token Expired", expired=True) from None
    except jwt.PyJWTError as error:
        raise TokenRejected(f"Invalid token ({type(error).__name__})") from None
    _check_not_future(claims, settings, clock())
    missing_scopes = settings.required_scopes - token_scopes(claims)
    if missing_scopes:
        raise TokenRejected(f"Invalid token (missing scope {' '.join(sorted(missing_scopes))})")
    missing_roles = settings.required_roles - claim_words(claim_at(claims, settings.roles_claim))
    if missing_roles:
        raise TokenRejected(f"Invalid token (missing role {' '.join(sorted(missing_roles))})")
    return claims
