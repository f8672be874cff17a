"""One bounded HTTP GET of a JSON object (the discovery document, the JWKS)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

#: The largest discovery document or key set read (a provider's JWKS is a few kilobytes).
MAX_BYTES = 512 * 1024

#: Gets the JSON object at a URL, with a timeout in seconds.
FetchJson = Callable[[str, float], Awaitable[dict[str, Any]]]


class FetchFailed(Exception):
    """The document could not be read: the message says why, without the response body."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead from https to http or to another host: key material is read only
    # from the URL configured or named by the discovery document.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _get(url: str, timeout: float) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise FetchFailed(f"{url} is not an http(s) URL")
    # The scheme is http(s), checked just above (and by Settings): never file: or custom ones.
    request = urllib.request.Request(url, headers={"accept": "application/json"})  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise FetchFailed(f"{url} answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FetchFailed(f"{url} could not be reached ({reason})") from None
    if len(body) > MAX_BYTES:
        raise FetchFailed(f"{url} answered more than {MAX_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise FetchFailed(f"{url} did not answer JSON") from None
    if not isinstance(document, dict):
        raise FetchFailed(f"{url} did not answer a JSON object")
    return document


async def fetch_json(url: str, timeout: float) -> dict[str, Any]:
    """GETs `url` in a worker thread (the proxy's event loop keeps serving meanwhile)."""
    return await asyncio.wait_for(asyncio.to_thread(_get, url, timeout), timeout + 1)
