"""The one place a request's token is judged: the token itself, then its binding to the caller."""

from __future__ import annotations

from typing import Any

from .errors import TokenRejected
from .identity import Identity, identity_from_claims
from .key_set import KeySet
from .presented_credential import Credential
from .settings import Settings
from .verify_dpop_proof import DPoPVerifier, ProofRequest, challenge
from .verify_token import verify_token


def bound_key(claims: dict[str, Any]) -> str | None:
    """
    The thumbprint a DPoP-bound token names (`cnf.jkt`), or None for a bearer token (no `cnf`).
    A token with any other confirmation (`cnf` without a `jkt` string: a certificate-bound token,
    RFC 8705, or a malformed one) is bound to its holder in a way this proxy cannot check, so it
    is refused rather than taken as a bearer token.
    """
    if "cnf" not in claims:
        return None
    confirmation = claims["cnf"]
    jkt = confirmation.get("jkt") if isinstance(confirmation, dict) else None
    if not isinstance(jkt, str) or not jkt:
        raise TokenRejected("Invalid token (cnf binds it by a method other than DPoP's jkt)")
    return jkt


async def verify_request(
    request: ProofRequest,
    credential: Credential,
    settings: Settings,
    keys: KeySet,
    proofs: DPoPVerifier,
) -> Identity:
    """
    The identity a JWT speaks for, or TokenRejected. Binding rules (RFC 9449 §7): a DPoP-bound
    token (`cnf.jkt`) only with `Authorization: DPoP` and a valid proof by that key — never as a
    bearer token; `Authorization: DPoP` only with a DPoP-bound token; bearer tokens refused
    altogether when `PROXY_AUTH_DPOP_REQUIRED` is set.
    """
    claims = await verify_token(credential.token, settings, keys)
    jkt = bound_key(claims)
    if credential.scheme == "Bearer":
        if jkt is not None:
            raise challenge("DPoP-bound token sent as a bearer token", "invalid_token")
        if settings.dpop_required:
            raise challenge("DPoP required (a bearer token was sent)", "invalid_token")
    else:
        if jkt is None:
            raise challenge("token is not DPoP-bound (cnf.jkt missing)", "invalid_token")
        proofs.verify(request, credential.token, jkt)
    return identity_from_claims(claims, settings)
