"""python-threads-requests: blocking requests on a ThreadPoolExecutor.

The usual pre-asyncio answer to "many HTTP calls at once": keep the blocking
`requests` calls and run them on a `concurrent.futures.ThreadPoolExecutor`,
`pool.map(fetch, urls)`. Each worker thread has its own `requests.Session`
(requests does not document Session as thread-safe, so one per thread via
`threading.local`), and the heartbeat ticks on a thread of its own.

The pool has min(plan bound or N, 128) workers: the plan's bound when it
has one, and never more than 128 threads — the size of the Rust
`threadpool-ureq` row's pool — so an unbounded plan of 10 000 requests runs
128 at a time, as a ThreadPoolExecutor in practice would.

    python3 threads_requests.py --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \\
        --plan '{"requests":100,"delay":100,"bytes":256,"format":"json","concurrency":null,
                 "keep_alive":true,"tls":true,"protocol":"auto","timeout":30000,"heartbeat":10}'

Prints one JSON summary line (see baselines/README.md).
"""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from fanout_common import Expect, Heartbeat, Outcome, Plan, Target, main, requests_sample, requests_session

MAX_WORKERS = 128  # like the Rust threadpool-ureq row (rt-threads POOL_SIZE)


def fan_out(plan: Plan, target: Target) -> Outcome:
    urls = plan.urls(target)
    expect = Expect(plan, target)
    workers = min(plan.concurrency or plan.requests, MAX_WORKERS)
    local = threading.local()
    sessions = []  # every thread's session, closed at the end

    def session() -> requests.Session:
        """This thread's Session, made on its first request: one request at
        a time per thread, so a pool of one connection."""
        if not hasattr(local, "session"):
            local.session = requests_session(plan, pool_maxsize=1)
            sessions.append(local.session)
        return local.session

    def fetch(i: int, url: str):
        return requests_sample(session(), plan, target, expect, i, url)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        heartbeat = Heartbeat(plan.heartbeat)
        ticker = threading.Thread(target=heartbeat.run_thread, name="heartbeat", daemon=True)
        ticker.start()
        t0 = time.perf_counter()
        samples = list(pool.map(fetch, range(plan.requests), urls))
        wall = time.perf_counter() - t0
        heartbeat.stop()
    ticker.join()
    for s in sessions:
        s.close()
    return Outcome(samples, wall, heartbeat)


if __name__ == "__main__":
    sys.exit(main("python-threads-requests", __doc__.splitlines()[0], "requests", ("auto", "http1"), fan_out))
