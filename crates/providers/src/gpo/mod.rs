//! The `gpo.security` provider: security settings in a GPO's GptTmpl.inf, reached over
//! LDAP (the group policy container) and SYSVOL (the files).

pub mod apply;
pub mod container;
pub mod export;
pub mod gpt_ini;
pub mod inf;
pub mod observed;
pub mod plan;
pub mod smb;
pub mod sysvol;
pub mod version;

use std::sync::Arc;

use async_trait::async_trait;
use hybridctl_core::spec::Resource;
use hybridctl_core::{Diagnostic, Diagnostics, Kind, Provider, ResourcePlan};

use crate::ldap::kerberos::KerberosSettings;
use crate::ldap::settings::Auth;
use crate::ldap::{self, AdSettings, Connection, DomainHead};
use observed::{GpoTarget, Observed};
use smb::SmbSysvol;
use sysvol::{LocalSysvol, Location, Sysvol};

pub struct GpoProvider {
    settings: Arc<AdSettings>,
    /// Where GPO files are, from `sysvol` or the LDAP URL's host.
    sysvol_at: Location,
    /// A SYSVOL given by the caller instead of connecting (tests inject faults this way).
    given_sysvol: Option<Arc<dyn Sysvol>>,
    session: Option<Session>,
}

/// The connection and SYSVOL, opened on first use and kept for the run.
struct Session {
    conn: Connection,
    domain_dn: String,
    sysvol: Arc<dyn Sysvol>,
}

impl GpoProvider {
    pub fn new(settings: Arc<AdSettings>) -> GpoProvider {
        let sysvol_at = Location::parse(settings.sysvol.as_deref(), &settings.url);
        GpoProvider {
            settings,
            sysvol_at,
            given_sysvol: None,
            session: None,
        }
    }

    /// Uses `sysvol` for GPO files instead of connecting to the one the settings name.
    pub fn with_sysvol(settings: Arc<AdSettings>, sysvol: Arc<dyn Sysvol>) -> GpoProvider {
        GpoProvider {
            given_sysvol: Some(sysvol),
            ..GpoProvider::new(settings)
        }
    }

    async fn session(&mut self) -> Result<&mut Session, Diagnostic> {
        if self.session.is_none() {
            // The SMB helper starts first and loads libsmbclient while LDAP connects and
            // binds; it logs in only after the bind succeeded (a wrong password is tried
            // once, not twice: lockout counts each try). On an LDAP error it is dropped,
            // never having logged in.
            let helper = match (&self.given_sysvol, &self.sysvol_at) {
                (None, Location::Smb { server, share }) => Some(self.start_helper(server, share)),
                _ => None,
            };
            let conn = Connection::open(&self.settings)
                .await
                .map_err(|e| ldap::connect_diagnostic(e, &self.settings))?;
            let sysvol = match (&self.given_sysvol, &self.sysvol_at, helper) {
                (Some(s), _, _) => Ok(Arc::clone(s)),
                (None, _, Some(helper)) => self.log_in(helper).await,
                (None, Location::Local(p), None) => {
                    LocalSysvol::new(p.clone()).map(|l| Arc::new(l) as Arc<dyn Sysvol>)
                }
                (None, Location::Smb { .. }, None) => unreachable!("a share has a helper"),
            }
            .map_err(|e| self.sysvol_diagnostic(e))?;
            let domain_dn = self
                .settings
                .base_dn
                .clone()
                .unwrap_or_else(|| conn.root.default_nc.clone());
            self.session = Some(Session {
                conn,
                domain_dn,
                sysvol,
            });
        }
        Ok(self.session.as_mut().expect("just set"))
    }

    /// The SMB helper for `\\server\share`, with this connection's Kerberos ticket cache
    /// (when it uses Kerberos) as its KRB5CCNAME.
    fn start_helper(&self, server: &str, share: &str) -> Result<smb::Started, sysvol::SysvolError> {
        let ccache = match &self.settings.auth {
            Auth::Kerberos(k) => {
                ldap::kerberos::ccache_name(k).map_err(|source| sysvol::SysvolError::Kerberos {
                    share: smb::unc(server, share),
                    source,
                })?
            }
            Auth::Password => None,
        };
        SmbSysvol::start(server, share, ccache.as_deref())
    }

    /// Logs the started helper in, with the password or the Kerberos ticket LDAP used.
    async fn log_in(
        &self,
        helper: Result<smb::Started, sysvol::SysvolError>,
    ) -> Result<Arc<dyn Sysvol>, sysvol::SysvolError> {
        let settings = Arc::clone(&self.settings);
        tokio::task::spawn_blocking(move || match &settings.auth {
            Auth::Kerberos(k) => kerberos_log_in(helper?, k),
            Auth::Password => helper?.connect(&settings.user, &settings.password),
        })
        .await
        .expect("SMB login panicked")
        .map(|c| Arc::new(c) as Arc<dyn Sysvol>)
    }

    fn sysvol_diagnostic(&self, e: sysvol::SysvolError) -> Diagnostic {
        let d = Diagnostic::new(format!("SYSVOL is not readable: {e}"));
        match e {
            sysvol::SysvolError::Kerberos { source, .. } => d.hint(source.hint()),
            sysvol::SysvolError::Session { .. }
                if matches!(self.settings.auth, Auth::Kerberos(_)) =>
            {
                d.hint("SMB uses the same Kerberos ticket as LDAP (service cifs/<host>): check the share with `smbclient //<host>/SYSVOL --use-kerberos=required` and the same KRB5_CONFIG and KRB5CCNAME")
            }
            sysvol::SysvolError::Session { refused: true, .. } => d.hint(
                "check the user and password hybridctl binds with; they are also its SMB login",
            ),
            sysvol::SysvolError::Session { .. } => d.hint(
                "check that the server shares SYSVOL over SMB (port 445), or set connections.ad.sysvol to the SYSVOL share (\\\\dc\\SYSVOL) or a mounted folder",
            ),
            sysvol::SysvolError::Helper { .. } => d.hint(format!(
                "install {} next to hybridctl (`cargo install --path crates/cli` installs both), or set connections.ad.sysvol to a mounted SYSVOL folder",
                smb::HELPER
            )),
            _ => d.hint(
                "set connections.ad.sysvol to the SYSVOL share (\\\\dc\\SYSVOL) or a mounted folder",
            ),
        }
    }
}

#[async_trait]
impl Provider for GpoProvider {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::GpoSecurity]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        let s = self.session().await?;
        let head = DomainHead::read(&mut s.conn, &s.domain_dn)
            .await
            .map_err(|e| Diagnostic::new(e.to_string()))?;
        let gpos = container::list(&mut s.conn, &s.domain_dn)
            .await
            .map_err(|e| Diagnostic::new(format!("cannot list the domain's GPOs: {e}")))?;
        let mut diags = Diagnostics::default();
        let mut plans = Vec::new();
        for r in resources {
            let Resource::GpoSecurity(spec) = r else {
                continue;
            };
            match plan::plan(&r.address(), spec, &gpos, &s.sysvol, &head).await {
                Ok(p) => plans.push(p),
                Err(d) => {
                    for one in d.0 {
                        diags.push(match one.address {
                            Some(_) => one,
                            None => one.at(&r.address()),
                        });
                    }
                }
            }
        }
        diags.into_result(plans)
    }

    async fn observe(&mut self, planned: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
        let mut out = Vec::new();
        for p in planned {
            let (_, seen) = self.read_target(p).await.map_err(|d| d.at(&p.address))?;
            out.push(seen.fingerprint());
        }
        Ok(out)
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        let (gpo, seen) = self.read_target(planned).await?;
        if seen.fingerprint() != planned.observed {
            return Err(Diagnostic::new(format!(
                "saved plan is stale: GPO `{}` changed since the plan was made; nothing was written to it",
                gpo.display_name
            ))
            .hint("run `hybridctl plan` again and review the new plan"));
        }
        let s = self.session().await?;
        apply::apply(planned, &mut s.conn, &gpo, seen, &s.sysvol).await
    }
}

impl GpoProvider {
    /// The GPO a plan was made for, read again now: its container and its files.
    async fn read_target(
        &mut self,
        planned: &ResourcePlan,
    ) -> Result<(container::Gpo, Observed), Diagnostic> {
        let target: GpoTarget = planned
            .apply_data
            .read()
            .map_err(|e| Diagnostic::new(e.to_string()))?;
        let s = self.session().await?;
        let gpo = container::read(&mut s.conn, &target.dn)
            .await
            .map_err(|e| {
                Diagnostic::new(format!("cannot read GPO `{}`: {e}", target.display_name))
            })?
            .ok_or_else(|| {
                Diagnostic::new(format!(
                    "GPO `{}` ({}) no longer exists",
                    target.display_name, target.guid
                ))
                .hint("run `hybridctl plan` again")
            })?;
        let seen = Observed::read(&s.sysvol, &gpo).await?;
        Ok((gpo, seen))
    }
}

/// Logs in with the run's Kerberos identity: the ticket is (re)acquired first, so the
/// cache the helper reads holds a valid one even when the LDAP bind was hours ago.
fn kerberos_log_in(
    helper: smb::Started,
    k: &KerberosSettings,
) -> Result<SmbSysvol, sysvol::SysvolError> {
    let err = |source| sysvol::SysvolError::Kerberos {
        share: helper.describe(),
        source,
    };
    ldap::kerberos::acquire(k).map_err(err)?;
    let principal = match &k.keytab {
        Some(kt) => kt.principal.clone(),
        None => ldap::kerberos::cache_principal(k).map_err(err)?,
    };
    helper.connect_kerberos(&principal, &k.identity())
}
