//! The conformance kit over every registered row, each against its own
//! in-process server (so one row's connections and in-flight peak never
//! count against another's). Rows run three at a time (more would load two
//! cores enough to make the heartbeat check about the machine, not the row);
//! the test prints every row's report and fails if any check of any row
//! failed.

use fanout_core::conformance;
use fanout_server::{Config, Server};

#[test]
fn every_registered_row_conforms() {
    let rows = fanout::registry::rows();
    assert!(!rows.is_empty());
    let reports: Vec<_> = rows.chunks(3).flat_map(conform_in_parallel).collect();
    let mut failed = Vec::new();
    for r in &reports {
        print!("{r}");
        if !r.passed() {
            failed.push(r.row);
        }
    }
    assert!(
        failed.is_empty(),
        "rows failing the conformance kit: {failed:?}"
    );
}

fn conform_in_parallel(rows: &[Box<dyn fanout_core::Runtime>]) -> Vec<conformance::Report> {
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .iter()
            .map(|row| {
                s.spawn(move || {
                    let server =
                        Server::start(Config::default()).expect("start an in-process server");
                    let report = conformance::check(row.as_ref(), &server);
                    server.stop();
                    report
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a conformance thread panicked"))
            .collect()
    })
}

/// Rows that break the contract on purpose: the kit must catch each one.
mod cheaters {
    use fanout_core::drive;
    use fanout_core::{
        Description, Model, Outcome, Plan, Response, Runtime, Session, StartError, Upstream,
    };

    /// Wraps a real row and bends the plan or the outcome.
    struct Cheat {
        inner: Box<dyn Runtime>,
        how: How,
    }

    #[derive(Clone, Copy)]
    enum How {
        /// Ignores the concurrency bound.
        IgnoreBound,
        /// Drops the last sample of every fan-out.
        DropSample,
        /// Never asks the server: fakes a 200 with a made-up body.
        FakeBodies,
        /// Always keeps connections alive, whatever the plan says.
        IgnoreKeepAliveOff,
    }

    impl Runtime for Cheat {
        fn id(&self) -> &'static str {
            "cheat"
        }
        fn describe(&self) -> Description {
            Description {
                model: Model::Async,
                upstream: Upstream::Maintained,
                ..self.inner.describe()
            }
        }
        fn start(&self) -> Result<Box<dyn Session>, StartError> {
            Ok(Box::new(CheatSession {
                inner: self.inner.start()?,
                how: self.how,
            }))
        }
    }

    struct CheatSession {
        inner: Box<dyn Session>,
        how: How,
    }

    impl Session for CheatSession {
        fn fan_out(&mut self, plan: &Plan) -> Outcome {
            match self.how {
                How::IgnoreBound => self.inner.fan_out(&Plan {
                    concurrency: None,
                    ..plan.clone()
                }),
                How::IgnoreKeepAliveOff => self.inner.fan_out(&Plan {
                    keep_alive: true,
                    ..plan.clone()
                }),
                How::DropSample => {
                    let mut out = self.inner.fan_out(plan);
                    out.samples.pop();
                    out
                }
                How::FakeBodies => drive::thread_per_request(plan, |_url| {
                    Ok(Response {
                        status: 200,
                        body: vec![b'x'; plan.bytes as usize].into(),
                    })
                }),
            }
        }
    }

    fn failed_checks(how: How) -> Vec<&'static str> {
        let row = Cheat {
            inner: Box::new(rt_tokio::Tokio {
                flavour: rt_tokio::Flavour::MultiThread,
                client: rt_tokio::Client::Hyper,
            }),
            how,
        };
        let server = fanout_server::Server::start(fanout_server::Config::default()).unwrap();
        let report = fanout_core::conformance::check(&row, &server);
        report
            .checks
            .iter()
            .filter(|c| c.result.is_err())
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn the_kit_catches_a_row_that_ignores_the_bound() {
        assert!(failed_checks(How::IgnoreBound).contains(&"bound"));
    }

    #[test]
    fn the_kit_catches_a_row_that_drops_a_sample() {
        assert!(failed_checks(How::DropSample).contains(&"bodies"));
    }

    #[test]
    fn the_kit_catches_a_row_that_fakes_bodies() {
        assert!(failed_checks(How::FakeBodies).contains(&"bodies"));
    }

    #[test]
    fn the_kit_catches_a_row_that_ignores_keep_alive_off() {
        assert!(failed_checks(How::IgnoreKeepAliveOff).contains(&"no-keep-alive"));
    }
}
