//! `cargo xtask vectors` — the golden test vectors of the contract, written
//! from `fanout-core`'s own public functions into `baselines/vectors.json`
//! (Wycheproof-style: one data file every implementation's tests read). The
//! Python (`unittest`), Node.js (`node:test`) and Go (`go test`) ports of
//! the contract check themselves against it, so a change to a rule in core
//! fails their tests until they follow.
//!
//! The file holds request `i`'s URL for several plans ([`Plan::url`]), the
//! byte bodies ([`body::expected`], with a SHA-256 of each and the text of
//! the short ones) and verdicts of [`body::verify`], JSON documents
//! ([`Document::new`]) and verdicts on decoded values (serde, then
//! [`Document::verify`]), what each fault does to each request
//! ([`Faults::decide`]) with the counts and the error kinds they must come
//! out as ([`Fault::expected_kind`]), the error kinds and their
//! `in_head`/`in_body` mapping, plans core rejects, and foreign servers
//! (`--url`): their targets as the ports read them, request `i`'s URL
//! ([`Plan::url`] on a [`Target::foreign`]), how each answer is read
//! ([`fanout_core::BodyAs`]) and core's verdict on it ([`to_sample`]). `cargo xtask
//! vectors --check` (and this crate's test) fails when the committed file
//! is not what core writes now.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use fanout_core::body;
use fanout_core::conformance::CHECK_FAULTS;
use fanout_core::document::Document;
use fanout_core::drive::{Expect, requests, to_sample};
use fanout_core::{
    BodyAs, Echo, ErrorKind, Fault, Faults, Format, Plan, Protocol, Response, Target,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The file, relative to the workspace root.
pub const PATH: &str = "baselines/vectors.json";

/// What to run to rewrite it.
pub const REGENERATE: &str = "cargo xtask vectors";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The plans whose URLs are listed, by name.
fn url_plans() -> Vec<(&'static str, Plan)> {
    let base = Plan::new(1000, ms(100));
    vec![
        ("bytes", base.clone()),
        (
            "json-https-http2-bounded",
            Plan {
                format: Format::Json,
                bytes: 2048,
                tls: true,
                protocol: Protocol::Http2,
                concurrency: Some(8),
                delay: ms(20),
                ..base.clone()
            },
        ),
        (
            "faults-with-stall",
            Plan {
                requests: 150,
                delay: ms(5),
                bytes: 1024,
                concurrency: Some(8),
                timeout: ms(500),
                faults: CHECK_FAULTS,
                ..base.clone()
            },
        ),
        (
            "faults-json-without-stall",
            Plan {
                format: Format::Json,
                faults: Faults {
                    seed: 42,
                    error: 5,
                    slow: 1,
                    ..Faults::default()
                },
                ..base.clone()
            },
        ),
        (
            "stall-capped-at-the-longest-delay",
            Plan {
                timeout: ms(60_000),
                keep_alive: false,
                delay: ms(0),
                faults: Faults {
                    seed: 9_007_199_254_740_991,
                    stall: 1000,
                    ..Faults::default()
                },
                ..base
            },
        ),
    ]
}

/// The fault settings whose decisions are listed.
fn fault_cases() -> Vec<(Faults, u64)> {
    vec![
        (CHECK_FAULTS, 150),
        (
            Faults {
                seed: 42,
                error: 100,
                reset: 50,
                stall: 0,
                truncate: 200,
                slow: 10,
                corrupt: 0,
            },
            200,
        ),
        (
            Faults {
                seed: 9_007_199_254_740_991,
                error: 0,
                reset: 0,
                stall: 0,
                truncate: 0,
                slow: 0,
                corrupt: 1000,
            },
            20,
        ),
    ]
}

fn kind(k: Option<ErrorKind>) -> Value {
    k.map_or(Value::Null, |k| json!(k.as_str()))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Core's verdict on a decoded JSON value for request `id`: `None` (it is
/// the document), `decode` (serde cannot make a `Document` of it) or
/// `body-mismatch` (a field differs).
fn document_verdict(value: &Value, id: u64, bytes: u64) -> Option<ErrorKind> {
    match serde_json::from_value::<Document>(value.clone()) {
        Err(_) => Some(ErrorKind::Decode),
        Ok(d) => d.verify(id, bytes).err().map(|_| ErrorKind::BodyMismatch),
    }
}

/// The foreign servers of the vectors, by name: as given, and what they echo.
fn foreign_targets() -> Vec<(&'static str, &'static str, Echo)> {
    vec![
        ("httpbin", "http://127.0.0.1:8000/delay/1?i={i}", Echo::Args),
        (
            "httpbin-repeated-keys",
            "http://127.0.0.1:8000/get?k={i}&k=x&tag=a+b&{i}=v",
            Echo::Args,
        ),
        (
            "https-path",
            "https://api.example.invalid/items/{i}/parts/{i}",
            Echo::Nothing,
        ),
        (
            "normalized",
            "HTTP://LocalHost:80/a b/{i}?q=x y",
            Echo::Nothing,
        ),
    ]
}

fn foreign_target(name: &str) -> Target {
    let (_, url, echo) = foreign_targets()
        .into_iter()
        .find(|(n, ..)| *n == name)
        .expect("a listed foreign target");
    Target::foreign(url)
        .expect("the listed templates are valid")
        .echoing(echo)
}

/// How `read` names a [`BodyAs`].
fn read_name(b: BodyAs) -> &'static str {
    match b {
        BodyAs::Bytes => "bytes",
        BodyAs::Document => "document",
        BodyAs::Value => "value",
    }
}

/// A foreign answer: (target, format, id, status, the body decoded or as text).
type ForeignCase = (&'static str, Format, u64, u16, Result<Value, &'static str>);

/// Foreign servers: each target as given and as the ports get it (normalized),
/// request `i`'s URL; how an answer of each status is read, on a foreign
/// server and on the project's; core's verdict on answers.
fn foreign() -> Value {
    let ids = [0u64, 3, 12_345];
    let targets: Vec<Value> = foreign_targets()
        .into_iter()
        .map(|(name, given, _)| {
            let t = foreign_target(name);
            let plan = Plan {
                tls: t.foreign_tls() == Some(true),
                ..Plan::new(1, ms(0))
            };
            json!({
                "name": name,
                "given": given,
                "target": t,
                "requests": ids
                    .iter()
                    .map(|&i| json!({"i": i, "url": plan.url(&t, i)}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let own = Target::parse("127.0.0.1:8080").expect("a literal address");
    let statuses = [200u16, 201, 204, 299, 301, 404, 503];
    let mut reads = Vec::new();
    for (name, target) in [("own", &own), ("foreign", &foreign_target("https-path"))] {
        for format in [Format::Bytes, Format::Json] {
            let plan = Plan {
                format,
                tls: target.foreign_tls().unwrap_or(false),
                ..Plan::new(1, ms(0))
            };
            let req = &requests(&plan, target)[0];
            reads.push(json!({
                "target": name,
                "format": format.as_str(),
                "statuses": statuses,
                "read": statuses.iter().map(|&s| read_name(req.body_as(s))).collect::<Vec<_>>(),
            }));
        }
    }
    // (target, format, id, status, body): a decoded value or raw text.
    let echo = |args: Value| json!({"args": args, "origin": "127.0.0.1", "url": "ignored"});
    let cases: Vec<ForeignCase> = vec![
        ("httpbin", Format::Json, 3, 200, Ok(echo(json!({"i": "3"})))),
        ("httpbin", Format::Json, 3, 201, Ok(echo(json!({"i": "3"})))),
        ("httpbin", Format::Json, 4, 200, Ok(echo(json!({"i": "3"})))),
        ("httpbin", Format::Json, 3, 200, Ok(echo(json!({"i": 3})))),
        (
            "httpbin",
            Format::Json,
            3,
            200,
            Ok(echo(json!({"i": "3", "j": "1"}))),
        ),
        ("httpbin", Format::Json, 3, 200, Ok(json!({"i": "3"}))),
        ("httpbin", Format::Json, 3, 200, Ok(json!([1, 2]))),
        (
            "httpbin",
            Format::Json,
            3,
            200,
            Err("<html>not json</html>"),
        ),
        ("httpbin", Format::Json, 3, 503, Err("")),
        (
            "httpbin-repeated-keys",
            Format::Json,
            7,
            200,
            Ok(echo(json!({"k": ["7", "x"], "tag": "a b", "7": "v"}))),
        ),
        (
            "httpbin-repeated-keys",
            Format::Json,
            7,
            200,
            Ok(echo(json!({"k": "7", "tag": "a b", "7": "v"}))),
        ),
        (
            "httpbin-repeated-keys",
            Format::Json,
            7,
            200,
            Ok(echo(json!({"k": ["x", "7"], "tag": "a b", "7": "v"}))),
        ),
        (
            "https-path",
            Format::Json,
            1,
            200,
            Ok(json!({"any": [1, "shape"]})),
        ),
        ("https-path", Format::Json, 1, 204, Err("")),
        (
            "https-path",
            Format::Json,
            1,
            404,
            Err("{\"error\": \"not found\"}"),
        ),
        ("https-path", Format::Bytes, 1, 200, Err("anything at all")),
        ("https-path", Format::Bytes, 1, 299, Err("")),
        ("https-path", Format::Bytes, 1, 301, Err("")),
    ];
    let checks: Vec<Value> = cases
        .into_iter()
        .map(|(name, format, id, status, body)| {
            let target = foreign_target(name);
            let plan = Plan {
                format,
                tls: target.foreign_tls() == Some(true),
                ..Plan::new(id + 1, ms(0))
            };
            let req = &requests(&plan, &target)[id as usize];
            let (response, shown) = match (req.body_as(status), &body) {
                (BodyAs::Value, Ok(v)) => (Response::value(status, v.clone()), json!({"value": v})),
                (BodyAs::Value, Err(text)) => {
                    // The client's JSON API fails on it: a `decode` error.
                    match serde_json::from_str::<Value>(text) {
                        Ok(v) => (Response::value(status, v), json!({"text": text})),
                        Err(_) => {
                            let s = to_sample(&Expect::new(&plan, &target), id, ms(0), ms(0), Err(ErrorKind::Decode.into()));
                            return json!({
                                "target": name, "format": format.as_str(), "id": id, "status": status,
                                "body": {"text": text}, "read": "value",
                                "kind": kind(s.error), "verified": s.verified,
                            });
                        }
                    }
                }
                (_, Ok(v)) => (
                    Response::bytes(status, v.to_string().into_bytes()),
                    json!({"text": v.to_string()}),
                ),
                (_, Err(text)) => (Response::bytes(status, text.as_bytes().to_vec()), json!({"text": text})),
            };
            let s = to_sample(&Expect::new(&plan, &target), id, ms(0), ms(0), Ok(response));
            json!({
                "target": name,
                "format": format.as_str(),
                "id": id,
                "status": status,
                "body": shown,
                "read": read_name(req.body_as(status)),
                "kind": kind(s.error),
                "verified": s.verified,
            })
        })
        .collect();
    json!({"targets": targets, "reads": reads, "checks": checks})
}

/// The whole file, as JSON.
pub fn vectors() -> Value {
    let target = Target::parse("127.0.0.1:8080").expect("a literal address");
    let ids = [0u64, 1, 9, 10, 99, 149, 12_345];
    let urls: Vec<Value> = url_plans()
        .into_iter()
        .map(|(name, plan)| {
            plan.validate().expect("the listed plans are valid");
            json!({
                "name": name,
                "plan": plan,
                "requests": ids
                    .iter()
                    .map(|&i| json!({"i": i, "url": plan.url(&target, i)}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();

    let sizes = [
        (0u64, 0u64),
        (0, 1),
        (7, 2),
        (42, 10),
        (12_345, 3),
        (99, 64),
        (63, 130),
        (64, 1000),
        (99_999, 65_553),
    ];
    let bodies: Vec<Value> = sizes
        .iter()
        .map(|&(id, n)| {
            let b = body::expected(id, n);
            let mut v = json!({"id": id, "bytes": n, "sha256": sha256(&b)});
            if n <= 200 {
                v["text"] = json!(String::from_utf8(b).expect("the rule writes ASCII"));
            }
            v
        })
        .collect();
    // (id, bytes) checked against the body of (body_id, body_bytes), its
    // first byte replaced when given (the `corrupt` fault writes `!`).
    let checks: [(u64, u64, u64, u64, Option<u8>); 7] = [
        (5, 2000, 5, 2000, None),
        (5, 2000, 6, 2000, None),
        (5, 2000, 69, 2000, None),
        (5, 2000, 5, 2001, None),
        (5, 2000, 5, 1999, None),
        (5, 2000, 5, 2000, Some(b'!')),
        (0, 0, 0, 0, None),
    ];
    let body_checks: Vec<Value> = checks
        .iter()
        .map(|&(id, n, bid, bn, first)| {
            let mut b = body::expected(bid, bn);
            if let (Some(c), Some(b0)) = (first, b.first_mut()) {
                *b0 = c;
            }
            let mut v = json!({
                "id": id, "bytes": n, "body_id": bid, "body_bytes": bn,
                "ok": body::verify(id, n, &b).is_ok(),
            });
            if let Some(c) = first {
                v["first_byte"] = json!(char::from(c).to_string());
            }
            v
        })
        .collect();

    let documents: Vec<Value> = [(7u64, 2048u64), (0, 0), (996, 100), (1000, 168), (31, 56)]
        .iter()
        .map(|&(id, n)| json!({"id": id, "bytes": n, "document": Document::new(id, n)}))
        .collect();
    let doc = serde_json::to_value(Document::new(7, 100)).expect("a document serializes");
    let with = |key: &str, v: Value| {
        let mut d = doc.clone();
        d[key] = v;
        d
    };
    let mut fewer = doc.clone();
    fewer["records"].as_array_mut().expect("records").pop();
    let values = [
        doc.clone(),
        serde_json::to_value(Document::new(8, 100)).expect("a document serializes"),
        json!([1]),
        json!("item-7"),
        with("id", json!(true)),
        with("tags", json!("tag-0")),
        with("score", json!(1.5)),
        with("name", json!("item-8")),
        fewer,
    ];
    let document_checks: Vec<Value> = values
        .into_iter()
        .map(|v| {
            let k = document_verdict(&v, 7, 100);
            json!({"id": 7, "bytes": 100, "value": v, "kind": kind(k)})
        })
        .collect();

    let faults: Vec<Value> = fault_cases()
        .into_iter()
        .map(|(f, n)| {
            let mut expected: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
            for format in [Format::Bytes, Format::Json] {
                let by_kind = expected.entry(format.as_str()).or_default();
                for fault in Fault::ALL {
                    if let Some(k) = fault.expected_kind(format) {
                        let c = f.count(fault, n);
                        if c > 0 {
                            *by_kind.entry(k.as_str()).or_default() += c;
                        }
                    }
                }
            }
            json!({
                "faults": f,
                "requests": n,
                "decisions": (0..n)
                    .map(|i| f.decide(i).map_or(Value::Null, |d| json!(d.as_str())))
                    .collect::<Vec<_>>(),
                "counts": Fault::ALL
                    .iter()
                    .map(|&x| (x.as_str(), f.count(x, n)))
                    .collect::<BTreeMap<_, _>>(),
                "expected_errors": expected,
            })
        })
        .collect();
    let fault_kinds: Vec<Value> = Fault::ALL
        .iter()
        .map(|&f| {
            json!({
                "fault": f.as_str(),
                "bytes": kind(f.expected_kind(Format::Bytes)),
                "json": kind(f.expected_kind(Format::Json)),
            })
        })
        .collect();
    let error_kinds: Vec<Value> = ErrorKind::ALL
        .iter()
        .map(|&k| {
            json!({
                "kind": k.as_str(),
                "in_head": k.in_head().as_str(),
                "in_body": k.in_body().as_str(),
            })
        })
        .collect();

    let valid = serde_json::to_value(Plan::new(10, ms(0))).expect("a plan serializes");
    let invalid_with = |key: &str, v: Value| {
        let mut p = valid.clone();
        p[key] = v;
        p
    };
    let mut http2_close = invalid_with("protocol", json!("http2"));
    http2_close["keep_alive"] = json!(false);
    let mut too_big_json = invalid_with("format", json!("json"));
    too_big_json["bytes"] = json!(4 * 1024 * 1024 + 1);
    let invalid: Vec<Value> = [
        invalid_with("requests", json!(0)),
        invalid_with("requests", json!(1_000_001)),
        invalid_with("delay", json!(60_001)),
        invalid_with("bytes", json!(64 * 1024 * 1024 + 1)),
        too_big_json,
        invalid_with("concurrency", json!(0)),
        invalid_with("timeout", json!(0)),
        invalid_with("heartbeat", json!(0)),
        http2_close,
        invalid_with("protocol", json!("http3")),
        invalid_with("format", json!("xml")),
        invalid_with("requests", json!(-1)),
        invalid_with(
            "faults",
            json!({"seed": 1, "error": 500, "reset": 501, "stall": 0, "truncate": 0, "slow": 0}),
        ),
    ]
    .into_iter()
    .map(|p| {
        let why = match serde_json::from_value::<Plan>(p.clone()) {
            Err(e) => format!("does not parse: {e}"),
            Ok(plan) => match plan.validate() {
                Err(e) => e.to_string(),
                Ok(()) => panic!("a plan listed as invalid is valid: {p}"),
            },
        };
        json!({"plan": p, "why": why})
    })
    .collect();

    json!({
        "about": format!(
            "Golden test vectors of fanout's contract, written by `{REGENERATE}` from fanout-core's \
             own functions. The Python, Node.js and Go ports' tests read this file. Do not edit it: \
             change core, then run `{REGENERATE}`."
        ),
        "target": target,
        "urls": urls,
        "bodies": bodies,
        "body_checks": body_checks,
        "documents": documents,
        "document_checks": document_checks,
        "faults": faults,
        "fault_kinds": fault_kinds,
        "error_kinds": error_kinds,
        "invalid_plans": invalid,
        "foreign": foreign(),
    })
}

/// The file's text: pretty-printed, one trailing newline.
pub fn render() -> String {
    let mut s = serde_json::to_string_pretty(&vectors()).expect("vectors serialize");
    s.push('\n');
    s
}

/// Writes the file under `root`, or with `check` fails when it differs.
pub fn run(root: &Path, check: bool) -> anyhow::Result<()> {
    let path = root.join(PATH);
    let want = render();
    if check {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            bail!("{PATH} is not what fanout-core writes now: run `{REGENERATE}` and commit it");
        }
        return Ok(());
    }
    std::fs::write(&path, want).with_context(|| format!("cannot write {}", path.display()))
}
