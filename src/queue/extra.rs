//! What a team's queue holds beyond `wt`'s fields: keys `wt` does not know (kept byte for byte
//! in the file, shown in `--json`), and the archive files of finished work.

use serde::Serialize;

use super::model::Task;

/// One archive file and its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// The file as lanes.toml's globs found it, relative to the main checkout.
    pub file: String,
    pub tasks: Vec<Task>,
}

/// Keys `wt` does not know, in file order, with their values as JSON (`--json` shows them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra(pub Vec<(String, serde_json::Value)>);

impl Extra {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Serialize for Extra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
