// node-fetch-promise-all: many GETs at once with Promise.all and global fetch.
//
// What a JavaScript programmer writes for "call this API N times": Node's
// global `fetch` (undici, bundled with Node), `Promise.all` over one promise
// per URL, and — when the plan bounds the requests in flight — the usual
// few-line limiter in front of it. The heartbeat runs on the same event loop,
// so its lateness is how responsive the loop stays while the requests run.
//
//   NODE_EXTRA_CA_CERTS=/path/ca.pem node fetch_promise_all.mjs \
//     --target '{"addr":"127.0.0.1:PORT","ca":"/path/ca.pem"}' \
//     --plan '{"requests":100,"delay":100,"bytes":256,"format":"json","concurrency":null,
//              "keep_alive":true,"tls":true,"protocol":"auto","timeout":30000,"heartbeat":10}'
//
// Prints one JSON summary line (see baselines/README.md).

import { realpathSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import {
  Expect, Heartbeat, badArguments, errorSample, inBody, inHead, parseCli, report, urls,
} from './fanout_common.mjs';

const ROW = 'node-fetch-promise-all';
// Node 24's fetch speaks HTTP/1.1 only (undici's `allowH2` is off and global
// fetch takes no dispatcher without the undici package).
const CLIENT = "node's fetch (undici)";
const { plan, target } = parseCli(CLIENT, ['auto', 'http1']);

// HTTPS: global fetch has no per-call CA option; Node's documented way to
// trust another root is NODE_EXTRA_CA_CERTS, read once at start-up. The
// harness sets it to the target's CA; anything else would verify against a
// different root, so it is refused. A foreign server given without a CA is
// verified against Node's own roots (its bundled Mozilla store).
if (plan.tls && target.ca !== null) {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const real = (p) => { try { return realpathSync(p); } catch { return null; } };
  if (!extra || real(extra) === null || real(extra) !== real(target.ca)) {
    badArguments(
      `HTTPS needs NODE_EXTRA_CA_CERTS set to the target's CA file ${target.ca} `
      + `(it is ${extra ? JSON.stringify(extra) : 'unset'}): run NODE_EXTRA_CA_CERTS=${target.ca} node ...`,
    );
  }
  try {
    if (!readFileSync(extra, 'latin1').includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
  } catch (e) {
    badArguments(`cannot load the CA file ${extra} (${e.message}): give a PEM certificate`);
  }
}

// OpenSSL's certificate verification results, as Node reports them in `code`.
const CERT_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_CHAIN_TOO_LONG', 'INVALID_CA',
  'INVALID_PURPOSE', 'HOSTNAME_MISMATCH', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_REVOKED', 'PATH_LENGTH_EXCEEDED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The kind of a fetch failure, from the error and its `cause` chain: fetch
 * rejects with `TypeError: fetch failed` (or `terminated` while a body is
 * read) whose `cause` is undici's or Node's error with a `code`.
 */
function errorKind(err) {
  for (let e = err, depth = 0; e && depth < 8; e = e.cause, depth++) {
    if (e.name === 'TimeoutError') return 'timeout'; // AbortSignal.timeout fired
    if (e instanceof SyntaxError) return 'decode'; // res.json() on a body that is not JSON
    const errors = e instanceof AggregateError ? e.errors : [e]; // happy eyeballs: one per address
    for (const x of errors) {
      const code = x?.code;
      if (!code) continue;
      if (CERT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return 'tls';
      if (['ECONNREFUSED', 'EADDRNOTAVAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return 'connect';
      if (code === 'ECONNRESET' && /before secure TLS connection/.test(x.message)) return 'tls'; // handshake cut off
      if (['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code)) return 'reset';
      if (['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes(code)) return 'timeout';
      if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return 'truncated';
      if (code.startsWith('HPE_')) return 'protocol'; // llhttp could not parse the response
    }
  }
  return 'other';
}

// keep_alive off: `Connection: close` on every request. undici honours it
// (the request is marked `reset` and its socket closed after the response),
// so each request gets a fresh connection; fetch passes this header although
// the Fetch standard forbids it, on purpose (undici's maintainers).
const init = plan.keepAlive ? {} : { headers: { connection: 'close' } };

/** GET request i with global fetch; read the body whole, or decode it with
 *  `res.json()` for a JSON plan (`expect`, made before the clock starts,
 *  says which). A failure is a sample too. */
async function get(i, url) {
  const started = performance.now();
  let readingBody = false;
  try {
    // The plan's timeout covers the whole request: the signal also aborts
    // reading the body.
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(plan.timeout) });
    readingBody = true;
    if (expect.decodes(res.status)) {
      const value = await res.json();
      return expect.decoded(i, performance.now() - started, value);
    }
    const body = new Uint8Array(await res.arrayBuffer());
    return expect.response(i, performance.now() - started, res.status, body);
  } catch (err) {
    const kind = errorKind(err);
    return errorSample(performance.now() - started, readingBody ? inBody(kind) : inHead(kind), err);
  }
}

/** The usual few-line limiter: at most `n` of the tasks run at once. */
function limit(n) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= n || queue.length === 0) return;
    active++;
    const { task, resolve } = queue.shift();
    task().then(resolve).finally(() => { active--; next(); });
  };
  return (task) => new Promise((resolve) => { queue.push({ task, resolve }); next(); });
}

// Global fetch loads its implementation, undici, on its first call (some
// 25 ms here, which would land in the timed part and on the heartbeat). The
// other programs import and build their client before the clock starts; so
// does this one: `Headers` comes from the same lazily loaded module.
void new Headers();
const all = urls(plan, target);
const expect = new Expect(plan, target);
const run = plan.concurrency === null ? (task) => task() : limit(plan.concurrency);
const heartbeat = new Heartbeat(plan.heartbeat);
heartbeat.run();
const t0 = performance.now();
const samples = await Promise.all(all.map((url, i) => run(() => get(i, url))));
const wallMs = performance.now() - t0;
heartbeat.stop();
clearTimeout(heartbeat.timer);
process.exitCode = report(ROW, target, samples, wallMs, heartbeat);
