//! Lanes: what a role expands to (one lane in V1, `1..=N` in V2), their branch and directory
//! names from the templates, and how users name them (`B-ui-2`, `B-ui:2`, `ROLE=B-ui LANE=2`).

use crate::config::Config;
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    /// How users name it: `A-backend` (V1) or `B-ui-2` (V2).
    pub id: String,
    pub role: String,
    /// None for a V1 role.
    pub index: Option<u32>,
    pub branch: String,
    pub path: PathBuf,
}

/// Expand a naming template. `{-lane}` is `-N` for a V2 lane and empty for V1.
pub fn expand(template: &str, prefix: &str, role: &str, index: Option<u32>) -> String {
    let lane = index.map(|n| n.to_string()).unwrap_or_default();
    let dash_lane = index.map(|n| format!("-{n}")).unwrap_or_default();
    template
        .replace("{prefix}", prefix)
        .replace("{role}", role)
        .replace("{-lane}", &dash_lane)
        .replace("{lane}", &lane)
}

/// Make-style `KEY=VALUE` words and plain words, as given on the command line.
#[derive(Debug, Default, Clone)]
pub struct Words {
    pub role: Option<String>,
    pub lane: Option<String>,
    pub task: Option<String>,
    pub owner: Option<String>,
    pub status: Option<String>,
    pub branch: Option<String>,
    pub plain: Vec<String>,
}

impl Words {
    pub fn parse(words: &[String]) -> Result<Words> {
        let mut out = Words::default();
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                out.plain.push(word.clone());
                continue;
            };
            let slot = match key.to_ascii_uppercase().as_str() {
                "ROLE" => &mut out.role,
                "LANE" => &mut out.lane,
                "TASK" | "TASK_ID" => &mut out.task,
                "OWNER" => &mut out.owner,
                "STATUS" => &mut out.status,
                "BRANCH" => &mut out.branch,
                _ => {
                    return Err(Error::usage(format!("unknown word `{word}`")).hint(
                        "make-style words are ROLE=, LANE=, TASK=, OWNER=, STATUS=, BRANCH=",
                    ))
                }
            };
            if value.is_empty() {
                return Err(Error::usage(format!("`{word}` has no value")).hint(format!(
                    "give a value, e.g. {key}=NAME, or leave the word out"
                )));
            }
            *slot = Some(value.to_string());
        }
        Ok(out)
    }

    /// The lane words, joined from `ROLE=`/`LANE=` and plain words.
    fn lane_names(&self) -> Result<Vec<String>> {
        let mut names = self.plain.clone();
        match (&self.role, &self.lane) {
            (Some(role), Some(lane)) => names.push(format!("{role}:{lane}")),
            (Some(role), None) => names.push(role.clone()),
            (None, Some(_)) => {
                return Err(Error::usage("LANE= needs ROLE= too").hint("e.g. ROLE=B-ui LANE=2"))
            }
            (None, None) => {}
        }
        Ok(names)
    }
}

impl Config {
    /// The lanes named by `words`; every lane when none is named. A V2 role name alone means all
    /// of its lanes.
    pub fn select_lanes(&self, words: &Words) -> Result<Vec<&Lane>> {
        let names = words.lane_names()?;
        if names.is_empty() {
            return Ok(self.lanes.iter().collect());
        }
        let mut chosen: Vec<&Lane> = Vec::new();
        for name in &names {
            for lane in self.resolve(name, true)? {
                if !chosen.iter().any(|c| c.id == lane.id) {
                    chosen.push(lane);
                }
            }
        }
        Ok(chosen)
    }

    /// Exactly one lane.
    pub fn select_lane(&self, words: &Words) -> Result<&Lane> {
        let names = words.lane_names()?;
        match names.as_slice() {
            [] => Err(Error::usage("name a lane").hint(self.lane_hint())),
            [one] => Ok(self.resolve(one, false)?.remove(0)),
            _ => Err(Error::usage(format!(
                "name one lane, not {}",
                names.join(" ")
            ))),
        }
    }

    fn resolve(&self, name: &str, role_means_all: bool) -> Result<Vec<&Lane>> {
        if let Some(lane) = self.lanes.iter().find(|l| l.id == name) {
            return Ok(vec![lane]);
        }
        let (role, index) = split_lane_name(name);
        let of_role: Vec<&Lane> = self.lanes.iter().filter(|l| l.role == role).collect();
        if of_role.is_empty() {
            return Err(
                Error::usage(format!("no lane `{name}` in {}", self.file_label()))
                    .hint(self.lane_hint()),
            );
        }
        match index {
            Some(n) => match of_role.iter().find(|l| l.index == Some(n)) {
                Some(lane) => Ok(vec![*lane]),
                None => {
                    Err(Error::usage(format!("role {role} has no lane {n}")).hint(self.lane_hint()))
                }
            },
            None if role_means_all => Ok(of_role),
            None => Err(
                Error::usage(format!("role {role} has {} lanes: name one", of_role.len()))
                    .hint(format!("e.g. {} or ROLE={role} LANE=1", of_role[0].id)),
            ),
        }
    }

    fn lane_hint(&self) -> String {
        let ids: Vec<&str> = self.lanes.iter().map(|l| l.id.as_str()).collect();
        if ids.is_empty() {
            "add a [[role]] to lanes.toml".to_string()
        } else {
            format!("lanes: {}", ids.join(", "))
        }
    }

    fn file_label(&self) -> String {
        self.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// `B-ui:2` and `B-ui-2` both name lane 2 of B-ui; anything else is a role name alone.
fn split_lane_name(name: &str) -> (&str, Option<u32>) {
    for sep in [':', '-'] {
        if let Some((role, n)) = name.rsplit_once(sep) {
            if let Ok(n) = n.parse::<u32>() {
                if !role.is_empty() && !n.to_string().is_empty() {
                    return (role, Some(n));
                }
            }
        }
    }
    (name, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_lane_only_for_v2() {
        assert_eq!(expand("agent/{role}{-lane}", "p", "A", None), "agent/A");
        assert_eq!(
            expand("agent/{role}{-lane}", "p", "B", Some(2)),
            "agent/B-2"
        );
        assert_eq!(
            expand("{prefix}-{role}{-lane}", "gp", "B", Some(1)),
            "gp-B-1"
        );
    }

    #[test]
    fn lane_names_split() {
        assert_eq!(split_lane_name("B-ui:2"), ("B-ui", Some(2)));
        assert_eq!(split_lane_name("B-ui-2"), ("B-ui", Some(2)));
        assert_eq!(split_lane_name("A-backend"), ("A-backend", None));
    }

    #[test]
    fn make_words() {
        let w = Words::parse(&["ROLE=B-ui".into(), "LANE=2".into()]).unwrap();
        assert_eq!(w.lane_names().unwrap(), ["B-ui:2"]);
        assert!(Words::parse(&["FOO=1".into()]).is_err());
        assert!(Words::parse(&["ROLE=".into()]).is_err());
    }
}
