//! `diff --base REV -f SPEC`: review a change to a git-tracked spec, as text, Markdown
//! (a pull request comment) or JSON. JUnit is refused: a reviewed change is not a test
//! that passes or fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};
use hybridctl_core::review::{self, Difference};
use hybridctl_core::{engine, Entry};

use crate::args::{DiffArgs, FormatArg};
use crate::{exit, Context};

pub async fn run(a: DiffArgs, ctx: &mut Context) -> Result<u8> {
    // Before any work, so a wrong format costs nothing (issue 8: no format ignored).
    if matches!(a.format, FormatArg::Junit) {
        bail!("diff --format junit is not offered: a change under review is not a test result; use --format text, markdown (for a pull request comment) or json");
    }
    let base_dir = tempfile_dir()?;
    let base_spec = checkout(&a.spec.spec, &a.base, &base_dir)?;
    let head = super::load_spec(&a.spec.spec)?;
    let base = super::load_spec(&base_spec)
        .map_err(|d| anyhow::anyhow!("the spec at {}:\n{d}", a.base))?;
    let mut providers = super::providers(&head, ctx)?;
    let head_plan = engine::plan(&head, &mut providers, &[]).await?;
    let mut providers = super::providers(&base, ctx)?;
    let base_plan = engine::plan(&base, &mut providers, &[]).await?;
    let _ = std::fs::remove_dir_all(&base_dir);
    let diffs = review::compare(&base_plan, &head_plan);
    ctx.out(&match a.format {
        FormatArg::Json => json(&diffs, &a.base),
        f => review::render(&diffs, &a.base, matches!(f, FormatArg::Markdown)),
    });
    Ok(if diffs.is_empty() {
        exit::OK
    } else {
        exit::CHANGES
    })
}

/// The differences as data: one object per resource, with the same shape for every
/// kind of change (`removed` and `added` are the target-state entries that go and come).
fn json(diffs: &[Difference<'_>], base: &str) -> String {
    let resources: Vec<serde_json::Value> = diffs
        .iter()
        .map(|d| {
            let (address, change, removed, added): (_, _, Vec<&Entry>, Vec<&Entry>) = match d {
                Difference::Added(r) => (&r.address, "added", vec![], r.after.iter().collect()),
                Difference::Removed(r) => (&r.address, "removed", r.after.iter().collect(), vec![]),
                Difference::Changed {
                    address,
                    removed,
                    added,
                } => (*address, "changed", removed.clone(), added.clone()),
            };
            serde_json::json!({
                "address": address,
                "change": change,
                "removed": removed,
                "added": added,
            })
        })
        .collect();
    let value = serde_json::json!({
        "report": "hybridctl diff",
        "base": base,
        "differs": !diffs.is_empty(),
        "resources": resources,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).expect("serializes")
    )
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "hybridctl-diff-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// Writes the spec (file or folder) as it was at `rev` into `into`; returns its path there.
fn checkout(spec: &Path, rev: &str, into: &Path) -> Result<PathBuf> {
    if spec.is_dir() {
        let names = String::from_utf8(git(spec, &["ls-tree", "--name-only", rev, "./"])?)?;
        let mut found = false;
        for name in names
            .lines()
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        {
            let file = Path::new(name).file_name().context("a file name")?;
            std::fs::write(
                into.join(file),
                git(
                    spec,
                    &["show", &format!("{rev}:./{}", file.to_string_lossy())],
                )?,
            )?;
            found = true;
        }
        if !found {
            bail!("{} holds no YAML files at {rev}", spec.display());
        }
        Ok(into.to_path_buf())
    } else {
        let dir = spec
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = spec
            .file_name()
            .context("a spec file name")?
            .to_string_lossy()
            .into_owned();
        let bytes = git(dir, &["show", &format!("{rev}:./{name}")])
            .with_context(|| format!("{} is not in git at {rev}", spec.display()))?;
        let path = into.join(&name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hybridctl_core::{Action, Plan, ResourcePlan};

    fn resource(name: &str, after: &[&str]) -> ResourcePlan {
        ResourcePlan {
            address: format!("ad.acl.{name}").parse().unwrap(),
            action: Action::NoOp,
            target: "DC=lab,DC=example,DC=test".into(),
            spec_digest: "sha256:spec".into(),
            observed: "sha256:seen".into(),
            before: vec![],
            after: after
                .iter()
                .map(|t| Entry {
                    text: t.to_string(),
                    code: None,
                })
                .collect(),
            changes: vec![],
            notes: vec![],
            apply_data: Default::default(),
        }
    }

    /// Issue 8: `diff --format json` printed the text diff.
    #[test]
    fn differences_as_json() {
        let base = Plan::new(
            vec![],
            vec![
                resource("kept", &["allow A", "allow B"]),
                resource("gone", &["allow C"]),
            ],
        );
        let head = Plan::new(
            vec![],
            vec![
                resource("kept", &["allow A", "allow D"]),
                resource("new", &["allow E"]),
            ],
        );
        let out = json(&review::compare(&base, &head), "origin/main");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "report": "hybridctl diff",
                "base": "origin/main",
                "differs": true,
                "resources": [
                    {"address": "ad.acl.kept", "change": "changed",
                     "removed": [{"text": "allow B"}], "added": [{"text": "allow D"}]},
                    {"address": "ad.acl.new", "change": "added",
                     "removed": [], "added": [{"text": "allow E"}]},
                    {"address": "ad.acl.gone", "change": "removed",
                     "removed": [{"text": "allow C"}], "added": []},
                ],
            })
        );
        let same: serde_json::Value =
            serde_json::from_str(&json(&review::compare(&base, &base), "HEAD")).unwrap();
        assert_eq!(same["differs"], false);
        assert_eq!(same["resources"], serde_json::json!([]));
    }
}
