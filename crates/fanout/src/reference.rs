//! The reference rows: programs in other languages that obey the same
//! contract as the Rust rows (`baselines/`): each is run as `PROGRAM --plan
//! PLAN_JSON --target TARGET_JSON`, fetches the same URLs from the same
//! server, verifies every body or decoded document with the ported rule,
//! and prints the same JSON summary. The sweep runs them through the same
//! child runner as the Rust rows, so their CPU, memory and threads come
//! from the OS the same way.
//!
//! Their toolchains are set up on first use and never installed globally:
//! Python gets a virtual environment of its own ([`crate::python_env`]), the
//! Go program is built into the target directory with the `go` on `PATH`
//! (standard library only, offline), Node.js is a pinned LTS release the
//! project installs ([`crate::node_env`]). A missing toolchain makes the
//! row unavailable with the reason and the command that installs it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use fanout_core::row::{ANY_PROTOCOL, AUTO_ONLY, Focus, HTTP1_ONLY};
use fanout_core::{Description, Idiom, Model, Protocol, Target, Upstream};

/// The language and toolchain of a reference program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// CPython, in the project's virtual environment.
    Python,
    /// Node.js, the project's pinned LTS release.
    Node,
    /// Go, built with the machine's `go`.
    Go,
}

/// One reference program.
#[derive(Debug)]
pub struct Program {
    /// Row id, e.g. `python-aiohttp-gather`.
    pub id: &'static str,
    /// Its language.
    pub language: Language,
    /// The file to run (Python, Node), relative to `baselines/`; for Go,
    /// extra arguments to the built binary.
    pub file: &'static str,
    /// What runs the program beside the language's runtime (e.g. the event
    /// loop of a tuned variant), appended to the runtime's name; `""` = none.
    pub runtime_detail: &'static str,
    /// Client library and how it is used.
    pub client: &'static str,
    /// The TLS stack.
    pub tls: &'static str,
    /// The roots it trusts for HTTPS when the target gives no CA (a foreign
    /// server): the client's default.
    pub roots: &'static str,
    /// How it runs requests.
    pub model: Model,
    /// The loop.
    pub idiom: Idiom,
    /// What it can be held to.
    pub protocols: &'static [Protocol],
    /// A pool's size, when it caps concurrency.
    pub max_concurrency: Option<u64>,
    /// What differs from the idiomatic program, for a tuned variant.
    pub tuned: Option<&'static str>,
    /// The program this one varies in one setting, by row id.
    pub variant_of: Option<&'static str>,
    /// The workloads it runs on ([`Focus`]).
    pub focus: Focus,
}

/// Go can be held to HTTP/2 over TLS (an h2-only ALPN dial); Go 1.19 has
/// no h2c, and the program refuses a cleartext HTTP/2 plan with the reason.
const GO_PROTOCOLS: &[Protocol] = &[Protocol::Auto, Protocol::Http1, Protocol::Http2];

/// Every reference program, in report order.
pub static PROGRAMS: [Program; 8] = [
    Program {
        id: "python-requests-sequential",
        language: Language::Python,
        file: "python/requests_sequential.py",
        runtime_detail: "",
        client: "requests (one Session)",
        tls: "Python ssl (OpenSSL)",
        roots: "certifi's bundle (requests' default, verify=True)",
        model: Model::Sequential,
        idiom: Idiom::Loop,
        protocols: HTTP1_ONLY,
        max_concurrency: Some(1),
        tuned: None,
        variant_of: None,
        focus: Focus::Everywhere,
    },
    Program {
        id: "python-threads-requests",
        language: Language::Python,
        file: "python/threads_requests.py",
        runtime_detail: "",
        client: "requests (Session per thread)",
        tls: "Python ssl (OpenSSL)",
        roots: "certifi's bundle (requests' default, verify=True)",
        model: Model::Threads,
        idiom: Idiom::ThreadPoolExecutor,
        protocols: HTTP1_ONLY,
        max_concurrency: Some(128),
        tuned: None,
        variant_of: None,
        focus: Focus::Everywhere,
    },
    Program {
        id: "python-aiohttp-gather",
        language: Language::Python,
        file: "python/aiohttp_gather.py",
        runtime_detail: "",
        client: "aiohttp (one ClientSession)",
        tls: "Python ssl (OpenSSL)",
        roots: "OpenSSL's default paths, the OS store (ssl.create_default_context(), aiohttp's default)",
        model: Model::Async,
        idiom: Idiom::AsyncioGather,
        protocols: HTTP1_ONLY,
        max_concurrency: None,
        tuned: None,
        variant_of: None,
        focus: Focus::Everywhere,
    },
    Program {
        id: "python-aiohttp-gather-uvloop",
        language: Language::Python,
        file: "python/aiohttp_gather_uvloop.py",
        runtime_detail: "asyncio on uvloop",
        client: "aiohttp (one ClientSession)",
        tls: "Python ssl (OpenSSL)",
        roots: "OpenSSL's default paths, the OS store (ssl.create_default_context(), aiohttp's default)",
        model: Model::Async,
        idiom: Idiom::AsyncioGather,
        protocols: HTTP1_ONLY,
        max_concurrency: None,
        tuned: Some("uvloop's event loop (uvloop.run) instead of asyncio's own"),
        variant_of: Some("python-aiohttp-gather"),
        focus: Focus::Everywhere,
    },
    Program {
        id: "python-httpx-gather",
        language: Language::Python,
        file: "python/httpx_gather.py",
        runtime_detail: "",
        client: "httpx (one AsyncClient; h2 for HTTP/2)",
        tls: "Python ssl (OpenSSL)",
        roots: "certifi's bundle (httpx's default, verify=True)",
        model: Model::Async,
        idiom: Idiom::AsyncioGather,
        protocols: ANY_PROTOCOL,
        max_concurrency: None,
        tuned: None,
        variant_of: None,
        // The Python client that speaks HTTP/2 is here for the HTTP/2
        // workloads; elsewhere aiohttp answers for asyncio (and httpx's
        // pool takes seconds per unbounded fan-out: baselines/python/README.md).
        focus: Focus::Http2,
    },
    Program {
        id: "node-fetch-promise-all",
        language: Language::Node,
        file: "node/fetch_promise_all.mjs",
        runtime_detail: "",
        client: "fetch (undici, built in)",
        tls: "Node.js tls (OpenSSL)",
        roots: "Node.js's bundled Mozilla roots (fetch's default)",
        model: Model::Async,
        idiom: Idiom::PromiseAll,
        protocols: HTTP1_ONLY,
        max_concurrency: None,
        tuned: None,
        variant_of: None,
        focus: Focus::Everywhere,
    },
    Program {
        id: "go-goroutines",
        language: Language::Go,
        file: "",
        runtime_detail: "",
        client: "net/http (one Client, default Transport)",
        tls: "Go crypto/tls",
        roots: "the OS store (crypto/x509's system roots, net/http's default)",
        model: Model::GreenThreads,
        idiom: Idiom::Goroutines,
        protocols: GO_PROTOCOLS,
        max_concurrency: None,
        tuned: None,
        variant_of: None,
        focus: Focus::Everywhere,
    },
    Program {
        id: "go-goroutines-tuned",
        language: Language::Go,
        file: "--tuned",
        runtime_detail: "",
        client: "net/http (one Client, MaxIdleConnsPerHost = the bound)",
        tls: "Go crypto/tls",
        roots: "the OS store (crypto/x509's system roots, net/http's default)",
        model: Model::GreenThreads,
        idiom: Idiom::Goroutines,
        protocols: GO_PROTOCOLS,
        max_concurrency: None,
        variant_of: Some("go-goroutines"),
        tuned: Some(
            "Transport.MaxIdleConnsPerHost = the plan's bound, or N when unbounded (default: 2); MaxIdleConns raised to match above 100",
        ),
        focus: Focus::Everywhere,
    },
];

/// The `baselines/` directory of the source tree.
pub fn baselines_dir() -> PathBuf {
    crate::paths::root().join("baselines")
}

/// The Node.js row's `node --version` (installing it first), once.
fn node_version() -> Option<&'static str> {
    static V: OnceLock<Option<String>> = OnceLock::new();
    V.get_or_init(|| {
        let node = crate::node_env::node().ok()?;
        crate::setup::first_line(&node.to_string_lossy(), &["--version"])
    })
    .as_deref()
}

/// `python3 --version` (the interpreter the project's environment is made
/// from), once.
fn python_version() -> Option<&'static str> {
    static V: OnceLock<Option<String>> = OnceLock::new();
    V.get_or_init(|| {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        crate::setup::first_line(&python, &["--version"]).map(|v| v.replace("Python", "CPython"))
    })
    .as_deref()
}

/// The Go toolchain: `$FANOUT_GO`, else `go` on `PATH`.
fn go() -> String {
    std::env::var("FANOUT_GO").unwrap_or_else(|_| "go".into())
}

/// `go version`'s version word (e.g. `go1.19.8`), once.
fn go_version() -> Option<&'static str> {
    static V: OnceLock<Option<String>> = OnceLock::new();
    V.get_or_init(|| {
        crate::setup::first_line(&go(), &["version"])
            .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
    })
    .as_deref()
}

/// The Go releases upstream supports (its two newest) when this was
/// written: Go 1.26 (February 2026) and 1.27 (August 2026).
const GO_SUPPORTED_FROM: u32 = 26;

/// Why Go `version` (`go1.19.8`) is out of upstream support, or `None`.
fn go_unsupported(version: &str) -> Option<String> {
    let minor: u32 = version
        .strip_prefix("go1.")?
        .split('.')
        .next()?
        .parse()
        .ok()?;
    (minor < GO_SUPPORTED_FROM).then(|| {
        format!(
            "Go {} is out of upstream support (Go supports its two newest releases, 1.{GO_SUPPORTED_FROM} and 1.{} in December 2026); the rows use the Go on PATH (or $FANOUT_GO), see baselines/go/README.md",
            version.trim_start_matches("go"),
            GO_SUPPORTED_FROM + 1
        )
    })
}

/// Why Node.js `version` (`v20.20.2`) is out of upstream support, or
/// `None`: the LTS lines maintained in December 2026 are 22 (until April
/// 2027) and 24 (until April 2028); odd releases end within months.
fn node_unsupported(version: &str) -> Option<String> {
    let major: u32 = version.strip_prefix('v')?.split('.').next()?.parse().ok()?;
    (major < 22 || major % 2 == 1).then(|| {
        format!(
            "Node.js {version} is out of upstream support (the maintained LTS lines in December 2026: 22 and 24); the row runs $FANOUT_NODE"
        )
    })
}

/// How to install Go when it is missing.
pub const GO_HINT: &str = "go not found (on PATH, or $FANOUT_GO): apt-get install golang-go (any Go ≥ 1.19; the program uses the standard library only)";

/// Builds the Go program into the target directory, once per process
/// (`go build` reuses its cache; offline, standard library only).
fn go_binary() -> Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            go_version().ok_or_else(|| GO_HINT.to_string())?;
            let out_dir = crate::paths::target_dir().join("fanout-go");
            std::fs::create_dir_all(&out_dir)
                .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
            let bin = out_dir.join("go-goroutines");
            let out = Command::new(go())
                .args(["build", "-o"])
                .arg(&bin)
                .arg(".")
                .current_dir(baselines_dir().join("go"))
                .env("GOFLAGS", "-mod=mod")
                .env("GOPROXY", "off")
                .env("GOTOOLCHAIN", "local")
                .output()
                .map_err(|e| format!("cannot run go build: {e}"))?;
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                return Err(format!(
                    "go build of baselines/go failed: {}",
                    err.lines().last().unwrap_or("no output")
                ));
            }
            Ok(bin)
        })
        .clone()
}

impl Program {
    /// What the program is, with its runtime's version.
    pub fn describe(&self) -> Description {
        let runtime = match self.language {
            Language::Python => format!(
                "{} (project venv)",
                python_version().unwrap_or("CPython (not found)")
            ),
            // The pinned release, named without installing it (`fanout
            // list` downloads nothing); $FANOUT_NODE's own version.
            Language::Node => match std::env::var_os("FANOUT_NODE") {
                Some(_) => format!(
                    "Node.js {} ($FANOUT_NODE)",
                    node_version().unwrap_or("(not found)")
                ),
                None => format!("Node.js v{} (project-installed)", crate::node_env::VERSION),
            },
            Language::Go => format!("Go {}", go_version().unwrap_or("(not found)")),
        };
        let runtime = match self.runtime_detail {
            "" => runtime,
            detail => format!("{runtime}, {detail}"),
        };
        let mut d = Description::new(runtime, self.client, self.model)
            .with_tls(self.tls)
            .with_roots(self.roots)
            .with_idiom(self.idiom)
            .with_protocols(if self.protocols.is_empty() {
                AUTO_ONLY
            } else {
                self.protocols
            });
        if let Some(n) = self.max_concurrency {
            d = d.with_max_concurrency(n);
        }
        if let Some(t) = self.tuned {
            d = d.tuned(t);
        }
        d = d.with_focus(self.focus);
        if let Some(base) = self.variant_of {
            d = d.variant_of(base);
        }
        // Python and Node.js are pinned maintained releases; Go (and a
        // Node.js given as $FANOUT_NODE) is judged by its version.
        let unsupported = match self.language {
            Language::Go => go_version().and_then(go_unsupported),
            // The pinned release is a maintained LTS; $FANOUT_NODE may not be.
            Language::Node if std::env::var_os("FANOUT_NODE").is_some() => {
                node_version().and_then(node_unsupported)
            }
            _ => None,
        };
        if let Some(why) = unsupported {
            d = d.with_upstream(Upstream::Unmaintained(why));
        }
        d
    }

    /// Why it cannot run here, or `None` (sets the toolchain up on first use).
    pub fn unavailable(&self) -> Option<String> {
        match self.language {
            Language::Python => crate::python_env::interpreter().err(),
            Language::Node => crate::node_env::node().err(),
            Language::Go => go_binary().err(),
        }
    }

    /// The command that runs it on a plan (as JSON) against `target`.
    pub fn command(&self, plan: &str, target: &Target) -> Result<Command, String> {
        let target_json = serde_json::to_string(target).map_err(|e| e.to_string())?;
        let mut cmd = match self.language {
            Language::Python => {
                let mut c = Command::new(crate::python_env::interpreter()?);
                c.arg(baselines_dir().join(self.file));
                c
            }
            Language::Node => {
                let mut c = Command::new(crate::node_env::node()?);
                c.arg(baselines_dir().join(self.file));
                // Node's documented way to add a root for its built-in
                // fetch; the program checks it is the target's CA.
                if let Some(ca) = &target.ca {
                    c.env("NODE_EXTRA_CA_CERTS", ca);
                }
                c
            }
            Language::Go => {
                let mut c = Command::new(go_binary()?);
                if !self.file.is_empty() {
                    c.arg(self.file);
                }
                c
            }
        };
        cmd.args(["--plan", plan, "--target", &target_json]);
        Ok(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_out_of_upstream_support_is_named_by_version() {
        let why = go_unsupported("go1.19.8").expect("1.19 is unsupported");
        assert!(
            why.starts_with("Go 1.19.8 is out of upstream support"),
            "{why}"
        );
        assert_eq!(go_unsupported("go1.26.1"), None);
        assert_eq!(go_unsupported("go1.27"), None);
        assert_eq!(go_unsupported("devel"), None);
    }

    #[test]
    fn node_out_of_upstream_support_is_named_by_version() {
        let why = node_unsupported("v20.20.2").expect("20 reached its end of life");
        assert!(
            why.starts_with("Node.js v20.20.2 is out of upstream support"),
            "{why}"
        );
        assert!(node_unsupported("v25.9.0").is_some(), "an odd release");
        assert_eq!(node_unsupported("v24.22.3"), None);
        assert_eq!(node_unsupported("v22.1.0"), None);
    }
}
