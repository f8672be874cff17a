"""The two ways the module says no: a bad configuration, and a refused credential."""


class ConfigurationError(Exception):
    """A `PROXY_AUTH_*` setting is missing or invalid: the proxy should not start with it."""


class TokenRejected(Exception):
    """
    The credential on a request is refused. `reason` becomes LiteLLM's 401 message
    ("Authentication Error, <reason>"); it names the failed check, never the token.
    """

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired
