//! Active Directory over LDAPS: the `ad.acl` resource kind.

pub mod acl;
pub mod connection;
pub mod directory;
pub mod discover;
pub mod password_policy;
pub mod rights;
pub mod security;
pub mod settings;

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use hybridctl_core::spec::{AdAcl, GpoSecurity, Resource};
use hybridctl_core::{Address, Change, ChangeOp, Diagnostic, Diagnostics, Provider, ResourcePlan};
use ldap3::ldap_escape;

use acl::{AcePayload, LiveDacl};
use connection::{first_bin, ConnectError, Connection, OpError};
use directory::Directory;
use security::{control, AccessAce, Acl, SecurityDescriptor};
use settings::AdSettings;

use crate::gpo::{
    self,
    sysvol::{self as sv, Sysvol},
};

/// How many DNs go into one DACL-reading search.
const DN_BATCH: usize = 100;

pub struct AdProvider {
    settings: AdSettings,
    /// Where GPO files are, from `sysvol` or the LDAP URL's host.
    sysvol_at: sv::Location,
    session: Option<Session>,
}

/// The connection and what was learned of the directory, kept for the whole run.
struct Session {
    conn: Connection,
    dir: Directory,
    /// Connected on first use: only GPO resources need it.
    sysvol: Option<Box<dyn Sysvol>>,
}

impl AdProvider {
    pub fn new(settings: AdSettings) -> AdProvider {
        let sysvol_at = sv::Location::parse(settings.sysvol.as_deref(), &settings.url);
        AdProvider {
            settings,
            sysvol_at,
            session: None,
        }
    }
}

/// The run's session, opened on first use. A function of the fields it needs, so callers
/// can keep using the settings while they hold the session.
async fn session_of<'a>(
    slot: &'a mut Option<Session>,
    settings: &AdSettings,
) -> Result<&'a mut Session, Diagnostic> {
    if slot.is_none() {
        let mut conn = Connection::open(settings)
            .await
            .map_err(|e| connect_diagnostic(e, settings))?;
        let dir = Directory::load(&mut conn, settings.base_dn.as_deref())
            .await
            .map_err(|e| {
                Diagnostic::new(format!(
                    "reading the domain's schema and rights failed: {e}"
                ))
            })?;
        *slot = Some(Session {
            conn,
            dir,
            sysvol: None,
        });
    }
    Ok(slot.as_mut().expect("just set"))
}

#[async_trait]
impl Provider for AdProvider {
    fn kinds(&self) -> &'static [&'static str] {
        &["ad.acl", "gpo.security", "ad.password_policy"]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        let AdProvider {
            settings,
            sysvol_at,
            session,
        } = self;
        let session = session_of(session, settings).await?;
        let mut acls = Vec::new();
        let mut gpos_wanted: Vec<(Address, &GpoSecurity)> = Vec::new();
        let mut policies = Vec::new();
        for r in resources {
            match r {
                Resource::AdAcl(a) => acls.push((r.address(), a)),
                Resource::GpoSecurity(g) => gpos_wanted.push((r.address(), g)),
                Resource::AdPasswordPolicy(p) => policies.push((r.address(), p)),
                // The engine only hands this provider the kinds it names.
                _ => {}
            }
        }
        let mut diags = Diagnostics::default();
        let mut plans = Vec::new();
        if !acls.is_empty() {
            match plan_acls(session, &acls).await {
                Ok(p) => plans.extend(p),
                Err(d) => diags.extend(d),
            }
        }
        if !gpos_wanted.is_empty() || !policies.is_empty() {
            let head = gpo::read_domain_head(&mut session.conn, &session.dir.domain_dn).await?;
            for (address, p) in &policies {
                plans.push(password_policy::plan(
                    address,
                    p,
                    &session.dir.domain_dn,
                    &head,
                ));
            }
            if !gpos_wanted.is_empty() {
                let all = gpo::list(&mut session.conn, &session.dir.domain_dn).await?;
                let sysvol = session.sysvol(sysvol_at, settings)?;
                match gpo::plan(&gpos_wanted, &all, sysvol, &head) {
                    Ok(p) => plans.extend(p),
                    Err(d) => diags.extend(d),
                }
            }
        }
        diags.into_result(())?;
        // In the order given.
        Ok(resources
            .iter()
            .filter_map(|r| {
                plans
                    .iter()
                    .position(|p| p.address == r.address())
                    .map(|i| plans.swap_remove(i))
            })
            .collect())
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        let AdProvider {
            settings,
            sysvol_at,
            session,
        } = self;
        let session = session_of(session, settings).await?;
        match planned.address.kind.as_str() {
            "ad.acl" => apply_acl(session, planned).await,
            "ad.password_policy" => {
                password_policy::apply(planned, &mut session.conn, &session.dir.domain_dn).await
            }
            "gpo.security" => {
                let all = gpo::list(&mut session.conn, &session.dir.domain_dn).await?;
                session.sysvol(sysvol_at, settings)?;
                let Session { conn, sysvol, .. } = session;
                let sysvol = sysvol.as_deref().expect("connected above");
                gpo::apply(planned, conn, &all, sysvol, settings.fault.as_deref()).await
            }
            other => Err(Diagnostic::new(format!(
                "the AD provider does not handle {other}"
            ))),
        }
    }
}

impl Session {
    fn sysvol(&mut self, at: &sv::Location, s: &AdSettings) -> Result<&dyn Sysvol, Diagnostic> {
        if self.sysvol.is_none() {
            let opened: Result<Box<dyn Sysvol>, String> = match at {
                sv::Location::Local(p) => {
                    sv::LocalSysvol::new(p.clone()).map(|l| Box::new(l) as Box<dyn Sysvol>)
                }
                sv::Location::Smb { server, share } => {
                    sv::SmbSysvol::connect(server, share, &s.user, &s.password)
                        .map(|c| Box::new(c) as Box<dyn Sysvol>)
                }
            };
            let opened = opened.map_err(|e| {
                Diagnostic::new(format!("SYSVOL is not readable: {e}"))
                    .hint("set connections.ad.sysvol to the SYSVOL share (\\\\dc\\SYSVOL) or a mounted folder")
            })?;
            self.sysvol = Some(opened);
        }
        Ok(self.sysvol.as_deref().expect("just set"))
    }
}

async fn plan_acls(
    session: &mut Session,
    acls: &[(Address, &AdAcl)],
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let Session { conn, dir, .. } = session;

    let names: Vec<String> = acls
        .iter()
        .flat_map(|(_, a)| a.aces.iter().map(|e| e.principal.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let principals = dir
        .resolve_principals(conn, &names)
        .await
        .map_err(op_diagnostic)?;

    let mut diags = Diagnostics::default();
    let mut wanted = Vec::new();
    for (address, spec) in acls {
        match acl::desired(spec, address, dir, &principals) {
            Ok(d) => wanted.push(Some(d)),
            Err(e) => {
                diags.extend(e);
                wanted.push(None);
            }
        }
    }
    let dns: Vec<String> = acls.iter().map(|(_, a)| dir.expand_dn(&a.object)).collect();
    // One object, one resource: two would each plan against the ACL the other changes.
    let mut owner: HashMap<String, &Address> = HashMap::new();
    for ((address, _), dn) in acls.iter().zip(&dns) {
        if let Some(first) = owner.insert(acl::normalize_dn(dn), address) {
            diags.push(
                Diagnostic::new(format!("`{dn}` is also managed by {first}"))
                    .at(address)
                    .hint("put all ACEs of one object in one ad.acl resource"),
            );
        }
    }
    let live = read_dacls(conn, dir, &dns).await?;
    for ((address, spec), dn) in acls.iter().zip(&dns) {
        if !live.contains_key(&acl::normalize_dn(dn)) {
            diags.push(
                Diagnostic::new(format!("object `{dn}` was not found in the directory"))
                    .at(address)
                    .hint(format!(
                        "check `object: {}`; `{{domain}}` stands for {}",
                        spec.object, dir.domain_dn
                    )),
            );
        }
    }
    diags.into_result(())?;

    let sids: Vec<_> = live
        .values()
        .flat_map(|(_, l)| {
            l.explicit()
                .filter_map(|a| a.as_access().map(|a| a.sid.clone()))
                .collect::<Vec<_>>()
        })
        .chain(principals.values().filter_map(|r| r.as_ref().ok().cloned()))
        .collect();
    dir.describe_sids(conn, &sids)
        .await
        .map_err(op_diagnostic)?;

    let mut plans = Vec::new();
    let mut refused = Diagnostics::default();
    for (((address, spec), dn), desired) in acls.iter().zip(&dns).zip(wanted) {
        let (dn_read, live) = &live[&acl::normalize_dn(dn)];
        let desired = desired.expect("errors returned above");
        let (removes, adds) = match acl::diff(&desired, spec.authoritative, live) {
            Ok(d) => d,
            Err(rs) => {
                rs.iter()
                    .for_each(|r| refused.push(r.diagnostic(address, dir)));
                continue;
            }
        };
        let after = acl::rebuild(&live.aces, &removes, &adds);
        let entries = |aces: &mut dyn Iterator<Item = &security::Ace>| {
            aces.map(|a| acl::entry(a, dir)).collect::<Vec<_>>()
        };
        let mut changes = Vec::new();
        for (op, list) in [(ChangeOp::Remove, &removes), (ChangeOp::Add, &adds)] {
            for a in list {
                changes.push(Change {
                    op,
                    entry: acl::entry(&security::Ace::Access(a.clone()), dir),
                    payload: serde_json::to_value(AcePayload::from(a)).expect("payload serializes"),
                });
            }
        }
        plans.push(ResourcePlan::new(
            address.clone(),
            dn_read.clone(),
            live.fingerprint(),
            entries(&mut live.explicit()),
            entries(&mut after.iter().filter(|a| !a.is_inherited())),
            changes,
        ));
    }
    refused.into_result(plans)
}

async fn apply_acl(session: &mut Session, planned: &ResourcePlan) -> Result<(), Diagnostic> {
    let Session { conn, dir, .. } = session;
    let dn = planned.target.clone();
    // Re-read right before writing: never overwrite a change made since the plan.
    let live = read_dacls(conn, dir, std::slice::from_ref(&dn))
        .await
        .map_err(|mut d| d.0.remove(0))?;
    let Some((_, live)) = live.get(&acl::normalize_dn(&dn)) else {
        return Err(Diagnostic::new(format!("object `{dn}` no longer exists"))
            .hint("run `hybridctl plan` again"));
    };
    if live.fingerprint() != planned.observed {
        return Err(Diagnostic::new(format!(
                "saved plan is stale: the ACL of `{dn}` changed since the plan was made; nothing was written to it"
            ))
            .hint("run `hybridctl plan` again and review the new plan"));
    }
    let mut removes = Vec::new();
    let mut adds = Vec::new();
    for c in &planned.changes {
        let ace = serde_json::from_value::<AcePayload>(c.payload.clone())
            .map_err(|e| e.to_string())
            .and_then(|p| AccessAce::try_from(&p))
            .map_err(|e| {
                Diagnostic::new(format!("the plan holds an ACE hybridctl cannot read: {e}"))
            })?;
        match c.op {
            ChangeOp::Add => adds.push(ace),
            ChangeOp::Remove | ChangeOp::Set => removes.push(ace),
        }
    }
    let aces = acl::rebuild(&live.aces, &removes, &adds);
    let sd = SecurityDescriptor::with_dacl(
        live.control & (control::DACL_PROTECTED | control::DACL_AUTO_INHERITED),
        Acl::new(aces),
    );
    let bytes = sd
        .encode()
        .map_err(|e| Diagnostic::new(format!("cannot encode the new DACL of `{dn}`: {e}")))?;
    tracing::info!(dn = %dn, removes = removes.len(), adds = adds.len(), "writing DACL");
    conn.write_dacl(&dn, bytes).await.map_err(op_diagnostic)?;
    Ok(())
}

/// Reads the DACLs of `dns`, batched; keyed by normalized DN, with the DN as the server spells it.
async fn read_dacls(
    conn: &mut Connection,
    dir: &Directory,
    dns: &[String],
) -> Result<HashMap<String, (String, LiveDacl)>, Diagnostics> {
    let domain = acl::normalize_dn(&dir.domain_dn);
    let (inside, outside): (Vec<&String>, Vec<&String>) = dns
        .iter()
        .partition(|dn| acl::normalize_dn(dn).ends_with(&domain));
    let mut entries = Vec::new();
    for chunk in inside.chunks(DN_BATCH) {
        let filter: String = chunk
            .iter()
            .map(|dn| format!("(distinguishedName={})", ldap_escape(dn.as_str())))
            .collect();
        entries.extend(
            conn.read_dacls(&dir.domain_dn, &format!("(|{filter})"))
                .await
                .map_err(op_diagnostic)?,
        );
    }
    for dn in outside {
        // Outside the domain partition (e.g. configuration): read it directly.
        match conn.read_dacl_of(dn).await {
            Ok(e) => entries.extend(e),
            Err(e) => {
                tracing::debug!(dn = %dn, error = %e, "object outside the domain not readable")
            }
        }
    }
    let mut out = HashMap::new();
    for e in entries {
        let Some(bytes) = first_bin(&e, "nTSecurityDescriptor") else {
            return Err(Diagnostic::new(format!(
                "the DC returned no security descriptor for `{}`",
                e.dn
            ))
            .hint("hybridctl's account needs Read permissions on the objects it manages")
            .into());
        };
        let sd = SecurityDescriptor::decode(&bytes).map_err(|err| {
            Diagnostic::new(format!(
                "cannot read the security descriptor of `{}`: {err}",
                e.dn
            ))
        })?;
        let aces = sd.dacl.map(|d| d.aces).unwrap_or_default();
        out.insert(
            acl::normalize_dn(&e.dn),
            (
                e.dn.clone(),
                LiveDacl {
                    control: sd.control,
                    aces,
                },
            ),
        );
    }
    Ok(out)
}

fn op_diagnostic(e: OpError) -> Diagnostic {
    let hint = match &e {
        OpError::WriteDacl { .. }
            if e.to_string().contains("insufficientAccessRights")
                || e.to_string().contains("rc=50") =>
        {
            "hybridctl's account needs Modify permissions on this object (see README: permissions)"
        }
        _ => "check the DC's log; run again with HYBRIDCTL_LOG=debug for each LDAP operation",
    };
    Diagnostic::new(e.to_string()).hint(hint)
}

fn connect_diagnostic(e: ConnectError, s: &AdSettings) -> Diagnostic {
    let text = e.to_string();
    let hint = match &e {
        ConnectError::CaFile { .. } => "point ca_file / HYBRIDCTL_AD_CA_FILE at a PEM file of the CA that issued the DC's certificate".to_string(),
        ConnectError::Bind { .. } => format!(
            "check the user ({}) and the password in {} or the variable named by password_env",
            s.user,
            settings::ENV_PASSWORD
        ),
        _ if text.contains("UnknownIssuer") || text.contains("certificate") => format!(
            "the DC's certificate is not trusted: set ca_file / {} to the CA that issued it (for a lab only, {}=1 skips the check)",
            settings::ENV_CA_FILE,
            settings::ENV_INSECURE
        ),
        _ => format!("check that {} is right and the DC is reachable (`scripts/lab up` starts the lab DC)", s.url),
    };
    Diagnostic::new(text).hint(hint)
}
