//! What a GPO looks like now: its two files in SYSVOL and its directory attributes.
//! Plan and apply both fingerprint it with [`Observed::fingerprint`].

use std::sync::Arc;

use hybridctl_core::{digest, Diagnostic};
use serde::{Deserialize, Serialize};

use super::container::Gpo;
use super::gpt_ini;
use super::inf::Inf;
use super::sysvol::{Sysvol, SysvolError};

pub const TEMPLATE: &str = "MACHINE/Microsoft/Windows NT/SecEdit/GptTmpl.inf";
pub const GPT_INI: &str = "GPT.INI";

/// What apply needs to find the GPO again; saved in the plan, never shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GpoTarget {
    pub dn: String,
    pub guid: String,
    pub display_name: String,
}

pub struct Observed {
    pub template: Option<Vec<u8>>,
    pub gpt_ini: Option<Vec<u8>>,
    pub gpt_version: u32,
    pub gpo: Gpo,
}

/// Runs a SYSVOL call on the blocking pool: libsmbclient blocks, the runtime must not.
pub async fn blocking<T: Send + 'static>(
    sysvol: &Arc<dyn Sysvol>,
    call: impl FnOnce(&dyn Sysvol) -> Result<T, SysvolError> + Send + 'static,
) -> Result<T, SysvolError> {
    let sysvol = Arc::clone(sysvol);
    tokio::task::spawn_blocking(move || call(sysvol.as_ref()))
        .await
        .expect("a SYSVOL call panicked")
}

impl Observed {
    pub async fn read(sysvol: &Arc<dyn Sysvol>, gpo: &Gpo) -> Result<Observed, Diagnostic> {
        let where_ = sysvol.describe();
        let fail = |e: SysvolError| {
            Diagnostic::new(format!(
                "cannot read GPO `{}` in SYSVOL ({where_}): {e}",
                gpo.display_name
            ))
            .hint("check the sysvol setting and that hybridctl's account may read the GPO's folder; nothing was written")
        };
        let folder = gpo.folder.clone();
        let (template, gpt_ini) = blocking(sysvol, move |s| {
            Ok((
                s.read(&format!("{folder}/{TEMPLATE}"))?,
                s.read(&format!("{folder}/{GPT_INI}"))?,
            ))
        })
        .await
        .map_err(fail)?;
        // A GPT.INI whose version cannot be read is an error, never version 0.
        let gpt_version = match gpt_ini.as_deref() {
            Some(bytes) => gpt_ini::version(bytes).map_err(|e| {
                Diagnostic::new(format!("{GPT_INI} of GPO `{}`: {e}", gpo.display_name))
            })?,
            None => 0,
        };
        Ok(Observed {
            template,
            gpt_ini,
            gpt_version,
            gpo: gpo.clone(),
        })
    }

    pub fn inf(&self) -> Result<Inf, Diagnostic> {
        match &self.template {
            Some(b) => Inf::decode(b).map_err(|e| {
                Diagnostic::new(format!("{TEMPLATE} of `{}`: {e}", self.gpo.display_name))
            }),
            None => Ok(Inf::new()),
        }
    }

    /// Over the exact bytes of both files and the directory's version and extensions.
    pub fn fingerprint(&self) -> String {
        digest::of_json(&(
            self.template.as_deref().map(digest::of_bytes),
            self.gpt_ini.as_deref().map(digest::of_bytes),
            self.gpo.version,
            &self.gpo.extensions,
        ))
    }

    pub fn in_sync(&self) -> bool {
        self.gpt_version == self.gpo.version
    }
}
