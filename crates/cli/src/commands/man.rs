//! `man`: roff man pages generated from the clap definitions: `hybridctl.1` and one
//! `hybridctl-<command>.1` per command, as `git` ships them.

use std::path::Path;

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use crate::args::{Cli, ManArgs};
use crate::{exit, Context};

pub fn run(a: ManArgs, ctx: &mut Context) -> Result<u8> {
    let cmd = Cli::command();
    match &a.out {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            ctx.out(&String::from_utf8_lossy(&page));
        }
        Some(dir) => {
            let written = write_pages(cmd, dir)?;
            ctx.err(&format!(
                "Wrote {written} man pages to {}; `man hybridctl` reads them when that folder is on MANPATH.\n",
                dir.display()
            ));
        }
    }
    Ok(exit::OK)
}

/// Writes the main page and one per subcommand into `dir`; returns how many.
fn write_pages(cmd: clap::Command, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(cmd.clone(), dir)
        .with_context(|| format!("cannot write man pages to {}", dir.display()))?;
    Ok(1 + cmd.get_subcommands().filter(|s| !s.is_hide_set()).count())
}
