"""Shared mechanics of the Python reference rows of `fanout`.

Each program in this folder (aiohttp_gather.py, requests_sequential.py,
threads_requests.py) only says *how it fetches N URLs*; everything that
decides fairness is here, ported from the Rust crate `fanout-core` so the
Python rows are measured exactly like the Rust ones:

- the plan (`--plan JSON`, the same object `fanout run --plan` takes) and
  the URL of request i;
- the deterministic body rule and its verification (core's body.rs);
- classification of failures into core's error kinds (sample.rs);
- the heartbeat ticker's record (core's heartbeat.rs);
- the thread-count sampler and the JSON summary that `fanout run --json`
  prints (crates/fanout/src/summary.rs).

Exit codes: 0 when every request succeeded, 1 when any failed, 2 on bad
arguments (one `error: ...` line on stderr).
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import sys
import threading
import time
from dataclasses import dataclass, field as dataclass_field
from typing import Callable, NamedTuple

# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------

# Bounds of core's plan.rs (the server enforces the same ones).
MAX_DELAY_MS = 60_000
MAX_BYTES = 64 * 1024 * 1024
MAX_REQUESTS = 1_000_000
U64_MAX = 2**64 - 1


class PlanError(ValueError):
    """A plan that cannot run; the message is one line."""


# The fault kinds in core's query order (`Fault::ALL`).
FAULT_KINDS = ("error", "reset", "stall", "truncate", "slow")


def faults_field(value) -> dict:
    """The plan's `faults` object (core's `Faults`), checked: {} when absent."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PlanError("--plan field `faults` must be an object")
    for key in ("seed", *FAULT_KINDS):
        v = value.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= (U64_MAX if key == "seed" else 1000):
            raise PlanError(f"--plan field `faults.{key}` must be a whole number in range, got {v!r}")
    if sum(value.get(k, 0) for k in FAULT_KINDS) > 1000:
        raise PlanError("fault rates add up to more than 1000 per mille")
    return {"seed": value.get("seed", 0), **{k: value.get(k, 0) for k in FAULT_KINDS}}


@dataclass(frozen=True)
class Plan:
    """One fan-out, field for field core's `Plan` (durations in whole ms)."""

    target: str
    requests: int
    delay: int
    bytes: int
    concurrency: int | None  # None = unbounded, like asyncio.gather
    keep_alive: bool
    timeout: int
    heartbeat: int
    # Injected faults, core's `Faults`: seed and per-mille rates; {} = none.
    faults: dict = dataclass_field(default_factory=dict)

    def url(self, i: int) -> str:
        """The URL of request i, built exactly as core's `Plan::url`."""
        url = f"{self.target.rstrip('/')}/delay/{self.delay}?id={i}&bytes={self.bytes}"
        return url + self.fault_query()

    def fault_query(self) -> str:
        """Core's `Faults::query` plus `stall_ms`: "" without faults."""
        if not any(self.faults.get(k, 0) for k in FAULT_KINDS):
            return ""
        query = f"&seed={self.faults.get('seed', 0)}"
        for kind in FAULT_KINDS:
            if self.faults.get(kind, 0):
                query += f"&{kind}={self.faults[kind]}"
        if self.faults.get("stall", 0):
            query += f"&stall_ms={min(self.timeout + 1000, MAX_DELAY_MS)}"
        return query

    def urls(self) -> list[str]:
        """All N URLs, built before the clock starts."""
        return [self.url(i) for i in range(self.requests)]

    def max_in_flight(self) -> int:
        """The most requests this plan lets be in flight at once."""
        return min(self.concurrency or self.requests, self.requests)

    def to_json(self) -> dict:
        """The plan as core serialises it (same keys, same order)."""
        return {
            "target": self.target,
            "requests": self.requests,
            "delay": self.delay,
            "bytes": self.bytes,
            "concurrency": self.concurrency,
            "keep_alive": self.keep_alive,
            "timeout": self.timeout,
            "heartbeat": self.heartbeat,
            **({"faults": self.faults} if self.fault_query() else {}),
        }

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Parses and validates a plan, like serde + `Plan::validate`."""
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise PlanError(f"--plan is not JSON: {e}") from None
        if not isinstance(obj, dict):
            raise PlanError("--plan must be a JSON object")

        def field(name: str, kind: type, optional: bool = False):
            if name not in obj or (optional and obj[name] is None):
                if optional:
                    return None
                raise PlanError(f"--plan is missing field `{name}`")
            value = obj[name]
            # bool is an int in Python; serde would refuse it for a u64.
            ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
            if kind is int:
                ok = ok and 0 <= value <= U64_MAX
            if not ok:
                want = {int: "a whole number >= 0", bool: "true or false", str: "a string"}
                raise PlanError(f"--plan field `{name}` must be {want[kind]}, got {value!r}")
            return value

        plan = cls(
            target=field("target", str),
            requests=field("requests", int),
            delay=field("delay", int),
            bytes=field("bytes", int),
            concurrency=field("concurrency", int, optional=True),
            keep_alive=field("keep_alive", bool),
            timeout=field("timeout", int),
            heartbeat=field("heartbeat", int),
            faults=faults_field(obj.get("faults")),
        )
        try:
            plan.validate()
        except PlanError as e:
            raise PlanError(f"invalid plan: {e}") from None
        return plan

    def validate(self) -> None:
        """Checks every field is in bounds (core's `Plan::validate`)."""
        rest = self.target.rstrip("/")
        if not rest.startswith("http://"):
            raise PlanError(f"target must look like http://HOST:PORT, got {self.target!r}")
        rest = rest[len("http://"):]
        if not rest or "/" in rest or "?" in rest:
            raise PlanError(f"target must look like http://HOST:PORT, got {self.target!r}")
        if not 1 <= self.requests <= MAX_REQUESTS:
            raise PlanError(f"requests must be 1..={MAX_REQUESTS}, got {self.requests}")
        if self.delay > MAX_DELAY_MS:
            raise PlanError(f"delay must be at most {MAX_DELAY_MS} ms, got {self.delay} ms")
        if self.bytes > MAX_BYTES:
            raise PlanError(f"bytes must be at most {MAX_BYTES}, got {self.bytes}")
        if self.concurrency == 0:
            raise PlanError("concurrency must be at least 1 (null for unbounded)")
        if self.timeout == 0:
            raise PlanError("timeout must be greater than zero")
        if self.heartbeat < 1:
            raise PlanError("heartbeat period must be at least 1 ms")


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one `error: ...` line and exit 2."""

    def error(self, message: str):
        bad_arguments(message)


def bad_arguments(message: str):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args(description: str, argv: list[str] | None = None) -> Plan:
    """`--plan JSON` (required): the plan to run, as the sweep passes it."""
    parser = _ArgumentParser(description=description)
    parser.add_argument(
        "--plan",
        required=True,
        metavar="JSON",
        help="the whole plan as JSON, e.g. "
        '\'{"target":"http://127.0.0.1:PORT","requests":100,"delay":100,"bytes":256,'
        '"concurrency":null,"keep_alive":true,"timeout":30000,"heartbeat":10}\'',
    )
    args = parser.parse_args(argv)
    try:
        return Plan.from_json(args.plan)
    except PlanError as e:
        bad_arguments(str(e))


# ---------------------------------------------------------------------------
# The body rule (core's body.rs, ported exactly)
# ---------------------------------------------------------------------------

# prefix  = the ASCII digits of id, then ':'      e.g. b"42:"
# body[k] = prefix[k]                 for k < len(prefix)
# body[k] = FILL[(id + k) mod 64]     otherwise
# and the body is exactly n bytes (shorter than the prefix: the prefix cut short).
FILL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def expected(id: int, n: int) -> bytes:
    """The whole body of request `id`, `n` bytes long.

    >>> expected(42, 10), expected(0, 4), expected(12345, 3), expected(7, 0)
    (b'42:tuvwxyz', b'0:CD', b'123', b'')
    """
    prefix = b"%d:" % id
    return bytes(prefix[k] if k < len(prefix) else FILL[(id + k) % 64] for k in range(n))


# FILL repeated: any window of the infinite fill starts in its first 64 bytes.
# Grown (never shrunk) to the largest body seen; verify() compares against
# zero-copy slices of it, so checking a body is one memcmp.
_fill = memoryview(FILL)


def _fill_window(start: int, length: int) -> memoryview:
    global _fill
    if len(_fill) < start + length:
        _fill = memoryview(FILL * (length // 64 + 2))
    return _fill[start:start + length]


def verify(id: int, n: int, body: bytes) -> bool:
    """Whether `body` is exactly the server's body for request `id`, `n` long.

    >>> all(verify(i, n, expected(i, n)) for i in (0, 1, 63, 64, 99_999) for n in (0, 1, 2, 5, 64, 1000))
    True
    >>> verify(5, 2001, expected(5, 2000)), verify(6, 2000, expected(5, 2000)), verify(69, 2000, expected(5, 2000))
    (False, False, False)
    """
    if len(body) != n:
        return False
    prefix = (b"%d:" % id)[:n]
    plen = len(prefix)
    return body.startswith(prefix) and body.startswith(_fill_window((id + plen) % 64, n - plen), plen)


# ---------------------------------------------------------------------------
# Samples and error kinds (core's sample.rs and drive.rs)
# ---------------------------------------------------------------------------

# Core's error kinds, in report order.
ERROR_KINDS = ("connect", "timeout", "reset", "status", "truncated", "protocol", "body-mismatch", "other")


class Sample(NamedTuple):
    """One request's record; a failed request is a sample, never dropped."""

    latency: float  # seconds, from the request's start to its last body byte (or failure)
    error: str | None  # one of ERROR_KINDS; None = 200 and a verified body
    bytes: int  # body bytes read
    verified: bool


def response_sample(plan: Plan, id: int, latency: float, status: int, body: bytes) -> Sample:
    """A response turned into a sample, as core's `to_sample`: non-200 is
    `status`; a 200 whose body is too short is `truncated`; any other
    mismatch is `body-mismatch`."""
    if status != 200:
        return Sample(latency, "status", len(body), False)
    if verify(id, plan.bytes, body):
        return Sample(latency, None, len(body), True)
    return Sample(latency, "truncated" if len(body) < plan.bytes else "body-mismatch", len(body), False)


_warned_other = False


def error_sample(latency: float, kind: str, exc: BaseException) -> Sample:
    """A failed request; an unclassified error's message goes to stderr once."""
    global _warned_other
    if kind == "other" and not _warned_other:
        _warned_other = True
        print(f"warning: unclassified error (counted as other): {exc!r}", file=sys.stderr)
    return Sample(latency, kind, 0, False)


def _chain(exc: BaseException):
    """The exception and what it wraps: __cause__/__context__, urllib3's
    `.reason`, and exceptions passed as arguments (requests wraps urllib3's
    errors that way)."""
    seen, todo = set(), [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [x for x in (e.__cause__, e.__context__, getattr(e, "reason", None)) if isinstance(x, BaseException)]
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]


def os_error_kind(e: OSError) -> str | None:
    """An OSError's kind, like core's `ErrorKind::from_io`; None if unknown."""
    if isinstance(e, TimeoutError):  # also socket.timeout
        return "timeout"
    if isinstance(e, ConnectionRefusedError) or e.errno in (
        errno.ECONNREFUSED, errno.EADDRNOTAVAIL, errno.EHOSTUNREACH, errno.ENETUNREACH
    ):
        return "connect"
    if isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) or e.errno == errno.ENOTCONN:
        return "reset"  # http.client.RemoteDisconnected is a ConnectionResetError
    if e.errno in (errno.ETIMEDOUT, errno.EAGAIN):
        return "timeout"
    return None


def aiohttp_error_kind(exc: BaseException) -> str:
    """Classifies an exception raised by an aiohttp request."""
    import aiohttp

    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError, ServerTimeoutError, ...
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "timeout" if isinstance(exc.os_error, TimeoutError) else "connect"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "reset"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "truncated"
    if isinstance(exc, aiohttp.ClientResponseError):  # the response head did not parse
        return "protocol"
    for e in _chain(exc):
        if isinstance(e, OSError) and (kind := os_error_kind(e)):
            return kind
    return "other"


def requests_error_kind(exc: BaseException) -> str:
    """Classifies an exception raised by a requests call."""
    import http.client

    import requests
    import urllib3.exceptions as u3

    if isinstance(exc, requests.Timeout):  # ConnectTimeout, ReadTimeout
        return "timeout"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):  # the body ended early
        return "truncated"
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return "protocol"
    for e in _chain(exc):  # a ConnectionError: what does it wrap?
        if isinstance(e, u3.NewConnectionError):  # before its base class ConnectTimeoutError
            return "connect"
        if isinstance(e, (u3.TimeoutError, TimeoutError)):
            return "timeout"
        if isinstance(e, http.client.IncompleteRead):  # urllib3's IncompleteRead too
            return "truncated"
        if isinstance(e, OSError) and (kind := os_error_kind(e)):
            return kind
        if isinstance(e, http.client.HTTPException):  # BadStatusLine, LineTooLong, ...
            return "protocol"
    return "other"


def requests_sample(session, plan: Plan, i: int, url: str) -> Sample:
    """GET request i with a `requests.Session` (the two requests rows).

    requests reads the whole body before get() returns (stream=False). Its
    timeout is per socket operation — the connect, and each read — not a
    deadline for the whole request as in the Rust and aiohttp rows; that is
    the timeout requests offers."""
    started = time.perf_counter()
    try:
        resp = session.get(url, timeout=plan.timeout / 1000)
        return response_sample(plan, i, time.perf_counter() - started, resp.status_code, resp.content)
    except Exception as e:  # noqa: BLE001 — every failure is classified and counted
        return error_sample(time.perf_counter() - started, requests_error_kind(e), e)


# ---------------------------------------------------------------------------
# The heartbeat (core's heartbeat.rs): the tutorial's count(), measured
# ---------------------------------------------------------------------------


class Heartbeat:
    """The record of a ticker with a fixed period.

    Ticks are due at start + k*period (k = 1, 2, ...). When the ticker runs
    at time t, tick() records ONE tick, for the earliest due time not yet
    recorded, with lateness t - due, and counts the other due times <= t as
    missed; the next due time is the first k*period after t. So a ticker
    blocked for a whole request shows up as one very late tick plus missed
    ones. Integer nanoseconds, like core's Durations.
    """

    def __init__(self, period_ms: int):
        self.period = max(period_ms, 1) * 1_000_000  # ns
        self.start = time.perf_counter_ns()
        self.next = 1  # index of the next due time not yet recorded or missed
        self.lateness: list[int] = []  # ns, in order
        self.missed = 0
        self.stopped = False
        self._lock = threading.Lock()  # the thread row ticks from another thread

    def next_due(self) -> int | None:
        """The next due time (perf_counter_ns), or None once stopped."""
        with self._lock:
            return None if self.stopped else self.start + self.period * self.next

    def tick(self) -> None:
        """The ticker ran now: record the earliest due tick, skip the rest."""
        elapsed = time.perf_counter_ns() - self.start
        with self._lock:
            due = self.period * self.next
            if self.stopped or elapsed < due:
                return
            self.lateness.append(elapsed - due)
            reached = elapsed // self.period
            self.missed += reached - self.next
            self.next = reached + 1

    def stop(self) -> None:
        with self._lock:
            self.stopped = True

    def run_thread(self) -> None:
        """Drives the ticker on a thread of its own until stop() (the thread
        row's model), sleeping in slices of at most 50 ms like core."""
        while (due := self.next_due()) is not None:
            wait = (due - time.perf_counter_ns()) / 1e9
            if wait > 0:
                time.sleep(min(wait, 0.05))
            else:
                self.tick()

    def summary(self) -> dict:
        """`heartbeat` of the JSON summary, in ms."""
        late = sorted(self.lateness)
        p99 = late[min(max(math.ceil(0.99 * len(late)), 1), len(late)) - 1] if late else 0
        return {
            "period_ms": self.period / 1e6,
            "ticks": len(late),
            "missed": self.missed,
            "max_lateness_ms": (late[-1] if late else 0) / 1e6,
            "p99_lateness_ms": p99 / 1e6,
        }


# ---------------------------------------------------------------------------
# Threads, the summary, and main()
# ---------------------------------------------------------------------------


def _thread_count() -> int:
    """The process's OS threads (Linux); Python's own threads elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return threading.active_count()


class ThreadSampler:
    """Samples the thread count every 5 ms while a fan-out runs, like the
    `fanout` CLI's sampler; finish() returns the peak minus the sampler."""

    def __init__(self):
        self._done = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, name="fanout-thread-sampler", daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            self.peak = max(self.peak, _thread_count())
            if self._done.wait(0.005):
                return

    def finish(self) -> int:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _thread_count())
        return max(self.peak - 1, 0)


def _quantile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank quantile of a sorted list; 0 when empty."""
    if not sorted_values:
        return 0.0
    rank = min(max(math.ceil(q * len(sorted_values)), 1), len(sorted_values))
    return sorted_values[rank - 1]


def summarize(runtime: str, plan: Plan, samples: list[Sample], wall: float, heartbeat: Heartbeat, threads_peak: int) -> dict:
    """The object `fanout run --json` prints, key for key."""
    latencies = sorted(s.latency * 1e3 for s in samples if s.error is None)
    counts = {k: sum(1 for s in samples if s.error == k) for k in ERROR_KINDS}
    wall_ms = wall * 1e3
    return {
        "runtime": runtime,
        "workload": None,
        "plan": plan.to_json(),
        "requests": len(samples),
        "ok": len(latencies),
        "errors": {k: counts[k] for k in sorted(counts) if counts[k]},  # a BTreeMap in Rust
        "verified": sum(1 for s in samples if s.verified),
        "bytes": sum(s.bytes for s in samples),
        "wall_ms": wall_ms,
        "req_per_s": len(samples) / (wall_ms / 1e3) if wall_ms > 0 else 0.0,
        "latency_ms": {
            "p50": _quantile(latencies, 0.5),
            "p90": _quantile(latencies, 0.9),
            "p99": _quantile(latencies, 0.99),
            "max": latencies[-1] if latencies else 0.0,
            "mean": sum(latencies) / len(latencies) if latencies else 0.0,
        },
        "heartbeat": heartbeat.summary(),
        "threads_peak": threads_peak,
    }


class Outcome(NamedTuple):
    """One fan-out: samples in plan order, wall seconds, the ticker's record."""

    samples: list[Sample]
    wall: float
    heartbeat: Heartbeat


def main(runtime: str, description: str, fan_out: Callable[[Plan], Outcome]) -> int:
    """Parses --plan, runs one fan-out, prints its summary as one JSON line.

    Returns the exit code: 0 all ok, 1 any request failed (2, bad arguments,
    exits from parse_args)."""
    plan = parse_args(description)
    sampler = ThreadSampler()
    out = fan_out(plan)
    out.heartbeat.stop()  # each program stops it at its last completion; make sure
    summary = summarize(runtime, plan, out.samples, out.wall, out.heartbeat, sampler.finish())
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    failed = summary["requests"] - summary["ok"]
    if failed:
        kinds = ", ".join(f"{k} {n}" for k, n in summary["errors"].items())
        print(f"error: {failed} of {summary['requests']} requests to {plan.target} failed ({kinds})", file=sys.stderr)
        return 1
    return 0
