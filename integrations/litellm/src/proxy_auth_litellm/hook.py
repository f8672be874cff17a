"""
LiteLLM's `custom_auth` hook. LiteLLM loads `custom_auth` from a file next to its config.yaml,
so that file holds one line (see the README):

    from proxy_auth_litellm.hook import user_api_key_auth

Settings are read when LiteLLM loads the hook: a missing or invalid `PROXY_AUTH_*` variable stops
the proxy at startup with a ConfigurationError saying which.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from litellm.proxy._types import (
    LitellmUserRoles,
    ProxyErrorTypes,
    ProxyException,
    UserAPIKeyAuth,
)

from .credential_kind import credential_kind
from .errors import TokenRejected
from .key_set import KeySet
from .presented_credential import presented_credential
from .settings import settings_from_environment
from .verify_dpop_proof import DPoPVerifier, ProofRequest
from .verify_request import verify_request

logger = logging.getLogger("proxy_auth_litellm")

settings = settings_from_environment(os.environ)
#: The provider's keys, shared by every request of this worker.
keys = KeySet(settings)
#: DPoP proof checks and their replay cache, shared by every request of this worker.
proofs = DPoPVerifier(settings)


def _master_key() -> str | None:
    # LiteLLM's own master key (config.yaml's general_settings.master_key or LITELLM_MASTER_KEY).
    from litellm.proxy import proxy_server

    value = getattr(proxy_server, "master_key", None)
    return value if isinstance(value, str) and value else os.environ.get("LITELLM_MASTER_KEY")


def _reject(reason: str, headers: dict[str, str] | None = None) -> ProxyException:
    # LiteLLM's own 401 shape: {"error": {"message": "Authentication Error, …", "type":
    # "auth_error", "param": "None", "code": "401"}}; LiteLLM puts `headers` on the answer.
    return ProxyException(
        message=f"Authentication Error, {reason}",
        type=ProxyErrorTypes.auth_error,
        param="None",
        code=401,
        headers=headers,
    )


def _proof_request(request: Any) -> ProofRequest:
    # LiteLLM's Starlette request: what a DPoP proof is checked against.
    return ProofRequest(
        method=str(request.method),
        url=str(request.url),
        proofs=tuple(request.headers.getlist("dpop")),
    )


async def user_api_key_auth(request: Any, api_key: str) -> UserAPIKeyAuth:
    """Accepts LiteLLM's master key, or a JWT the identity provider signed for this proxy (bound
    to the caller's key with a DPoP proof when the token says so)."""
    master_key = _master_key()
    credential = presented_credential(api_key, request.headers.getlist("authorization"))
    kind = credential_kind(credential.token, master_key)
    if kind == "master_key" and credential.scheme == "Bearer":
        return UserAPIKeyAuth(
            api_key=master_key,
            user_role=LitellmUserRoles.PROXY_ADMIN,
            user_id="litellm_proxy_admin",
        )
    if kind == "missing":
        raise _reject("No bearer token was sent")
    if kind == "virtual_key":
        raise _reject("LiteLLM virtual keys are not accepted here (this proxy checks JWTs)")
    if kind != "jwt":
        raise _reject("Invalid token (not a JWT)")
    try:
        identity = await verify_request(_proof_request(request), credential, settings, keys, proofs)
    except TokenRejected as rejected:
        # The reason names the check; the token itself is never logged.
        logger.info("proxy_auth_litellm: refused a token: %s", rejected.reason)
        raise _reject(rejected.reason, rejected.headers or None) from None
    return UserAPIKeyAuth(
        user_id=identity.user_id,
        team_id=identity.team_id,
        user_role=LitellmUserRoles(identity.user_role),
    )
