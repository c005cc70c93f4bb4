"""Shared mechanics of the Python reference programs of `fanout`.

Each program in this folder (aiohttp_gather.py, requests_sequential.py,
threads_requests.py) only says *how it fetches N URLs*; everything that
decides fairness is here, ported from the Rust crate `fanout-core` so the
Python rows are measured exactly like the Rust ones (see
baselines/README.md for the contract):

- the plan (`--plan JSON`, core's `Plan`) and the target (`--target JSON`,
  core's `Target`, the project's server or a foreign one given by a URL
  template), validated like core, and the URL of request i (plan.rs,
  target.rs, url.rs);
- the injected faults' query and per-request decision (faults.rs);
- the deterministic body rule (body.rs) and the JSON document rule
  (document.rs), and their verification; what is checked of a foreign
  server's answers (drive/request.rs: `Expect`);
- classification of failures into core's error kinds (sample.rs);
- the heartbeat ticker's record (heartbeat.rs);
- the JSON summary line.

Exit codes: 0 when every request succeeded, 1 when any failed, 2 on bad
arguments or a plan the program cannot run (one `error: ...` line on stderr).
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import ssl
import sys
import threading
import time
from urllib.parse import parse_qsl
from dataclasses import dataclass, field as dataclass_field
from typing import Callable, NamedTuple

# ---------------------------------------------------------------------------
# The plan and the target (core's plan.rs, target.rs, faults.rs)
# ---------------------------------------------------------------------------

# Bounds of core's plan.rs (the server enforces the same ones).
MAX_DELAY_MS = 60_000
MAX_BYTES = 64 * 1024 * 1024
MAX_REQUESTS = 1_000_000
MAX_JSON_BYTES = 4 * 1024 * 1024
U64_MAX = 2**64 - 1
U16_MAX = 2**16 - 1

FORMATS = ("bytes", "json")
PROTOCOLS = ("auto", "http1", "http2")
PROTOCOL_NAMES = {"auto": "its default protocol", "http1": "HTTP/1.1", "http2": "HTTP/2"}

# The fault kinds in core's query order (`Fault::ALL`).
FAULT_KINDS = ("error", "reset", "stall", "truncate", "slow", "corrupt")


class PlanError(ValueError):
    """A plan or target that cannot run; the message is one line."""


def _mix(seed: int, id: int) -> int:
    """SplitMix64 of (seed, id), core's `faults::mix`."""
    m = U64_MAX
    z = seed ^ ((id * 0x9E3779B97F4A7C15) & m)
    z = (z + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def decide(faults: dict, id: int) -> str | None:
    """What the server does to request `id` (core's `Faults::decide`): the
    hash of (seed, id) mod 1000 falls in one of the consecutive ranges
    error, reset, stall, truncate, slow, corrupt, or past them (None).

    >>> f = {"seed": 9, "error": 5, "slow": 1}
    >>> [decide(f, i) for i in range(3)], decide({}, 3)
    ([None, None, None], None)
    """
    if not any(faults.get(k, 0) for k in FAULT_KINDS):
        return None
    x = _mix(faults.get("seed", 0), id) % 1000
    for kind in FAULT_KINDS:
        rate = faults.get(kind, 0)
        if x < rate:
            return kind
        x -= rate
    return None


def expected_kind(fault: str | None, format: str) -> str | None:
    """The error kind a fault must come out as (core's `Fault::expected_kind`);
    None: the request succeeds."""
    return {
        None: None,
        "error": "status",
        "reset": "reset",
        "stall": "timeout",
        "truncate": "truncated",
        "slow": None,
        "corrupt": "body-mismatch" if format == "bytes" else "decode",
    }[fault]


def faults_field(value) -> dict:
    """The plan's `faults` object (core's `Faults`), checked: {} when absent."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PlanError("--plan field `faults` must be an object")
    for key in ("seed", *FAULT_KINDS):
        v = value.get(key, 0)
        top = U64_MAX if key == "seed" else U16_MAX
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= top:
            raise PlanError(f"--plan field `faults.{key}` must be a whole number 0..={top}, got {v!r}")
    if key_missing := [k for k in ("seed", "error", "reset", "stall", "truncate", "slow") if k not in value]:
        raise PlanError(f"--plan field `faults` is missing `{key_missing[0]}` (only `corrupt` may be left out)")
    return {k: value.get(k, 0) for k in ("seed", *FAULT_KINDS)}


ECHOES = ("nothing", "args")


@dataclass(frozen=True)
class Target:
    """Where a plan runs, core's `Target`: `HOST:PORT` serving both HTTP and
    HTTPS, and the CA certificate (PEM file) to trust for HTTPS — or a
    foreign server, `foreign = {"url": TEMPLATE, "echo": "nothing"|"args"}`:
    request i is the template (normalized by core) with `{i}` replaced, and
    without a CA the client's usual roots are trusted."""

    addr: str
    ca: str | None = None
    foreign: dict | None = None

    def base_url(self, tls: bool) -> str:
        return f"{'https' if tls else 'http'}://{self.addr}"

    def url(self, i: int) -> str:
        """A foreign server's request i (core's `Foreign::url`)."""
        return self.foreign["url"].replace("{i}", str(i))

    def verify(self, plan) -> str | bool:
        """What a client trusts for HTTPS (requests' and httpx's `verify=`):
        the target's CA file, the only root; without one (a foreign server),
        True: the client's usual roots."""
        return self.ca if plan.tls and self.ca is not None else True

    @classmethod
    def from_json(cls, text: str) -> Target:
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise PlanError(f"--target is not JSON: {e}") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("addr"), str):
            raise PlanError('--target must be a JSON object with "addr": "HOST:PORT" (and "ca": "/path/ca.pem" for HTTPS)')
        ca = obj.get("ca")
        if ca is not None and not isinstance(ca, str):
            raise PlanError(f"--target field `ca` must be the path of a PEM file, got {ca!r}")
        addr = obj["addr"]
        # Core's `Target::parse` rules for HOST:PORT (no scheme here: the plan picks it).
        host, _, port = addr.rpartition(":")
        host_ok = (
            host != ""
            and not any(c in host for c in "/?#@ ")
            and (":" not in host or (host.startswith("[") and host.endswith("]")))
        )
        if not host_ok or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise PlanError(f"--target addr must look like HOST:PORT, got {addr!r}")
        foreign = obj.get("foreign")
        if foreign is not None:
            url = foreign.get("url") if isinstance(foreign, dict) else None
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise PlanError('--target field `foreign` must be {"url": "http(s)://…"} (core writes it)')
            echo = foreign.get("echo", "nothing")
            if echo not in ECHOES:
                raise PlanError(f"--target field `foreign.echo` must be one of {', '.join(ECHOES)}, got {echo!r}")
            foreign = {"url": url, "echo": echo}
        return cls(addr=addr, ca=ca, foreign=foreign)


@dataclass(frozen=True)
class Plan:
    """One fan-out, field for field core's `Plan` (durations in whole ms)."""

    requests: int
    delay: int
    bytes: int
    format: str  # "bytes" | "json"
    concurrency: int | None  # None = unbounded, like asyncio.gather
    keep_alive: bool
    tls: bool
    protocol: str  # "auto" | "http1" | "http2"
    timeout: int
    heartbeat: int
    # Injected faults, core's `Faults`: seed and per-mille rates; {} = none.
    faults: dict = dataclass_field(default_factory=dict)

    def path(self, i: int) -> str:
        """The path and query of request i, exactly as core's `Plan::path`."""
        path = f"/delay/{self.delay}?id={i}&bytes={self.bytes}"
        if self.format == "json":
            path += "&format=json"
        if any(self.faults.get(k, 0) for k in FAULT_KINDS):
            path += f"&seed={self.faults['seed']}"
            for kind in FAULT_KINDS:
                if self.faults[kind]:
                    path += f"&{kind}={self.faults[kind]}"
            if self.faults["stall"]:
                path += f"&stall_ms={min(self.timeout + 1000, MAX_DELAY_MS)}"
        return path

    def urls(self, target: Target) -> list[str]:
        """All N URLs, built before the clock starts: a foreign server's
        template with `{i}` replaced, or the project's server's paths."""
        if target.foreign is not None:
            return [target.url(i) for i in range(self.requests)]
        base = target.base_url(self.tls)
        return [base + self.path(i) for i in range(self.requests)]

    def max_in_flight(self) -> int:
        """The most requests this plan lets be in flight at once."""
        return min(self.concurrency or self.requests, self.requests)

    def expected_errors(self) -> dict:
        """The error counts this plan's faults imply (what the run must report)."""
        counts: dict = {}
        for i in range(self.requests):
            kind = expected_kind(decide(self.faults, i), self.format)
            if kind:
                counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items()))

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Parses and validates a plan, like serde + `Plan::validate`."""
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            raise PlanError(f"--plan is not JSON: {e}") from None
        if not isinstance(obj, dict):
            raise PlanError("--plan must be a JSON object")

        def field(name: str, kind: type, optional: bool = False, default=None, choices=()):
            if name not in obj or (optional and obj[name] is None):
                if optional or default is not None:
                    return default
                raise PlanError(f"--plan is missing field `{name}`")
            value = obj[name]
            # bool is an int in Python; serde would refuse it for a u64.
            ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
            if kind is int:
                ok = ok and 0 <= value <= U64_MAX
            if choices:
                ok = ok and value in choices
            if not ok:
                want = {int: "a whole number >= 0", bool: "true or false", str: "one of " + ", ".join(choices)}
                raise PlanError(f"--plan field `{name}` must be {want[kind]}, got {value!r}")
            return value

        plan = cls(
            requests=field("requests", int),
            delay=field("delay", int),
            bytes=field("bytes", int),
            format=field("format", str, default="bytes", choices=FORMATS),
            concurrency=field("concurrency", int, optional=True),
            keep_alive=field("keep_alive", bool),
            tls=field("tls", bool, default=False),
            protocol=field("protocol", str, default="auto", choices=PROTOCOLS),
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
        if not 1 <= self.requests <= MAX_REQUESTS:
            raise PlanError(f"requests must be 1..={MAX_REQUESTS}, got {self.requests}")
        if self.delay > MAX_DELAY_MS:
            raise PlanError(f"delay must be at most {MAX_DELAY_MS} ms, got {self.delay} ms")
        if self.bytes > MAX_BYTES:
            raise PlanError(f"bytes must be at most {MAX_BYTES}, got {self.bytes}")
        if self.format == "json" and self.bytes > MAX_JSON_BYTES:
            raise PlanError(f"a JSON document must be at most {MAX_JSON_BYTES} bytes, got {self.bytes}")
        if self.concurrency == 0:
            raise PlanError("concurrency must be at least 1 (omit it for unbounded)")
        if self.timeout == 0:
            raise PlanError("timeout must be greater than zero")
        if not self.keep_alive and self.protocol == "http2":
            raise PlanError(
                "keep-alive off (`Connection: close`) is HTTP/1.1's; HTTP/2 has no per-request close: "
                "use protocol http1 or auto"
            )
        if self.heartbeat < 1:
            raise PlanError("heartbeat period must be at least 1 ms")
        total = sum(self.faults.get(k, 0) for k in FAULT_KINDS)
        if total > 1000:
            raise PlanError(f"fault rates add up to {total}‰, more than 1000‰")


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one `error: ...` line and exit 2."""

    def error(self, message: str):
        bad_arguments(message)


def bad_arguments(message: str):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


class Args(NamedTuple):
    plan: Plan
    target: Target


def parse_args(description: str, client: str, protocols: tuple, argv: list[str] | None = None) -> Args:
    """`--plan JSON --target JSON` (both required), validated like core; a
    plan this client cannot run (HTTPS without a CA, a protocol in neither
    `protocols`) exits 2 with the reason, like core's `Description::unsupported`."""
    parser = _ArgumentParser(description=description)
    parser.add_argument(
        "--plan",
        required=True,
        metavar="JSON",
        help="the plan as JSON (core's Plan), e.g. "
        '\'{"requests":100,"delay":100,"bytes":256,"format":"bytes","concurrency":null,'
        '"keep_alive":true,"tls":false,"protocol":"auto","timeout":30000,"heartbeat":10}\'',
    )
    parser.add_argument(
        "--target",
        required=True,
        metavar="JSON",
        help='where it runs (core\'s Target), e.g. \'{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}\'',
    )
    args = parser.parse_args(argv)
    try:
        plan = Plan.from_json(args.plan)
        target = Target.from_json(args.target)
    except PlanError as e:
        bad_arguments(str(e))
    if plan.protocol not in protocols:
        bad_arguments(
            f"{client} cannot be held to {PROTOCOL_NAMES[plan.protocol]}: "
            f"run this plan with protocol {' or '.join(protocols)}"
        )
    if target.foreign is not None:
        # Core's `Target::check`: what a foreign server can serve.
        if any(plan.faults.get(k, 0) for k in FAULT_KINDS):
            bad_arguments("a foreign server injects no faults: run a plan without them against it")
        if plan.tls != target.foreign["url"].startswith("https:"):
            bad_arguments("the plan's tls and the URL's scheme differ: an https:// URL is HTTPS, an http:// one is not")
        if target.foreign["echo"] == "args" and plan.format != "json":
            bad_arguments("an echo of the query is read from a JSON body: use format json")
    if plan.tls:
        if target.ca is None and target.foreign is None:
            bad_arguments(
                f"the target {target.addr} has no CA certificate for HTTPS: "
                'give its PEM file as "ca" in --target'
            )
        if target.ca is not None and (not os.path.isfile(target.ca) or not os.access(target.ca, os.R_OK)):
            bad_arguments(f"cannot read the CA file {target.ca}: give a readable PEM file as \"ca\" in --target")
    return Args(plan, target)


def tls_context(target: Target) -> ssl.SSLContext:
    """The client's TLS context: certificate and host name verification on,
    the target's CA the only root (`ssl.create_default_context(cafile=...)`
    loads that file instead of the system's roots); a foreign server given
    without a CA: `ssl.create_default_context()`, OpenSSL's default roots
    (what aiohttp uses by default)."""
    try:
        return ssl.create_default_context(cafile=target.ca)
    except (OSError, ssl.SSLError) as e:
        bad_arguments(f"cannot load the CA file {target.ca} ({e}): give a PEM certificate as \"ca\" in --target")


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
# The JSON document rule (core's document.rs, ported exactly)
# ---------------------------------------------------------------------------

# n        = max(1, bytes / 56)                   records
# id       = id
# name     = "item-{id}"
# active   = id mod 2 == 0
# score    = (id mod 1000) / 4                    a float, exact in binary
# tags     = ["tag-{(id + j) mod 7}" for j in 0..3]
# owner    = {"id": id mod 997, "email": "user{id mod 997}@example.com"}
# records  = [{"seq": k, "label": "rec-{id}-{k}", "value": (id * 31 + k * 17) mod 100000,
#              "ok": (id + k) mod 3 != 0} for k in 0..n]
RECORD_BYTES = 56


def records(bytes: int) -> int:
    """How many records the document of a `bytes`-sized plan has."""
    return max(1, bytes // RECORD_BYTES)


def document(id: int, bytes: int) -> dict:
    """The document of request `id` (what the server sends), for tests.

    >>> json.dumps(document(42, 120), separators=(",", ":"))[:120]
    '{"id":42,"name":"item-42","active":true,"score":10.5,"tags":["tag-0","tag-1","tag-2"],"owner":{"id":42,"email":"user42@e'
    """
    owner = id % 997
    return {
        "id": id,
        "name": f"item-{id}",
        "active": id % 2 == 0,
        "score": (id % 1000) / 4,
        "tags": [f"tag-{(id + j) % 7}" for j in range(3)],
        "owner": {"id": owner, "email": f"user{owner}@example.com"},
        "records": [
            {"seq": k, "label": f"rec-{id}-{k}", "value": (id * 31 + k * 17) % 100_000, "ok": (id + k) % 3 != 0}
            for k in range(records(bytes))
        ],
    }


def _u64(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= U64_MAX


def _shape_ok(doc) -> bool:
    """Whether the decoded value has core's `Document` shape — what serde
    needs to decode it into the struct (unknown keys are ignored, as serde does)."""
    if not isinstance(doc, dict):
        return False
    owner, recs, tags = doc.get("owner"), doc.get("records"), doc.get("tags")
    return (
        _u64(doc.get("id"))
        and isinstance(doc.get("name"), str)
        and isinstance(doc.get("active"), bool)
        and isinstance(doc.get("score"), (int, float))
        and not isinstance(doc.get("score"), bool)
        and isinstance(tags, list)
        and all(isinstance(t, str) for t in tags)
        and isinstance(owner, dict)
        and _u64(owner.get("id"))
        and isinstance(owner.get("email"), str)
        and isinstance(recs, list)
        and all(
            isinstance(r, dict)
            and _u64(r.get("seq"))
            and isinstance(r.get("label"), str)
            and _u64(r.get("value"))
            and isinstance(r.get("ok"), bool)
            for r in recs
        )
    )


def document_error(doc, id: int, bytes: int) -> str | None:
    """Checks a decoded JSON value against the document of request `id`,
    field by field (core's `Document::verify`): None when it is exactly that
    document, `decode` when it is not of the document's shape (serde could
    not have decoded it), `body-mismatch` when a field differs.

    >>> document_error(document(7, 2048), 7, 2048), document_error(document(7, 2048), 8, 2048)
    (None, 'body-mismatch')
    >>> document_error([1], 7, 2048), document_error({**document(7, 100), "id": True}, 7, 100)
    ('decode', 'decode')
    """
    if not _shape_ok(doc):
        return "decode"
    owner = id % 997
    recs = doc["records"]
    good = (
        doc["id"] == id
        and doc["name"] == f"item-{id}"
        and doc["active"] == (id % 2 == 0)
        and doc["score"] == (id % 1000) / 4
        and doc["tags"] == [f"tag-{(id + j) % 7}" for j in range(3)]
        and doc["owner"]["id"] == owner
        and doc["owner"]["email"] == f"user{owner}@example.com"
        and len(recs) == records(bytes)
        and all(
            r["seq"] == k
            and r["value"] == (id * 31 + k * 17) % 100_000
            and r["ok"] == ((id + k) % 3 != 0)
            and r["label"] == f"rec-{id}-{k}"
            for k, r in enumerate(recs)
        )
    )
    return None if good else "body-mismatch"


# ---------------------------------------------------------------------------
# Samples and error kinds (core's sample.rs and drive.rs)
# ---------------------------------------------------------------------------

# Core's error kinds, in report order.
ERROR_KINDS = (
    "connect", "tls", "timeout", "reset", "status", "truncated", "protocol", "body-mismatch", "decode", "other",
)


class Sample(NamedTuple):
    """One request's record; a failed request is a sample, never dropped."""

    latency: float  # seconds, from the request's start to its last body byte (or failure)
    error: str | None  # one of ERROR_KINDS; None = 200 and a verified body
    bytes: int  # body bytes read (0 for a decoded JSON document)
    verified: bool


def _query_args(template: str) -> list:
    """A template's query as httpbin echoes it in `args`: form-decoded, a key
    given twice keeping both values in order (core's `query_args`)."""
    query = template.split("?", 1)[1] if "?" in template else ""
    args: list = []
    for k, v in parse_qsl(query, keep_blank_values=True):
        for key, values in args:
            if key == k:
                values.append(v)
                break
        else:
            args.append((k, [v]))
    return args


class Expect:
    """What a fan-out's answers must be, core's `Expect` (drive/request.rs),
    made once before the clock starts. On the project's server: a 200 with
    core's body, or core's document decoded by the client's JSON API. On a
    foreign server: a 2xx, a JSON plan's body decoded by the client's JSON
    API (any value), and what the server echoes (`args`: httpbin's echo of
    the query); with no echo the content is not verified, yet a success."""

    def __init__(self, plan: Plan, target: Target):
        self.plan = plan
        self.foreign = target.foreign is not None
        self.args = _query_args(target.foreign["url"]) if self.foreign and target.foreign["echo"] == "args" else None

    def read(self, status: int) -> str:
        """How an answer with this status is read (core's `Request::body_as`):
        "document" (the project's 200 to a JSON plan), "value" (a foreign
        2xx to a JSON plan), or "bytes"."""
        if self.plan.format == "json":
            if not self.foreign and status == 200:
                return "document"
            if self.foreign and 200 <= status < 300:
                return "value"
        return "bytes"

    def decodes(self, status: int) -> bool:
        """Whether to decode this answer's body with the client's JSON API."""
        return self.read(status) != "bytes"

    def response(self, id: int, latency: float, status: int, body: bytes) -> Sample:
        """An answer read as bytes, as core's `to_sample`: on the project's
        server non-200 is `status`, a 200 byte body too short `truncated`, any
        other mismatch `body-mismatch`; a 200 to a JSON plan must have been
        decoded. On a foreign server outside 2xx is `status`, a JSON plan's
        2xx must have been decoded, a byte plan's 2xx is a success unverified."""
        if self.foreign:
            if not 200 <= status < 300:
                return Sample(latency, "status", len(body), False)
            return Sample(latency, "decode" if self.plan.format == "json" else None, len(body), False)
        if status != 200:
            return Sample(latency, "status", len(body), False)
        if self.plan.format == "json":
            return Sample(latency, "decode", len(body), False)
        if verify(id, self.plan.bytes, body):
            return Sample(latency, None, len(body), True)
        return Sample(latency, "truncated" if len(body) < self.plan.bytes else "body-mismatch", len(body), False)

    def decoded(self, id: int, latency: float, value) -> Sample:
        """An answer decoded by the client's own JSON API: core's document,
        checked field by field; a foreign server's value, checked for its echo."""
        if not self.foreign:
            error = document_error(value, id, self.plan.bytes)
            return Sample(latency, error, 0, error is None)
        if self.args is None:
            return Sample(latency, None, 0, False)
        if _echoes(value, self.args, id):
            return Sample(latency, None, 0, True)
        return Sample(latency, "body-mismatch", 0, False)


def _echoes(value, args: list, id: int) -> bool:
    """Whether `value` is httpbin's echo of request `id`'s query (core's `echoes`)."""
    got = value.get("args") if isinstance(value, dict) else None
    if not isinstance(got, dict) or len(got) != len(args):
        return False
    i = str(id)
    for key, want in args:
        g = got.get(key.replace("{i}", i))
        want = [w.replace("{i}", i) for w in want]
        if len(want) == 1:
            if not isinstance(g, str) or g != want[0]:
                return False
        elif not isinstance(g, list) or g != want or not all(isinstance(x, str) for x in g):
            return False
    return True


_warned_other = False


def error_sample(latency: float, kind: str, exc: BaseException) -> Sample:
    """A failed request; an unclassified error's message goes to stderr once."""
    global _warned_other
    if kind == "other" and not _warned_other:
        _warned_other = True
        print(f"note: a request failed with an error the program does not classify (counted as other; said once): {exc!r}", file=sys.stderr)
    return Sample(latency, kind, 0, False)


def in_head(kind: str) -> str:
    """Core's `ErrorKind::in_head`: the connection ending before the response
    head is a `reset`, whatever the client calls it."""
    return "reset" if kind == "truncated" else kind


def in_body(kind: str) -> str:
    """Core's `ErrorKind::in_body`: the connection ending while the body is
    read is a `truncated` body."""
    return "truncated" if kind == "reset" else kind


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
    if isinstance(e, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return "reset"  # the TLS connection ended (no close_notify): the peer went away
    if isinstance(e, (ssl.SSLError, ssl.CertificateError)):
        return "tls"
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
    """Classifies an exception raised by an aiohttp request (before
    `in_head`/`in_body`)."""
    import aiohttp

    if isinstance(exc, aiohttp.ContentTypeError):  # resp.json() on a non-JSON answer
        return "decode"
    if isinstance(exc, ValueError) and not isinstance(exc, aiohttp.ClientError):
        return "decode"  # json.JSONDecodeError, UnicodeDecodeError from resp.json()
    if isinstance(exc, TimeoutError):  # asyncio.TimeoutError, ServerTimeoutError, ...
        return "timeout"
    if isinstance(exc, aiohttp.ClientSSLError):  # certificate not verified, handshake failed
        return "tls"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, TimeoutError):
            return "timeout"
        if isinstance(exc.os_error, (ssl.SSLError, ssl.CertificateError)):
            return "tls"
        return "connect"
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


# The request extension `mark_head` sets: the response head arrived, so a
# failure after it happened while the body was read.
_HEAD = "fanout.head"


async def mark_head(response) -> None:
    """An httpx response event hook (`event_hooks={"response": [mark_head]}`):
    httpx calls it when the response head has arrived, before it reads the
    body, so `httpx_error_kind` can tell a connection broken before the head
    (`reset`) from a body cut short (`truncated`) — over HTTP/2 both are the
    same stream reset."""
    response.request.extensions[_HEAD] = True


def httpx_error_kind(exc: BaseException) -> str:
    """Classifies an exception raised by an httpx request or `response.json()`
    (`in_head`/`in_body` applied, from `mark_head`'s mark)."""
    import httpx

    if isinstance(exc, ValueError) and not isinstance(exc, httpx.HTTPError):
        return "decode"  # json.JSONDecodeError, UnicodeDecodeError from response.json()
    kind = "other"
    if isinstance(exc, httpx.TimeoutException):  # connect, read, write, pool
        kind = "timeout"
    elif isinstance(exc, httpx.RemoteProtocolError):
        text = str(exc)
        # h11: "Server disconnected without sending a response", "peer closed
        # connection without sending complete message body"; h2: a stream
        # reset or the connection ended by the server.
        ended = ("disconnected", "peer closed", "StreamReset", "ConnectionTerminated")
        kind = "reset" if any(w in text for w in ended) else "protocol"
    elif isinstance(exc, httpx.LocalProtocolError):
        kind = "protocol"
    else:
        for e in _chain(exc):  # ConnectError, ReadError, ...: what does it wrap?
            if isinstance(e, OSError) and (found := os_error_kind(e)):
                kind = found
                break
        else:
            if isinstance(exc, httpx.ConnectError):
                kind = "connect"
            elif isinstance(exc, httpx.NetworkError):  # ReadError, WriteError, CloseError
                kind = "reset"
    try:
        head = exc.request.extensions.get(_HEAD, False) if isinstance(exc, httpx.RequestError) else False
    except RuntimeError:  # an error raised before a request existed
        head = False
    return in_body(kind) if head else in_head(kind)


def requests_error_kind(exc: BaseException) -> str:
    """Classifies an exception raised by a requests call (before
    `in_head`/`in_body`)."""
    import http.client

    import requests
    import urllib3.exceptions as u3

    if isinstance(exc, requests.exceptions.JSONDecodeError):  # resp.json()
        return "decode"
    if isinstance(exc, requests.exceptions.SSLError):  # certificate not verified, handshake failed
        return "tls"
    if isinstance(exc, requests.Timeout):  # ConnectTimeout, ReadTimeout
        return "timeout"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):  # the body ended early
        return "truncated"
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return "protocol"
    for e in _chain(exc):  # a ConnectionError: what does it wrap?
        if isinstance(e, u3.SSLError):
            return "tls"
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


def requests_session(plan: Plan, pool_maxsize: int = 10):
    """A `requests.Session` for this plan: the environment ignored (no proxy
    or CA bundle from it: traffic goes to the target only, trusting its CA
    only), no retries (requests' default `Retry(0, read=False)`, spelled out
    so a retry can never make the server inject a fault twice), and
    `Connection: close` on every request when keep-alive is off."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    session.trust_env = False
    for scheme in ("http://", "https://"):
        session.mount(scheme, HTTPAdapter(pool_connections=1, pool_maxsize=pool_maxsize, max_retries=Retry(0, read=False)))
    if not plan.keep_alive:
        session.headers["Connection"] = "close"  # a fresh connection per request
    return session


def requests_sample(session, plan: Plan, target: Target, expect: Expect, i: int, url: str) -> Sample:
    """GET request i with a `requests.Session` (the two requests rows).

    requests reads the whole body before get() returns (stream=False), then
    `resp.json()` decodes a JSON plan's body. Its timeout is per socket
    operation — the connect, and each read — not a deadline for the whole
    request as in the Rust and aiohttp rows; that is the timeout requests
    offers. `verify=` is the target's CA file, the only root trusted; a
    foreign server given without one: True, requests' default roots
    (certifi's bundle)."""
    started = time.perf_counter()
    try:
        resp = session.get(url, timeout=plan.timeout / 1000, verify=target.verify(plan))
        if expect.decodes(resp.status_code):
            return expect.decoded(i, time.perf_counter() - started, resp.json())
        return expect.response(i, time.perf_counter() - started, resp.status_code, resp.content)
    except Exception as e:  # noqa: BLE001 — every failure is classified and counted
        # get() reads the head and the whole body: a body cut short surfaces
        # as ChunkedEncodingError/IncompleteRead (`truncated`), the connection
        # ending before any response as RemoteDisconnected/ECONNRESET (`reset`).
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
        return {
            "period_ms": self.period / 1e6,
            "ticks": len(late),
            "missed": self.missed,
            "max_lateness_ms": (late[-1] if late else 0) / 1e6,
            "p99_lateness_ms": _quantile(late, 0.99) / 1e6,
        }


# ---------------------------------------------------------------------------
# The summary, and main()
# ---------------------------------------------------------------------------


def _quantile(sorted_values: list, q: float):
    """Nearest-rank quantile of a sorted list; 0 when empty."""
    if not sorted_values:
        return 0
    rank = min(max(math.ceil(q * len(sorted_values)), 1), len(sorted_values))
    return sorted_values[rank - 1]


def summarize(row: str, samples: list[Sample], wall: float, heartbeat: Heartbeat) -> dict:
    """The summary line, key for key (see baselines/README.md)."""
    latencies = sorted(s.latency * 1e3 for s in samples if s.error is None)
    counts = {k: sum(1 for s in samples if s.error == k) for k in ERROR_KINDS}
    wall_ms = wall * 1e3
    return {
        "row": row,
        "requests": len(samples),
        "ok": len(latencies),
        "errors": {k: counts[k] for k in sorted(counts) if counts[k]},  # a BTreeMap in Rust
        "verified": sum(1 for s in samples if s.verified),
        "bytes": sum(s.bytes for s in samples),
        "wall_ms": wall_ms,
        "req_per_s": len(samples) / (wall_ms / 1e3) if wall_ms > 0 else 0.0,
        "latency_ms": {
            "p50": float(_quantile(latencies, 0.5)),
            "p90": float(_quantile(latencies, 0.9)),
            "p99": float(_quantile(latencies, 0.99)),
            "max": latencies[-1] if latencies else 0.0,
            "mean": sum(latencies) / len(latencies) if latencies else 0.0,
        },
        "heartbeat": heartbeat.summary(),
    }


class Outcome(NamedTuple):
    """One fan-out: samples in plan order, wall seconds, the ticker's record."""

    samples: list[Sample]
    wall: float
    heartbeat: Heartbeat


def main(row: str, description: str, client: str, protocols: tuple, fan_out: Callable[[Plan, Target], Outcome]) -> int:
    """Parses --plan and --target, runs one fan-out, prints its summary as
    one JSON line.

    Returns the exit code: 0 all ok, 1 any request failed (2, bad arguments
    or a plan this client cannot run, exits from parse_args)."""
    plan, target = parse_args(description, client, protocols)
    out = fan_out(plan, target)
    out.heartbeat.stop()  # each program stops it at its last completion; make sure
    summary = summarize(row, out.samples, out.wall, out.heartbeat)
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    failed = summary["requests"] - summary["ok"]
    if failed:
        kinds = ", ".join(f"{k} {n}" for k, n in summary["errors"].items())
        print(f"error: {failed} of {summary['requests']} requests to {target.addr} failed ({kinds})", file=sys.stderr)
        return 1
    return 0
