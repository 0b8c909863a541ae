//! What the user can type: clap derive, nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hybridctl_core::render::Format;
use hybridctl_core::Address;

#[derive(Debug, Parser)]
#[command(
    name = "hybridctl",
    version = env!("HYBRIDCTL_VERSION"),
    about = "Hybrid identity configuration as code: Active Directory permissions, planned and applied from a YAML spec.",
    after_help = "Exit codes: 0 success (no changes), 1 error, 2 changes or drift (plan with --detailed-exitcode, drift)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a spec offline: syntax, keys, names of resources.
    Validate(SpecArg),
    /// Read live state and show what apply would change.
    Plan(PlanArgs),
    /// Plan (or take a saved plan), confirm, apply, and verify.
    Apply(ApplyArgs),
    /// Exit 0 when live state matches the spec, 2 when it drifted (and say how). Never writes.
    Drift(DriftArgs),
    /// Render a saved plan.
    Show(ShowArgs),
    /// Print the JSON Schema of the spec, for editors.
    Schema,
    /// Write a starting spec for a known procedure, filled in from your domain.
    Init(InitArgs),
    /// What a change to a git-tracked spec would do: the spec at REV and the working copy,
    /// both planned against live state, compared. Exit 2 when they differ.
    Diff(DiffArgs),
    /// Write a spec of what is there now (ACLs, GPO security settings, the domain's password
    /// policy, tenant settings), so an existing domain and tenant come under code.
    /// `plan` on it says No changes.
    Export(ExportArgs),
    /// Print a shell completion script (install: see `hybridctl completions --help`).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Write the man pages (hybridctl.1 and one per command), generated from these definitions.
    Man(ManArgs),
}

const COMPLETIONS_HELP: &str = "Install:
  bash:       hybridctl completions bash > ~/.local/share/bash-completion/completions/hybridctl
  zsh:        hybridctl completions zsh > ~/.zfunc/_hybridctl   (with fpath+=~/.zfunc before compinit)
  fish:       hybridctl completions fish > ~/.config/fish/completions/hybridctl.fish
  PowerShell: hybridctl completions powershell >> $PROFILE";

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").multiple(true).required(true)
    .args(["acl", "gpo", "password_policy", "graph", "all"])))]
pub struct ExportArgs {
    /// An object whose explicit ACEs to export as an ad.acl resource (repeatable);
    /// `{domain}` stands for the domain root: `OU=Staff,{domain}`.
    #[arg(long, value_name = "DN")]
    pub acl: Vec<String>,
    /// With --acl: also every object below that has explicit ACEs.
    #[arg(long, requires = "acl")]
    pub subtree: bool,
    /// With --acl: only this principal's entries (DOMAIN\name, a UPN, a SID or a well-known name).
    #[arg(long, value_name = "NAME", requires = "acl")]
    pub principal: Option<String>,
    /// With --acl: `authoritative: true` where every explicit ACE of the principals named
    /// can be written exactly (one entry per ACE); elsewhere false, with a comment saying why.
    #[arg(long, requires = "acl")]
    pub authoritative: bool,
    /// A GPO (display name or {GUID}) whose GptTmpl.inf keys to export as gpo.security (repeatable).
    #[arg(long, value_name = "NAME|{GUID}")]
    pub gpo: Vec<String>,
    /// The domain head's password and lockout policy, as ad.password_policy.
    #[arg(long)]
    pub password_policy: bool,
    /// The tenant's settings hybridctl manages and a licence check for what it has.
    #[arg(long)]
    pub graph: bool,
    /// The domain root's ACL, the GPOs linked at it, the domain head and the tenant.
    #[arg(long)]
    pub all: bool,
    /// The AD connection to export from, by its environment variables (`emea`:
    /// HYBRIDCTL_AD_EMEA_URL, ...); repeatable; `all`: every connection the environment
    /// names. Default: the unnamed one (HYBRIDCTL_AD_URL, ...).
    #[arg(long, value_name = "NAME|all")]
    pub connection: Vec<String>,
    /// Write to FILE, or to DIR one file per kind (DIR exists or ends in `/`). Default: stdout.
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    /// Replace files that exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl From<Shell> for clap_complete::Shell {
    fn from(s: Shell) -> clap_complete::Shell {
        match s {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
            Shell::Powershell => clap_complete::Shell::PowerShell,
        }
    }
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write hybridctl.1 and hybridctl-<command>.1 into DIR (e.g. /usr/local/share/man/man1);
    /// without it, print hybridctl.1 to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The git revision to compare with (e.g. origin/main, HEAD~1).
    #[arg(long, value_name = "REV")]
    pub base: String,
    #[command(flatten)]
    pub spec: SpecArg,
    /// markdown: for a pull request comment.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Procedure {
    /// Entra ID SSPR password writeback: licence, SSPR, connector permissions, GPO, portal steps.
    PasswordWriteback,
    /// The Entra Connect connector account's permissions for the features in --features.
    EntraConnect,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[arg(value_enum)]
    pub procedure: Procedure,
    /// Write the spec here instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// The connector account to grant (sAMAccountName), when the domain has several.
    #[arg(long, value_name = "NAME")]
    pub connector: Option<String>,
    /// Do not connect: write placeholders, clearly marked.
    #[arg(long)]
    pub offline: bool,
    /// The AD connection to read the domain from, by its environment variables (`emea`:
    /// HYBRIDCTL_AD_EMEA_URL, ...); the spec names it under connections.ad. Repeatable;
    /// `all`: every connection the environment names, in one spec.
    /// Default: the unnamed one (HYBRIDCTL_AD_URL, ...).
    #[arg(long, value_name = "NAME|all")]
    pub connection: Vec<String>,
    /// entra-connect: the features, comma-separated (default: basic_read,password_hash_sync).
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    pub features: Vec<String>,
    /// password-writeback: where the synced users are, for the effective-access check
    /// (a DN; `{domain}` is the domain root, the default). Entra Connect keeps its OU
    /// filter in its own configuration, not in AD, so hybridctl cannot read it.
    #[arg(long, value_name = "DN", default_value = "{domain}")]
    pub sync_scope: String,
}

#[derive(Debug, Args)]
pub struct SpecArg {
    /// Spec file, or a folder of YAML files forming one spec.
    #[arg(short = 'f', long = "file", value_name = "SPEC")]
    pub spec: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Markdown,
    /// JUnit XML (for CI systems: drift shows as failed tests).
    Junit,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Junit => Format::Junit,
        }
    }
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub spec: SpecArg,
    /// Save the plan (JSON) for `hybridctl apply PLAN` or `hybridctl show PLAN`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Exit 2 when there are changes, 0 when there are none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan only this resource (repeatable), e.g. ad.acl.writeback-permissions.
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<Address>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`; applied as reviewed, refused if stale.
    #[arg(value_name = "PLAN", conflicts_with = "target")]
    pub plan: Option<PathBuf>,
    /// Spec file or folder (for a saved plan: default, the files recorded in it).
    #[arg(short = 'f', long = "file", value_name = "SPEC")]
    pub spec: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<Address>,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub spec: SpecArg,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// Keep running: check, report, sleep this long (e.g. 15m, 1h), until SIGTERM or SIGINT.
    #[arg(long, value_name = "DURATION", value_parser = hybridctl_core::time::parse_duration)]
    pub every: Option<std::time::Duration>,
    /// Write each report here too: latest.txt, latest.json, latest.junit.xml.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// POST each JSON report to this URL (https, or http on loopback only).
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `plan --out`.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}
