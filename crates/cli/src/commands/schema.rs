use anyhow::Result;

use crate::{exit, Context};

pub fn run(ctx: &mut Context) -> Result<u8> {
    let schema = hybridctl_core::spec::json_schema();
    ctx.out(&format!("{}\n", serde_json::to_string_pretty(&schema)?));
    Ok(exit::OK)
}
