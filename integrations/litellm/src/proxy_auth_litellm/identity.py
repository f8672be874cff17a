"""Who a verified token speaks for, in LiteLLM's terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import TokenRejected
from .settings import Settings
from .verify_token import claim_at, claim_words


@dataclass(frozen=True)
class Identity:
    """The fields of LiteLLM's `UserAPIKeyAuth` the token decides."""

    user_id: str
    team_id: str | None
    #: `proxy_admin` when the token has one of `PROXY_AUTH_ADMIN_ROLES`, else `internal_user`.
    user_role: str
    roles: frozenset[str]


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and value:
        # A list claim (`groups`): its first entry. Name a single-valued claim when you can.
        return _text(value[0])
    return None


def identity_from_claims(claims: dict[str, Any], settings: Settings) -> Identity:
    """Maps claims to an identity: the user id claim must be there; the team claim may not be."""
    user_id = _text(claim_at(claims, settings.user_id_claim))
    if user_id is None:
        raise TokenRejected(f"Invalid token (no {settings.user_id_claim} claim)")
    team_id = None
    if settings.team_id_claim is not None:
        team_id = _text(claim_at(claims, settings.team_id_claim))
    roles = claim_words(claim_at(claims, settings.roles_claim))
    user_role = "proxy_admin" if roles & settings.admin_roles else "internal_user"
    return Identity(user_id=user_id, team_id=team_id, user_role=user_role, roles=roles)
