//! The conformance kit on this crate's rows (also run for every registered
//! row by `crates/fanout/tests/conformance.rs`).

#[test]
fn conforms() {
    for row in rt_{snake}::{Type}::rows() {
        let server = fanout_server::Server::start(fanout_server::Config::default()).expect("start the server");
        fanout_core::conformance::assert_conforms(row.as_ref(), &server);
    }
}
