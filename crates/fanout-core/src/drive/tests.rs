//! The drivers with fake fetches and no sockets: a `Send` executor
//! (futures' thread pool) and a `!Send` one (futures' local pool), both
//! with async-io's timer. Each checks what a driver promises: the bound,
//! plan order, no sample dropped, timeouts from the request's start, the
//! heartbeat.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_executor::{LocalPool, LocalSpawner, ThreadPool as FuturesPool};
use futures_util::FutureExt;
use futures_util::future::{Map, RemoteHandle};
use futures_util::task::{LocalSpawnExt, SpawnExt};

use super::*;
use crate::body;
use crate::plan::{Format, Plan};
use crate::sample::{ErrorKind, Fetched, Outcome};
use crate::{Document, Response, Target};

type Timer = Map<async_io::Timer, fn(Instant)>;

fn timer(d: Duration) -> Timer {
    FutureExt::map(async_io::Timer::after(d), drop as fn(Instant))
}

/// A `Send` executor: futures' thread pool with two threads.
#[derive(Clone)]
struct Pool(FuturesPool);

impl Executor for Pool {
    type Sleep = Timer;
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        futures_executor::block_on(future)
    }
    fn sleep(&self, d: Duration) -> Timer {
        timer(d)
    }
}

impl<F: Future<Output: Send> + Send + 'static> Spawn<F> for Pool {
    type Handle = RemoteHandle<F::Output>;
    fn spawn(&self, future: F) -> Self::Handle {
        self.0.spawn_with_handle(future).expect("spawn on the pool")
    }
}

/// A `!Send` executor: futures' local pool on the calling thread.
#[derive(Clone)]
struct Local(Rc<RefCell<LocalPool>>, LocalSpawner);

impl Executor for Local {
    type Sleep = Timer;
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.borrow_mut().run_until(future)
    }
    fn sleep(&self, d: Duration) -> Timer {
        timer(d)
    }
}

impl<F: Future + 'static> Spawn<F> for Local {
    type Handle = RemoteHandle<F::Output>;
    fn spawn(&self, future: F) -> Self::Handle {
        self.1
            .spawn_local_with_handle(future)
            .expect("spawn locally")
    }
}

fn pool() -> Pool {
    Pool(FuturesPool::builder().pool_size(2).create().unwrap())
}

fn local() -> Local {
    let pool = LocalPool::new();
    let spawner = pool.spawner();
    Local(Rc::new(RefCell::new(pool)), spawner)
}

fn target() -> Target {
    Target::parse("127.0.0.1:9").unwrap()
}

/// Counts requests in flight and the most at once.
#[derive(Default)]
struct Gauge {
    now: AtomicU64,
    peak: AtomicU64,
}

impl Gauge {
    fn enter(&self) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(n, Ordering::SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
    fn peak(&self) -> u64 {
        self.peak.load(Ordering::SeqCst)
    }
}

/// A fake fetch: `delay` on the timer, then the right body for the plan
/// (bytes or the decoded document); ids in `fail` fail with `connect`,
/// ids in `wrong` get another request's body.
fn fake(
    gauge: Arc<Gauge>,
    delay: Duration,
    bytes: u64,
    fail: fn(u64) -> bool,
    wrong: fn(u64) -> bool,
) -> impl Fn(Request) -> std::pin::Pin<Box<dyn Future<Output = Fetched> + Send>> + Clone + 'static {
    move |req: Request| {
        let gauge = Arc::clone(&gauge);
        Box::pin(async move {
            gauge.enter();
            timer(delay).await;
            gauge.leave();
            if fail(req.id) {
                return Err(ErrorKind::Connect.into());
            }
            let id = if wrong(req.id) { req.id + 1 } else { req.id };
            Ok(match req.format {
                Format::Bytes => Response::bytes(200, body::expected(id, bytes)),
                Format::Json => Response::json(200, Document::new(id, bytes)),
            })
        })
    }
}

fn never(_: u64) -> bool {
    false
}

fn check_order(out: &Outcome, n: u64) {
    assert_eq!(out.samples.len() as u64, n, "a sample was dropped");
    for (i, s) in out.samples.iter().enumerate() {
        assert_eq!(s.id, i as u64, "samples are not in plan order");
    }
}

#[test]
fn every_idiom_respects_the_bound_keeps_order_and_verifies() {
    for idiom in AsyncIdiom::ALL {
        for (n, bound, format) in [(24, Some(3), Format::Bytes), (20, None, Format::Json)] {
            let plan = Plan {
                concurrency: bound,
                format,
                bytes: 300,
                ..Plan::new(n, Duration::ZERO)
            };
            let gauge = Arc::new(Gauge::default());
            let fetch = fake(
                Arc::clone(&gauge),
                Duration::from_millis(20),
                300,
                never,
                never,
            );
            let out = run(&pool(), idiom, &plan, &target(), fetch);
            check_order(&out, n);
            assert_eq!(out.ok_count(), n, "{idiom:?}: {:?}", out.errors());
            assert!(out.samples.iter().all(|s| s.verified), "{idiom:?}");
            let want = bound.unwrap_or(n);
            assert_eq!(
                gauge.peak(),
                want,
                "{idiom:?}: peak in flight, bound {bound:?}"
            );
        }
    }
}

#[test]
fn a_thread_per_core_executor_runs_every_idiom_too() {
    for idiom in AsyncIdiom::ALL {
        let plan = Plan {
            concurrency: Some(4),
            ..Plan::new(16, Duration::ZERO)
        };
        let gauge = Arc::new(Gauge::default());
        // The local executor's futures need not be Send: hold an Rc.
        let inner = fake(
            Arc::clone(&gauge),
            Duration::from_millis(5),
            256,
            never,
            never,
        );
        let marker = Rc::new(());
        let fetch = move |req: Request| {
            let held = Rc::clone(&marker);
            let f = inner(req);
            async move {
                let out = f.await;
                drop(held);
                out
            }
        };
        let out = run(&local(), idiom, &plan, &target(), fetch);
        check_order(&out, 16);
        assert_eq!(out.ok_count(), 16, "{idiom:?}");
        assert!(gauge.peak() <= 4, "{idiom:?}");
    }
}

#[test]
fn failures_and_wrong_bodies_are_samples_with_their_kind() {
    for idiom in AsyncIdiom::ALL {
        let plan = Plan {
            concurrency: Some(8),
            ..Plan::new(40, Duration::ZERO)
        };
        let fetch = fake(
            Arc::new(Gauge::default()),
            Duration::from_millis(1),
            256,
            |id| id % 5 == 0,
            |id| id % 7 == 3,
        );
        let out = run(&pool(), idiom, &plan, &target(), fetch);
        check_order(&out, 40);
        let fail = (0..40).filter(|id| id % 5 == 0).count() as u64;
        let wrong = (0..40).filter(|id| id % 5 != 0 && id % 7 == 3).count() as u64;
        assert_eq!(
            out.errors(),
            vec![(ErrorKind::Connect, fail), (ErrorKind::BodyMismatch, wrong)],
            "{idiom:?}"
        );
    }
}

#[test]
fn a_request_that_never_ends_times_out_counted_from_its_own_start() {
    for idiom in AsyncIdiom::ALL {
        // One at a time: the third request starts ~80 ms after the first,
        // so a clock started at spawn or creation would time it out at once.
        let plan = Plan {
            concurrency: Some(1),
            timeout: Duration::from_millis(60),
            ..Plan::new(4, Duration::ZERO)
        };
        let slow = fake(
            Arc::new(Gauge::default()),
            Duration::from_millis(40),
            256,
            never,
            never,
        );
        let fetch = move |req: Request| {
            let f = slow(req.clone());
            async move {
                if req.id == 3 {
                    futures_util::future::pending::<()>().await;
                }
                f.await
            }
        };
        let out = run(&pool(), idiom, &plan, &target(), fetch);
        check_order(&out, 4);
        for s in &out.samples[..3] {
            assert!(s.ok(), "{idiom:?}: request {} ended as {:?}", s.id, s.error);
        }
        let last = &out.samples[3];
        assert_eq!(last.error, Some(ErrorKind::Timeout), "{idiom:?}");
        assert!(
            last.latency >= plan.timeout,
            "{idiom:?}: {:?}",
            last.latency
        );
        assert!(
            last.start >= Duration::from_millis(100),
            "{idiom:?}: {:?}",
            last.start
        );
    }
}

#[test]
fn the_heartbeat_ticks_while_requests_wait() {
    let plan = Plan {
        heartbeat: Duration::from_millis(5),
        ..Plan::new(10, Duration::ZERO)
    };
    let fetch = fake(
        Arc::new(Gauge::default()),
        Duration::from_millis(60),
        256,
        never,
        never,
    );
    let out = run(&pool(), AsyncIdiom::Spawn, &plan, &target(), fetch);
    assert!(out.heartbeat.ticks() >= 3, "{:?}", out.heartbeat);
}

#[test]
fn the_blocking_drivers_bound_order_and_count_every_request() {
    let gauge = Arc::new(Gauge::default());
    let g = Arc::clone(&gauge);
    let fetch = move |req: &Request| -> Fetched {
        g.enter();
        std::thread::sleep(Duration::from_millis(10));
        g.leave();
        if req.id % 4 == 1 {
            return Err(ErrorKind::Reset.into());
        }
        Ok(Response::bytes(200, body::expected(req.id, 256)))
    };
    let plan = Plan {
        concurrency: Some(3),
        ..Plan::new(18, Duration::ZERO)
    };
    let resets = (0..18).filter(|id| id % 4 == 1).count() as u64;
    let out = thread_per_request(&plan, &target(), fetch.clone());
    check_order(&out, 18);
    assert_eq!(out.errors(), vec![(ErrorKind::Reset, resets)]);
    assert_eq!(gauge.peak(), 3);

    let pool = ThreadPool::new(2).unwrap();
    let out = pool.fan_out(&plan, &target(), fetch.clone());
    check_order(&out, 18);
    assert_eq!(out.errors(), vec![(ErrorKind::Reset, resets)]);
    assert!(gauge.peak() <= 3);

    let out = sequential(&plan, &target(), fetch);
    check_order(&out, 18);
    assert_eq!(out.ok_count(), 18 - resets);
}

#[test]
fn a_json_plan_needs_a_decoded_document() {
    let plan = Plan {
        format: Format::Json,
        ..Plan::new(1, Duration::ZERO)
    };
    let expect = Expect::new(&plan, &target());
    let t = Duration::ZERO;
    let sample = |r: Response| to_sample(&expect, 0, t, t, Ok(r));
    let bytes = sample(Response::bytes(200, b"{}".to_vec()));
    assert_eq!(bytes.error, Some(ErrorKind::Decode));
    let doc = sample(Response::json(200, Document::new(0, 256)));
    assert!(doc.ok() && doc.verified);
    let other = sample(Response::json(200, Document::new(1, 256)));
    assert_eq!(other.error, Some(ErrorKind::BodyMismatch));
    let status = sample(Response::bytes(503, Vec::new()));
    assert_eq!(status.error, Some(ErrorKind::Status));
    // A generic value is not the document, verified field by field.
    let value = sample(Response::value(200, serde_json::json!({"id": 0})));
    assert_eq!(value.error, Some(ErrorKind::BodyMismatch));
    let created = sample(Response::json(201, Document::new(0, 256)));
    assert_eq!(
        created.error,
        Some(ErrorKind::Status),
        "the project's server answers 200"
    );
}

#[test]
fn requests_say_how_to_read_each_answer() {
    let json = Plan {
        format: Format::Json,
        ..Plan::new(2, Duration::ZERO)
    };
    let own = &requests(&json, &target())[1];
    assert_eq!(
        &*own.url,
        "http://127.0.0.1:9/delay/0?id=1&bytes=256&format=json"
    );
    assert_eq!(
        [200, 201, 503].map(|s| own.body_as(s)),
        [BodyAs::Document, BodyAs::Bytes, BodyAs::Bytes]
    );
    let foreign = Target::foreign("http://127.0.0.1:9/items/{i}").unwrap();
    let req = &requests(&json, &foreign)[1];
    assert_eq!(&*req.url, "http://127.0.0.1:9/items/1");
    assert_eq!(
        [200, 204, 299, 301, 404].map(|s| req.body_as(s)),
        [
            BodyAs::Value,
            BodyAs::Value,
            BodyAs::Value,
            BodyAs::Bytes,
            BodyAs::Bytes
        ]
    );
    let bytes = &requests(&Plan::new(1, Duration::ZERO), &foreign)[0];
    assert_eq!(bytes.body_as(200), BodyAs::Bytes);
}

#[test]
fn a_foreign_answer_is_checked_for_status_decoding_and_its_echo() {
    let json = Plan {
        format: Format::Json,
        ..Plan::new(1, Duration::ZERO)
    };
    let t = Duration::ZERO;
    let foreign = Target::foreign("http://127.0.0.1:9/delay/1?i={i}&tag=x+y&k={i}&k=2").unwrap();
    let judge = |plan: &Plan, target: &Target, id: u64, r: Response| {
        let s = to_sample(&Expect::new(plan, target), id, t, t, Ok(r));
        (s.error, s.verified)
    };
    // No echo: a 2xx with a decoded body succeeds, its content unverified.
    let any = serde_json::json!({"whatever": [1, 2]});
    assert_eq!(
        judge(&json, &foreign, 3, Response::value(201, any.clone())),
        (None, false)
    );
    assert_eq!(
        judge(&json, &foreign, 3, Response::value(404, any.clone())),
        (Some(ErrorKind::Status), false)
    );
    assert_eq!(
        judge(&json, &foreign, 3, Response::bytes(200, b"<html>".to_vec())),
        (Some(ErrorKind::Decode), false),
        "HTML to a JSON plan is not decoded"
    );
    assert_eq!(
        judge(
            &json,
            &foreign,
            3,
            Response::json(200, Document::new(3, 256))
        ),
        (Some(ErrorKind::BodyMismatch), false),
        "a foreign body is decoded as a value, not as the project's document"
    );
    let bytes = Plan::new(1, Duration::ZERO);
    assert_eq!(
        judge(
            &bytes,
            &foreign,
            3,
            Response::bytes(200, b"anything".to_vec())
        ),
        (None, false)
    );
    // httpbin's echo: `args` is the query, form-decoded, `{i}` replaced.
    let echo = foreign.clone().echoing(crate::Echo::Args);
    let args = |v: serde_json::Value| serde_json::json!({"args": v, "url": "ignored"});
    let good = args(serde_json::json!({"i": "3", "tag": "x y", "k": ["3", "2"]}));
    assert_eq!(
        judge(&json, &echo, 3, Response::value(200, good.clone())),
        (None, true)
    );
    for wrong in [
        args(serde_json::json!({"i": "4", "tag": "x y", "k": ["4", "2"]})),
        args(serde_json::json!({"i": "3", "tag": "x y", "k": "3"})),
        args(serde_json::json!({"i": "3", "tag": "x y", "k": ["3", "2"], "extra": "1"})),
        args(serde_json::json!({"i": 3, "tag": "x y", "k": ["3", "2"]})),
        serde_json::json!({"i": "3"}),
    ] {
        assert_eq!(
            judge(&json, &echo, 3, Response::value(200, wrong.clone())),
            (Some(ErrorKind::BodyMismatch), false),
            "{wrong}"
        );
    }
    assert_eq!(
        judge(&json, &echo, 4, Response::value(200, good)).0,
        Some(ErrorKind::BodyMismatch)
    );
}
