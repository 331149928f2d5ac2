//! `wt path LANE` / `wt path --main`: the directory alone on stdout, for
//! `cd "$(wt path A-backend)"`. A lane that is not set up is refused with the setup command.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::lane::place;
use crate::ui::{Report, Ui};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PathArgs {
    #[command(flatten)]
    pub lane: LaneWords,
    /// Print the main checkout instead of a lane.
    #[arg(long, conflicts_with = "words")]
    pub main: bool,
}

#[derive(Serialize)]
struct Place {
    lane: Option<String>,
    #[serde(serialize_with = "crate::ui::lossy_path")]
    path: PathBuf,
}

impl Report for Place {
    fn show(&self, ui: &Ui) {
        ui.data(&self.path.display().to_string());
    }
}

pub fn run(ctx: &Context, args: PathArgs) -> Result<u8> {
    let place = if args.main {
        Place {
            lane: None,
            path: ctx.repo()?.main.clone(),
        }
    } else {
        if args.lane.words.is_empty() {
            return Err(Error::usage("name a lane, or pass --main")
                .hint("e.g. cd \"$(wt path A-backend)\""));
        }
        let cfg = ctx.config()?;
        let lane = cfg.select_lane(&Words::parse(&args.lane.words)?)?;
        Place {
            lane: Some(lane.id.clone()),
            path: place::worktree(ctx.repo()?, lane)?,
        }
    };
    ctx.ui.report(&place);
    Ok(0)
}
