//! The conformance kit must catch rows that break the contract on purpose:
//! each cheater wraps a real row (or a real client) and bends one rule, and
//! the kit's check for that rule must fail. (Every registered row runs the
//! kit in its own crate's `tests/conformance.rs`; the tidy test checks
//! that each row crate has one.)

use fanout_core::drive::{self, Request};
use fanout_core::{
    Body, BodyAs, Description, ErrorKind, FetchError, Fetched, Model, Outcome, Plan, Protocol,
    Response, Row, Session, StartError, Target,
};
use fanout_server::{Config, Server};

/// Wraps a real row and bends the plan or the outcome.
struct Cheat {
    inner: Box<dyn Row>,
    how: How,
}

#[derive(Clone, Copy, Debug)]
enum How {
    /// Ignores the concurrency bound.
    IgnoreBound,
    /// Drops the last sample of every fan-out.
    DropSample,
    /// Never asks the server: fakes a 200 with a made-up body.
    FakeBodies,
    /// Always keeps connections alive, whatever the plan says.
    IgnoreKeepAliveOff,
    /// Hands JSON bodies over undecoded.
    SkipDecode,
    /// Says it can be held to HTTP/2 but speaks HTTP/1.1.
    ProtocolLie,
    /// Turns certificate verification off (a client built here, in a test:
    /// no row crate may do this).
    VerifyOff,
    /// Decodes every JSON body as the project's document, a foreign
    /// server's too (the special path of a row that knows only its server).
    DocumentOnly,
    /// Decodes every JSON body as any JSON value, the project's documents
    /// too (skipping their field-by-field check).
    ValueOnly,
}

impl Row for Cheat {
    fn id(&self) -> &'static str {
        "cheat"
    }
    fn describe(&self) -> Description {
        Description {
            model: Model::Async,
            ..self.inner.describe()
        }
    }
    fn start(&self, target: &Target) -> Result<Box<dyn Session>, StartError> {
        Ok(Box::new(CheatSession {
            inner: self.inner.start(target)?,
            target: target.clone(),
            how: self.how,
        }))
    }
}

struct CheatSession {
    inner: Box<dyn Session>,
    target: Target,
    how: How,
}

impl Session for CheatSession {
    fn fan_out(&mut self, plan: &Plan) -> Result<Outcome, StartError> {
        match self.how {
            How::IgnoreBound => self.inner.fan_out(&Plan {
                concurrency: None,
                ..plan.clone()
            }),
            How::IgnoreKeepAliveOff => self.inner.fan_out(&Plan {
                keep_alive: true,
                ..plan.clone()
            }),
            How::ProtocolLie => self.inner.fan_out(&Plan {
                protocol: if plan.protocol == Protocol::Http2 {
                    Protocol::Http1
                } else {
                    plan.protocol
                },
                ..plan.clone()
            }),
            How::DropSample => {
                let mut out = self.inner.fan_out(plan)?;
                out.samples.pop();
                Ok(out)
            }
            How::FakeBodies => Ok(drive::thread_per_request(plan, &self.target, |_| {
                Ok(Response::bytes(200, vec![b'x'; plan.bytes as usize]))
            })),
            How::SkipDecode => Ok(drive::thread_per_request(plan, &self.target, |req| {
                let out = blocking_get(req, &self.target, false, None)?;
                Ok(match out.body {
                    Body::Json(_) => Response::bytes(out.status, b"{}".to_vec()),
                    _ => out,
                })
            })),
            How::VerifyOff => Ok(drive::thread_per_request(plan, &self.target, |req| {
                blocking_get(req, &self.target, true, None)
            })),
            How::DocumentOnly => Ok(drive::thread_per_request(plan, &self.target, |req| {
                blocking_get(req, &self.target, false, Some(BodyAs::Document))
            })),
            How::ValueOnly => Ok(drive::thread_per_request(plan, &self.target, |req| {
                blocking_get(req, &self.target, false, Some(BodyAs::Value))
            })),
        }
    }
}

/// A GET with a blocking client built here (ureq) trusting `target`'s CA,
/// decoding JSON plans; `insecure` turns certificate verification off;
/// `json`, when given, decodes any JSON body that way instead of the way
/// core says.
fn blocking_get(req: &Request, target: &Target, insecure: bool, json: Option<BodyAs>) -> Fetched {
    let mut tls = ureq::tls::TlsConfig::builder().disable_verification(insecure);
    if let Ok(pem) = target.ca_pem() {
        let ca = ureq::tls::Certificate::from_pem(&pem)
            .map_err(|e| FetchError::new(ErrorKind::Other, e))?
            .to_owned();
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
            ca,
        ])));
    }
    let tls = tls.build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .into();
    let mut resp = agent.get(&*req.url).call().map_err(|e| {
        let kind = match e {
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => ErrorKind::Tls,
            _ => ErrorKind::Other,
        };
        FetchError::new(kind, e)
    })?;
    let status = resp.status().as_u16();
    let decode = |e| FetchError::new(ErrorKind::Decode, e);
    let body_as = match (req.body_as(status), json) {
        (BodyAs::Bytes, _) | (_, None) => req.body_as(status),
        (_, Some(forced)) => forced,
    };
    let body = resp.body_mut();
    Ok(match body_as {
        BodyAs::Document => Response::json(status, body.read_json().map_err(decode)?),
        BodyAs::Value => Response::value(status, body.read_json().map_err(decode)?),
        BodyAs::Bytes => Response::bytes(
            status,
            body.read_to_vec()
                .map_err(|e| FetchError::new(ErrorKind::Other, e))?,
        ),
    })
}

fn tokio_hyper() -> Box<dyn Row> {
    rt_tokio::Tokio::rows()
        .into_iter()
        .find(|r| r.id() == "tokio-hyper")
        .expect("tokio-hyper is registered")
}

fn failed_checks(how: How) -> Vec<&'static str> {
    let row = Cheat {
        inner: tokio_hyper(),
        how,
    };
    let start = || Server::start(Config::default()).expect("start a server");
    let (server, other) = (start(), start());
    let report = fanout_core::conformance::check(&row, &server, &other);
    let failed: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.result.is_err())
        .map(|c| c.name)
        .collect();
    println!("{how:?}: failed {failed:?}");
    failed
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

#[test]
fn the_kit_catches_a_row_that_does_not_decode_json() {
    let failed = failed_checks(How::SkipDecode);
    assert!(
        failed.contains(&"json") && failed.contains(&"https"),
        "{failed:?}"
    );
}

#[test]
fn the_kit_catches_a_row_that_does_not_speak_the_protocol_it_claims() {
    assert!(failed_checks(How::ProtocolLie).contains(&"http2"));
}

#[test]
fn the_kit_catches_a_row_that_does_not_verify_certificates() {
    assert!(failed_checks(How::VerifyOff).contains(&"untrusted"));
}

#[test]
fn the_kit_catches_a_row_that_decodes_a_foreign_body_as_the_document() {
    let failed = failed_checks(How::DocumentOnly);
    assert!(
        failed.contains(&"foreign") && !failed.contains(&"json"),
        "{failed:?}"
    );
}

#[test]
fn the_kit_catches_a_row_that_decodes_the_document_as_any_value() {
    let failed = failed_checks(How::ValueOnly);
    assert!(
        failed.contains(&"json") && !failed.contains(&"bodies"),
        "{failed:?}"
    );
}
