//! [`Config`]: where and how to run the server, and the values it refuses.

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// Where and how to run the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on; default `127.0.0.1` (loopback only). The
    /// certificate names `localhost`, `127.0.0.1` and `::1` only.
    pub bind: IpAddr,
    /// Port to listen on, for both `http://` and `https://`; default 0 (the
    /// kernel picks a free one).
    pub port: u16,
    /// Tokio worker threads; `None` (the default) means one per core.
    pub workers: Option<usize>,
    /// Most connections open at once, both schemes together; default
    /// 16 384. One more is accepted and closed at once with an RST (it never
    /// waits in the backlog), until some close. Keep it under the process's
    /// open-files limit.
    pub max_connections: usize,
    /// How long a client gets for its first byte, for its TLS handshake, and
    /// for each HTTP/1.1 request head; default 60 s. hyper also applies it
    /// to an idle HTTP/1.1 keep-alive connection waiting for its next
    /// request, and the server closes an HTTP/2 connection with no stream
    /// open for one to two such periods, so it is as long as common servers'
    /// idle timeouts: a client pool idle between fan-outs keeps its
    /// connections. A client that trickles its head is closed when it runs
    /// out (no response).
    pub header_read_timeout: Duration,
    /// `SETTINGS_MAX_CONCURRENT_STREAMS` of HTTP/2 connections: requests one
    /// connection may have open at once; default 100, the least RFC 9113
    /// (§6.5.2) recommends. At least 1.
    pub h2_max_streams: u32,
    /// Answer `POST /stats/reset` (otherwise 403). Off by default: a server
    /// started by hand (perhaps for another host's sweep) keeps its counters
    /// unless started with `--allow-reset`; the harness starts its server
    /// children with it. The in-process [`Server::reset_stats`](crate::Server::reset_stats) always works.
    pub allow_reset: bool,
    /// More names (DNS names or IP addresses) the certificate is valid for,
    /// beside `localhost`, `127.0.0.1` and `::1`: the address clients on
    /// other hosts use.
    pub tls_names: Vec<String>,
    /// The network round trip to emulate on every connection; default zero
    /// (none: the socket as it is, nothing in the way). Each direction is
    /// delayed by half of it, and a connection's first bytes from the
    /// client by one round trip more, for the TCP handshake loopback
    /// completes at once (see `conn/delay.rs`). At most
    /// [`fanout_core::plan::MAX_RTT`], in whole milliseconds.
    pub rtt: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            workers: None,
            max_connections: 16_384,
            header_read_timeout: Duration::from_secs(60),
            h2_max_streams: 100,
            allow_reset: false,
            tls_names: Vec::new(),
            rtt: Duration::ZERO,
        }
    }
}

impl Config {
    /// Refuses a configuration the server cannot run with (`InvalidInput`).
    pub(crate) fn check(&self) -> io::Result<()> {
        let config = self;
        let invalid = |msg: &str| Err(io::Error::new(io::ErrorKind::InvalidInput, msg.to_owned()));
        if config.workers == Some(0) {
            return invalid("workers must be at least 1 (omit it for one per core)");
        }
        if config.max_connections == 0 {
            return invalid("max_connections must be at least 1");
        }
        if config.header_read_timeout.is_zero() {
            return invalid("header_read_timeout must be greater than zero");
        }
        if config.h2_max_streams == 0 {
            return invalid("h2_max_streams must be at least 1");
        }
        if let Err(why) = fanout_core::plan::check_rtt(config.rtt) {
            return invalid(&why);
        }
        Ok(())
    }
}
