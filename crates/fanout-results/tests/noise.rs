//! The between-sweeps statistics on synthetic sweeps shaped like this
//! machine's: every cell has its own true wall, each sitting moves every
//! cell of a plan together (drift) and each cell on its own (between-sitting
//! noise), and each repeat scatters around that.

use fanout_results::noise::{Basis, Change, DEFAULT_ALPHA, Pair, judge};

/// splitmix64 → two uniforms → one standard normal (Box–Muller): the same
/// numbers on every machine.
struct Normal(u64);

impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn next(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

struct Shape {
    rows: usize,
    plans: usize,
    repeats: usize,
    /// Shared by every cell of a plan in one sitting (fraction).
    drift: f64,
    /// One cell's own offset in one sitting.
    between: f64,
    /// One repeat's scatter.
    within: f64,
}

/// Two `cargo bench` sweeps of the same code here: 23 rows, about a dozen
/// plans, 3 repeats; drift up to 4–8 % on a plan; the cells of a plan
/// spread by 2–3 % (latency 2.1 %, api 2.5 %, throughput 4.3 %) between
/// sittings once drift is out — about 1 % of its own and 2 % from the
/// repeats.
const MACHINE: Shape = Shape {
    rows: 23,
    plans: 12,
    repeats: 3,
    drift: 0.04,
    between: 0.01,
    within: 0.02,
};

/// One sitting: walls per (row, plan), `slow(row)` multiplying a row's walls.
fn sitting(
    s: &Shape,
    rng: &mut Normal,
    drift: &[f64],
    slow: impl Fn(usize) -> f64,
) -> Vec<Vec<f64>> {
    let mut cells = Vec::new();
    for (plan, drift) in drift.iter().enumerate() {
        for row in 0..s.rows {
            let truth = 50.0 * (1.0 + row as f64) * (1.0 + plan as f64 / 3.0);
            let cell = truth * drift * (s.between * rng.next()).exp() * slow(row);
            cells.push(
                (0..s.repeats)
                    .map(|_| cell * (s.within * rng.next()).exp())
                    .collect(),
            );
        }
    }
    cells
}

fn sweeps(s: &Shape, seed: u64, slow: impl Fn(usize) -> f64) -> Vec<Pair<usize>> {
    calibrated(s, seed, slow, |_| true)
}

/// [`sweeps`], with `calibrates(row)` naming the rows that measure drift.
fn calibrated(
    s: &Shape,
    seed: u64,
    slow: impl Fn(usize) -> f64,
    calibrates: impl Fn(usize) -> bool,
) -> Vec<Pair<usize>> {
    let mut rng = Normal(seed);
    let drift_old: Vec<f64> = (0..s.plans).map(|_| 1.0).collect();
    // 0 %, +4 %, +8 %, 0 %, … : the machine in the new sitting.
    let drift_new: Vec<f64> = (0..s.plans)
        .map(|p| 1.0 + s.drift * (p % 3) as f64)
        .collect();
    let old = sitting(s, &mut rng, &drift_old, |_| 1.0);
    let new = sitting(s, &mut rng, &drift_new, slow);
    old.into_iter()
        .zip(new)
        .enumerate()
        .map(|(i, (old, new))| Pair {
            group: i / s.rows,
            calibrates: calibrates(i % s.rows),
            old,
            new,
        })
        .collect()
}

fn row_of(s: &Shape, i: usize) -> usize {
    i % s.rows
}

#[test]
fn identical_code_with_a_shared_drift_gives_no_verdict() {
    for seed in 0..20 {
        let pairs = sweeps(&MACHINE, seed, |_| 1.0);
        let j = judge(&pairs, 5.0, DEFAULT_ALPHA);
        for (i, c) in j.cells.iter().enumerate() {
            let c = c.expect("every cell has walls");
            assert!(
                !matches!(c.change, Change::Slower | Change::Faster),
                "seed {seed}, cell {i}: {c:?}"
            );
            assert_eq!(c.basis, Basis::Plan);
        }
        // The drift was seen and taken out.
        for d in &j.drifts {
            let truth = 1.0 + MACHINE.drift * (d.group % 3) as f64;
            assert!((d.ratio / truth - 1.0).abs() < 0.02, "{d:?}");
        }
    }
}

#[test]
fn one_row_made_slower_is_caught_on_each_of_its_cells_and_nothing_else() {
    let slowed = 7;
    for seed in 0..20 {
        let pairs = sweeps(&MACHINE, seed, |row| if row == slowed { 1.3 } else { 1.0 });
        let j = judge(&pairs, 5.0, DEFAULT_ALPHA);
        for (i, c) in j.cells.iter().enumerate() {
            let c = c.unwrap();
            let want = if row_of(&MACHINE, i) == slowed {
                Change::Slower
            } else {
                assert_ne!(c.change, Change::Faster, "seed {seed}, cell {i}: {c:?}");
                assert_ne!(c.change, Change::Slower, "seed {seed}, cell {i}: {c:?}");
                continue;
            };
            assert_eq!(c.change, want, "seed {seed}, cell {i}: {c:?}");
            assert!((1.15..1.45).contains(&c.corrected), "{c:?}");
        }
    }
}

#[test]
fn a_ten_percent_change_on_a_quiet_plan_with_enough_repeats_is_caught() {
    let quiet = Shape {
        repeats: 10,
        between: 0.005,
        within: 0.01,
        ..MACHINE
    };
    let slowed = 3;
    for seed in 0..20 {
        let pairs = sweeps(&quiet, seed, |row| if row == slowed { 1.1 } else { 1.0 });
        let j = judge(&pairs, 5.0, DEFAULT_ALPHA);
        let caught = j
            .cells
            .iter()
            .enumerate()
            .filter(|(i, c)| row_of(&quiet, *i) == slowed && c.unwrap().change == Change::Slower)
            .count();
        assert_eq!(caught, quiet.plans, "seed {seed}");
        let false_alarms = j
            .cells
            .iter()
            .enumerate()
            .filter(|(i, c)| row_of(&quiet, *i) != slowed && c.unwrap().change != Change::Same)
            .count();
        assert_eq!(false_alarms, 0, "seed {seed}");
    }
}

#[test]
fn a_change_the_noise_cannot_tell_is_unclear_not_slower() {
    // Three repeats of a very noisy plan: a 12 % change is beyond the
    // threshold but within noise.
    let noisy = Shape {
        between: 0.06,
        within: 0.06,
        plans: 1,
        ..MACHINE
    };
    let pairs = sweeps(&noisy, 1, |row| if row == 0 { 1.12 } else { 1.0 });
    let j = judge(&pairs, 5.0, DEFAULT_ALPHA);
    let c = j.cells[0].unwrap();
    assert!(c.corrected > 1.05, "{c:?}");
    assert_eq!(c.change, Change::Unclear, "{c:?}");
}

#[test]
fn a_change_to_most_rows_is_caught_against_rows_it_cannot_touch() {
    // A library every Rust row uses slows 15 of 23 rows by 1.3×: the median
    // of all cells is then the slowdown itself. Calibrated on the 8 rows
    // the change cannot touch (the reference programs, say), every slowed
    // cell is slower and nothing else moves.
    let touched = |row: usize| row < 15;
    for seed in 0..20 {
        let slow = |row| if touched(row) { 1.3 } else { 1.0 };
        let pairs = calibrated(&MACHINE, seed, slow, |row| !touched(row));
        let j = judge(&pairs, 5.0, DEFAULT_ALPHA);
        for (i, c) in j.cells.iter().enumerate() {
            let c = c.unwrap();
            if touched(row_of(&MACHINE, i)) {
                assert_eq!(c.change, Change::Slower, "seed {seed}, cell {i}: {c:?}");
            } else {
                assert!(
                    matches!(c.change, Change::Same | Change::Unclear),
                    "seed {seed}, cell {i}: {c:?}"
                );
            }
        }
        // Without calibration rows, the drift is mostly the slowdown: what
        // a comparison must then report as a plan that moved as a whole
        // (beyond twice the threshold).
        let all = judge(&sweeps(&MACHINE, seed, slow), 5.0, DEFAULT_ALPHA);
        for d in &all.drifts {
            let machine = 1.0 + MACHINE.drift * (d.group % 3) as f64;
            assert!(d.ratio / machine > 1.15, "{d:?}");
        }
    }
}
