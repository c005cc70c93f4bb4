// Shared mechanics of the Node.js reference program of `fanout`, ported from
// the Rust crate `fanout-core` (and kept in step with
// baselines/python/fanout_common.py) so this row is measured exactly like the
// Rust ones; see baselines/README.md for the contract:
//
// - the plan (`--plan JSON`, core's `Plan`) and the target (`--target JSON`,
//   core's `Target`: the project's server, or a foreign one given by a URL
//   template), validated like core, and the URL of request i;
// - the injected faults' query and per-request decision (faults.rs);
// - the deterministic body rule (body.rs) and the JSON document rule
//   (document.rs), and their verification; what is checked of a foreign
//   server's answers (drive/request.rs: `Expect`);
// - the heartbeat ticker's record (heartbeat.rs);
// - the JSON summary line.
//
// Exit codes: 0 when every request succeeded, 1 when any failed, 2 on bad
// arguments or a plan the program cannot run (one `error: ...` line on stderr).

import { parseArgs } from 'node:util';

// Bounds of core's plan.rs (the server enforces the same ones).
export const MAX_DELAY_MS = 60_000;
export const MAX_BYTES = 64 * 1024 * 1024;
export const MAX_REQUESTS = 1_000_000;
export const MAX_JSON_BYTES = 4 * 1024 * 1024;
// The longest delay Node's timers hold (setTimeout, AbortSignal.timeout):
// longer ones fire after 1 ms instead.
const MAX_TIMER_MS = 2 ** 31 - 1;

// The fault kinds in core's query order (`Fault::ALL`).
export const FAULT_KINDS = ['error', 'reset', 'stall', 'truncate', 'slow', 'corrupt'];
const PROTOCOL_NAMES = { auto: 'its default protocol', http1: 'HTTP/1.1', http2: 'HTTP/2' };

export class PlanError extends Error {}

/** One `error: ...` line on stderr and exit 2. */
export function badArguments(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

const U64 = 2n ** 64n - 1n;

/** SplitMix64 of (seed, id), core's `faults::mix`, in BigInt. */
function mix(seed, id) {
  let z = seed ^ ((id * 0x9E3779B97F4A7C15n) & U64);
  z = (z + 0x9E3779B97F4A7C15n) & U64;
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & U64;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & U64;
  return z ^ (z >> 31n);
}

/** What the server does to request `id` (core's `Faults::decide`); null: nothing. */
export function decide(faults, id) {
  if (!FAULT_KINDS.some((k) => faults[k] > 0)) return null;
  let x = Number(mix(BigInt(faults.seed), BigInt(id)) % 1000n);
  for (const kind of FAULT_KINDS) {
    const rate = faults[kind];
    if (x < rate) return kind;
    x -= rate;
  }
  return null;
}

/** The error kind a fault must come out as (core's `Fault::expected_kind`). */
export function expectedKind(fault, format) {
  return {
    error: 'status', reset: 'reset', stall: 'timeout', truncate: 'truncated', slow: null,
    corrupt: format === 'bytes' ? 'body-mismatch' : 'decode',
  }[fault] ?? null;
}

function wholeNumber(name, v, max = Number.MAX_SAFE_INTEGER) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new PlanError(`--plan field \`${name}\` must be a whole number >= 0, got ${JSON.stringify(v)}`);
  }
  if (v > max) {
    // JSON.parse holds integers exactly only up to 2^53 - 1.
    throw new PlanError(`--plan field \`${name}\` must be at most ${max} here, got ${v}`);
  }
  return v;
}

function parseFaults(v) {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new PlanError('--plan field `faults` must be an object');
  const f = {};
  for (const key of ['seed', ...FAULT_KINDS]) {
    if (!(key in v)) {
      if (key === 'corrupt') { f.corrupt = 0; continue; }
      throw new PlanError(`--plan field \`faults\` is missing \`${key}\` (only \`corrupt\` may be left out)`);
    }
    f[key] = wholeNumber(`faults.${key}`, v[key], key === 'seed' ? Number.MAX_SAFE_INTEGER : 65535);
  }
  return f;
}

/** Parses and validates a plan, like serde + core's `Plan::validate`. */
export function parsePlan(text) {
  let obj;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new PlanError(`--plan is not JSON: ${e.message}`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new PlanError('--plan must be a JSON object');
  const need = (name) => {
    if (!(name in obj)) throw new PlanError(`--plan is missing field \`${name}\``);
    return obj[name];
  };
  const choice = (name, choices, dflt) => {
    if (!(name in obj)) return dflt;
    if (!choices.includes(obj[name])) {
      throw new PlanError(`--plan field \`${name}\` must be one of ${choices.join(', ')}, got ${JSON.stringify(obj[name])}`);
    }
    return obj[name];
  };
  const bool = (name, v) => {
    if (typeof v !== 'boolean') throw new PlanError(`--plan field \`${name}\` must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const plan = {
    requests: wholeNumber('requests', need('requests')),
    delay: wholeNumber('delay', need('delay')),
    bytes: wholeNumber('bytes', need('bytes')),
    format: choice('format', ['bytes', 'json'], 'bytes'),
    concurrency: obj.concurrency === undefined || obj.concurrency === null ? null : wholeNumber('concurrency', obj.concurrency),
    keepAlive: bool('keep_alive', need('keep_alive')),
    tls: 'tls' in obj ? bool('tls', obj.tls) : false,
    protocol: choice('protocol', ['auto', 'http1', 'http2'], 'auto'),
    timeout: wholeNumber('timeout', need('timeout')),
    heartbeat: wholeNumber('heartbeat', need('heartbeat')),
    faults: parseFaults(obj.faults),
  };
  const oob = (m) => { throw new PlanError(`invalid plan: ${m}`); };
  if (plan.requests < 1 || plan.requests > MAX_REQUESTS) oob(`requests must be 1..=${MAX_REQUESTS}, got ${plan.requests}`);
  if (plan.delay > MAX_DELAY_MS) oob(`delay must be at most ${MAX_DELAY_MS} ms, got ${plan.delay} ms`);
  if (plan.bytes > MAX_BYTES) oob(`bytes must be at most ${MAX_BYTES}, got ${plan.bytes}`);
  if (plan.format === 'json' && plan.bytes > MAX_JSON_BYTES) oob(`a JSON document must be at most ${MAX_JSON_BYTES} bytes, got ${plan.bytes}`);
  if (plan.concurrency === 0) oob('concurrency must be at least 1 (omit it for unbounded)');
  if (plan.timeout === 0) oob('timeout must be greater than zero');
  if (!plan.keepAlive && plan.protocol === 'http2') {
    oob("keep-alive off (`Connection: close`) is HTTP/1.1's; HTTP/2 has no per-request close: use protocol http1 or auto");
  }
  if (plan.heartbeat < 1) oob('heartbeat period must be at least 1 ms');
  if (plan.faults) {
    const sum = FAULT_KINDS.reduce((s, k) => s + plan.faults[k], 0);
    if (sum > 1000) oob(`fault rates add up to ${sum}‰, more than 1000‰`);
    if (sum === 0) plan.faults = null; // core's `Faults::is_none`: no fault query
  }
  if (plan.timeout > MAX_TIMER_MS) oob(`timeout must be at most ${MAX_TIMER_MS} ms here (Node's timers cannot hold more)`);
  return plan;
}

/** Parses the target (core's `Target`): `HOST:PORT`, the CA's PEM file, and
 *  for a foreign server `foreign: {url, echo}` (a URL template core has
 *  normalized; `echo` "nothing" or "args", httpbin's echo of the query). */
export function parseTarget(text) {
  let obj;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new PlanError(`--target is not JSON: ${e.message}`);
  }
  if (typeof obj !== 'object' || obj === null || typeof obj.addr !== 'string') {
    throw new PlanError('--target must be a JSON object with "addr": "HOST:PORT" (and "ca": "/path/ca.pem" for HTTPS)');
  }
  const ca = obj.ca ?? null;
  if (ca !== null && typeof ca !== 'string') throw new PlanError(`--target field \`ca\` must be the path of a PEM file, got ${JSON.stringify(ca)}`);
  const addr = obj.addr;
  const colon = addr.lastIndexOf(':');
  const host = addr.slice(0, colon);
  const port = addr.slice(colon + 1);
  const hostOk = colon > 0 && !/[/?#@ ]/.test(host) && (!host.includes(':') || (host.startsWith('[') && host.endsWith(']')));
  if (!hostOk || !/^[0-9]+$/.test(port) || Number(port) > 65535) {
    throw new PlanError(`--target addr must look like HOST:PORT, got ${JSON.stringify(addr)}`);
  }
  let foreign = obj.foreign ?? null;
  if (foreign !== null) {
    if (typeof foreign !== 'object' || typeof foreign.url !== 'string' || !/^https?:\/\//.test(foreign.url)) {
      throw new PlanError('--target field `foreign` must be {"url": "http(s)://…"} (core writes it)');
    }
    const echo = foreign.echo ?? 'nothing';
    if (!['nothing', 'args'].includes(echo)) {
      throw new PlanError(`--target field \`foreign.echo\` must be nothing or args, got ${JSON.stringify(echo)}`);
    }
    foreign = { url: foreign.url, echo };
  }
  return { addr, ca, foreign };
}

/** The path and query of request i, exactly as core's `Plan::path`. */
export function path(plan, i) {
  let p = `/delay/${plan.delay}?id=${i}&bytes=${plan.bytes}`;
  if (plan.format === 'json') p += '&format=json';
  if (plan.faults) {
    p += `&seed=${plan.faults.seed}`;
    for (const kind of FAULT_KINDS) if (plan.faults[kind]) p += `&${kind}=${plan.faults[kind]}`;
    if (plan.faults.stall) p += `&stall_ms=${Math.min(plan.timeout + 1000, MAX_DELAY_MS)}`;
  }
  return p;
}

/** All N URLs, built before the clock starts: a foreign server's template
 *  with `{i}` replaced (core's `Foreign::url`), or the project's paths. */
export function urls(plan, target) {
  if (target.foreign) {
    return Array.from({ length: plan.requests }, (_, i) => target.foreign.url.replaceAll('{i}', String(i)));
  }
  const base = `${plan.tls ? 'https' : 'http'}://${target.addr}`;
  return Array.from({ length: plan.requests }, (_, i) => base + path(plan, i));
}

/**
 * `--plan JSON --target JSON` (both required), validated like core; a plan
 * this client cannot run (HTTPS without a CA, a protocol not in `protocols`)
 * exits 2 with the reason, like core's `Description::unsupported`.
 */
export function parseCli(client, protocols) {
  let values;
  try {
    ({ values } = parseArgs({ options: { plan: { type: 'string' }, target: { type: 'string' } }, strict: true }));
  } catch (e) {
    badArguments(`${e.message.split('\n')[0].replace(/^./, (c) => c.toLowerCase())} (usage: --plan JSON --target JSON)`);
  }
  if (values.plan === undefined) badArguments('the following arguments are required: --plan');
  if (values.target === undefined) badArguments('the following arguments are required: --target');
  let plan;
  let target;
  try {
    plan = parsePlan(values.plan);
    target = parseTarget(values.target);
  } catch (e) {
    if (e instanceof PlanError) badArguments(e.message);
    throw e;
  }
  if (!protocols.includes(plan.protocol)) {
    badArguments(`${client} cannot be held to ${PROTOCOL_NAMES[plan.protocol]}: run this plan with protocol ${protocols.join(' or ')}`);
  }
  if (target.foreign) {
    // Core's `Target::check`: what a foreign server can serve.
    if (plan.faults) badArguments('a foreign server injects no faults: run a plan without them against it');
    if (plan.tls !== target.foreign.url.startsWith('https:')) {
      badArguments("the plan's tls and the URL's scheme differ: an https:// URL is HTTPS, an http:// one is not");
    }
    if (target.foreign.echo === 'args' && plan.format !== 'json') {
      badArguments('an echo of the query is read from a JSON body: use format json');
    }
  } else if (plan.tls && target.ca === null) {
    badArguments(`the target ${target.addr} has no CA certificate for HTTPS: give its PEM file as "ca" in --target`);
  }
  return { plan, target };
}

// ---------------------------------------------------------------------------
// The body rule (core's body.rs, ported exactly)
// ---------------------------------------------------------------------------

// prefix  = the ASCII digits of id, then ':'      e.g. "42:"
// body[k] = prefix[k]                 for k < len(prefix)
// body[k] = FILL[(id + k) mod 64]     otherwise
// and the body is exactly n bytes (shorter than the prefix: the prefix cut short).
export const FILL = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

// FILL repeated, grown (never shrunk) to the largest body seen: any window of
// the infinite fill starts in its first 64 bytes, so checking a body is one
// Buffer.compare against a slice of it.
let fill = FILL;

function fillWindow(start, length) {
  if (fill.length < start + length) fill = Buffer.alloc((Math.floor(length / 64) + 2) * 64, FILL);
  return fill.subarray(start, start + length);
}

/** The whole body of request `id`, `n` bytes long (for tests). */
export function expected(id, n) {
  const prefix = Buffer.from(`${id}:`);
  const b = Buffer.alloc(n);
  for (let k = 0; k < n; k++) b[k] = k < prefix.length ? prefix[k] : FILL[(id + k) % 64];
  return b;
}

/** Whether `body` (a Uint8Array) is exactly the server's body for request `id`, `n` long. */
export function verify(id, n, body) {
  if (body.length !== n) return false;
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const prefix = Buffer.from(`${id}:`).subarray(0, n);
  const plen = prefix.length;
  return buf.subarray(0, plen).equals(prefix) && buf.subarray(plen).equals(fillWindow((id + plen) % 64, n - plen));
}

// ---------------------------------------------------------------------------
// The JSON document rule (core's document.rs, ported exactly)
// ---------------------------------------------------------------------------

// n        = max(1, bytes / 56)                   records
// id       = id
// name     = "item-{id}"
// active   = id mod 2 == 0
// score    = (id mod 1000) / 4                    a float, exact in binary
// tags     = ["tag-{(id + j) mod 7}" for j in 0..3]
// owner    = {"id": id mod 997, "email": "user{id mod 997}@example.com"}
// records  = [{"seq": k, "label": "rec-{id}-{k}", "value": (id * 31 + k * 17) mod 100000,
//              "ok": (id + k) mod 3 != 0} for k in 0..n]
export const RECORD_BYTES = 56;

export function records(bytes) {
  return Math.max(1, Math.floor(bytes / RECORD_BYTES));
}

const isU64 = (v) => Number.isInteger(v) && v >= 0;
const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether the decoded value has core's `Document` shape (what serde needs to
 *  decode it into the struct; unknown keys are ignored, as serde does). */
function shapeOk(d) {
  return isObj(d)
    && isU64(d.id) && typeof d.name === 'string' && typeof d.active === 'boolean'
    && typeof d.score === 'number'
    && Array.isArray(d.tags) && d.tags.every((t) => typeof t === 'string')
    && isObj(d.owner) && isU64(d.owner.id) && typeof d.owner.email === 'string'
    && Array.isArray(d.records)
    && d.records.every((r) => isObj(r) && isU64(r.seq) && typeof r.label === 'string' && isU64(r.value) && typeof r.ok === 'boolean');
}

/**
 * Checks a decoded JSON value against the document of request `id`, field by
 * field (core's `Document::verify`): null when it is exactly that document,
 * `decode` when it is not of the document's shape, `body-mismatch` when a
 * field differs.
 */
export function documentError(d, id, bytes) {
  if (!shapeOk(d)) return 'decode';
  const owner = id % 997;
  const recs = d.records;
  let good = d.id === id
    && d.name === `item-${id}`
    && d.active === (id % 2 === 0)
    && d.score === (id % 1000) / 4
    && d.tags.length === 3 && d.tags.every((t, j) => t === `tag-${(id + j) % 7}`)
    && d.owner.id === owner && d.owner.email === `user${owner}@example.com`
    && recs.length === records(bytes);
  for (let k = 0; good && k < recs.length; k++) {
    const r = recs[k];
    good = r.seq === k && r.value === (id * 31 + k * 17) % 100000 && r.ok === ((id + k) % 3 !== 0)
      && r.label === `rec-${id}-${k}`;
  }
  return good ? null : 'body-mismatch';
}

// ---------------------------------------------------------------------------
// Samples (core's sample.rs and drive.rs)
// ---------------------------------------------------------------------------

// Core's error kinds, in report order.
export const ERROR_KINDS = ['connect', 'tls', 'timeout', 'reset', 'status', 'truncated', 'protocol', 'body-mismatch', 'decode', 'other'];

/** A template's query as httpbin echoes it in `args`: form-decoded, a key
 *  given twice keeping both values in order (core's `query_args`). */
function queryArgs(template) {
  const q = template.indexOf('?');
  const args = new Map();
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : template.slice(q + 1))) {
    if (!args.has(k)) args.set(k, []);
    args.get(k).push(v);
  }
  return args;
}

/** Whether `value` is httpbin's echo of request `id`'s query (core's `echoes`). */
function echoes(value, args, id) {
  const got = value !== null && typeof value === 'object' && !Array.isArray(value) ? value.args : undefined;
  if (got === null || typeof got !== 'object' || Array.isArray(got) || Object.keys(got).length !== args.size) {
    return false;
  }
  const i = String(id);
  for (const [key, values] of args) {
    const g = got[key.replaceAll('{i}', i)];
    const want = values.map((w) => w.replaceAll('{i}', i));
    if (want.length === 1) {
      if (typeof g !== 'string' || g !== want[0]) return false;
    } else if (!Array.isArray(g) || g.length !== want.length || g.some((x, k) => typeof x !== 'string' || x !== want[k])) {
      return false;
    }
  }
  return true;
}

/**
 * What a fan-out's answers must be, core's `Expect` (drive/request.rs), made
 * once before the clock starts. On the project's server: a 200 with core's
 * body, or core's document decoded by fetch's `res.json()`. On a foreign
 * server: a 2xx, a JSON plan's body decoded by `res.json()` (any value), and
 * what the server echoes; with no echo the content is not verified, yet a
 * success.
 */
export class Expect {
  constructor(plan, target) {
    this.plan = plan;
    this.foreign = Boolean(target.foreign);
    this.args = this.foreign && target.foreign.echo === 'args' ? queryArgs(target.foreign.url) : null;
  }

  /** How an answer with this status is read (core's `Request::body_as`):
   *  'document', 'value' or 'bytes'. */
  read(status) {
    if (this.plan.format === 'json') {
      if (!this.foreign && status === 200) return 'document';
      if (this.foreign && status >= 200 && status < 300) return 'value';
    }
    return 'bytes';
  }

  /** Whether to decode this answer's body with `res.json()`. */
  decodes(status) {
    return this.read(status) !== 'bytes';
  }

  /** An answer read as bytes, as core's `to_sample`. */
  response(id, latency, status, body) {
    const bytes = body.length;
    if (this.foreign) {
      if (status < 200 || status >= 300) return { latency, error: 'status', bytes, verified: false };
      return { latency, error: this.plan.format === 'json' ? 'decode' : null, bytes, verified: false };
    }
    if (status !== 200) return { latency, error: 'status', bytes, verified: false };
    if (this.plan.format === 'json') return { latency, error: 'decode', bytes, verified: false };
    if (verify(id, this.plan.bytes, body)) return { latency, error: null, bytes, verified: true };
    return { latency, error: bytes < this.plan.bytes ? 'truncated' : 'body-mismatch', bytes, verified: false };
  }

  /** An answer decoded by `res.json()`: core's document, checked field by
   *  field; a foreign server's value, checked for its echo. */
  decoded(id, latency, value) {
    if (!this.foreign) {
      const error = documentError(value, id, this.plan.bytes);
      return { latency, error, bytes: 0, verified: error === null };
    }
    if (this.args === null) return { latency, error: null, bytes: 0, verified: false };
    return echoes(value, this.args, id)
      ? { latency, error: null, bytes: 0, verified: true }
      : { latency, error: 'body-mismatch', bytes: 0, verified: false };
  }
}

let warnedOther = false;

/** A failed request; an unclassified error's message goes to stderr once. */
export function errorSample(latency, kind, err) {
  if (kind === 'other' && !warnedOther) {
    warnedOther = true;
    const causes = [];
    for (let e = err; e; e = e.cause) causes.push(`${e.name}: ${e.message}${e.code ? ` [${e.code}]` : ''}`);
    process.stderr.write(`note: a request failed with an error the program does not classify (counted as other; said once): ${causes.join(' <- ')}\n`);
  }
  return { latency, error: kind, bytes: 0, verified: false };
}

/** Core's `ErrorKind::in_head`: the connection ending before the response head is a `reset`. */
export const inHead = (kind) => (kind === 'truncated' ? 'reset' : kind);
/** Core's `ErrorKind::in_body`: the connection ending while the body is read is `truncated`. */
export const inBody = (kind) => (kind === 'reset' ? 'truncated' : kind);

// ---------------------------------------------------------------------------
// The heartbeat (core's heartbeat.rs)
// ---------------------------------------------------------------------------

/**
 * The record of a ticker with a fixed period. Ticks are due at
 * start + k*period (k = 1, 2, ...). When the ticker runs at time t, tick()
 * records ONE tick, for the earliest due time not yet recorded, with lateness
 * t - due, and counts the other due times <= t as missed; the next due time is
 * the first k*period after t. Integer nanoseconds (BigInt), like core.
 */
export class Heartbeat {
  constructor(periodMs) {
    this.period = BigInt(Math.max(periodMs, 1)) * 1_000_000n;
    this.start = process.hrtime.bigint();
    this.next = 1n;
    this.lateness = [];
    this.missed = 0n;
    this.stopped = false;
  }

  /** Nanoseconds from now until the next due time (may be <= 0), or null once stopped. */
  untilDue() {
    if (this.stopped) return null;
    return this.start + this.period * this.next - process.hrtime.bigint();
  }

  tick() {
    if (this.stopped) return;
    const elapsed = process.hrtime.bigint() - this.start;
    const due = this.period * this.next;
    if (elapsed < due) return;
    this.lateness.push(elapsed - due);
    const reached = elapsed / this.period;
    this.missed += reached - this.next;
    this.next = reached + 1n;
  }

  stop() {
    this.stopped = true;
  }

  /**
   * Drives the ticker on the event loop until stop(): a timer set for the
   * next due time (at most 250 ms ahead, like core's `Heartbeat::run`), then
   * tick(). A timer aimed at each due time, not `setInterval`: Node
   * re-arms an interval from when its callback ran, so on an idle loop its
   * ticks drift off the start + k*period grid (measured here: 2.6 ms median
   * lateness and 5 missed ticks a second at a 5 ms period, against 0.65 ms
   * and none for this loop), which would be charged to the fan-out.
   */
  run() {
    const loop = () => {
      const wait = this.untilDue();
      if (wait === null) return;
      if (wait > 0n) {
        this.timer = setTimeout(loop, Math.min(Math.ceil(Number(wait) / 1e6), 250));
      } else {
        this.tick();
        loop();
      }
    };
    loop();
  }

  summary() {
    const late = [...this.lateness].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((ns) => Number(ns) / 1e6);
    return {
      period_ms: Number(this.period) / 1e6,
      ticks: late.length,
      missed: Number(this.missed),
      max_lateness_ms: late.length ? late[late.length - 1] : 0,
      p99_lateness_ms: quantile(late, 0.99),
    };
  }
}

// ---------------------------------------------------------------------------
// The summary
// ---------------------------------------------------------------------------

/** Nearest-rank quantile of a sorted array; 0 when empty. */
function quantile(sorted, q) {
  if (!sorted.length) return 0;
  const rank = Math.min(Math.max(Math.ceil(q * sorted.length), 1), sorted.length);
  return sorted[rank - 1];
}

// A float in the summary: JSON.stringify writes 5.0 as 5; the other programs
// print floats with a fraction, so this one does too (a whole number gets ".0").
class Float {
  constructor(v) { this.v = v; }
}

function toJson(value) {
  if (value instanceof Float) return Number.isInteger(value.v) ? value.v.toFixed(1) : JSON.stringify(value.v);
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The summary line, key for key (see baselines/README.md). */
export function summarize(row, samples, wallMs, heartbeat) {
  const latencies = samples.filter((s) => s.error === null).map((s) => s.latency).sort((a, b) => a - b);
  const counts = {};
  for (const s of samples) if (s.error !== null) counts[s.error] = (counts[s.error] ?? 0) + 1;
  const errors = {};
  for (const k of Object.keys(counts).sort()) errors[k] = counts[k]; // a BTreeMap in Rust
  const hb = heartbeat.summary();
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
  return {
    row,
    requests: samples.length,
    ok: latencies.length,
    errors,
    verified: samples.filter((s) => s.verified).length,
    bytes: samples.reduce((a, s) => a + s.bytes, 0),
    wall_ms: new Float(wallMs),
    req_per_s: new Float(wallMs > 0 ? samples.length / (wallMs / 1e3) : 0),
    latency_ms: {
      p50: new Float(quantile(latencies, 0.5)),
      p90: new Float(quantile(latencies, 0.9)),
      p99: new Float(quantile(latencies, 0.99)),
      max: new Float(latencies.length ? latencies[latencies.length - 1] : 0),
      mean: new Float(mean),
    },
    heartbeat: {
      period_ms: new Float(hb.period_ms),
      ticks: hb.ticks,
      missed: hb.missed,
      max_lateness_ms: new Float(hb.max_lateness_ms),
      p99_lateness_ms: new Float(hb.p99_lateness_ms),
    },
  };
}

/** Prints the summary line and returns the exit code: 0 all ok, 1 any failed. */
export function report(row, target, samples, wallMs, heartbeat) {
  const s = summarize(row, samples, wallMs, heartbeat);
  process.stdout.write(`${toJson(s)}\n`);
  const failed = s.requests - s.ok;
  if (failed) {
    const kinds = Object.entries(s.errors).map(([k, n]) => `${k} ${n}`).join(', ');
    const to = target.foreign ? target.foreign.url : target.addr;
    process.stderr.write(`error: ${failed} of ${s.requests} requests to ${to} failed (${kinds})\n`);
    return 1;
  }
  return 0;
}
