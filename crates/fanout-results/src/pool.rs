//! [`pool`]: several sweeps of the *same* code, one after another, as one
//! result set whose cells hold every sweep's repeats — the way to give
//! `fanout compare` more repeats a side, measured in separate sittings so
//! that the pooled spread also holds the between-sitting noise (a CI job
//! alternates base, change, base, change, and compares the pooled sides).
//!
//! The first set leads (its environment, settings and rows). Cells are
//! matched by row, workload, label and host; a cell measured in several
//! sets gets all their repeats, in order; a cell that failed in any set
//! is failed. Sets of different commits, `--quick` settings or plans are
//! refused: that is not one side.

use anyhow::bail;

use crate::model::{CellStatus, Results};

/// Pools sweeps of one commit into one set (see the module docs).
pub fn pool(sets: Vec<Results>) -> anyhow::Result<Results> {
    let mut sets = sets.into_iter();
    let Some(mut out) = sets.next() else {
        bail!("nothing to pool: give at least one result set");
    };
    for set in sets {
        if set.environment.commit != out.environment.commit {
            bail!(
                "cannot pool sweeps of different commits ({} and {}) into one side: give each side's sweeps of one commit",
                out.environment.commit,
                set.environment.commit
            );
        }
        if set.settings.quick != out.settings.quick {
            bail!("cannot pool a `--quick` sweep with a full one: their plans differ");
        }
        let hosts: Vec<String> = set
            .cells
            .iter()
            .map(|c| set.host_of(c).to_string())
            .collect();
        let repeats = set.settings.repeats;
        for (cell, host) in set.cells.into_iter().zip(hosts) {
            let at = out.cells.iter().position(|c| {
                c.row == cell.row
                    && c.workload == cell.workload
                    && c.label == cell.label
                    && out.host_of(c) == host
            });
            let Some(at) = at else {
                out.cells.push(cell);
                continue;
            };
            let mine = &mut out.cells[at];
            if mine.plan != cell.plan {
                bail!(
                    "cannot pool `{}` · `{}` · {}: the sweeps ran different plans",
                    cell.row,
                    cell.workload,
                    cell.label
                );
            }
            match (&mut mine.status, cell.status) {
                (CellStatus::Done { repeats }, CellStatus::Done { repeats: more }) => {
                    repeats.extend(more)
                }
                // A cell that failed in any sitting failed: pooling must
                // not hide it behind the sittings where it ran.
                (CellStatus::Failed { .. }, _) => {}
                (status, CellStatus::Failed { reason }) => {
                    *status = CellStatus::Failed {
                        reason: format!("in one of the pooled sweeps: {reason}"),
                    }
                }
                // Not run in one sweep, measured in a later one: its repeats count.
                (
                    status @ (CellStatus::Skipped { .. } | CellStatus::Unsupported { .. }),
                    more @ CellStatus::Done { .. },
                ) => *status = more,
                _ => {}
            }
        }
        out.settings.repeats += repeats;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cell, Environment, Repeat, Settings};
    use crate::summary::Summary;
    use fanout_core::{Plan, ServerStats};
    use std::time::Duration;

    fn set(commit: &str, walls: &[f64]) -> Results {
        let repeat = |w: f64| Repeat {
            summary: Summary {
                row: "r".into(),
                requests: 1,
                ok: 1,
                errors: Default::default(),
                verified: 1,
                bytes: 0,
                wall_ms: w,
                req_per_s: 0.0,
                latency_ms: Default::default(),
                heartbeat: Default::default(),
            },
            target: "127.0.0.1:1".into(),
            cpu_user_s: 0.0,
            cpu_sys_s: 0.0,
            peak_rss_kib: 0,
            threads_peak: 0,
            exit_code: 0,
            server: Some(ServerStats::default()),
        };
        Results {
            schema: crate::SCHEMA,
            environment: Environment {
                commit: commit.into(),
                ..Environment::default()
            },
            settings: Settings {
                repeats: walls.len() as u32,
                ..Settings::default()
            },
            rows: Vec::new(),
            cells: vec![Cell {
                row: "r".into(),
                workload: "w".into(),
                label: "w".into(),
                plan: Plan::new(1, Duration::ZERO),
                status: CellStatus::Done {
                    repeats: walls.iter().map(|&w| repeat(w)).collect(),
                },
                host: None,
                foreign: None,
            }],
            generators: Vec::new(),
            overhead: Vec::new(),
            merged: Vec::new(),
            stability: None,
        }
    }

    #[test]
    fn sweeps_of_one_commit_pool_their_repeats() {
        let p = pool(vec![set("a", &[1.0, 2.0]), set("a", &[3.0])]).unwrap();
        let walls: Vec<f64> = p.cells[0]
            .repeats()
            .unwrap()
            .iter()
            .map(|r| r.summary.wall_ms)
            .collect();
        assert_eq!(walls, [1.0, 2.0, 3.0]);
        assert_eq!(p.settings.repeats, 3);
        let mut failed = set("a", &[]);
        failed.cells[0].status = CellStatus::Failed {
            reason: "the client was killed".into(),
        };
        let p = pool(vec![set("a", &[1.0]), failed]).unwrap();
        assert!(
            matches!(&p.cells[0].status, CellStatus::Failed { reason } if reason.contains("killed")),
            "{:?}",
            p.cells[0].status
        );
        let e = pool(vec![set("a", &[1.0]), set("b", &[1.0])]).unwrap_err();
        assert!(e.to_string().contains("different commits"), "{e}");
        assert!(pool(Vec::new()).is_err());
    }
}
