"""
Drives LiteLLM's own `litellm.proxy_auth` (ProxyAuthHandler + GenericOAuth2Credential) for the
side-by-side benchmark in bench/src/python-proxy-auth.ts. One scenario per run, given as JSON
in argv[1]; prints JSON lines: {"event": "warm"} once the first token is cached (load scenarios),
then one {"event": "result", ...}.

Scenarios:
  cold      `callers` threads (or asyncio tasks with "mode": "asyncio") call litellm.completion
            at once on a cold handler.
  load      `callers` threads send litellm.completion through the proxy for `seconds`, after a
            warm-up call; each request's auth-header wait and outcome, and each token request's
            outcome, are logged.
  cost      the warm get_auth_headers() per call, in ns (median of batches of 1,000 calls).
"""

import asyncio
import json
import sys
import threading
import time

import litellm

litellm.suppress_debug_info = True
from litellm.proxy_auth import GenericOAuth2Credential, ProxyAuthHandler


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class LoggedCredential(GenericOAuth2Credential):
    """The real GenericOAuth2Credential, with each token request's end time and outcome logged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.log = []
        self.lock = threading.Lock()

    def get_token(self, scope):
        cached = self._cached_token
        try:
            token = super().get_token(scope)
        except Exception as error:  # noqa: BLE001 - logged, then raised on as before
            with self.lock:
                self.log.append({"at": time.time() * 1000, "ok": False, "error": type(error).__name__})
            raise
        if token is not cached:
            with self.lock:
                self.log.append(
                    {"at": time.time() * 1000, "ok": True, "expiresOn": token.expires_on}
                )
        return token


class TimedHandler(ProxyAuthHandler):
    """ProxyAuthHandler with the time each caller spends in get_auth_headers() recorded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.local = threading.local()

    def get_auth_headers(self):
        started = time.perf_counter()
        try:
            return super().get_auth_headers()
        finally:
            self.local.wait_ms = (time.perf_counter() - started) * 1000


def setup(config):
    credential = LoggedCredential(
        client_id=config["clientId"],
        client_secret=config["clientSecret"],
        token_url=config["tokenUrl"],
    )
    handler = TimedHandler(credential=credential, scope=config["scope"])
    litellm.proxy_auth = handler
    warnings = []
    # litellm logs "Failed to get proxy auth headers: …" as a warning: count them.
    import logging

    class Counter(logging.Handler):
        def emit(self, record):
            if "proxy auth" in record.getMessage():
                warnings.append(record.getMessage()[:200])

    logging.getLogger("LiteLLM").addHandler(Counter(level=logging.WARNING))
    return credential, handler, warnings


def completion(config):
    return litellm.completion(
        model=f"litellm_proxy/{config['model']}",
        api_base=config["proxyUrl"],
        # The openai client under litellm_proxy/ refuses to start without a key; proxy_auth's
        # Authorization header replaces this placeholder on the wire.
        api_key="placeholder",
        messages=[{"role": "user", "content": "Hello!"}],
        num_retries=0,
        max_retries=0,
    )


def status_of(error: Exception) -> int:
    return int(getattr(error, "status_code", 0) or 0)


def one_request(config, handler, records):
    started = time.time() * 1000
    status = 200
    try:
        completion(config)
    except Exception as error:  # noqa: BLE001 - the outcome is what is measured
        status = status_of(error) or -1
    records.append(
        {"at": started, "waitMs": getattr(handler.local, "wait_ms", 0.0), "status": status}
    )


def cold(config):
    credential, handler, warnings = setup(config)
    records = []
    if config.get("mode") == "asyncio":

        async def call():
            started = time.time() * 1000
            status = 200
            try:
                await litellm.acompletion(
                    model=f"litellm_proxy/{config['model']}",
                    api_base=config["proxyUrl"],
                    api_key="placeholder",
                    messages=[{"role": "user", "content": "Hello!"}],
                    num_retries=0,
                    max_retries=0,
                )
            except Exception as error:  # noqa: BLE001
                status = status_of(error) or -1
            records.append({"at": started, "waitMs": 0.0, "status": status})

        async def main():
            await asyncio.gather(*(call() for _ in range(config["callers"])))

        asyncio.run(main())
    else:
        barrier = threading.Barrier(config["callers"])

        def caller():
            barrier.wait()
            one_request(config, handler, records)

        threads = [threading.Thread(target=caller) for _ in range(config["callers"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    emit("result", requests=records, tokens=credential.log, warnings=len(warnings))


def load(config):
    credential, handler, warnings = setup(config)
    completion(config)  # warm: the first token
    emit("warm", at=time.time() * 1000)
    records = []
    until = time.time() + config["seconds"]

    def caller():
        while time.time() < until:
            one_request(config, handler, records)

    threads = [threading.Thread(target=caller) for _ in range(config["callers"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    emit("result", requests=records, tokens=credential.log, warnings=len(warnings))


def cost(config):
    _, handler, _ = setup(config)
    ProxyAuthHandler.get_auth_headers(handler)  # warm
    # The median of many short batches, as mitata does on the Node side: a batch the
    # scheduler interrupted (a shared machine) does not decide the figure.
    batch = 1000
    samples = []
    for _ in range(max(1, config["iterations"] // batch)):
        started = time.perf_counter_ns()
        for _ in range(batch):
            ProxyAuthHandler.get_auth_headers(handler)
        samples.append((time.perf_counter_ns() - started) / batch)
    samples.sort()
    emit("result", nsPerCall=samples[len(samples) // 2])


if __name__ == "__main__":
    scenario = json.loads(sys.argv[1])
    {"cold": cold, "load": load, "cost": cost}[scenario["scenario"]](scenario)
