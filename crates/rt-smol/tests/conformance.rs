//! The conformance kit against an in-process target server.

#[test]
fn conforms() {
    for row in rt_smol::Smol::rows() {
        let server = fanout_server::Server::start(fanout_server::Config::default()).unwrap();
        fanout_core::conformance::assert_conforms(row.as_ref(), &server);
    }
}
