"""python-requests-sequential: a plain loop of blocking requests.get calls.

The "before" of the classic asyncio demo: one `requests.Session`, one GET
after another, each waiting for the server's whole answer before the next
starts — so N requests of /delay/D take about N x D. The `count()`-style
heartbeat can only run between two requests (that is the point): while a
request blocks, its ticks are late or missed.

    python3 requests_sequential.py --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \\
        --plan '{"requests":10,"delay":100,"bytes":256,"format":"json","concurrency":null,
                 "keep_alive":true,"tls":true,"protocol":"auto","timeout":30000,"heartbeat":10}'

Prints one JSON summary line (see baselines/README.md).
"""

import sys
import time

from fanout_common import Expect, Heartbeat, Outcome, Plan, Target, main, requests_sample, requests_session


def fan_out(plan: Plan, target: Target) -> Outcome:
    urls = plan.urls(target)
    expect = Expect(plan, target)
    with requests_session(plan, pool_maxsize=1) as session:
        heartbeat = Heartbeat(plan.heartbeat)
        t0 = time.perf_counter()
        samples = []
        for i, url in enumerate(urls):
            samples.append(requests_sample(session, plan, target, expect, i, url))
            heartbeat.tick()  # the only moment the ticker gets to run
        wall = time.perf_counter() - t0
        heartbeat.stop()
    return Outcome(samples, wall, heartbeat)


if __name__ == "__main__":
    sys.exit(main("python-requests-sequential", __doc__.splitlines()[0], "requests", ("auto", "http1"), fan_out))
