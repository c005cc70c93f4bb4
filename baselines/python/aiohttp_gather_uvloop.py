"""python-aiohttp-gather-uvloop: python-aiohttp-gather on uvloop's event loop.

What Python programmers who care about speed do with the aiohttp program:
run it on uvloop (libuv under asyncio's API) instead of asyncio's own event
loop. Nothing else changes — the same `fan_out_async` of aiohttp_gather.py,
started with `uvloop.run` instead of `asyncio.run`.

    python3 aiohttp_gather_uvloop.py --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \\
        --plan '{"requests":100,"delay":100,"bytes":256,"format":"json","concurrency":null,
                 "keep_alive":true,"tls":true,"protocol":"auto","timeout":30000,"heartbeat":10}'

Prints one JSON summary line (see baselines/README.md).
"""

import sys

import uvloop

from aiohttp_gather import fan_out_async
from fanout_common import Outcome, Plan, Target, main


def fan_out(plan: Plan, target: Target) -> Outcome:
    return uvloop.run(fan_out_async(plan, target))


if __name__ == "__main__":
    sys.exit(main("python-aiohttp-gather-uvloop", __doc__.splitlines()[0], "aiohttp", ("auto", "http1"), fan_out))
