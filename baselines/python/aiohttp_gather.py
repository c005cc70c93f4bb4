"""python-aiohttp-gather: many GETs at once with asyncio.gather and aiohttp.

The classic asyncio demo, measured. One `aiohttp.ClientSession` makes every
request; `asyncio.gather` runs one `fetch()` coroutine per URL, so while one
request waits on the server the event loop serves the others. Next to them
runs the tutorial's `count()` coroutine, which wakes once per heartbeat
period: under asyncio it keeps ticking while a slow `/delay/...` call
waits, and here it records how late each tick was.

    python3 aiohttp_gather.py --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \\
        --plan '{"requests":100,"delay":100,"bytes":256,"format":"json","concurrency":null,
                 "keep_alive":true,"tls":true,"protocol":"auto","timeout":30000,"heartbeat":10}'

Prints one JSON summary line (see baselines/README.md).
"""

import asyncio
import contextlib
import sys
import time

import aiohttp

from fanout_common import (
    Expect,
    Heartbeat,
    Outcome,
    Plan,
    Sample,
    Target,
    aiohttp_error_kind,
    error_sample,
    in_body,
    in_head,
    main,
    tls_context,
)


async def count(heartbeat: Heartbeat) -> None:
    """The tutorial's count(): sleep until the next tick is due, tick, repeat.

    It can only tick when the event loop gets back to it, so its lateness is
    how responsive the loop stays while the requests are in flight."""
    while (due := heartbeat.next_due()) is not None:
        wait = (due - time.perf_counter_ns()) / 1e9
        if wait > 0:
            await asyncio.sleep(min(wait, 0.25))
        else:
            heartbeat.tick()


async def fetch(session: aiohttp.ClientSession, bound, expect: Expect, i: int, url: str) -> Sample:
    """GET request i and read the whole body, or decode it with aiohttp's
    own `resp.json()` for a JSON plan; a failure is a sample too."""
    async with bound:  # at most plan.concurrency requests in flight
        started = time.perf_counter()
        reading_body = False
        try:
            async with session.get(url) as resp:
                reading_body = True
                if expect.decodes(resp.status):
                    value = await resp.json()
                    return expect.decoded(i, time.perf_counter() - started, value)
                body = await resp.read()
            return expect.response(i, time.perf_counter() - started, resp.status, body)
        except Exception as e:  # noqa: BLE001 — every failure is classified and counted
            kind = aiohttp_error_kind(e)
            kind = in_body(kind) if reading_body else in_head(kind)
            return error_sample(time.perf_counter() - started, kind, e)


async def fan_out_async(plan: Plan, target: Target) -> Outcome:
    urls = plan.urls(target)
    expect = Expect(plan, target)
    # Unbounded plans: no semaphore and no connector limit (aiohttp's default
    # is 100 connections; 0 = unlimited). keep_alive off: force_close makes
    # aiohttp send `Connection: close` and open a fresh connection each time.
    # HTTPS: the target's CA is the only root (ssl.create_default_context);
    # a foreign server given without one: aiohttp's default (ssl=True).
    connector = aiohttp.TCPConnector(
        limit=plan.concurrency or 0,
        force_close=not plan.keep_alive,
        ssl=tls_context(target) if plan.tls and target.ca else True,
    )
    # `total` covers the whole request: connect, send, and reading the body.
    timeout = aiohttp.ClientTimeout(total=plan.timeout / 1000)
    bound = asyncio.Semaphore(plan.concurrency) if plan.concurrency else contextlib.nullcontext()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # aiohttp resends an idempotent request once when its connection
        # breaks before the response (ServerDisconnectedError, ClientOSError),
        # and has no public switch to turn that off (aio-libs/aiohttp#10790,
        # closed without one). The contract allows no retries — a retried
        # `reset` would be injected twice — so this turns it off the one way
        # aiohttp has, the attribute its own test client sets (test_utils.py).
        session._retry_connection = False
        heartbeat = Heartbeat(plan.heartbeat)
        ticker = asyncio.create_task(count(heartbeat))
        t0 = time.perf_counter()
        samples = await asyncio.gather(*(fetch(session, bound, expect, i, url) for i, url in enumerate(urls)))
        wall = time.perf_counter() - t0
        heartbeat.stop()
        ticker.cancel()
    return Outcome(list(samples), wall, heartbeat)


def fan_out(plan: Plan, target: Target) -> Outcome:
    return asyncio.run(fan_out_async(plan, target))


if __name__ == "__main__":
    sys.exit(main("python-aiohttp-gather", __doc__.splitlines()[0], "aiohttp", ("auto", "http1"), fan_out))
