//! `wt init`: write `lanes.toml` at the main checkout's root from the embedded template, with the
//! roles given by `--role` or asked for on a terminal; and `--print-template NAME`.
//!
//! Nothing is written unless the result loads with the real config loader, and an existing file
//! is never replaced: the new file is made beside it and linked into place only if that name is
//! still free, so two `wt init` runs cannot both win.

use crate::config::{self, names, Config, LoadOptions};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::git::RepoInfo;
use crate::templates;
use crate::ui::{Report, Ui};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// A role to add (repeat for several); asked interactively on a terminal when none given.
    #[arg(long = "role", value_name = "NAME")]
    pub roles: Vec<String>,
    /// Print one of the embedded templates (lanes.toml, handoff.md, Makefile.wt, onboard.sh), or
    /// AGENTS.md generated from this repository's lanes.toml, and exit.
    #[arg(long, value_name = "NAME")]
    pub print_template: Option<String>,
}

/// One role as it goes into the file.
#[derive(Debug, Clone, Serialize)]
struct RoleSpec {
    name: String,
    /// None: one lane (V1). Some(n), n >= 2: V2 lanes 1..=n.
    lanes: Option<u32>,
    owns: Vec<String>,
}

/// What `wt init` wrote: JSON data, or two lines for people on stderr.
#[derive(Serialize)]
struct Written<'a> {
    path: &'a Path,
    roles: &'a [RoleSpec],
    lanes: &'a [&'a str],
}

impl Report for Written<'_> {
    fn tell(&self, ui: &Ui) {
        ui.success(&format!(
            "wrote {} with lanes {}",
            self.path.display(),
            self.lanes.join(", ")
        ));
        ui.hint("set each role's owns and checks there, commit the file, then run `wt setup`");
    }

    fn show(&self, _ui: &Ui) {}
}

/// How many times a question is asked again after an answer that does not parse.
const ATTEMPTS: usize = 3;

pub fn run(ctx: &Context, args: InitArgs) -> Result<u8> {
    if let Some(name) = &args.print_template {
        return print_template(ctx, name);
    }
    // why: bad --role values are usage errors even outside a repository; check them first.
    let given = parse_role_flags(&args.roles)?;
    let info = ctx.repo()?;
    let target = match &ctx.globals.config {
        Some(p) => ctx.cwd().join(p),
        None => info.main.join(config::FILE_NAME),
    };
    // Checked before any question so that nobody answers them for nothing; checked again, for
    // real, when the file is linked into place.
    if target.exists() {
        return Err(already_there(&target));
    }
    let roles = match given {
        Some(roles) => roles,
        None if ctx.ui.can_prompt() => ask_roles(ctx)?,
        None => {
            return Err(
                Error::usage("no roles given, and no terminal to ask for them")
                    .hint("name each role with --role, e.g. wt init --role A-backend --role B-ui"),
            )
        }
    };
    let text = render(info, &roles);
    let _lock = ctx.lock("init")?;
    let written = write_new(info, &target, &text)?;
    let lanes: Vec<&str> = written.lanes.iter().map(|l| l.id.as_str()).collect();
    ctx.ui.report(&Written {
        path: &target,
        roles: &roles,
        lanes: &lanes,
    });
    Ok(0)
}

fn print_template(ctx: &Context, name: &str) -> Result<u8> {
    if name == templates::AGENTS_MD_NAME {
        let cfg = ctx.config()?;
        let base = match ctx.base() {
            Ok(b) => b.name,
            Err(_) => cfg.project.base.clone().unwrap_or_else(|| "master".into()),
        };
        let protected = crate::lane::policy::rules(cfg, Some(&ctx.repo()?.main)).protected;
        ctx.ui
            .text(&crate::lane::guide::agents_md(cfg, &base, &protected));
        return Ok(0);
    }
    match templates::get(name) {
        Some(text) => {
            ctx.ui.data(text.trim_end_matches('\n'));
            Ok(0)
        }
        None => Err(
            Error::usage(format!("no template named `{name}`")).hint(format!(
                "templates: {}, {} (from this repository's lanes.toml)",
                templates::names().join(", "),
                templates::AGENTS_MD_NAME
            )),
        ),
    }
}

fn already_there(target: &Path) -> Error {
    Error::refused(format!(
        "{} exists already; nothing was changed",
        target.display()
    ))
    .hint("edit it by hand (lanes.example.toml lists every key), or move it away first")
}

/// `--role` values, validated; None when none was given.
fn parse_role_flags(values: &[String]) -> Result<Option<Vec<RoleSpec>>> {
    if values.is_empty() {
        return Ok(None);
    }
    let names = check_role_names(values.iter().map(String::as_str)).map_err(|msg| {
        Error::usage(format!("--role: {msg}"))
            .hint("a role name is a letter, then up to 39 letters, digits or dashes")
    })?;
    Ok(Some(
        names
            .into_iter()
            .map(|name| RoleSpec {
                name,
                lanes: None,
                owns: Vec::new(),
            })
            .collect(),
    ))
}

/// The same rules the config loader applies: the name pattern, and no role twice.
fn check_role_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> std::result::Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !names::is_role_name(name) {
            return Err(format!("`{name}` is not a valid role name"));
        }
        if out.iter().any(|n| n == name) {
            return Err(format!("role `{name}` is named twice"));
        }
        out.push(name.to_string());
    }
    if out.is_empty() {
        return Err("name at least one role".to_string());
    }
    Ok(out)
}

fn ask_roles(ctx: &Context) -> Result<Vec<RoleSpec>> {
    ctx.ui
        .step("lanes.toml: one [[role]] per workstream, e.g. A-backend B-ui C-ops");
    let names = ask(
        ctx,
        "Role names (separated by spaces or commas)",
        "",
        |answer| check_role_names(split_list(answer)),
    )?;
    let mut roles = Vec::new();
    for name in names {
        let owns = ask(
            ctx,
            &format!(
                "Paths {name} owns (globs such as src/api/**, comma-separated; empty for none)"
            ),
            "",
            parse_globs,
        )?;
        let lanes = ask(
            ctx,
            &format!("Lanes of {name} (1 = one writer; 2 or more = parallel lanes)"),
            "1",
            parse_lanes,
        )?;
        roles.push(RoleSpec { name, lanes, owns });
    }
    Ok(roles)
}

/// Ask until the answer parses, a few times at most (a closed terminal answers "" forever).
fn ask<T>(
    ctx: &Context,
    question: &str,
    default: &str,
    parse: impl Fn(&str) -> std::result::Result<T, String>,
) -> Result<T> {
    let mut last = String::new();
    for _ in 0..ATTEMPTS {
        let answer = ctx.ui.ask(question, default)?;
        match parse(answer.trim()) {
            Ok(value) => return Ok(value),
            Err(msg) => {
                ctx.ui.warn(&msg);
                last = msg;
            }
        }
    }
    Err(Error::usage(format!("no usable answer: {last}"))
        .hint("or give the roles as flags: wt init --role NAME --role NAME"))
}

fn split_list(answer: &str) -> impl Iterator<Item = &str> {
    answer
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

fn parse_globs(answer: &str) -> std::result::Result<Vec<String>, String> {
    let mut globs = Vec::new();
    for g in answer.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        if g.starts_with('/') {
            return Err(format!("`{g}`: globs are relative to the repository root"));
        }
        config::glob(g).map_err(|e| format!("`{g}`: {}", e.kind()))?;
        globs.push(g.to_string());
    }
    Ok(globs)
}

fn parse_lanes(answer: &str) -> std::result::Result<Option<u32>, String> {
    match answer.parse::<u32>() {
        Ok(1) => Ok(None),
        Ok(n) if (2..=99).contains(&n) => Ok(Some(n)),
        _ => Err(format!("`{answer}`: give a number from 1 to 99")),
    }
}

/// TOML's own quoting, so that no value (a directory name with a quote, say) can end a string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn role_block(role: &RoleSpec) -> String {
    let mut block = format!("[[role]]\nname = {}\n", toml_str(&role.name));
    if let Some(n) = role.lanes {
        block.push_str(&format!("lanes = {n}\n"));
    }
    let owns: Vec<String> = role.owns.iter().map(|g| toml_str(g)).collect();
    block.push_str(&format!("owns = [{}]\n", owns.join(", ")));
    block.push_str("checks = []\n");
    block
}

fn render(info: &RepoInfo, roles: &[RoleSpec]) -> String {
    let prefix = info
        .main
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // why: a repository with no commit yet has no base to detect; the line is a comment anyway.
    let base = info
        .open()
        .ok()
        .and_then(|repo| crate::git::repo::detect_base(&repo, None, "origin").ok())
        .map_or_else(|| "master".to_string(), |b| b.name);
    let blocks: Vec<String> = roles.iter().map(role_block).collect();
    templates::render(
        templates::LANES_TOML,
        &[
            ("prefix", &toml_str(&prefix)),
            ("base", &toml_str(&base)),
            ("roles", &blocks.join("\n")),
        ],
    )
}

/// Write `text` to `target` only if the real loader accepts it and `target` does not exist;
/// returns what the loader made of it.
fn write_new(info: &RepoInfo, target: &Path, text: &str) -> Result<Config> {
    let dir = target
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    // why: tempfile's private 0600 would stick to lanes.toml; 0666 less the umask is what any
    // editor would have made.
    let mut tmp = tempfile::Builder::new()
        .prefix(".lanes.toml.")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(&dir)
        .map_err(|e| Error::git(format!("cannot write in {}: {e}", dir.display())))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.as_file().sync_all()?;
    let loaded = config::load(&LoadOptions {
        main: &info.main,
        explicit: Some(tmp.path()),
        env_root: None,
        user_file: None,
    })
    .map_err(|e| {
        Error::git(format!(
            "wt init made a lanes.toml its own loader rejects (a bug in wt): {}",
            e.message
        ))
        .details(e.details)
    })?;
    // why: persist_noclobber links the finished file into place and fails if the name was
    // taken meanwhile, so an existing lanes.toml is never replaced, not even by a race.
    tmp.persist_noclobber(target).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            already_there(target)
        } else {
            Error::git(format!("cannot write {}: {}", target.display(), e.error))
        }
    })?;
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_follow_the_config_rules() {
        assert!(check_role_names(["A-backend", "B-ui"]).is_ok());
        assert!(check_role_names(["A", "A"]).unwrap_err().contains("twice"));
        assert!(check_role_names(["$(id)"]).is_err());
        assert!(check_role_names([]).is_err());
    }

    #[test]
    fn answers_parse() {
        assert_eq!(split_list("A, B  C").collect::<Vec<_>>(), ["A", "B", "C"]);
        assert_eq!(parse_globs(" src/**, web/* ").unwrap(), ["src/**", "web/*"]);
        assert!(parse_globs("/abs").is_err());
        assert!(parse_globs("src/[").is_err());
        assert_eq!(parse_lanes("1").unwrap(), None);
        assert_eq!(parse_lanes("3").unwrap(), Some(3));
        assert!(parse_lanes("0").is_err());
        assert!(parse_lanes("x").is_err());
    }

    #[test]
    fn role_blocks_quote_their_values() {
        let block = role_block(&RoleSpec {
            name: "B-ui".into(),
            lanes: Some(2),
            owns: vec!["web/\"x\"/**".into()],
        });
        assert!(
            block.starts_with("[[role]]\nname = \"B-ui\"\nlanes = 2\n"),
            "{block}"
        );
        let parsed: toml::Table = toml::from_str(&block).unwrap();
        let role = &parsed["role"][0];
        assert_eq!(role["owns"][0].as_str(), Some("web/\"x\"/**"));
        assert_eq!(role["checks"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn the_template_keeps_no_placeholder() {
        let out = templates::render(
            templates::LANES_TOML,
            &[("prefix", "\"p\""), ("base", "\"m\""), ("roles", "")],
        );
        assert!(!out.contains("{{"), "{out}");
    }
}
