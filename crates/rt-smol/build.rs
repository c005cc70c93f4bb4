//! Tells the row whether the vendored libcurl was compiled with `HAVE_POLL`
//! (see `.cargo/config.toml`). The cc crate that builds curl-sys reads the
//! first of `CFLAGS_<target>`, `CFLAGS_<target_with_underscores>`,
//! `TARGET_CFLAGS` and `CFLAGS`; this script reads the same one. Without the
//! define, libcurl waits with select() and fails every socket numbered 1024
//! or more, so `smol-isahc` refuses to start (`cfg(curl_select_only)`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(curl_select_only)");
    let target = std::env::var("TARGET").unwrap_or_default();
    let names = [
        format!("CFLAGS_{target}"),
        format!("CFLAGS_{}", target.replace('-', "_")),
        "TARGET_CFLAGS".to_string(),
        "CFLAGS".to_string(),
    ];
    for name in &names {
        println!("cargo::rerun-if-env-changed={name}");
    }
    let flags = names.iter().find_map(|n| std::env::var(n).ok());
    let has_poll = flags.is_some_and(|f| f.split_whitespace().any(|w| w == "-DHAVE_POLL"));
    if !has_poll {
        println!("cargo::rustc-cfg=curl_select_only");
    }
}
