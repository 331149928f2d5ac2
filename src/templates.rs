//! The files `wt` writes or prints for a project, embedded in the binary so that an installed
//! `wt` needs no data directory: `wt init` renders `lanes.toml`, and `wt init --print-template`
//! prints any of them. This module only holds text and fills placeholders; it never prints.

/// `(name, text)` of every embedded template, in the order `--print-template` lists them.
/// A template another part of `wt` owns (handoff.md) is added here when its file exists.
pub const ALL: &[(&str, &str)] = &[
    ("lanes.toml", LANES_TOML),
    ("Makefile.wt", MAKEFILE_WT),
    ("onboard.sh", ONBOARD_SH),
];

pub const LANES_TOML: &str = include_str!("../templates/lanes.toml");
pub const MAKEFILE_WT: &str = include_str!("../templates/Makefile.wt");
pub const ONBOARD_SH: &str = include_str!("../templates/onboard.sh");

/// The template called `name`, if this build has it.
pub fn get(name: &str) -> Option<&'static str> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The names of every embedded template.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|(n, _)| *n).collect()
}

/// Replace each `{{key}}` of `template` with its value. Single braces (`{role}`, the naming
/// templates' own syntax) are left alone. A placeholder without a value is kept as it is, and
/// the caller's tests make sure none survives.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_double_braces_only() {
        let out = render("a {{x}} b {role} {{x}}", &[("x", "1")]);
        assert_eq!(out, "a 1 b {role} 1");
    }

    #[test]
    fn every_template_is_there_and_named_once() {
        let names = names();
        for (i, n) in names.iter().enumerate() {
            assert!(!get(n).unwrap().trim().is_empty(), "{n} is empty");
            assert!(!names[i + 1..].contains(n), "{n} listed twice");
        }
        assert_eq!(get("nope"), None);
    }
}
