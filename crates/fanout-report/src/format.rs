//! Number, duration, size and plan formatting shared by every output: a few
//! significant figures, thousands grouped with a narrow no-break space (so
//! a table cell never wraps inside a number), and `—` for anything that is
//! not a finite number.

use fanout_core::{Format, Plan, Protocol};

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

/// A ratio to two decimals, as hyperfine prints its Relative column:
/// `1.00`, `12.30`; three significant figures from 100 up.
pub(crate) fn ratio2(r: f64) -> String {
    if !r.is_finite() {
        NONE.into()
    } else if r < 99.995 {
        format!("{r:.2}")
    } else {
        num(r)
    }
}

/// A ratio with its sign, two decimals below 10 (`1.00×`, `2.98×`), three
/// significant figures above (`35.7×`, `120×`): how far one figure is from
/// another.
pub(crate) fn ratio_times(r: f64) -> String {
    if !r.is_finite() {
        NONE.into()
    } else if r < 9.995 {
        format!("{r:.2}×")
    } else {
        times(r)
    }
}

/// A range of two ratios, `1.00–1.04`, or one figure when both print alike.
pub(crate) fn ratio_range(lo: f64, hi: f64) -> String {
    let (a, b) = (ratio2(lo), ratio2(hi));
    if a == b { a } else { format!("{a}–{b}") }
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

/// Two durations in one unit: `172–179 ms`, `1.08–1.14 s`; one when equal.
pub(crate) fn duration_range_ms(lo: f64, hi: f64) -> String {
    let (scale, unit) = if hi.abs() < 999.5 {
        (1.0, "ms")
    } else {
        (1e3, "s")
    };
    let (a, b) = (num(lo / scale), num(hi / scale));
    if a == b {
        format!("{a} {unit}")
    } else {
        format!("{a}–{b} {unit}")
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

/// A protocol as readers know it: `HTTP/1.1`, `HTTP/2`, or the client's
/// default.
pub(crate) fn protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Auto => "the client's default protocol",
        Protocol::Http1 => "HTTP/1.1",
        Protocol::Http2 => "HTTP/2",
    }
}

/// A plan in a few words: `1 000 × 100 ms, unbounded` or
/// `1 000 × 20 ms, ~2 KiB JSON documents, 100 at once, HTTPS`.
pub(crate) fn plan_shape(plan: &Plan) -> String {
    plan_shape_n(plan, &int(plan.requests))
}

/// [`plan_shape`] with N written as `n`: `N × 50 ms, unbounded`.
pub(crate) fn plan_shape_n(plan: &Plan, n: &str) -> String {
    let mut parts = vec![format!("{n} × {}", delay(plan))];
    match plan.format {
        Format::Json => parts.push(format!("~{} JSON documents", bytes(plan.bytes))),
        Format::Bytes if plan.bytes != Plan::new(1, plan.delay).bytes => {
            parts.push(format!("{} bodies", bytes(plan.bytes)));
        }
        Format::Bytes => {}
    }
    parts.push(match plan.concurrency {
        Some(c) => format!("{} at once", int(c)),
        None => "unbounded".to_string(),
    });
    if !plan.keep_alive {
        parts.push("no keep-alive".to_string());
    }
    if plan.tls {
        parts.push("HTTPS".to_string());
    }
    if plan.protocol != Protocol::Auto {
        parts.push(protocol(plan.protocol).to_string());
    }
    if !plan.faults.is_none() {
        parts.push("faults injected".to_string());
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

/// Text on one line: runs of whitespace (newlines too) become one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An id as inline code.
pub(crate) fn code(id: &str) -> String {
    format!("`{}`", id.replace('`', "'"))
}

/// Names joined as prose: `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The first letter in upper case.
pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `s` when `n` is not 1: `1 repeat`, `3 repeats`.
pub(crate) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{} {word}s", int(n))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
        assert_eq!(num(f64::NAN), NONE);
        assert_eq!(num(-2.5), "−2.5");
        assert_eq!(duration_ms(2512.0), "2.51 s");
        assert_eq!(duration_range_ms(172.2, 179.0), "172–179 ms");
        assert_eq!(duration_range_ms(1080.0, 1080.0), "1.08 s");
        assert_eq!(projection_s(1000.0), "1\u{202f}000 s (≈ 17 min)");
        assert_eq!(wall_range(512.0, 509.0, 520.0), "512 ms (509–520)");
        assert_eq!(wall_range(51.0, 51.0, 51.0), "51.0 ms");
        assert_eq!(wall_range(1100.0, 1080.0, 1140.0), "1.10 s (1.08–1.14)");
        assert_eq!(ratio_range(1.0, 1.04), "1.00–1.04");
        assert_eq!(ratio_times(1.0), "1.00×");
        assert_eq!(ratio_times(35.714), "35.7×");
        assert_eq!(ratio_range(1.001, 1.002), "1.00");
        assert_eq!(bytes(1 << 20), "1 MiB");
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(plural(1, "repeat"), "1 repeat");
    }

    #[test]
    fn plans_name_what_differs_from_the_default() {
        let mut p = Plan::new(1_000, Duration::from_millis(20));
        assert_eq!(plan_shape(&p), "1\u{202f}000 × 20 ms, unbounded");
        p.format = Format::Json;
        p.bytes = 2048;
        p.tls = true;
        p.concurrency = Some(100);
        p.protocol = Protocol::Http2;
        assert_eq!(
            plan_shape(&p),
            "1\u{202f}000 × 20 ms, ~2 KiB JSON documents, 100 at once, HTTPS, HTTP/2"
        );
    }
}
