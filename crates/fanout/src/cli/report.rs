//! `fanout report` (re-render, or merge result sets from several hosts)
//! and `fanout compare`.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The results directory holding results.json.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

pub(crate) fn report(args: ReportArgs) -> anyhow::Result<i32> {
    crate::write::rerender(&args.out)?;
    eprintln!("rendered {} from results.json", args.out.display());
    Ok(0)
}
