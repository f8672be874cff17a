"""The two ways the module says no: a bad configuration, and a refused credential."""

from __future__ import annotations

from collections.abc import Mapping


class ConfigurationError(Exception):
    """A `PROXY_AUTH_*` setting is missing or invalid: the proxy should not start with it."""


class TokenRejected(Exception):
    """
    The credential on a request is refused. `reason` becomes LiteLLM's 401 message
    ("Authentication Error, <reason>"); it names the failed check, never the token. `headers` go
    on the 401 (a DPoP challenge: `WWW-Authenticate`, and `DPoP-Nonce` when a nonce is wanted).
    """

    def __init__(
        self, reason: str, *, expired: bool = False, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired
        self.headers: dict[str, str] = dict(headers or {})
