"""The Python port of the contract (fanout_common.py) against core's golden
vectors (baselines/vectors.json, written by `cargo xtask vectors`).

Standard library only: `python3 -m unittest discover -s baselines/python -p 'test_*.py'`
(`cargo test --workspace` runs it, crates/fanout/tests/ports.rs).
"""

import hashlib
import json
import unittest
from pathlib import Path

from fanout_common import (
    ERROR_KINDS,
    Expect,
    Plan,
    PlanError,
    Target,
    decide,
    document,
    document_error,
    expected,
    expected_kind,
    in_body,
    in_head,
    verify,
)

VECTORS = json.loads((Path(__file__).resolve().parent.parent / "vectors.json").read_text())


def plan_of(obj: dict) -> Plan:
    return Plan.from_json(json.dumps(obj))


class Urls(unittest.TestCase):
    def test_request_i_has_cores_url(self):
        target = Target.from_json(json.dumps(VECTORS["target"]))
        for case in VECTORS["urls"]:
            plan = plan_of(case["plan"])
            for r in case["requests"]:
                with self.subTest(plan=case["name"], i=r["i"]):
                    self.assertEqual(target.base_url(plan.tls) + plan.path(r["i"]), r["url"])

    def test_core_rejects_these_plans_and_so_does_the_port(self):
        for case in VECTORS["invalid_plans"]:
            with self.subTest(why=case["why"]), self.assertRaises(PlanError):
                plan_of(case["plan"])


class Bodies(unittest.TestCase):
    def test_the_byte_rule(self):
        for b in VECTORS["bodies"]:
            with self.subTest(id=b["id"], bytes=b["bytes"]):
                body = expected(b["id"], b["bytes"])
                self.assertEqual(hashlib.sha256(body).hexdigest(), b["sha256"])
                if "text" in b:
                    self.assertEqual(body.decode("ascii"), b["text"])
                self.assertTrue(verify(b["id"], b["bytes"], body))

    def test_verification(self):
        for c in VECTORS["body_checks"]:
            with self.subTest(**c):
                body = bytearray(expected(c["body_id"], c["body_bytes"]))
                if "first_byte" in c and body:
                    body[0] = ord(c["first_byte"])
                self.assertEqual(verify(c["id"], c["bytes"], bytes(body)), c["ok"])


class Documents(unittest.TestCase):
    def test_the_document_rule(self):
        for d in VECTORS["documents"]:
            with self.subTest(id=d["id"], bytes=d["bytes"]):
                self.assertEqual(document(d["id"], d["bytes"]), d["document"])
                self.assertIsNone(document_error(d["document"], d["id"], d["bytes"]))

    def test_verdicts_on_decoded_values(self):
        for c in VECTORS["document_checks"]:
            with self.subTest(value=json.dumps(c["value"])[:60]):
                self.assertEqual(document_error(c["value"], c["id"], c["bytes"]), c["kind"])


class Faults(unittest.TestCase):
    def test_each_requests_fault_and_the_counts(self):
        for case in VECTORS["faults"]:
            faults = case["faults"]
            decisions = [decide(faults, i) for i in range(case["requests"])]
            with self.subTest(faults=faults):
                self.assertEqual(decisions, case["decisions"])
                counts = {k: decisions.count(k) for k in case["counts"]}
                self.assertEqual(counts, case["counts"])
                for fmt, want in case["expected_errors"].items():
                    got = {}
                    for d in decisions:
                        if kind := expected_kind(d, fmt):
                            got[kind] = got.get(kind, 0) + 1
                    self.assertEqual(got, want, fmt)

    def test_the_plans_expected_errors(self):
        case = next(c for c in VECTORS["urls"] if c["name"] == "faults-with-stall")
        plan = plan_of(case["plan"])
        want = next(f for f in VECTORS["faults"] if f["faults"] == case["plan"]["faults"])
        self.assertEqual(plan.expected_errors(), want["expected_errors"][plan.format])

    def test_the_kind_each_fault_comes_out_as(self):
        for f in VECTORS["fault_kinds"]:
            with self.subTest(fault=f["fault"]):
                self.assertEqual(expected_kind(f["fault"], "bytes"), f["bytes"])
                self.assertEqual(expected_kind(f["fault"], "json"), f["json"])


def foreign_target(name: str) -> Target:
    case = next(t for t in VECTORS["foreign"]["targets"] if t["name"] == name)
    return Target.from_json(json.dumps(case["target"]))


def plan_for(target: Target, fmt: str = "bytes", n: int = 1) -> Plan:
    tls = target.foreign is not None and target.foreign["url"].startswith("https:")
    return plan_of({"requests": n, "delay": 0, "bytes": 256, "format": fmt, "concurrency": None,
                    "keep_alive": True, "tls": tls, "protocol": "auto", "timeout": 30000, "heartbeat": 10})


class Foreign(unittest.TestCase):
    def test_request_i_is_the_template_with_i(self):
        for case in VECTORS["foreign"]["targets"]:
            target = Target.from_json(json.dumps(case["target"]))
            urls = plan_for(target, n=max(r["i"] for r in case["requests"]) + 1).urls(target)
            for r in case["requests"]:
                with self.subTest(target=case["name"], i=r["i"]):
                    self.assertEqual(urls[r["i"]], r["url"])

    def test_how_each_answer_is_read(self):
        for case in VECTORS["foreign"]["reads"]:
            if case["target"] == "own":
                target = Target.from_json(json.dumps(VECTORS["target"]))
            else:
                target = foreign_target("https-path")
            expect = Expect(plan_for(target, case["format"]), target)
            with self.subTest(target=case["target"], format=case["format"]):
                self.assertEqual([expect.read(s) for s in case["statuses"]], case["read"])

    def test_cores_verdicts_on_foreign_answers(self):
        for c in VECTORS["foreign"]["checks"]:
            target = foreign_target(c["target"])
            expect = Expect(plan_for(target, c["format"], c["id"] + 1), target)
            with self.subTest(**{k: c[k] for k in ("target", "format", "id", "status")}, body=str(c["body"])[:40]):
                self.assertEqual(expect.read(c["status"]), c["read"])
                if c["read"] == "value":
                    try:  # the client's JSON API: a body that does not parse is `decode`
                        value = c["body"]["value"] if "value" in c["body"] else json.loads(c["body"]["text"])
                    except ValueError:
                        sample_kind, verified = "decode", False
                    else:
                        s = expect.decoded(c["id"], 0.0, value)
                        sample_kind, verified = s.error, s.verified
                else:
                    s = expect.response(c["id"], 0.0, c["status"], c["body"]["text"].encode())
                    sample_kind, verified = s.error, s.verified
                self.assertEqual((sample_kind, verified), (c["kind"], c["verified"]))


class ErrorKinds(unittest.TestCase):
    def test_the_kinds_in_cores_order_and_where_they_happened(self):
        self.assertEqual(list(ERROR_KINDS), [k["kind"] for k in VECTORS["error_kinds"]])
        for k in VECTORS["error_kinds"]:
            with self.subTest(kind=k["kind"]):
                self.assertEqual(in_head(k["kind"]), k["in_head"])
                self.assertEqual(in_body(k["kind"]), k["in_body"])


if __name__ == "__main__":
    unittest.main()
