"""What a request presents: its token and the scheme it came with (`Bearer` or `DPoP`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Credential:
    """A token (empty when none was sent) and its `Authorization` scheme."""

    scheme: Literal["Bearer", "DPoP"]
    token: str


def presented_credential(api_key: str, authorization: list[str]) -> Credential:
    """
    LiteLLM hands `custom_auth` the token of `Authorization: Bearer …` (or of its other key
    headers) as `api_key`, and an empty string for any other scheme; so a DPoP request's token is
    read from its one `Authorization: DPoP …` header (the scheme is case-insensitive).
    """
    if api_key:
        return Credential("Bearer", api_key)
    if len(authorization) == 1:
        scheme, _, token = authorization[0].strip().partition(" ")
        if scheme.lower() == "dpop" and token.strip():
            return Credential("DPoP", token.strip())
    return Credential("Bearer", "")
