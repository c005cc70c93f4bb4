//! Number, duration and size formatting shared by the README and the charts:
//! a few significant figures, thousands grouped with a narrow no-break space
//! (so a table cell never wraps inside a number), and `—` for anything that is
//! not a finite number.

use fanout_core::Plan;

/// U+202F NARROW NO-BREAK SPACE, the thousands separator.
pub(crate) const GROUP: char = '\u{202f}';

/// What a table shows where there is no figure.
pub(crate) const NONE: &str = "—";

/// An integer with grouped thousands: `12 345`.
pub(crate) fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(GROUP);
        }
        out.push(ch);
    }
    out
}

/// A measurement to about three significant figures, trailing zeros dropped:
/// `12 345`, `123`, `12.3`, `1.23`, `0.123`, `50`, `1.2`; `—` when not finite.
pub(crate) fn num(x: f64) -> String {
    let s = sig(x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// [`num`] keeping its trailing zeros, for figures shown side by side:
/// `1.10`, `50.0`.
pub(crate) fn sig(x: f64) -> String {
    if !x.is_finite() {
        return NONE.to_string();
    }
    let a = x.abs();
    let body = if a >= 999.5 {
        int(a.round() as u64)
    } else if a >= 99.95 {
        format!("{a:.0}")
    } else if a >= 9.995 {
        format!("{a:.1}")
    } else if a >= 0.9995 {
        format!("{a:.2}")
    } else if a == 0.0 {
        "0".to_string()
    } else {
        format!("{a:.3}")
    };
    if x < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{body}")
    } else {
        body
    }
}

/// A ratio: `1.87×`, `12.3×`, `535×`.
pub(crate) fn times(x: f64) -> String {
    if x.is_finite() {
        format!("{}×", num(x))
    } else {
        NONE.to_string()
    }
}

/// A speedup `baseline / this`: `5.0× faster`, `2.0× slower`, `same`.
pub(crate) fn speedup(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        NONE.to_string()
    } else if (0.995..1.005).contains(&x) {
        "same".to_string()
    } else if x >= 1.0 {
        format!("{} faster", times(x))
    } else {
        format!("{} slower", times(1.0 / x))
    }
}

/// A duration given in milliseconds, in ms below a second and in s above:
/// `0.42 ms`, `187 ms`, `2.51 s`, `1 000 s`.
pub(crate) fn duration_ms(ms: f64) -> String {
    if !ms.is_finite() {
        NONE.to_string()
    } else if ms.abs() < 999.5 {
        format!("{} ms", num(ms))
    } else {
        format!("{} s", num(ms / 1e3))
    }
}

/// A projected duration in seconds, with minutes or hours when long:
/// `1 000 s (≈ 17 min)`.
pub(crate) fn projection_s(s: f64) -> String {
    let base = duration_ms(s * 1e3);
    if !s.is_finite() || s < 120.0 {
        base
    } else if s < 2.0 * 3600.0 {
        format!("{base} (≈ {} min)", num((s / 60.0).round()))
    } else {
        format!("{base} (≈ {} h)", num(s / 3600.0))
    }
}

/// The median of a wall time with its spread in one unit:
/// `512 ms (509–520)`, or just `512 ms` when every repeat agreed.
pub(crate) fn wall_range(median_ms: f64, min_ms: f64, max_ms: f64) -> String {
    let (scale, unit) = if median_ms.abs() < 999.5 {
        (1.0, "ms")
    } else {
        (1e3, "s")
    };
    let (m, lo, hi) = (
        sig(median_ms / scale),
        sig(min_ms / scale),
        sig(max_ms / scale),
    );
    if lo == hi && lo == m {
        format!("{m} {unit}")
    } else {
        format!("{m} {unit} ({lo}–{hi})")
    }
}

/// A size in bytes: `256 B`, `1 KiB`, `1 MiB`.
pub(crate) fn bytes(b: u64) -> String {
    const KIB: u64 = 1024;
    if b >= KIB * KIB && b.is_multiple_of(KIB * KIB) {
        format!("{} MiB", int(b / (KIB * KIB)))
    } else if b >= KIB && b.is_multiple_of(KIB) {
        format!("{} KiB", int(b / KIB))
    } else {
        format!("{} B", int(b))
    }
}

/// A plan's delay: `100 ms`, `1 s`.
pub(crate) fn delay(plan: &Plan) -> String {
    let ms = plan.delay.as_millis() as u64;
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{} s", int(ms / 1000))
    } else {
        format!("{} ms", int(ms))
    }
}

/// A plan in a few words: `1 000 × 100 ms, unbounded` or
/// `20 000 × 0 ms, 1 KiB bodies, 64 at once`.
pub(crate) fn plan_shape(plan: &Plan) -> String {
    plan_shape_n(plan, &int(plan.requests))
}

/// [`plan_shape`] with N written as `n`: `N × 50 ms, unbounded`.
pub(crate) fn plan_shape_n(plan: &Plan, n: &str) -> String {
    let mut parts = vec![format!("{n} × {}", delay(plan))];
    if plan.bytes != Plan::new("", 1, plan.delay).bytes {
        parts.push(format!("{} bodies", bytes(plan.bytes)));
    }
    parts.push(match plan.concurrency {
        Some(c) => format!("{} at once", int(c)),
        None => "unbounded".to_string(),
    });
    if !plan.keep_alive {
        parts.push("no keep-alive".to_string());
    }
    parts.join(", ")
}

/// The plan's floor in milliseconds (0 when it has no delay).
pub(crate) fn floor_ms(plan: &Plan) -> f64 {
    plan.floor().as_secs_f64() * 1e3
}

/// Text made safe for one Markdown table cell: no newlines, `|` escaped.
pub(crate) fn md_cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ").replace('|', "\\|")
}

/// An id as inline code.
pub(crate) fn code(id: &str) -> String {
    format!("`{}`", id.replace('`', "'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(int(1_000), "1\u{202f}000");
        assert_eq!(int(999), "999");
        assert_eq!(num(12345.4), "12\u{202f}345");
        assert_eq!(num(187.2), "187");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(1.874), "1.87");
        assert_eq!(num(0.1234), "0.123");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(0.0001), "0");
        assert_eq!(num(f64::NAN), NONE);
        assert_eq!(speedup(535.0), "535× faster");
        assert_eq!(speedup(0.5), "2× slower");
        assert_eq!(speedup(0.4), "2.5× slower");
        assert_eq!(num(90.000_000_1), "90");
        assert_eq!(num(0.8), "0.8");
        assert_eq!(duration_ms(2512.0), "2.51 s");
        assert_eq!(projection_s(1000.0), "1\u{202f}000 s (≈ 17 min)");
        assert_eq!(wall_range(512.0, 509.0, 520.0), "512 ms (509–520)");
        assert_eq!(wall_range(51.0, 51.0, 51.0), "51.0 ms");
        assert_eq!(wall_range(1100.0, 1080.0, 1140.0), "1.10 s (1.08–1.14)");
        assert_eq!(num(50.0), "50");
        assert_eq!(duration_ms(1000.0), "1 s");
        assert_eq!(bytes(1 << 20), "1 MiB");
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
    }
}
