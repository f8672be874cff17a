"""
Verifies OAuth2/OIDC JWT access tokens on a LiteLLM proxy (its open `custom_auth` hook).

The hook itself is `proxy_auth_litellm.hook.user_api_key_auth` (it imports LiteLLM); this
package's top level only exports the parts that do not.
"""

from .credential_kind import credential_kind
from .dpop_nonce import NonceIssuer
from .errors import ConfigurationError, TokenRejected
from .identity import Identity, identity_from_claims
from .jwk_thumbprint import jwk_thumbprint
from .key_set import KeySet
from .presented_credential import Credential, presented_credential
from .replay_cache import ReplayCache
from .settings import Settings, settings_from_environment
from .verify_dpop_proof import DPoPVerifier, ProofRequest
from .verify_request import verify_request
from .verify_token import verify_token

__all__ = [
    "ConfigurationError",
    "Credential",
    "DPoPVerifier",
    "Identity",
    "KeySet",
    "NonceIssuer",
    "ProofRequest",
    "ReplayCache",
    "Settings",
    "TokenRejected",
    "credential_kind",
    "identity_from_claims",
    "jwk_thumbprint",
    "presented_credential",
    "settings_from_environment",
    "verify_request",
    "verify_token",
]
