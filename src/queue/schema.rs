//! How a team's queue file names things and how strictly `wt` reads it (SPEC section 2):
//! `[queue.field_names]` maps `wt`'s field names to the team's keys, `[queue] strict_fields`
//! makes every key `wt` does not know an error, and `[queue] default_priority` is the priority
//! of a task without one.
//!
//! A key `wt` does not know is kept byte for byte and shown, unless it looks like a field `wt`
//! knows (a misspelled `dependson` must not silently disable a dependency gate): then it is an
//! error naming that field.

use super::model::{Field, DEFAULT_PRIORITY, TASK_FIELDS};
use super::near;

/// Keys teams use for a field under another name; reading past them would drop a gate.
const SYNONYMS: &[(&str, Field)] = &[
    ("dependencies", Field::DependsOn),
    ("depends", Field::DependsOn),
    ("deps", Field::DependsOn),
    ("blocked_on", Field::BlockedBy),
    ("blockers", Field::BlockedBy),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// The file's key for each field, in [`Field::ALL`] order.
    keys: Vec<String>,
    /// Some field has a key of the team's own.
    renamed: bool,
    /// Every key `wt` does not know is an error.
    pub strict: bool,
    pub default_priority: u32,
}

impl Default for Schema {
    fn default() -> Self {
        Schema {
            keys: TASK_FIELDS.iter().map(|f| f.to_string()).collect(),
            renamed: false,
            strict: false,
            default_priority: DEFAULT_PRIORITY,
        }
    }
}

/// Why a key of the file is refused, and the fix.
pub(crate) struct Refusal {
    pub message: String,
    pub fix: String,
}

impl Schema {
    /// `renames`: `wt`'s field name to the team's key. An error names the bad entry.
    pub fn new(
        renames: &[(String, String)],
        strict: bool,
        default_priority: u32,
    ) -> Result<Schema, String> {
        let mut schema = Schema {
            strict,
            default_priority,
            ..Schema::default()
        };
        for (field, key) in renames {
            let Some(f) = Field::from_name(field) else {
                let near = near::closest(field, TASK_FIELDS)
                    .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
                return Err(format!("`{field}` is not a task field{near}"));
            };
            if f == Field::Id {
                return Err("`id` cannot be renamed".into());
            }
            if !is_key(key) {
                return Err(format!(
                    "`{key}` cannot be a key: use letters, digits, `_` and `-`"
                ));
            }
            schema.keys[f as usize] = key.clone();
            schema.renamed |= field != key;
        }
        for (i, key) in schema.keys.iter().enumerate() {
            if let Some(j) = schema.keys[..i].iter().position(|k| k == key) {
                return Err(format!(
                    "`{}` and `{}` would both be read from `{key}`",
                    TASK_FIELDS[j], TASK_FIELDS[i]
                ));
            }
        }
        Ok(schema)
    }

    /// The schema `[queue]` describes (its entries were checked when lanes.toml was read).
    pub fn of(qc: &crate::config::QueueConfig) -> Schema {
        Schema::new(&qc.field_names, qc.strict_fields, qc.default_priority).unwrap_or_default()
    }

    /// The file's key for `field`.
    pub fn key(&self, field: Field) -> &str {
        &self.keys[field as usize]
    }

    /// The field a key of the file holds, if `wt` knows it.
    pub fn field(&self, key: &str) -> Option<Field> {
        if !self.renamed {
            return Field::from_name(key);
        }
        self.keys
            .iter()
            .position(|k| k == key)
            .map(|i| Field::ALL[i])
    }

    /// `None` when a key `wt` does not know may stay (it is kept and shown); otherwise why not.
    pub(crate) fn refuse_task_key(&self, key: &str) -> Option<Refusal> {
        if self.renamed {
            if let Some(f) = Field::from_name(key) {
                let theirs = self.key(f);
                return Some(Refusal {
                    message: format!(
                        "`{key}` is read from `{theirs}` in this queue ([queue.field_names] {key} = \"{theirs}\")"
                    ),
                    fix: format!("rename the key to `{theirs}`"),
                });
            }
        }
        let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        if let Some(near) = near_miss(key, &keys) {
            return Some(Refusal {
                message: format!("unknown field `{key}`, a near miss of `{near}`"),
                fix: format!(
                    "did you mean `{near}`? A misspelled key would silently lose its value (keys wt does not know at all are kept)"
                ),
            });
        }
        if let Some((_, f)) = SYNONYMS.iter().find(|(s, _)| s.eq_ignore_ascii_case(key)) {
            let ours = f.name();
            return Some(Refusal {
                message: format!("`{key}` is not read by wt: the field is `{}`", self.key(*f)),
                fix: format!(
                    "rename it to `{}`, or map it in lanes.toml: [queue.field_names] {ours} = \"{key}\"",
                    self.key(*f)
                ),
            });
        }
        self.strict.then(|| Refusal {
            message: format!("unknown field `{key}` (strict_fields is on)"),
            fix: match near::closest(key, &keys) {
                Some(n) => format!("did you mean `{n}`? Or remove it"),
                None => "remove it, or set `strict_fields = false` under [queue] in lanes.toml to keep keys wt does not know".into(),
            },
        })
    }

    /// As [`Schema::refuse_task_key`], for the file's top level (`version`, `tasks`).
    pub(crate) fn refuse_root_key(&self, key: &str) -> Option<Refusal> {
        let known = super::model::ROOT_FIELDS;
        if let Some(near) = near_miss(key, known) {
            return Some(Refusal {
                message: format!("unknown top-level key `{key}`, a near miss of `{near}`"),
                fix: format!("did you mean `{near}`?"),
            });
        }
        self.strict.then(|| Refusal {
            message: format!("unknown top-level key `{key}` (strict_fields is on)"),
            fix: "remove it, or set `strict_fields = false` under [queue] in lanes.toml".into(),
        })
    }
}

/// The known name `name` most likely misspells: the same once case, `_` and `-` are ignored
/// (`dependsOn`, `depends-on`, `dependson`), or one edit away (two for names of 8 letters or
/// more), a swap of neighbours counting as one (`stauts`). Short names need an exact match
/// apart from case, so `id` never claims `kind`.
pub(crate) fn near_miss<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let lower = name.to_ascii_lowercase();
    let squashed = squash(name);
    known
        .iter()
        .filter_map(|k| {
            if squash(k) == squashed {
                return Some((0, *k));
            }
            let allowed = match k.len() {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            let d = swaps_distance(&lower, k);
            (d <= allowed).then_some((d, *k))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance where swapping two neighbouring letters is one edit (optimal string alignment).
fn swaps_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_refused_and_the_rest_kept() {
        let s = Schema::default();
        for bad in [
            "dependson",
            "depends-on",
            "dependsOn",
            "acceptance_check",
            "stauts",
            "Status",
            "merge_commit",
            "dependencies",
            "blocked_on",
        ] {
            assert!(s.refuse_task_key(bad).is_some(), "{bad} kept");
        }
        for kept in [
            "tags",
            "profile",
            "source_paths",
            "review_domains",
            "commit",
            "commit_sha",
            "updated_at",
            "created_at",
            "estimate",
            "type",
        ] {
            assert!(s.refuse_task_key(kept).is_none(), "{kept} refused");
        }
        let strict = Schema::new(&[], true, 1000).unwrap();
        assert!(strict.refuse_task_key("tags").is_some());
    }

    #[test]
    fn renamed_fields_read_the_teams_keys() {
        let renames = [
            ("depends_on".to_string(), "dependencies".to_string()),
            ("merged_commit".to_string(), "commit".to_string()),
        ];
        let s = Schema::new(&renames, false, 1000).unwrap();
        assert_eq!(s.field("dependencies"), Some(Field::DependsOn));
        assert_eq!(s.field("commit"), Some(Field::MergedCommit));
        assert_eq!(s.field("status"), Some(Field::Status));
        assert_eq!(s.field("depends_on"), None);
        assert!(s.refuse_task_key("depends_on").is_some());
        assert!(s.refuse_task_key("dependencis").is_some());
        assert_eq!(s.key(Field::DependsOn), "dependencies");
        let clash = [("title".to_string(), "status".to_string())];
        assert!(Schema::new(&clash, false, 1000).is_err());
        let unknown = [("dependson".to_string(), "x".to_string())];
        assert!(Schema::new(&unknown, false, 1000)
            .unwrap_err()
            .contains("depends_on"));
    }
}
