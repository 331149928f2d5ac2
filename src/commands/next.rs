//! `wt next [LANE…]`: for each lane, its state and the one next step with the exact command to
//! run (`lane::next`). Changes nothing and takes no lock, so an agent can run it in a loop.

use super::LaneWords;
use crate::config::Words;
use crate::context::Context;
use crate::error::Result;
use crate::lane::next::{self, Next};
use crate::sys::quote::quote_word;
use crate::ui::table::Table;
use crate::ui::{Report, Ui};
use clap::Args;
use serde::Serialize;

#[derive(Args, Debug)]
pub struct NextArgs {
    #[command(flatten)]
    pub lanes: LaneWords,
    /// Who claims, in a `wt queue claim` step (default: `$WT_OWNER`, else the lane id).
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
}

pub fn run(ctx: &Context, args: NextArgs) -> Result<u8> {
    let cfg = ctx.config()?;
    let lanes = cfg.select_lanes(&Words::parse(&args.lanes.words)?)?;
    let base = ctx.base()?;
    let owner = args
        .owner
        .or_else(|| std::env::var("WT_OWNER").ok().filter(|o| !o.is_empty()));
    let steps = next::next(&ctx.site(&base)?, &lanes, owner.as_deref())?;
    ctx.ui.report(&Steps { steps });
    Ok(0)
}

/// `wt next --json` prints one object per lane, in an array.
#[derive(Serialize)]
#[serde(transparent)]
struct Steps {
    steps: Vec<Next>,
}

impl Report for Steps {
    fn show(&self, ui: &Ui) {
        let mut table = Table::new(&["LANE", "STATE", "NEXT", "TASK", "COMMAND"]);
        for s in &self.steps {
            let command: Vec<String> = s.command.iter().map(|w| quote_word(w)).collect();
            table.row(vec![
                s.lane.clone(),
                s.state.to_string(),
                s.action.as_str().to_string(),
                s.task.clone().unwrap_or_else(|| "-".to_string()),
                if command.is_empty() {
                    "-".to_string()
                } else {
                    command.join(" ")
                },
            ]);
        }
        for line in table.lines() {
            ui.data(&line);
        }
        for s in &self.steps {
            ui.status(&format!("{}: {}", s.lane, s.reason));
        }
    }
}
