//! The conformance kit on every row of this crate, against a live server;
//! a second server (another CA) serves the `untrusted` check. Rows run one
//! after another, each against servers of its own: the kit reads the
//! server's counters around each fan-out, and the requests a row abandoned
//! in the kit's last check (`timeout`) would still finish on a shared
//! server during the next row's first check.

use fanout_server::{Config, Server};

#[test]
fn every_row_conforms() {
    for row in rt_compio::Compio::rows() {
        let server = Server::start(Config::default()).expect("the server starts");
        let other = Server::start(Config::default()).expect("the second server starts");
        let report = fanout_core::conformance::check(row.as_ref(), &server, &other);
        // Every check's line, passed or not (`cargo test -- --nocapture`).
        print!("{report}");
        assert!(
            report.passed(),
            "row {} does not conform:\n{report}",
            row.id()
        );
    }
}
