//! [`MdTable`]: a Markdown table, the one shape every table of the report
//! and of the comparison is written in.

use crate::format::md_cell;

/// A Markdown table: a header and lines; text columns left-aligned, number
/// columns right-aligned.
pub(crate) struct MdTable {
    header: Vec<String>,
    lines: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl MdTable {
    /// A table of text with these column headers.
    pub fn new(header: Vec<String>) -> MdTable {
        MdTable {
            right: vec![false; header.len()],
            header,
            lines: Vec::new(),
        }
    }

    /// A table whose first `text_cols` columns are text (left-aligned) and
    /// the rest numbers (right-aligned).
    pub fn numeric(header: Vec<String>, text_cols: usize) -> MdTable {
        MdTable {
            right: (0..header.len()).map(|i| i >= text_cols.max(1)).collect(),
            header,
            lines: Vec::new(),
        }
    }

    /// Column `i` holds text after all (left-aligned).
    pub fn text(mut self, i: usize) -> MdTable {
        if let Some(r) = self.right.get_mut(i) {
            *r = false;
        }
        self
    }

    /// Appends a line (cells are escaped when rendered).
    pub fn push(&mut self, cells: Vec<String>) {
        self.lines.push(cells);
    }

    /// The Markdown text, ending in a newline.
    pub fn render(&self) -> String {
        let line = |cells: &[String]| {
            let cells: Vec<String> = (0..self.header.len())
                .map(|i| md_cell(cells.get(i).map_or("", String::as_str)))
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let rule: Vec<&str> = (0..self.header.len())
            .map(|i| if self.right[i] { "---:" } else { ":---" })
            .collect();
        let mut out = line(&self.header);
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for l in &self.lines {
            out.push_str(&line(l));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped_and_numbers_right_aligned() {
        let header = ["Row", "Host", "ms", "Verdict"].map(String::from).to_vec();
        let mut t = MdTable::numeric(header, 2).text(3);
        t.push(vec!["a|b".into(), "h".into()]);
        assert_eq!(
            t.render(),
            "| Row | Host | ms | Verdict |\n| :--- | :--- | ---: | :--- |\n| a\\|b | h |  |  |\n"
        );
    }
}
