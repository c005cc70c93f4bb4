//! The conformance kit on every row of this crate, each against two
//! in-process target servers (two CAs, for the check that certificate
//! verification is on).

#[test]
fn every_row_conforms() {
    fanout_core::conformance::assert_rows_conform(&rt_{snake}::{Type}::rows(), || {
        fanout_server::Server::start(fanout_server::Config::default()).expect("start a server")
    });
}
