"""python-httpx-gather: many GETs at once with asyncio.gather and httpx.

The same asyncio program as aiohttp_gather.py with the other async client
Python programmers reach for, and the one that speaks HTTP/2: one
`httpx.AsyncClient` makes every request (`http2=True` on HTTP/2 plans, with
the `h2` package), `asyncio.gather` runs one `fetch()` coroutine per URL,
`response.json()` decodes a JSON plan's document, and the tutorial's
`count()` coroutine ticks beside them.

    python3 httpx_gather.py --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \\
        --plan '{"requests":100,"delay":100,"bytes":256,"format":"json","concurrency":null,
                 "keep_alive":true,"tls":true,"protocol":"http2","timeout":30000,"heartbeat":10}'

Prints one JSON summary line (see baselines/README.md).
"""

import asyncio
import contextlib
import sys
import time

import httpx

from fanout_common import (
    Expect,
    Heartbeat,
    Outcome,
    Plan,
    Sample,
    Target,
    error_sample,
    httpx_error_kind,
    main,
    mark_head,
    tls_context,
)


async def count(heartbeat: Heartbeat) -> None:
    """The tutorial's count() (as in aiohttp_gather.py): sleep until the next
    tick is due, tick, repeat; its lateness is how responsive the loop stays."""
    while (due := heartbeat.next_due()) is not None:
        wait = (due - time.perf_counter_ns()) / 1e9
        if wait > 0:
            await asyncio.sleep(min(wait, 0.25))
        else:
            heartbeat.tick()


async def fetch(client: httpx.AsyncClient, bound, expect: Expect, i: int, url: str) -> Sample:
    """GET request i (httpx reads the whole body before `get` returns), then
    decode it with httpx's own `response.json()` for a JSON plan."""
    async with bound:  # at most plan.concurrency requests in flight
        started = time.perf_counter()
        try:
            resp = await client.get(url)
            if expect.decodes(resp.status_code):
                return expect.decoded(i, time.perf_counter() - started, resp.json())
            return expect.response(i, time.perf_counter() - started, resp.status_code, resp.content)
        except Exception as e:  # noqa: BLE001 — every failure is classified and counted
            return error_sample(time.perf_counter() - started, httpx_error_kind(e), e)


async def fan_out_async(plan: Plan, target: Target) -> Outcome:
    urls = plan.urls(target)
    expect = Expect(plan, target)
    h2 = plan.protocol == "http2"
    client = httpx.AsyncClient(
        # HTTP/2 plans: h2 only (ALPN offers h2 alone over TLS, prior
        # knowledge in cleartext); otherwise httpx's default, HTTP/1.1.
        http1=not h2,
        http2=h2,
        # HTTPS: the target's CA is the only root; a foreign server given
        # without one: httpx's default (True: certifi's bundle).
        verify=tls_context(target) if plan.tls and target.ca else True,
        # httpx's timeout: connect, each read, each write and the wait for a
        # pooled connection, each up to the plan's timeout.
        timeout=plan.timeout / 1000,
        # As many connections (and idle ones kept) as the plan lets be in
        # flight; None = no limit (httpx's defaults are 100 and 20).
        limits=httpx.Limits(max_connections=plan.concurrency, max_keepalive_connections=plan.concurrency),
        headers=None if plan.keep_alive else {"Connection": "close"},
        trust_env=False,  # no proxy or CA bundle from the environment
        # Tells a connection broken before the response head (reset) from a
        # body cut short (truncated): httpx reads both inside get().
        event_hooks={"response": [mark_head]},
    )
    bound = asyncio.Semaphore(plan.concurrency) if plan.concurrency else contextlib.nullcontext()
    async with client:
        heartbeat = Heartbeat(plan.heartbeat)
        ticker = asyncio.create_task(count(heartbeat))
        t0 = time.perf_counter()
        samples = await asyncio.gather(*(fetch(client, bound, expect, i, url) for i, url in enumerate(urls)))
        wall = time.perf_counter() - t0
        heartbeat.stop()
        ticker.cancel()
    return Outcome(list(samples), wall, heartbeat)


def fan_out(plan: Plan, target: Target) -> Outcome:
    return asyncio.run(fan_out_async(plan, target))


if __name__ == "__main__":
    sys.exit(main("python-httpx-gather", __doc__.splitlines()[0], "httpx", ("auto", "http1", "http2"), fan_out))
