// The Node.js port of the contract (fanout_common.mjs) against core's golden
// vectors (baselines/vectors.json, written by `cargo xtask vectors`).
//
//   node --test baselines/node/contract.test.mjs
//
// (`cargo test --workspace` runs it with the project's Node.js,
// crates/fanout/tests/ports.rs.) No npm packages: node:test and node:assert.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  ERROR_KINDS, Expect, PlanError, decide, documentError, expected, expectedKind, inBody, inHead, parsePlan, parseTarget,
  path, urls, verify,
} from './fanout_common.mjs';

const VECTORS = JSON.parse(readFileSync(new URL('../vectors.json', import.meta.url), 'utf8'));

test("request i has core's URL", () => {
  const target = parseTarget(JSON.stringify(VECTORS.target));
  for (const c of VECTORS.urls) {
    const plan = parsePlan(JSON.stringify(c.plan));
    for (const r of c.requests) {
      const base = `${plan.tls ? 'https' : 'http'}://${target.addr}`;
      assert.equal(base + path(plan, r.i), r.url, `${c.name}, request ${r.i}`);
    }
  }
});

test('core rejects these plans and so does the port', () => {
  for (const c of VECTORS.invalid_plans) {
    assert.throws(() => parsePlan(JSON.stringify(c.plan)), PlanError, c.why);
  }
});

test('the byte rule', () => {
  for (const b of VECTORS.bodies) {
    const body = expected(b.id, b.bytes);
    assert.equal(createHash('sha256').update(body).digest('hex'), b.sha256, `body ${b.id}, ${b.bytes} bytes`);
    if ('text' in b) assert.equal(body.toString('latin1'), b.text);
    assert.ok(verify(b.id, b.bytes, body), `verify ${b.id}, ${b.bytes}`);
  }
});

test('byte body verification', () => {
  for (const c of VECTORS.body_checks) {
    const body = expected(c.body_id, c.body_bytes);
    if ('first_byte' in c && body.length > 0) body[0] = c.first_byte.charCodeAt(0);
    assert.equal(verify(c.id, c.bytes, body), c.ok, JSON.stringify(c));
  }
});

test('the document rule', () => {
  for (const d of VECTORS.documents) {
    assert.equal(documentError(d.document, d.id, d.bytes), null, `document ${d.id}, ${d.bytes} bytes`);
  }
});

test('verdicts on decoded values', () => {
  for (const c of VECTORS.document_checks) {
    assert.equal(documentError(c.value, c.id, c.bytes), c.kind, JSON.stringify(c.value).slice(0, 60));
  }
});

test("each request's fault, the counts, and the errors they must give", () => {
  for (const c of VECTORS.faults) {
    const decisions = Array.from({ length: c.requests }, (_, i) => decide(c.faults, i));
    assert.deepEqual(decisions, c.decisions, JSON.stringify(c.faults));
    for (const [kind, n] of Object.entries(c.counts)) {
      assert.equal(decisions.filter((d) => d === kind).length, n, kind);
    }
    for (const [format, want] of Object.entries(c.expected_errors)) {
      const got = {};
      for (const d of decisions) {
        const kind = d && expectedKind(d, format);
        if (kind) got[kind] = (got[kind] ?? 0) + 1;
      }
      assert.deepEqual(got, want, format);
    }
  }
});

test('the kind each fault comes out as', () => {
  for (const f of VECTORS.fault_kinds) {
    assert.equal(expectedKind(f.fault, 'bytes'), f.bytes, f.fault);
    assert.equal(expectedKind(f.fault, 'json'), f.json, f.fault);
  }
});

test("the error kinds in core's order, and where they happened", () => {
  assert.deepEqual(ERROR_KINDS, VECTORS.error_kinds.map((k) => k.kind));
  for (const k of VECTORS.error_kinds) {
    assert.equal(inHead(k.kind), k.in_head, k.kind);
    assert.equal(inBody(k.kind), k.in_body, k.kind);
  }
});

const foreignTarget = (name) => parseTarget(JSON.stringify(VECTORS.foreign.targets.find((t) => t.name === name).target));
const planFor = (target, format = 'bytes', requests = 1) => parsePlan(JSON.stringify({
  requests, delay: 0, bytes: 256, format, concurrency: null, keep_alive: true,
  tls: Boolean(target.foreign && target.foreign.url.startsWith('https:')), protocol: 'auto', timeout: 30000, heartbeat: 10,
}));

test("a foreign server's request i is the template with i", () => {
  for (const c of VECTORS.foreign.targets) {
    const target = parseTarget(JSON.stringify(c.target));
    const all = urls(planFor(target, 'bytes', Math.max(...c.requests.map((r) => r.i)) + 1), target);
    for (const r of c.requests) assert.equal(all[r.i], r.url, `${c.name}, request ${r.i}`);
  }
});

test('how each answer is read', () => {
  for (const c of VECTORS.foreign.reads) {
    const target = c.target === 'own' ? parseTarget(JSON.stringify(VECTORS.target)) : foreignTarget('https-path');
    const expect = new Expect(planFor(target, c.format), target);
    assert.deepEqual(c.statuses.map((s) => expect.read(s)), c.read, `${c.target}, ${c.format}`);
  }
});

test("core's verdicts on foreign answers", () => {
  for (const c of VECTORS.foreign.checks) {
    const target = foreignTarget(c.target);
    const expect = new Expect(planFor(target, c.format, c.id + 1), target);
    const what = JSON.stringify(c);
    assert.equal(expect.read(c.status), c.read, what);
    let s;
    if (c.read === 'value') {
      let value;
      try { // res.json(): a body that does not parse is `decode`
        value = 'value' in c.body ? c.body.value : JSON.parse(c.body.text);
      } catch {
        s = { error: 'decode', verified: false };
      }
      s ??= expect.decoded(c.id, 0, value);
    } else {
      s = expect.response(c.id, 0, c.status, Buffer.from(c.body.text));
    }
    assert.deepEqual([s.error, s.verified], [c.kind, c.verified], what);
  }
});
