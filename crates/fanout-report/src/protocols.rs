//! A workload's HTTP/1.1 and HTTP/2 plans, paired: [`protocol_pair`] finds
//! them (a workload labelled by protocol with one plan of each), and
//! [`h2_vs_h1`] compares one row across the two by the tie rule.

use fanout_core::Protocol;
use fanout_core::workload::Label;

use crate::figures::Figures;
use crate::model::Table;

/// The HTTP/1.1 and HTTP/2 plans of a workload labelled by protocol.
pub(crate) fn protocol_pair<'t, 'a>(
    tables: &[&'t Table<'a>],
) -> Option<(&'t Table<'a>, &'t Table<'a>)> {
    let [a, b] = tables else {
        return None;
    };
    if a.workload.is_none_or(|w| w.label != Label::ByProtocol) {
        return None;
    }
    match (a.plan.protocol, b.plan.protocol) {
        (Protocol::Http1, Protocol::Http2) => Some((a, b)),
        (Protocol::Http2, Protocol::Http1) => Some((b, a)),
        _ => None,
    }
}

/// How HTTP/2 compares with HTTP/1.1 for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum H2Verdict {
    /// The two min–max ranges overlap.
    WithinNoise,
    /// HTTP/2 faster beyond noise.
    Faster,
    /// HTTP/2 slower beyond noise.
    Slower,
}

impl H2Verdict {
    /// As the side-by-side table says it.
    pub fn as_str(self) -> &'static str {
        match self {
            H2Verdict::WithinNoise => "within noise",
            H2Verdict::Faster => "HTTP/2 faster",
            H2Verdict::Slower => "HTTP/2 slower",
        }
    }
}

/// HTTP/2 against HTTP/1.1 for one row: the ratio of median walls, and
/// whether the two ranges overlap (the same tie rule as every table).
pub(crate) fn h2_vs_h1(h1: &Figures, h2: &Figures) -> Option<(f64, H2Verdict)> {
    let r = h2.wall.median / h1.wall.median;
    if !r.is_finite() {
        return None;
    }
    let verdict = if h1.wall.overlaps(&h2.wall) {
        H2Verdict::WithinNoise
    } else if r < 1.0 {
        H2Verdict::Faster
    } else {
        H2Verdict::Slower
    };
    Some((r, verdict))
}
