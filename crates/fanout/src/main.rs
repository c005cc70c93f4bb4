//! The `fanout` command: `list`, `serve`, `run`, `sweep`, `report`. See
//! `fanout --help`; the commands live in the library (`fanout::cli`).

#![forbid(unsafe_code)]

fn main() {
    std::process::exit(fanout::cli::main_from(std::env::args_os()));
}
