//! Both rows must connect when their sockets get descriptors above 1023, as
//! they do in the `c10k` workload. A libcurl that waits with `select()` fails
//! those connections: curl-sys's vendored build (curl 8.22) is one unless
//! `-DHAVE_POLL` reaches it, as `.cargo/config.toml` arranges (see README).

use std::time::Duration;

#[test]
fn connects_with_descriptors_above_1023() {
    let server = fanout_server::Server::start(fanout_server::Config::default()).unwrap();
    let held: Result<Vec<_>, _> = (0..1100)
        .map(|_| std::fs::File::open("/dev/null"))
        .collect();
    let Ok(_held) = held else {
        eprintln!("skipped: cannot open 1100 files here (raise `ulimit -n`)");
        return;
    };
    for row in rt_smol::Smol::rows() {
        let plan = fanout_core::Plan::new(server.base_url(), 10, Duration::from_millis(1));
        let out = row.start().unwrap().fan_out(&plan);
        assert_eq!(
            out.ok_count(),
            10,
            "{}: {:?} with descriptors above 1023 (libcurl {}: a build that waits with select()?)",
            row.id(),
            out.errors(),
            curl::Version::get().version()
        );
    }
}
