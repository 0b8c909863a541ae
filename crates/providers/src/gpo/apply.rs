//! Applying `gpo.security`. Writes happen in an order a re-run can repair: GPT.INI's
//! version first, then the template, then the directory's `versionNumber` and extension
//! list. A run that stops half way leaves the two versions different; the next plan sees
//! that and bumps both.

use std::sync::Arc;

use hybridctl_core::{Diagnostic, ResourcePlan};

use super::container::Gpo;
use super::gpt_ini;
use super::observed::{blocking, Observed, GPT_INI, TEMPLATE};
use super::plan::Payload;
use super::sysvol::Sysvol;
use super::version;
use crate::ldap::Connection;

/// Applies one planned `gpo.security` resource to `gpo`, which the caller read just now
/// and checked against the plan's fingerprint (`seen`).
pub async fn apply(
    planned: &ResourcePlan,
    conn: &mut Connection,
    gpo: &Gpo,
    seen: Observed,
    sysvol: &Arc<dyn Sysvol>,
) -> Result<(), Diagnostic> {
    let mut inf = seen.inf()?;
    let mut template_changed = false;
    for c in &planned.changes {
        let payload: Payload = serde_json::from_value(c.payload.clone()).map_err(|e| {
            Diagnostic::new(format!(
                "the plan holds a change hybridctl cannot read: {e}"
            ))
            .hint("make the plan again with this hybridctl")
        })?;
        if let Payload::SetKey {
            section,
            key,
            value,
        } = payload
        {
            inf.set(&section, &key, &value).map_err(|e| {
                Diagnostic::new(format!(
                    "cannot set [{section}] {key} in GPO `{}`: {e}; nothing was written to the GPO",
                    gpo.display_name
                ))
            })?;
            template_changed = true;
        }
    }
    let new_version = version::bump_machine(seen.gpt_version.max(gpo.version));
    let write_err =
        |e: String| Diagnostic::new(e).hint("re-run apply: it repairs a GPO left half written");

    // 1. GPT.INI's version, changing only its digits (the file is in whatever code page
    // the last Windows that wrote it used): from here on the two versions differ until step 3.
    let folder = gpo.folder.clone();
    let gpt_bytes = gpt_ini::with_version(seen.gpt_ini.as_deref(), new_version);
    blocking(sysvol, move |s| {
        s.write(&format!("{folder}/{GPT_INI}"), &gpt_bytes)
    })
    .await
    .map_err(|e| write_err(e.to_string()))?;
    // 2. The template, creating its folders in a domain that never had one.
    if template_changed {
        let folder = gpo.folder.clone();
        let bytes = inf.encode();
        blocking(sysvol, move |s| {
            let dir = TEMPLATE.rsplit_once('/').expect("has a folder").0;
            s.create_dirs(&format!("{folder}/{dir}"))?;
            s.write(&format!("{folder}/{TEMPLATE}"), &bytes)
        })
        .await
        .map_err(|e| write_err(e.to_string()))?;
    }
    // 3. The directory: version and extension list together, in one modify.
    let extensions = version::ensure_extension(
        &gpo.extensions,
        version::SECURITY_CSE,
        version::SECURITY_TOOL,
    );
    conn.replace(
        &gpo.dn,
        &[
            ("versionNumber", new_version.to_string()),
            ("gPCMachineExtensionNames", extensions),
        ],
    )
    .await
    .map_err(|e| write_err(e.to_string()))?;
    tracing::info!(gpo = %gpo.display_name, version = new_version, "GPO written");
    Ok(())
}
