//! Plain aligned columns for people. Scripts use `--json`.

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn lines(&self) -> Vec<String> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        std::iter::once(&self.header)
            .chain(self.rows.iter())
            .map(|cells| {
                let last = cells.len().saturating_sub(1);
                let padded: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if i == last {
                            c.clone()
                        } else {
                            format!("{c:<w$}", w = widths[i])
                        }
                    })
                    .collect();
                padded.join("  ")
            })
            .collect()
    }
}
