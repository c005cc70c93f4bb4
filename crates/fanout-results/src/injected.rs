//! [`injected_errors`]: the errors a plan's injected faults must produce.
//! Fault decisions are deterministic ([`fanout_core::Faults::decide`]), so
//! for a plan with faults the count of each error kind a correct client
//! reports is known exactly; a failed request *beyond* those counts is a
//! real failure ([`Derived::failed`](crate::Derived::failed)).

use std::collections::BTreeMap;

use fanout_core::{ErrorKind, Plan};

/// The error kinds and counts the plan's injected faults produce when a
/// client classifies each as the contract says (empty for a plan without
/// faults). A fault that leaves the request successful (a slow body) counts
/// nothing.
pub fn injected_errors(plan: &Plan) -> BTreeMap<ErrorKind, u64> {
    let mut out = BTreeMap::new();
    if plan.faults.is_none() {
        return out;
    }
    for id in 0..plan.requests {
        let kind = plan
            .faults
            .decide(id)
            .and_then(|f| f.expected_kind(plan.format));
        if let Some(kind) = kind {
            *out.entry(kind).or_insert(0) += 1;
        }
    }
    out
}

/// The failed requests of one run beyond those `injected` accounts for:
/// per kind, what was reported above the injected count (a fault reported
/// as the wrong kind counts as a failure of the kind reported).
pub(crate) fn beyond(
    errors: &BTreeMap<ErrorKind, u64>,
    injected: &BTreeMap<ErrorKind, u64>,
) -> u64 {
    errors
        .iter()
        .map(|(kind, n)| n.saturating_sub(injected.get(kind).copied().unwrap_or(0)))
        .sum()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use fanout_core::{Fault, Faults, Format};

    use super::*;

    #[test]
    fn injected_errors_follow_the_fault_decisions() {
        let mut plan = Plan::new(1_000, Duration::from_millis(10));
        assert!(injected_errors(&plan).is_empty());
        plan.faults = Faults {
            seed: 42,
            error: 20,
            reset: 20,
            stall: 5,
            truncate: 20,
            slow: 20,
            corrupt: 20,
        };
        let got = injected_errors(&plan);
        let count = |f| plan.faults.count(f, plan.requests);
        assert_eq!(got[&ErrorKind::Status], count(Fault::Error));
        assert_eq!(got[&ErrorKind::Reset], count(Fault::Reset));
        assert_eq!(got[&ErrorKind::Timeout], count(Fault::Stall));
        assert_eq!(got[&ErrorKind::BodyMismatch], count(Fault::Corrupt));
        assert!(!got.contains_key(&ErrorKind::Decode));
        plan.format = Format::Json;
        assert_eq!(
            injected_errors(&plan)[&ErrorKind::Decode],
            count(Fault::Corrupt)
        );
    }

    #[test]
    fn only_errors_beyond_the_injected_ones_count() {
        let injected = BTreeMap::from([(ErrorKind::Reset, 20), (ErrorKind::Status, 18)]);
        let exact = injected.clone();
        assert_eq!(beyond(&exact, &injected), 0);
        // Two resets reported as `other`: two failures; fewer resets than
        // injected (a retry) is not one.
        let misread = BTreeMap::from([
            (ErrorKind::Reset, 18),
            (ErrorKind::Other, 2),
            (ErrorKind::Status, 18),
        ]);
        assert_eq!(beyond(&misread, &injected), 2);
        let plain = BTreeMap::from([(ErrorKind::Connect, 3)]);
        assert_eq!(beyond(&plain, &BTreeMap::new()), 3);
    }
}
