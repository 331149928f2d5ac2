//! The files `wt` writes or prints for a project, embedded in the binary so that an installed
//! `wt` needs no data directory: `wt init` renders `lanes.toml`, and `wt init --print-template`
//! prints any of them. This module only holds text and fills placeholders; it never prints.

/// `(name, text)` of every embedded template, in the order `--print-template` lists them.
pub const ALL: &[(&str, &str)] = &[
    ("lanes.toml", LANES_TOML),
    ("handoff.md", HANDOFF_MD),
    ("Makefile.wt", MAKEFILE_WT),
    ("onboard.sh", ONBOARD_SH),
];

pub const LANES_TOML: &str = include_str!("../templates/lanes.toml");
pub const HANDOFF_MD: &str = include_str!("../templates/handoff.md");
pub const MAKEFILE_WT: &str = include_str!("../templates/Makefile.wt");
pub const ONBOARD_SH: &str = include_str!("../templates/onboard.sh");
/// Not in [`ALL`]: it is filled in from the repository's lanes.toml (`lane::guide`), so
/// `--print-template AGENTS.md` needs a repository.
pub const AGENTS_MD: &str = include_str!("../templates/AGENTS.md");

/// The name `--print-template` renders from the repository's config.
pub const AGENTS_MD_NAME: &str = "AGENTS.md";

/// The template called `name`, if this build has it.
pub fn get(name: &str) -> Option<&'static str> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The names of every embedded template.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|(n, _)| *n).collect()
}

/// Replace each `{{key}}` (spaces inside the braces allowed) with its value, in one pass, so a
/// value that itself contains `{{...}}` (a commit subject, say) is never expanded again. Single
/// braces (`{role}`, the naming templates' own syntax) are left alone, and so is a placeholder
/// without a value; the callers' tests make sure none survives.
pub fn render<V: AsRef<str>>(template: &str, values: &[(&str, V)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match values.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v.as_ref()),
            None => out.push_str(&rest[start..start + end + 4]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
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
    fn render_keeps_unknown_names_and_never_expands_a_value() {
        let got = render(
            "a {{x}} b {{ y }} c {{z}} d {{",
            &[("x", "{{y}}"), ("y", "2")],
        );
        assert_eq!(got, "a {{y}} b 2 c {{z}} d {{");
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
