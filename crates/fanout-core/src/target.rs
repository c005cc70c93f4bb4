//! [`Target`]: *where* a plan runs — the server's address and, for HTTPS,
//! the CA certificate to trust — given beside the [`crate::Plan`], never
//! inside it. A target is the project's own server (`fanout serve`, whose
//! URL scheme core writes and whose counters the harness reads), or a
//! [`Foreign`] server given by a URL template (`--url`). And
//! [`TargetServer`]: a live server the conformance kit can drive and
//! inspect.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::{Format, Plan, PlanError};
use crate::stats::ServerStats;

/// Where a plan runs: one server address serving both plain HTTP and HTTPS
/// (the plan's `tls` picks the scheme), and the CA that signed its
/// certificate; or a [`Foreign`] server, whose URL template says it all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Target {
    /// `HOST:PORT`, e.g. `127.0.0.1:40123` or `[::1]:40123` (a foreign
    /// server's: its template's host and port).
    pub addr: String,
    /// The PEM file of the CA certificate to trust for HTTPS — then the only
    /// root a row trusts. `None`: each row's usual trust roots
    /// ([`crate::Description::roots`]), which the project's own server's
    /// throwaway CA is never among.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
    /// A server that is not the project's own: every request's URL comes
    /// from its template; `None`: the project's own server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign: Option<Foreign>,
}

/// A server that is not the project's own (`--url`): request `i` fetches
/// its template with `{i}` replaced by `i`. What can be checked is checked
/// — a 2xx status and, for a JSON plan, a body the client's own JSON API
/// decodes — plus what it [`Echo`]es; the plan's delay, body size and
/// faults are not sent (there is no one to send them to), and the server's
/// counters are not available.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Foreign {
    /// The URL template, normalized ([`Target::foreign`]): `http` or
    /// `https`, `{i}` only in the path and query.
    pub url: String,
    /// What its answers echo of the request, checked too.
    #[serde(default, skip_serializing_if = "Echo::is_nothing")]
    pub echo: Echo,
}

/// What a foreign server's answers echo of the request, so that their
/// content can be verified after all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Echo {
    /// Nothing known: status and decoding are all that is checked.
    #[default]
    Nothing,
    /// httpbin's: the JSON body's `args` object is the URL's query,
    /// form-decoded, `{i}` replaced — each key's value a string, or a list
    /// of strings for a key given more than once.
    Args,
}

impl Echo {
    /// Nothing echoed (the default, left out of JSON).
    pub fn is_nothing(&self) -> bool {
        *self == Echo::Nothing
    }
}

/// What stands for `{i}` while a template is parsed: letters and `_` only,
/// which no part of a URL escapes or changes.
const MARK: &str = "fanout_index_mark";

impl Foreign {
    /// Request `i`'s URL: the template, `{i}` replaced.
    pub fn url(&self, i: u64) -> String {
        self.url.replace("{i}", &i.to_string())
    }
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
            foreign: None,
        })
    }

    /// A foreign server, from a URL template such as
    /// `https://api.example.com/items/{i}`: an `http` or `https` URL with a
    /// host, no user name or password, no fragment, `{i}` (every occurrence
    /// replaced by the request's index) only in the path and query. Kept
    /// normalized (WHATWG URL rules), so that every row and reference
    /// program fetches the very same URL; nothing is resolved.
    pub fn foreign(template: &str) -> Result<Target, PlanError> {
        let bad = |why: String| Err(PlanError::Url(why));
        let marked = template.trim().replace("{i}", MARK);
        let url = match url::Url::parse(&marked) {
            Ok(u) => u,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                return bad(
                    "not a URL: it has no scheme; write e.g. http://127.0.0.1:8000/items/{i}"
                        .into(),
                );
            }
            Err(e) => {
                return bad(format!(
                    "not a URL ({e}): write e.g. http://127.0.0.1:8000/items/{{i}}"
                ));
            }
        };
        if !matches!(url.scheme(), "http" | "https") {
            return bad(format!(
                "the scheme {:?} is not http or https: write e.g. https://api.example.com/items/{{i}}",
                url.scheme()
            ));
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return bad("the URL has no host: write e.g. http://127.0.0.1:8000/items/{i}".into());
        };
        if host.contains(MARK) {
            return bad(
                "{i} may stand in the path and the query only, not in the host or port".into(),
            );
        }
        if !url.username().is_empty() || url.password().is_some() {
            return bad(
                "a user name or password in the URL is not supported: remove `user@`".into(),
            );
        }
        if url.fragment().is_some() {
            return bad("a fragment (#…) is never sent to the server: remove it".into());
        }
        let port = url
            .port_or_known_default()
            .expect("http and https have default ports");
        Ok(Target {
            addr: format!("{host}:{port}"),
            ca: None,
            foreign: Some(Foreign {
                url: url.as_str().replace(MARK, "{i}"),
                echo: Echo::Nothing,
            }),
        })
    }

    /// The same foreign target, its answers echoing `echo`.
    pub fn echoing(self, echo: Echo) -> Target {
        Target {
            foreign: self.foreign.map(|f| Foreign { echo, ..f }),
            ..self
        }
    }

    /// Whether the host is this machine's loopback: `localhost`, or an
    /// address in 127.0.0.0/8 or `::1` (IPv4-mapped too). Any other name is
    /// not, whatever it resolves to: nothing is looked up.
    pub fn is_loopback(&self) -> bool {
        let host = self
            .addr
            .rsplit_once(':')
            .map_or(self.addr.as_str(), |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.eq_ignore_ascii_case("localhost") {
            return true;
        }
        match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => a.is_loopback(),
            Ok(IpAddr::V6(a)) => {
                a.is_loopback() || a.to_ipv4_mapped().is_some_and(|a| a.is_loopback())
            }
            Err(_) => false,
        }
    }

    /// Whether a foreign server's template is `https` (`None`: the
    /// project's own server, where the plan picks).
    pub fn foreign_tls(&self) -> Option<bool> {
        self.foreign.as_ref().map(|f| f.url.starts_with("https:"))
    }

    /// Why `plan` cannot run against this target, if it cannot: a foreign
    /// server injects no faults and emulates no round trip, its template's
    /// scheme decides `tls`, and an echo is checked on a JSON plan only.
    pub fn check(&self, plan: &Plan) -> Result<(), PlanError> {
        let Some(f) = &self.foreign else {
            return Ok(());
        };
        let bad = |why: &str| Err(PlanError::Url(why.to_string()));
        if !plan.faults.is_none() {
            return bad("a foreign server injects no faults: run a plan without them against it");
        }
        if !plan.rtt.is_zero() {
            return bad(
                "a foreign server emulates no round trip (the project's server does, with --rtt): run it at rtt 0",
            );
        }
        if self.foreign_tls() != Some(plan.tls) {
            return bad(if plan.tls {
                "the plan asks for HTTPS but the URL is http://: write https:// to use TLS"
            } else {
                "the URL is https:// but the plan asks for plain HTTP: set the plan's tls"
            });
        }
        if f.echo == Echo::Args && plan.format != Format::Json {
            return bad("an echo of the query is read from a JSON body: use format json");
        }
        Ok(())
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

    /// The server's counters can be read (`/stats`): the project's own
    /// server only.
    pub fn has_counters(&self) -> bool {
        self.foreign.is_none()
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

impl fmt::Display for Target {
    /// A foreign server's template, or the project's server's `HOST:PORT`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.foreign {
            Some(foreign) => f.write_str(&foreign.url),
            None => f.write_str(&self.addr),
        }
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

    #[test]
    fn a_foreign_template_is_normalized_and_each_request_gets_its_index() {
        let t = Target::foreign("http://127.0.0.1:8000/delay/1?i={i}").unwrap();
        assert_eq!(t.addr, "127.0.0.1:8000");
        assert_eq!(t.to_string(), "http://127.0.0.1:8000/delay/1?i={i}");
        let f = t.foreign.as_ref().unwrap();
        assert_eq!(f.url(42), "http://127.0.0.1:8000/delay/1?i=42");
        assert!(t.is_loopback() && !t.has_counters());
        assert_eq!(t.foreign_tls(), Some(false));
        // Normalized: the default port, a lowercase host, a path, escapes.
        for (given, url, addr) in [
            (
                "HTTPS://API.Example.invalid/items/{i}",
                "https://api.example.invalid/items/{i}",
                "api.example.invalid:443",
            ),
            ("http://localhost", "http://localhost/", "localhost:80"),
            (
                "http://[::1]:9/a b/{i}/{i}?q={i}&x=y z",
                "http://[::1]:9/a%20b/{i}/{i}?q={i}&x=y%20z",
                "[::1]:9",
            ),
        ] {
            let t = Target::foreign(given).unwrap();
            assert_eq!(
                (t.to_string().as_str(), t.addr.as_str()),
                (url, addr),
                "{given}"
            );
        }
        assert_eq!(
            Target::foreign("http://h.invalid/{i}/{i}")
                .unwrap()
                .foreign
                .unwrap()
                .url(7),
            "http://h.invalid/7/7"
        );
    }

    #[test]
    fn bad_templates_are_one_line_errors_that_say_what_to_write() {
        for (bad, why) in [
            ("", "not a URL"),
            ("127.0.0.1:8000/x", "no scheme"),
            (
                "localhost:8000/x",
                "scheme \"localhost\" is not http or https",
            ),
            ("items/{i}", "not a URL"),
            ("ftp://h.invalid/{i}", "scheme \"ftp\" is not http or https"),
            ("http://", "empty host"),
            ("http://h{i}.invalid/", "path and the query only"),
            ("http://h.invalid:{i}/", "not a URL"),
            ("http://u:p@h.invalid/", "user name or password"),
            ("http://h.invalid/#top", "fragment"),
        ] {
            let e = Target::foreign(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
            assert!(!e.contains('\n') && !e.ends_with('.'), "{e}");
        }
    }

    #[test]
    fn only_loopback_hosts_are_local() {
        for (url, local) in [
            ("http://127.0.0.1:1/", true),
            ("http://127.9.8.7/", true),
            ("http://[::1]/", true),
            ("http://[::ffff:127.0.0.1]/", true),
            ("http://LocalHost:80/", true),
            ("http://localhost.invalid/", false),
            ("http://api.example.invalid/", false),
            ("http://10.0.0.1/", false),
            ("http://[::2]/", false),
            ("http://0.0.0.0/", false),
        ] {
            assert_eq!(Target::foreign(url).unwrap().is_loopback(), local, "{url}");
        }
        assert!(Target::parse("127.0.0.1:9").unwrap().is_loopback());
        assert!(!Target::parse("server.invalid:9").unwrap().is_loopback());
    }

    #[test]
    fn a_foreign_target_takes_the_plans_it_can_serve() {
        let plain = Target::foreign("http://127.0.0.1:1/{i}").unwrap();
        let plan = Plan::new(5, std::time::Duration::ZERO);
        assert_eq!(plain.check(&plan), Ok(()));
        let tls = Plan {
            tls: true,
            ..plan.clone()
        };
        assert!(
            plain
                .check(&tls)
                .unwrap_err()
                .to_string()
                .contains("https://")
        );
        let https = Target::foreign("https://127.0.0.1:1/{i}").unwrap();
        assert_eq!(https.check(&tls), Ok(()));
        assert!(https.check(&plan).is_err());
        let faults = Plan {
            faults: crate::conformance::CHECK_FAULTS,
            ..plan.clone()
        };
        assert!(
            plain
                .check(&faults)
                .unwrap_err()
                .to_string()
                .contains("no faults")
        );
        let wan = Plan {
            rtt: std::time::Duration::from_millis(25),
            ..plan.clone()
        };
        let why = plain.check(&wan).unwrap_err().to_string();
        assert!(why.contains("no round trip"), "{why}");
        let echo = plain.clone().echoing(Echo::Args);
        assert!(
            echo.check(&plan)
                .unwrap_err()
                .to_string()
                .contains("format json")
        );
        let json = Plan {
            format: Format::Json,
            ..plan.clone()
        };
        assert_eq!(echo.check(&json), Ok(()));
        // The project's own server takes any plan that validates.
        assert_eq!(Target::parse("127.0.0.1:1").unwrap().check(&faults), Ok(()));
    }

    #[test]
    fn a_foreign_target_round_trips_through_json() {
        let t = Target::foreign("http://127.0.0.1:8/delay/1?i={i}")
            .unwrap()
            .echoing(Echo::Args)
            .with_ca("/tmp/ca.pem");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"addr":"127.0.0.1:8","ca":"/tmp/ca.pem","foreign":{"url":"http://127.0.0.1:8/delay/1?i={i}","echo":"args"}}"#
        );
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), t);
        let own = Target::parse("127.0.0.1:8").unwrap();
        assert_eq!(
            serde_json::to_string(&own).unwrap(),
            r#"{"addr":"127.0.0.1:8"}"#
        );
    }
}
