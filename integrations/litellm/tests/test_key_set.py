"""KeySet: cached keys, refetch on rotation (bounded), cached keys while the provider is down."""

from __future__ import annotations

import asyncio

import pytest
from conftest import DISCOVERY, JWKS, Clock, Provider, make_settings

from proxy_auth_litellm import KeySet, TokenRejected, verify_token


def test_fetches_the_keys_once_through_discovery(provider: Provider) -> None:
    settings = make_settings()
    keys = KeySet(settings, fetch=provider.fetch, clock=Clock())

    async def scenario() -> None:
        for _ in range(5):
            await verify_token(provider.sign(), settings, keys)

    asyncio.run(scenario())
    assert provider.fetched == [DISCOVERY, JWKS]


def test_a_rotated_key_is_fetched_when_its_first_token_arrives(provider: Provider) -> None:
    settings = make_settings()
    clock = Clock()
    keys = KeySet(settings, fetch=provider.fetch, clock=clock)

    async def scenario() -> None:
        await verify_token(provider.sign(), settings, keys)
        clock.now += 61  # the rotation happens a while after the last fetch
        provider.rotate()
        claims = await verify_token(provider.sign({"sub": "after-rotation"}), settings, keys)
        assert claims["sub"] == "after-rotation"

    asyncio.run(scenario())
    assert provider.jwks_fetches == 2


def test_a_flood_of_made_up_kids_fetches_at_most_once_per_interval(provider: Provider) -> None:
    settings = make_settings()
    clock = Clock()
    keys = KeySet(settings, fetch=provider.fetch, clock=clock)

    async def flood() -> int:
        refused = 0
        for number in range(1000):
            token = provider.sign(headers={"kid": f"made-up-{number}"}, kid="key-1")
            try:
                await verify_token(token, settings, keys)
            except TokenRejected as rejected:
                assert rejected.reason == "Invalid token (unknown signing key)"
                refused += 1
            clock.now += 0.05  # 1,000 tokens over 50 s
        return refused

    assert asyncio.run(flood()) == 1000
    assert provider.jwks_fetches == 1
    clock.now += 60
    assert asyncio.run(flood()) == 1000
    assert provider.jwks_fetches == 2


def test_concurrent_unknown_kids_share_one_fetch(provider: Provider) -> None:
    settings = make_settings()
    clock = Clock()
    keys = KeySet(settings, fetch=provider.fetch, clock=clock)

    async def scenario() -> None:
        await verify_token(provider.sign(), settings, keys)
        clock.now += 61
        provider.rotate()
        token = provider.sign()
        await asyncio.gather(*(verify_token(token, settings, keys) for _ in range(20)))

    asyncio.run(scenario())
    assert provider.jwks_fetches == 2


def test_a_key_rotated_just_after_a_fetch_waits_for_the_interval(provider: Provider) -> None:
    # The price of the bound: for up to jwks_refresh_interval_seconds after a fetch, a new kid
    # is refused ("unknown signing key"); the SDK's next token request then succeeds.
    settings = make_settings(jwks_refresh_interval_seconds=10)
    clock = Clock()
    keys = KeySet(settings, fetch=provider.fetch, clock=clock)
    asyncio.run(verify_token(provider.sign(), settings, keys))
    provider.rotate()
    with pytest.raises(TokenRejected):
        asyncio.run(verify_token(provider.sign(), settings, keys))
    clock.now += 10
    assert asyncio.run(verify_token(provider.sign(), settings, keys))["sub"] == "svc-reports"
    assert provider.jwks_fetches == 2


def test_keeps_serving_cached_keys_while_the_provider_is_down(provider: Provider) -> None:
    settings = make_settings()
    clock = Clock()
    keys = KeySet(settings, fetch=provider.fetch, clock=clock)

    async def scenario() -> None:
        await verify_token(provider.sign(), settings, keys)
        provider.down = True
        clock.now += 3600  # the set is stale: a refetch is tried, fails, and the keys stay
        claims = await verify_token(provider.sign({"sub": "still-works"}), settings, keys)
        assert claims["sub"] == "still-works"

    asyncio.run(scenario())
    assert provider.jwks_fetches == 2  # the first fetch, and the one tried while down


def test_says_so_when_no_key_was_ever_fetched(provider: Provider) -> None:
    settings = make_settings()
    provider.down = True
    keys = KeySet(settings, fetch=provider.fetch, clock=Clock())
    with pytest.raises(TokenRejected) as caught:
        asyncio.run(verify_token(provider.sign(), settings, keys))
    assert caught.value.reason == "Identity provider keys unavailable"


def test_refuses_a_discovery_document_of_another_issuer(provider: Provider) -> None:
    provider.issuer = "https://evil.example.test"
    settings = make_settings()
    keys = KeySet(settings, fetch=provider.fetch, clock=Clock())
    with pytest.raises(TokenRejected):
        asyncio.run(verify_token(provider.sign(), settings, keys))
    assert JWKS not in provider.fetched


def test_never_uses_a_symmetric_key_from_the_set(provider: Provider) -> None:
    settings = make_settings(jwks_url=JWKS)

    async def with_oct(url: str, timeout: float) -> dict[str, object]:
        document = await provider.fetch(url, timeout)
        return {"keys": [{"kty": "oct", "kid": "key-1", "k": "c2VjcmV0"}, *document["keys"][1:]]}

    keys = KeySet(settings, fetch=with_oct, clock=Clock())
    with pytest.raises(TokenRejected) as caught:
        asyncio.run(verify_token(provider.sign(), settings, keys))
    assert caught.value.reason == "Invalid token (unknown signing key)"
