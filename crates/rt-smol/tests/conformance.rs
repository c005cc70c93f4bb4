//! The conformance kit on every row of this crate, each against two
//! in-process target servers of its own (two CAs, for the check that
//! certificate verification is on; servers of its own, so requests one row
//! abandoned in the `timeout` check never land in another row's counters).

#[test]
fn every_row_conforms() {
    fanout_core::conformance::assert_rows_conform(&rt_smol::Smol::rows(), || {
        fanout_server::Server::start(fanout_server::Config::default()).expect("start a server")
    });
}
