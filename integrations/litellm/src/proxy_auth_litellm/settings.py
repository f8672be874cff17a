"""The module's settings, read once from `PROXY_AUTH_*` environment variables."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import ConfigurationError

#: Signature algorithms the module can accept: asymmetric only (never `none`, never HMAC, whose
#: "secret" would be the provider's public key).
ASYMMETRIC_ALGORITHMS = frozenset(
    {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    }
)


@dataclass(frozen=True)
class Settings:
    """What a token must satisfy, and how its claims map to a LiteLLM identity."""

    issuer: str
    audiences: tuple[str, ...]
    discovery_url: str
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("RS256", "PS256", "ES256")
    leeway_seconds: float = 0.0
    #: How far ahead the provider's clock may run: `nbf`/`iat` this far in the future pass.
    clock_skew_seconds: float = 30.0
    required_scopes: frozenset[str] = frozenset()
    required_roles: frozenset[str] = frozenset()
    user_id_claim: str = "sub"
    team_id_claim: str | None = None
    roles_claim: str = "roles"
    admin_roles: frozenset[str] = frozenset()
    jwks_refresh_interval_seconds: float = 60.0
    jwks_max_age_seconds: float = 3600.0
    http_timeout_seconds: float = 5.0
    #: Refuse bearer tokens: every caller must prove possession of its key with DPoP.
    dpop_required: bool = False
    #: The proxy's address as clients call it (a proof's `htu`), when it differs from the URL
    #: the proxy sees (a reverse proxy or load balancer in front). None: the request's own URL.
    dpop_public_url: str | None = None
    #: How old a DPoP proof's `iat` may be; also how long its `jti` is remembered.
    dpop_max_age_seconds: float = 60.0
    #: Ask clients for the proxy's nonce in their proofs (RFC 9449 §9).
    dpop_nonce: bool = False


def _words(value: str | None) -> frozenset[str]:
    """A set from a comma- or space-separated list."""
    return frozenset(word for word in (value or "").replace(",", " ").split() if word)


def _number(environ: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not value >= minimum or value == float("inf"):
        raise ConfigurationError(f"{name} must be a finite number >= {minimum:g}, got {raw!r}")
    return value


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ConfigurationError(f"{name} must be true or false, got {environ.get(name)!r}")


def is_loopback_host(host: str | None) -> bool:
    """True for `localhost` and loopback addresses (where plain http cannot be intercepted)."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(name: str, url: str) -> str:
    """`url` when it is https (or http to a loopback host); else a ConfigurationError."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return url
    raise ConfigurationError(
        f"{name} must be an https URL (plain http only to a loopback host), got {url!r}"
    )


def settings_from_environment(environ: Mapping[str, str]) -> Settings:
    """
    Reads the settings:

    - `PROXY_AUTH_ISSUER` (required): the `iss` tokens must carry; its discovery document
      (`<issuer>/.well-known/openid-configuration`) names the JWKS.
    - `PROXY_AUTH_AUDIENCE` (required): the accepted `aud` values (comma- or space-separated).
    - `PROXY_AUTH_DISCOVERY_URL`: another discovery document URL; `PROXY_AUTH_JWKS_URL`: the JWKS
      itself, skipping discovery.
    - `PROXY_AUTH_ALGORITHMS` (default `RS256,PS256,ES256`; asymmetric only).
    - `PROXY_AUTH_LEEWAY_SECONDS` (default 0, at most 300): how long past `exp` a token passes.
    - `PROXY_AUTH_CLOCK_SKEW_SECONDS` (default 30, at most 300): how far in the future `nbf` and
      `iat` may be (a provider whose clock runs ahead issues tokens "not yet valid" here).
    - `PROXY_AUTH_REQUIRED_SCOPES`, `PROXY_AUTH_REQUIRED_ROLES`: all must be present.
    - `PROXY_AUTH_USER_ID_CLAIM` (default `sub`), `PROXY_AUTH_TEAM_ID_CLAIM` (default none),
      `PROXY_AUTH_ROLES_CLAIM` (default `roles`; a dotted path such as `realm_access.roles`),
      `PROXY_AUTH_ADMIN_ROLES`: roles that make the caller a LiteLLM `proxy_admin`.
    - `PROXY_AUTH_JWKS_REFRESH_INTERVAL_SECONDS` (default 60): the least time between two JWKS
      fetches caused by unknown `kid`s; `PROXY_AUTH_JWKS_MAX_AGE_SECONDS` (default 3600).
    - `PROXY_AUTH_HTTP_TIMEOUT_SECONDS` (default 5) for each discovery or JWKS fetch.
    - DPoP (RFC 9449): `PROXY_AUTH_DPOP_REQUIRED` (default false: bearer tokens still pass, but
      never a DPoP-bound one), `PROXY_AUTH_DPOP_PUBLIC_URL` (the address clients call, for `htu`),
      `PROXY_AUTH_DPOP_MAX_AGE_SECONDS` (default 60, at most 300), `PROXY_AUTH_DPOP_NONCE`
      (default false).
    """
    issuer = (environ.get("PROXY_AUTH_ISSUER") or "").strip()
    if not issuer:
        raise ConfigurationError(
            "PROXY_AUTH_ISSUER is not set: name the identity provider's issuer (its `iss`)"
        )
    check_url("PROXY_AUTH_ISSUER", issuer)
    audiences = tuple(sorted(_words(environ.get("PROXY_AUTH_AUDIENCE"))))
    if not audiences:
        raise ConfigurationError(
            "PROXY_AUTH_AUDIENCE is not set: name the audience (`aud`) tokens for this proxy carry"
        )
    discovery_url = environ.get("PROXY_AUTH_DISCOVERY_URL") or (
        issuer.rstrip("/") + "/.well-known/openid-configuration"
    )
    check_url("PROXY_AUTH_DISCOVERY_URL", discovery_url)
    jwks_url = environ.get("PROXY_AUTH_JWKS_URL") or None
    if jwks_url is not None:
        check_url("PROXY_AUTH_JWKS_URL", jwks_url)
    algorithms = tuple(sorted(_words(environ.get("PROXY_AUTH_ALGORITHMS")))) or Settings.algorithms
    refused = [name for name in algorithms if name not in ASYMMETRIC_ALGORITHMS]
    if refused:
        raise ConfigurationError(
            f"PROXY_AUTH_ALGORITHMS: {', '.join(refused)} not allowed; "
            f"choose among {', '.join(sorted(ASYMMETRIC_ALGORITHMS))}"
        )
    leeway = _number(environ, "PROXY_AUTH_LEEWAY_SECONDS", 0.0, 0.0)
    skew = _number(environ, "PROXY_AUTH_CLOCK_SKEW_SECONDS", 30.0, 0.0)
    dpop_max_age = _number(environ, "PROXY_AUTH_DPOP_MAX_AGE_SECONDS", 60.0, 1.0)
    dpop_public_url = (environ.get("PROXY_AUTH_DPOP_PUBLIC_URL") or "").strip() or None
    if dpop_public_url is not None:
        check_url("PROXY_AUTH_DPOP_PUBLIC_URL", dpop_public_url)
        parts = urlsplit(dpop_public_url)
        if parts.query or parts.fragment:
            raise ConfigurationError(
                "PROXY_AUTH_DPOP_PUBLIC_URL must have no query or fragment, "
                f"got {dpop_public_url!r}"
            )
    for name, value in (
        ("PROXY_AUTH_LEEWAY_SECONDS", leeway),
        ("PROXY_AUTH_CLOCK_SKEW_SECONDS", skew),
        ("PROXY_AUTH_DPOP_MAX_AGE_SECONDS", dpop_max_age),
    ):
        if value > 300:
            raise ConfigurationError(f"{name} must be at most 300, got {value:g}")
    return Settings(
        issuer=issuer,
        audiences=audiences,
        discovery_url=discovery_url,
        jwks_url=jwks_url,
        algorithms=algorithms,
        leeway_seconds=leeway,
        clock_skew_seconds=skew,
        required_scopes=_words(environ.get("PROXY_AUTH_REQUIRED_SCOPES")),
        required_roles=_words(environ.get("PROXY_AUTH_REQUIRED_ROLES")),
        user_id_claim=environ.get("PROXY_AUTH_USER_ID_CLAIM") or "sub",
        team_id_claim=environ.get("PROXY_AUTH_TEAM_ID_CLAIM") or None,
        roles_claim=environ.get("PROXY_AUTH_ROLES_CLAIM") or "roles",
        admin_roles=_words(environ.get("PROXY_AUTH_ADMIN_ROLES")),
        jwks_refresh_interval_seconds=_number(
            environ, "PROXY_AUTH_JWKS_REFRESH_INTERVAL_SECONDS", 60.0, 1.0
        ),
        jwks_max_age_seconds=_number(environ, "PROXY_AUTH_JWKS_MAX_AGE_SECONDS", 3600.0, 1.0),
        http_timeout_seconds=_number(environ, "PROXY_AUTH_HTTP_TIMEOUT_SECONDS", 5.0, 0.1),
        dpop_required=_flag(environ, "PROXY_AUTH_DPOP_REQUIRED"),
        dpop_public_url=dpop_public_url,
        dpop_max_age_seconds=dpop_max_age,
        dpop_nonce=_flag(environ, "PROXY_AUTH_DPOP_NONCE"),
    )
