//! The idioms' headline: per aspect — wall time on every plan, CPU per
//! request and memory per in-flight request on the workloads that chart or
//! headline them — where the idioms differ beyond noise and which are best
//! there; then which idiom to pick for what.

use std::fmt::Write as _;

use fanout_core::Workload;
use fanout_core::workload::{Chart, Headline};

use crate::figures::Figures;
use crate::format::and_list;
use crate::idioms::group::Group;
use crate::model::Report;
use crate::ties::{Better, Spread};

/// One aspect of the comparison: a metric, the plans it is judged on, and
/// the words for it.
struct Aspect<'f> {
    /// `wall time`.
    what: &'static str,
    /// `slower`: what being behind means.
    behind: &'static str,
    /// Whether a plan's workload counts for it.
    plans: &'f dyn Fn(&Workload) -> bool,
    /// The figure.
    metric: &'f dyn Fn(&Figures) -> Option<Spread>,
}

/// An aspect judged: the plans where the idioms cannot be told apart, and
/// where they can, which are best (grouped by the same best set) and how
/// far behind the rest fall at most (the worst median over the best's).
struct Judged {
    same: Vec<String>,
    differ: Vec<(Vec<usize>, Vec<String>, f64)>,
}

fn judge(g: &Group<'_, '_>, a: &Aspect<'_>) -> Judged {
    let mut j = Judged {
        same: Vec::new(),
        differ: Vec::new(),
    };
    for p in g
        .plans
        .iter()
        .filter(|p| p.table.workload.is_some_and(|w| (a.plans)(&w)))
    {
        let values: Vec<Option<f64>> = p
            .figures
            .iter()
            .map(|f| f.and_then(a.metric).map(|s| s.median))
            .collect();
        let measured = values.iter().flatten().count();
        let Some(t) = p.ties(a.metric, Better::Lower).filter(|_| measured >= 2) else {
            continue;
        };
        if t.tied.len() == measured {
            j.same.push(p.table.name());
            continue;
        }
        let best = values[t.best].unwrap_or(f64::NAN);
        let worst = values
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let behind = worst / best;
        match j.differ.iter_mut().find(|(set, _, _)| *set == t.tied) {
            Some((_, plans, most)) => {
                plans.push(p.table.name());
                *most = most.max(behind);
            }
            None => j
                .differ
                .push((t.tied.clone(), vec![p.table.name()], behind)),
        }
    }
    j
}

/// Plan names as prose, the first few then how many more.
fn plan_list(plans: &[String]) -> String {
    const SHOWN: usize = 4;
    if plans.len() <= SHOWN + 1 {
        and_list(plans)
    } else {
        format!(
            "{} and {} more",
            plans[..SHOWN].join(", "),
            plans.len() - SHOWN
        )
    }
}

fn has(w: &Workload, chart: Chart, headline: Headline) -> bool {
    w.charts.contains(&chart) || w.headline == Some(headline)
}

/// The headline of one group: per aspect, where the idioms differ beyond
/// noise and which are best there; then which to pick for what.
pub(crate) fn headline(r: &Report<'_>, g: &Group<'_, '_>) -> String {
    let all = |_: &Workload| true;
    let cpu_plans = |w: &Workload| has(w, Chart::CpuPerRequest, Headline::CpuPerRequest);
    let mem_plans = |w: &Workload| has(w, Chart::MemoryPerInFlight, Headline::MemoryPerInFlight);
    let wall = |f: &Figures| Some(f.wall);
    let cpu = |f: &Figures| Some(f.cpu);
    let mem = |f: &Figures| f.rss_per_inflight;
    let aspects = [
        Aspect {
            what: "wall time",
            behind: "slower",
            plans: &all,
            metric: &wall,
        },
        Aspect {
            what: "CPU per request",
            behind: "the CPU",
            plans: &cpu_plans,
            metric: &cpu,
        },
        Aspect {
            what: "memory per in-flight request",
            behind: "the memory",
            plans: &mem_plans,
            metric: &mem,
        },
    ];
    let idioms: Vec<String> = (0..g.rows.len()).map(|i| g.idiom(i)).collect();
    let mut s = format!("Idioms of {} ({}).", g.name(r), and_list(&idioms));
    let mut picks = Vec::new();
    for a in &aspects {
        let j = judge(g, a);
        let n = j.same.len() + j.differ.iter().map(|(_, p, _)| p.len()).sum::<usize>();
        if n == 0 {
            continue;
        }
        let _ = write!(s, " {}: ", crate::format::capitalise(a.what));
        let mut parts = Vec::new();
        if !j.same.is_empty() {
            parts.push(if j.differ.is_empty() {
                format!("no difference beyond noise on any of the {n} plans")
            } else {
                format!(
                    "no difference beyond noise on {} of {n} plans ({})",
                    j.same.len(),
                    plan_list(&j.same)
                )
            });
        }
        for (best, plans, behind) in &j.differ {
            let names: Vec<String> = best.iter().map(|&i| g.idiom(i)).collect();
            let verb = if names.len() > 1 {
                "are tied best"
            } else {
                "is best"
            };
            let on = if j.same.is_empty() && j.differ.len() == 1 && n > 1 {
                format!("all {n} plans")
            } else {
                plan_list(plans)
            };
            let others = if a.behind == "slower" {
                format!("the others up to {}× slower", crate::format::num(*behind))
            } else {
                format!(
                    "the others up to {}× {}",
                    crate::format::num(*behind),
                    a.behind
                )
            };
            parts.push(format!("{} {verb} on {on} ({others})", and_list(&names)));
        }
        let _ = write!(s, "{}.", parts.join("; "));
        // The idioms best most often where this aspect differs.
        let mut counts = vec![0usize; g.rows.len()];
        for (best, plans, _) in &j.differ {
            for &i in best {
                counts[i] += plans.len();
            }
        }
        if let Some(&top) = counts.iter().max().filter(|&&c| c > 0) {
            let names: Vec<String> = (0..g.rows.len())
                .filter(|&i| counts[i] == top)
                .map(|i| g.idiom(i))
                .collect();
            picks.push(format!("for {} {}", a.what, names.join(" or ")));
        }
    }
    if picks.is_empty() {
        s.push_str(
            " Pick: any — the figures show no difference beyond noise; choose by what reads best.",
        );
    } else {
        let _ = write!(
            s,
            " Pick: {}; where they do not differ, any.",
            picks.join("; ")
        );
    }
    s
}
