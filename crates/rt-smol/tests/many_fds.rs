//! Every row must connect when its sockets get descriptors above 1023, as
//! they do in the `c10k` workload. A libcurl that waits with `select()` fails
//! those connections: curl-sys's vendored build (curl 8.22) is one unless
//! `-DHAVE_POLL` reaches it, as `.cargo/config.toml` arranges (see README).

use std::time::Duration;

use fanout_core::Plan;
use fanout_server::{Config, Server};

#[test]
fn connects_with_descriptors_above_1023() {
    let server = Server::start(Config::default()).unwrap();
    let held: Result<Vec<_>, _> = (0..1100)
        .map(|_| std::fs::File::open("/dev/null"))
        .collect();
    let Ok(_held) = held else {
        eprintln!("skipped: cannot open 1100 files here (raise `ulimit -n`)");
        return;
    };
    for tls in [false, true] {
        for row in rt_smol::Smol::rows() {
            let plan = Plan {
                tls,
                ..Plan::new(10, Duration::from_millis(1))
            };
            let out = row.start(&server.target()).unwrap().fan_out(&plan).unwrap();
            assert_eq!(
                out.ok_count(),
                10,
                "{} ({}): {:?} with descriptors above 1023 (libcurl {}: a build that waits with select()?)",
                row.id(),
                plan.scheme(),
                out.errors(),
                curl::Version::get().version()
            );
        }
    }
}
