//! [`Chart`]: one chart file of a results directory, drawn or skipped with
//! the reason, and how a page embeds it.

use std::fmt::Write as _;

/// One chart file: drawn, or skipped with the reason.
pub(crate) struct Chart {
    /// File name inside the results directory, e.g. `scaling.svg`.
    pub file: String,
    /// The chart's title (also the page's alt text).
    pub title: String,
    /// One sentence under the chart on its page.
    pub caption: String,
    /// The SVG text, when drawn.
    pub svg: Option<String>,
    /// Why it was not drawn.
    pub skipped: Option<String>,
    /// The workload it is drawn from, if any.
    pub workload: Option<String>,
    /// The idiom group it is drawn for (`idioms::group::chart_key`), if any.
    pub idiom_group: Option<String>,
}

impl Chart {
    /// A chart not drawn yet.
    pub fn new(file: String, title: String, workload: Option<&str>) -> Chart {
        Chart {
            file: slug(&file),
            title,
            caption: String::new(),
            svg: None,
            skipped: None,
            workload: workload.map(str::to_string),
            idiom_group: None,
        }
    }

    /// Drawn, with its caption.
    pub fn drawn(mut self, caption: &str, svg: String) -> Chart {
        self.caption = caption.to_string();
        self.svg = Some(svg);
        self
    }

    /// Not drawn, and why.
    pub fn skip(mut self, why: &str) -> Chart {
        self.skipped = Some(why.to_string());
        self
    }
}

/// The chart on a page: the image and its caption, or why it is missing.
/// `up` leads the file's path from the page (`../` from a workload page).
pub(crate) fn embed(out: &mut String, c: &Chart, up: &str) {
    match &c.skipped {
        None => {
            let _ = writeln!(out, "![{}]({up}{})\n\n*{}*\n", c.title, c.file, c.caption);
        }
        Some(why) => {
            let _ = writeln!(out, "*No chart `{}` ({}): {why}.*\n", c.file, c.title);
        }
    }
}

/// A file name safe in a URL and a directory: `[a-z0-9.-]` only.
pub(crate) fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
