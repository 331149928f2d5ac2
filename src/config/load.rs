//! Reading and validating `lanes.toml` into a `Config`.

use super::schema::{RawConfig, RawRole, RawUserConfig};
use super::source::Source;
use super::{
    names, Config, Contracts, Gate, Lane, Policy, Project, QueueConfig, Review, ReviewRoute, Role,
};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use toml::Spanned;

pub struct LoadOptions<'a> {
    /// The main checkout.
    pub main: &'a Path,
    /// `--config PATH`, already absolute.
    pub explicit: Option<&'a Path>,
    /// `$WORKTREE_ROOT`, when set and not empty.
    pub env_root: Option<PathBuf>,
    /// The per-user config file, when it exists.
    pub user_file: Option<PathBuf>,
}

/// `~/.config/wt/config.toml` (platform config dir).
pub fn user_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "wt").map(|d| d.config_dir().join("config.toml"))
}

pub fn load(opts: &LoadOptions<'_>) -> Result<Config> {
    let file = match opts.explicit {
        Some(p) => p.to_path_buf(),
        None => opts.main.join(super::FILE_NAME),
    };
    let bytes =
        std::fs::read(&file).map_err(|e| missing_file(&file, e, opts.explicit.is_some()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        // why: every byte before the bad one is valid, so offsets in the lossy text are the
        // file's own and the error can name the line like any other.
        let at = e.utf8_error().valid_up_to();
        let bad = e.as_bytes()[at];
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        Source::new(&file, &lossy).error(
            Some(at..at + 1),
            &format!("not UTF-8 (byte 0x{bad:02X})"),
            "save the file as UTF-8",
        )
    })?;
    let source = Source::new(&file, &text);
    let raw: RawConfig = toml::from_str(&text).map_err(|e| {
        source.error(
            e.span(),
            e.message().trim(),
            "fix the TOML there; lanes.example.toml lists every key",
        )
    })?;
    let user_root = read_user_root(opts.user_file.as_deref())?;
    Build {
        source: &source,
        main: opts.main,
    }
    .config(raw, file.clone(), opts.env_root.clone(), user_root)
}

fn missing_file(file: &Path, e: std::io::Error, explicit: bool) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound && !explicit {
        Error::usage(format!(
            "no {} in {}",
            super::FILE_NAME,
            file.parent().unwrap_or(file).display()
        ))
        .hint("create one with `wt init --role NAME` (or pass --config PATH)")
    } else {
        Error::usage(format!("cannot read {}: {e}", file.display()))
    }
}

fn read_user_root(file: Option<&Path>) -> Result<Option<String>> {
    let Some(file) = file else { return Ok(None) };
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(None);
    };
    let source = Source::new(file, &text);
    let raw: RawUserConfig = toml::from_str(&text).map_err(|e| {
        source.error(
            e.span(),
            e.message().trim(),
            "the user config takes only [project] worktree_root",
        )
    })?;
    Ok(raw.project.worktree_root)
}

struct Build<'a> {
    source: &'a Source<'a>,
    main: &'a Path,
}

impl Build<'_> {
    fn err<T>(&self, spanned: &Spanned<T>, message: &str, fix: &str) -> Error {
        self.source.error(Some(spanned.span()), message, fix)
    }

    fn config(
        &self,
        raw: RawConfig,
        file: PathBuf,
        env_root: Option<PathBuf>,
        user_root: Option<String>,
    ) -> Result<Config> {
        let project = self.project(&raw, env_root, user_root)?;
        let roles = self.roles(&raw.role)?;
        let lanes = self.lanes(&raw.role, &project)?;
        let role_at = raw
            .role
            .iter()
            .map(|r| {
                let (line, col) = self.source.line_col(r.name.span().start);
                (
                    r.name.get_ref().clone(),
                    format!("{}:{line}:{col}", self.source.label),
                )
            })
            .collect();
        let queue = match raw.queue {
            Some(q) => Some(QueueConfig {
                field_names: self.field_names(q.field_names.as_ref())?,
                strict_fields: q.strict_fields.unwrap_or(false),
                archive: self.globs(q.archive.as_deref().unwrap_or_default())?,
                path: self.relative_path(&q.path)?,
                commit: q.commit.unwrap_or(true),
                default_priority: q
                    .default_priority
                    .unwrap_or(crate::queue::model::DEFAULT_PRIORITY),
                push: q.push.unwrap_or(true),
                set_status: match q.set_status {
                    Some(argv) if argv.get_ref().is_empty() => {
                        return Err(self.err(&argv, "set_status is empty", "give an argv list, e.g. [\"make\", \"queue-set-status\", \"TASK_ID={task}\"]"))
                    }
                    Some(argv) => Some(argv.into_inner()),
                    None => None,
                },
            }),
            None => None,
        };
        let contracts = Contracts {
            paths: self.globs(&raw.contracts.paths)?,
            owners: self.known_roles(&raw.contracts.owners, &roles)?,
        };
        let gates = raw
            .gate
            .iter()
            .map(|g| {
                let run = g.run.clone().unwrap_or_default();
                if run.trim().is_empty() && g.requires.is_empty() {
                    let fix = "add run = \"COMMAND\" or requires = [\"doc/FILE.md\"]";
                    let msg = "this [[gate]] has neither `run` nor `requires`";
                    return Err(match g.when.first() {
                        Some(first) => self.err(first, msg, fix),
                        None => self.source.error(None, msg, fix),
                    });
                }
                Ok(Gate {
                    when: self.globs(&g.when)?,
                    run,
                    requires: self.globs(&g.requires)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let precious = match &raw.policy.precious {
            Some(list) => self.globs(list)?,
            None => vec![".env*".to_string(), "**/.env*".to_string()],
        };
        let policy = Policy {
            tests: self.globs(&raw.policy.tests)?,
            precious,
            defect_kinds: raw
                .policy
                .defect_kinds
                .clone()
                .unwrap_or_else(|| vec!["bug".to_string(), "defect".to_string()]),
            high_risk: self.globs(&raw.policy.high_risk)?,
        };
        let review = Review {
            required: raw.review.required.unwrap_or(false),
            routes: raw
                .review
                .route
                .iter()
                .map(|r| {
                    if r.by.get_ref().is_empty() {
                        return Err(self.err(
                            &r.by,
                            "a [[review.route]] needs at least one role in `by`",
                            "e.g. by = [\"D-arch\"]",
                        ));
                    }
                    Ok(ReviewRoute {
                        when: self.globs(&r.when)?,
                        by: self.known_roles(r.by.get_ref(), &roles)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        };
        Ok(Config {
            file,
            project,
            queue,
            contracts,
            roles,
            gates,
            policy,
            review,
            lanes,
            role_at,
        })
    }

    fn project(
        &self,
        raw: &RawConfig,
        env_root: Option<PathBuf>,
        user_root: Option<String>,
    ) -> Result<Project> {
        let p = &raw.project;
        let prefix = match &p.prefix {
            Some(s) if !names::is_dir_component(s.get_ref()) => {
                return Err(self.err(
                    s,
                    "prefix must be a plain directory name",
                    "use letters, digits and dashes",
                ))
            }
            Some(s) => s.get_ref().clone(),
            None => self
                .main
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "wt".into()),
        };
        if let Some(base) = &p.base {
            if !names::is_branch_name(base.get_ref()) {
                return Err(self.err(
                    base,
                    "base is not a valid branch name",
                    "name an existing branch, e.g. master",
                ));
            }
        }
        let remote = match &p.remote {
            Some(r) if !names::is_remote_name(r.get_ref()) => {
                return Err(self.err(
                    r,
                    "remote is not a valid remote name",
                    "e.g. remote = \"origin\"",
                ))
            }
            Some(r) => r.get_ref().clone(),
            None => "origin".to_string(),
        };
        let branch_template = self.template(&p.branch_template, super::DEFAULT_BRANCH_TEMPLATE)?;
        let dir_template = self.template(&p.dir_template, super::DEFAULT_DIR_TEMPLATE)?;
        let root = match (env_root, &p.worktree_root, user_root) {
            (Some(env), _, _) => env,
            (None, Some(r), _) => PathBuf::from(r.get_ref()),
            (None, None, Some(user)) => PathBuf::from(user),
            (None, None, None) => self.main.parent().unwrap_or(self.main).to_path_buf(),
        };
        let root = if root.is_absolute() {
            root
        } else {
            self.main.join(root)
        };
        Ok(Project {
            prefix,
            base: p.base.as_ref().map(|b| b.get_ref().clone()),
            remote,
            worktree_root: canonical_root(&root),
            branch_template,
            dir_template,
        })
    }

    fn template(&self, value: &Option<Spanned<String>>, default: &str) -> Result<String> {
        match value {
            Some(t) if !t.get_ref().contains("{role}") => Err(self.err(
                t,
                "template must contain {role}",
                "e.g. \"agent/{role}{-lane}\"",
            )),
            Some(t) => Ok(t.get_ref().clone()),
            None => Ok(default.to_string()),
        }
    }

    fn roles(&self, raw: &[RawRole]) -> Result<Vec<Role>> {
        let mut seen: HashMap<&str, ()> = HashMap::new();
        let mut roles = Vec::new();
        for r in raw {
            let name = r.name.get_ref();
            if !names::is_role_name(name) {
                return Err(self.err(
                    &r.name,
                    &format!("bad role name `{name}`"),
                    "a role name is a letter then up to 39 letters, digits or dashes",
                ));
            }
            if seen.insert(name, ()).is_some() {
                return Err(self.err(
                    &r.name,
                    &format!("duplicate role `{name}`"),
                    "give each [[role]] its own name, or merge the two",
                ));
            }
            if let Some(n) = &r.lanes {
                if !(1..=99).contains(n.get_ref()) {
                    return Err(self.err(
                        n,
                        "lanes must be between 1 and 99",
                        "e.g. lanes = 2, or leave it out for one lane",
                    ));
                }
            }
            if let Some((i, _)) = r
                .checks
                .iter()
                .enumerate()
                .find(|(_, c)| c.trim().is_empty())
            {
                return Err(self.source.error(
                    Some(r.name.span()),
                    &format!("role {name}: check {} is empty", i + 1),
                    "remove the empty string from checks",
                ));
            }
            roles.push(Role {
                name: name.clone(),
                lanes: r.lanes.as_ref().map(|n| *n.get_ref()),
                owns: self.globs(&r.owns)?,
                checks: r.checks.clone(),
            });
        }
        Ok(roles)
    }

    fn lanes(&self, raw: &[RawRole], project: &Project) -> Result<Vec<Lane>> {
        let mut lanes: Vec<Lane> = Vec::new();
        for r in raw {
            let role = r.name.get_ref();
            let indexes: Vec<Option<u32>> = match &r.lanes {
                Some(n) => (1..=*n.get_ref()).map(Some).collect(),
                None => vec![None],
            };
            for index in indexes {
                let lane = self.lane(r, role, index, project)?;
                if project.base.as_deref() == Some(lane.branch.as_str()) {
                    return Err(self.err(
                        &r.name,
                        &format!(
                            "lane {} would use the base branch `{}` as its own branch",
                            lane.id, lane.branch
                        ),
                        BASE_FIX,
                    ));
                }
                if let Some(other) = lanes
                    .iter()
                    .find(|l| l.id == lane.id || l.branch == lane.branch || l.path == lane.path)
                {
                    let what = if other.branch == lane.branch {
                        format!("branch `{}`", lane.branch)
                    } else if other.id == lane.id {
                        format!("name `{}`", lane.id)
                    } else {
                        format!("directory {}", lane.path.display())
                    };
                    return Err(self.err(
                        &r.name,
                        &format!(
                            "lane {} of role {role} has the same {what} as lane {} of role {}",
                            lane.id, other.id, other.role
                        ),
                        "rename one of the roles",
                    ));
                }
                lanes.push(lane);
            }
        }
        Ok(lanes)
    }

    fn lane(&self, r: &RawRole, role: &str, index: Option<u32>, project: &Project) -> Result<Lane> {
        let id = super::expand("{role}{-lane}", "", role, index);
        let branch = super::expand(&project.branch_template, &project.prefix, role, index);
        if !names::is_branch_name(&branch) {
            return Err(self.err(
                &r.name,
                &format!("lane {id} would use the invalid branch name `{branch}`"),
                "change the role name or branch_template",
            ));
        }
        let dir = super::expand(&project.dir_template, &project.prefix, role, index);
        if !names::is_dir_component(&dir) {
            return Err(self.err(&r.name, &format!("lane {id} would use the directory name `{dir}`, which is not one plain path component"), "change dir_template or prefix"));
        }
        Ok(Lane {
            id,
            role: role.to_string(),
            index,
            branch,
            path: project.worktree_root.join(dir),
        })
    }

    fn globs(&self, list: &[Spanned<String>]) -> Result<Vec<String>> {
        list.iter()
            .map(|g| match super::glob(g.get_ref()) {
                Ok(_) if g.get_ref().starts_with('/') => Err(self.err(
                    g,
                    "globs are relative to the repository root",
                    "drop the leading /",
                )),
                Ok(_) => Ok(g.get_ref().clone()),
                Err(e) => Err(self.err(
                    g,
                    &format!("bad glob: {}", e.kind()),
                    "fix the pattern, e.g. \"src/**\"",
                )),
            })
            .collect()
    }

    fn known_roles(&self, list: &[Spanned<String>], roles: &[Role]) -> Result<Vec<String>> {
        list.iter()
            .map(|o| match roles.iter().any(|r| &r.name == o.get_ref()) {
                true => Ok(o.get_ref().clone()),
                false => Err(self.err(
                    o,
                    &format!("unknown role `{}`", o.get_ref()),
                    "name a role defined by a [[role]]",
                )),
            })
            .collect()
    }

    /// `[queue.field_names]`, each entry checked: a field `wt` knows on the left, a plain key on
    /// the right, no two fields read from one key.
    fn field_names(
        &self,
        raw: Option<&std::collections::BTreeMap<String, Spanned<String>>>,
    ) -> Result<Vec<(String, String)>> {
        let Some(raw) = raw else {
            return Ok(Vec::new());
        };
        let fix = "map wt's name to yours, e.g. depends_on = \"dependencies\"";
        let mut pairs = Vec::new();
        for (field, key) in raw {
            pairs.push((field.clone(), key.get_ref().clone()));
            if let Err(e) = crate::queue::Schema::new(&pairs, false, 0) {
                return Err(self.err(key, &format!("[queue.field_names]: {e}"), fix));
            }
        }
        Ok(pairs)
    }

    fn relative_path(&self, value: &Spanned<String>) -> Result<PathBuf> {
        let path = PathBuf::from(value.get_ref());
        let escapes = path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
        if path.as_os_str().is_empty() || escapes {
            return Err(self.err(
                value,
                "path must be inside the repository",
                "give a relative path such as doc/queue.yaml",
            ));
        }
        Ok(path)
    }
}

/// The root is canonicalized once so that a symlinked root compares equal to git's records.
/// The fix for a lane branch that is the base branch.
pub(super) const BASE_FIX: &str = "a lane's commits reach base only through `wt merge`: rename the role, or make branch_template give it its own branch (e.g. \"agent/{role}{-lane}\")";

fn canonical_root(root: &Path) -> PathBuf {
    if let Ok(c) = root.canonicalize() {
        return c;
    }
    // why: a root that does not exist yet is created by setup; canonicalize what exists of it.
    let mut existing = root.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return root.to_path_buf(),
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}
