//! The pitfalls, declared once as data: which rows or plans are compared
//! ([`Pair`]), on which plans ([`Plans`]), by which figure ([`Judge`]), and
//! the words. Rows and plans are picked by what the results say about them
//! — a row's `variant_of`, `tuned` and idiom, a plan's protocol, bound, TLS
//! and keep-alive, a server counter — never by a name; a rule whose rows
//! are not in the results finds nothing and is not shown.

use fanout_core::{Idiom, Metric};

/// One pitfall: a pair of setups differing in one setting, and how to
/// judge them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    /// The pitfall in a few words, as a heading.
    pub title: &'static str,
    /// What goes wrong, one or two sentences.
    pub why: &'static str,
    /// What is compared.
    pub pair: Pair,
    /// On which plans.
    pub plans: Plans,
    /// By which figure.
    pub judge: Judge,
    /// The fix in words, for the reader; a tuned row's own settings are
    /// listed beside it when the better side is a tuned row.
    pub fix: &'static str,
    /// A server figure shown beside both numbers, when it explains them.
    pub context: Context,
}

/// What a rule compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pair {
    /// Each row on a workload's HTTP/2 plan against the same row on its
    /// HTTP/1.1 plan, where its requests queued at the stream cap (the
    /// connections it opened, times the most streams the server saw on
    /// one, are fewer than the plan's requests in flight); and, on the
    /// HTTP/2 plan, against each tuned variant of the row (`variant_of` it)
    /// that does better there.
    Protocols,
    /// A tuned row against the row it tunes (its `variant_of`), on one plan.
    Tuned,
    /// An untuned row whose idiom is one of these against the row it varies
    /// (its `variant_of`), on one plan.
    Idiom(&'static [Idiom]),
    /// On one plan, the rows the server saw resume no TLS session against
    /// those it saw resume some.
    Resumption,
}

/// The plans a rule looks at, by their properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plans {
    /// Every plan.
    Any,
    /// Plans without a concurrency bound: every request in flight at once.
    Unbounded,
    /// HTTPS plans without keep-alive: a new TLS connection per request.
    NewTlsConnectionEach,
    /// The HTTP/2 plan of a workload with an HTTP/1.1 and an HTTP/2 plan.
    Http2OfPair,
}

/// The figure a rule judges by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Judge {
    /// Always this one.
    Metric(Metric),
    /// The one that decides the plan's workload's scenario.
    Scenario,
}

/// A server figure shown beside the two numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// None.
    Nothing,
    /// The connections each side opened (and the most streams on one),
    /// when they differ.
    Connections,
    /// The TLS handshakes each side resumed.
    Resumed,
}

/// The least a pitfall must cost, as its figure over the fix's: a
/// difference beyond noise but smaller than this is not worth a reader's
/// time (the same role as `fanout compare`'s threshold).
pub(crate) const MATERIAL: f64 = 1.05;

/// The idioms that poll every request from the calling task.
const ONE_TASK: &[Idiom] = &[
    Idiom::JoinAll,
    Idiom::FuturesUnordered,
    Idiom::BufferUnordered,
];

/// Every pitfall, in the order the report shows them. A pair found by an
/// earlier rule is not repeated by a later one.
pub(crate) static RULES: [Rule; 4] = [
    Rule {
        title: "HTTP/2 queues on one connection at the server's stream cap",
        why: "Asked for HTTP/2, a client that keeps one connection per host sends every request \
              over it, and the server lets only so many streams run at once on a connection: the \
              rest wait their turn. Over HTTP/1.1 the same client opens a connection per request \
              in flight.",
        pair: Pair::Protocols,
        plans: Plans::Http2OfPair,
        judge: Judge::Metric(Metric::Wall),
        fix: "ask for HTTP/1.1 when many requests go to one host at once, or let the client \
              open more HTTP/2 connections as streams run out",
        context: Context::Connections,
    },
    Rule {
        title: "Defaults that a tuned setting beats",
        why: "A tuned row changes one setting of an idiomatic row. Where it does better beyond \
              noise on the figure that decides the workload's scenario, the default is the \
              pitfall and the setting its fix.",
        pair: Pair::Tuned,
        plans: Plans::Any,
        judge: Judge::Scenario,
        fix: "the tuned row's setting",
        context: Context::Connections,
    },
    Rule {
        title: "One task polling every request",
        why: "`join_all`, `FuturesUnordered` and `buffer_unordered` poll all requests from the \
              task that calls them, so on a multi-thread runtime one worker does the work of \
              all while the others idle; with every request in flight at once it shows.",
        pair: Pair::Idiom(ONE_TASK),
        plans: Plans::Unbounded,
        judge: Judge::Metric(Metric::Wall),
        fix: "spawn a task per request (`spawn`, `JoinSet`), so every worker thread shares \
              the polling",
        context: Context::Nothing,
    },
    Rule {
        title: "TLS sessions never resumed",
        why: "A client without a TLS session cache does a full handshake on every new \
              connection; one that resumes an earlier session skips the key exchange and the \
              certificate check. The rows compared differ in more than this (their clients \
              and TLS stacks), so the figures are each group's best.",
        pair: Pair::Resumption,
        plans: Plans::NewTlsConnectionEach,
        judge: Judge::Metric(Metric::CpuPerHandshake),
        fix: "use a client that keeps a TLS session cache and resumes sessions (the rows that \
              did are listed)",
        context: Context::Resumed,
    },
];
