use anyhow::Result;

use crate::args::SpecArg;
use crate::{exit, Context};

pub fn run(a: SpecArg, ctx: &mut Context) -> Result<u8> {
    let spec = super::load_spec(&a.spec)?;
    ctx.out(&format!(
        "{} is valid: {} resource(s) in {} file(s).\n",
        a.spec.display(),
        spec.resources().len(),
        spec.files().len()
    ));
    Ok(exit::OK)
}
