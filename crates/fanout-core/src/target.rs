//! [`Target`]: *where* a plan runs — the server's address and, for HTTPS,
//! the CA certificate to trust — given beside the [`crate::Plan`], never
//! inside it. And [`TargetServer`]: a live server the conformance kit can
//! drive and inspect.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::PlanError;
use crate::stats::ServerStats;

/// Where a plan runs: one server address serving both plain HTTP and HTTPS
/// (the plan's `tls` picks the scheme), and the CA that signed its
/// certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// `HOST:PORT`, e.g. `127.0.0.1:40123` or `[::1]:40123`.
    pub addr: String,
    /// The PEM file of the CA certificate to trust for HTTPS — the only root
    /// a row trusts. `None`: HTTPS is not available on this target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
}

impl Target {
    /// A target at `addr` (`HOST:PORT`, or `http://HOST:PORT` / `https://…`
    /// with nothing after the port) with no CA.
    pub fn parse(addr: &str) -> Result<Target, PlanError> {
        let bad = || PlanError::Target(addr.to_string());
        let rest = addr.trim().trim_end_matches('/');
        let rest = rest
            .strip_prefix("http://")
            .or_else(|| rest.strip_prefix("https://"))
            .unwrap_or(rest);
        let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
        let host_ok = !host.is_empty()
            && !host.contains(['/', '?', '#', '@', ' '])
            && (!host.contains(':') || (host.starts_with('[') && host.ends_with(']')));
        if !host_ok || port.parse::<u16>().is_err() {
            return Err(bad());
        }
        Ok(Target {
            addr: rest.to_string(),
            ca: None,
        })
    }

    /// The same target, trusting the CA in the PEM file at `ca`.
    pub fn with_ca(self, ca: impl Into<PathBuf>) -> Target {
        Target {
            ca: Some(ca.into()),
            ..self
        }
    }

    /// `http://ADDR` or `https://ADDR`.
    pub fn base_url(&self, tls: bool) -> String {
        format!("{}://{}", if tls { "https" } else { "http" }, self.addr)
    }

    /// The CA certificate as PEM bytes, for rows that take it in memory.
    pub fn ca_pem(&self) -> Result<Vec<u8>, String> {
        let path = self.ca_path()?;
        std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))
    }

    /// The CA file, or why there is none.
    pub fn ca_path(&self) -> Result<&Path, String> {
        self.ca
            .as_deref()
            .ok_or_else(|| format!("the target {} has no CA certificate for HTTPS", self.addr))
    }
}

/// A live target server the conformance kit can drive and inspect.
pub trait TargetServer {
    /// Where it listens, with its CA.
    fn target(&self) -> Target;
    /// A snapshot of the server's counters.
    fn stats(&self) -> ServerStats;
    /// Zeroes the counters (except `in_flight`, which is live) and sets
    /// `peak_in_flight` to the current `in_flight`.
    fn reset_stats(&self);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_or_without_a_scheme() {
        for (s, addr) in [
            ("127.0.0.1:9", "127.0.0.1:9"),
            ("http://127.0.0.1:9/", "127.0.0.1:9"),
            ("https://localhost:443", "localhost:443"),
            ("[::1]:8080", "[::1]:8080"),
        ] {
            assert_eq!(Target::parse(s).unwrap().addr, addr, "{s}");
        }
        for bad in [
            "",
            "127.0.0.1",
            "ftp://x:1",
            "http://h:1/path",
            "h:99999",
            "::1:80",
            "h :1",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
        let t = Target::parse("h:1").unwrap();
        assert_eq!(t.base_url(true), "https://h:1");
        assert!(t.ca_pem().unwrap_err().contains("no CA"));
    }
}
