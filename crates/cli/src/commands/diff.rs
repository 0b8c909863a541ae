//! `diff --base REV -f SPEC`: review a change to a git-tracked spec.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};
use hybridctl_core::{engine, review};

use crate::args::{DiffArgs, FormatArg};
use crate::{exit, Context};

pub async fn run(a: DiffArgs, ctx: &mut Context) -> Result<u8> {
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
    ctx.out(&review::render(
        &diffs,
        &a.base,
        matches!(a.format, FormatArg::Markdown),
    ));
    Ok(if diffs.is_empty() {
        exit::OK
    } else {
        exit::CHANGES
    })
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
