//! Active Directory over LDAP: the `ad.acl` and `ad.password_policy` resource kinds.

pub mod access;
pub mod acl;
pub mod directory;
pub mod effective_access;
pub mod password_policy;
pub mod rights;
pub mod schema;
pub mod security;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use hybridctl_core::spec::{AdAcl, Resource};
use hybridctl_core::{
    Address, ApplyData, Change, ChangeOp, Diagnostic, Diagnostics, Kind, Provider, ResourcePlan,
};
use ldap3::ldap_escape;
use serde::{Deserialize, Serialize};

use crate::ldap::{self, first_bin, op_diagnostic, AdSettings, Connection, DomainHead};
use acl::{AcePayload, LiveDacl};
use directory::Directory;
use security::{control, AccessAce, Acl, SecurityDescriptor};

/// How many DNs go into one DACL-reading search.
const DN_BATCH: usize = 100;

pub struct AdProvider {
    settings: Arc<AdSettings>,
    session: Option<Session>,
}

/// The connection and what was learned of the directory, kept for the whole run.
struct Session {
    conn: Connection,
    dir: Directory,
}

/// What apply needs to find an `ad.acl` object again; saved in the plan, never shown.
#[derive(Debug, Serialize, Deserialize)]
struct AclTarget {
    dn: String,
}

impl AdProvider {
    pub fn new(settings: Arc<AdSettings>) -> AdProvider {
        AdProvider {
            settings,
            session: None,
        }
    }

    /// The run's session, opened on first use.
    async fn session(&mut self) -> Result<&mut Session, Diagnostic> {
        if self.session.is_none() {
            let mut conn = Connection::open(&self.settings)
                .await
                .map_err(|e| ldap::connect_diagnostic(e, &self.settings))?;
            let dir = Directory::load(&mut conn, self.settings.base_dn.as_deref())
                .await
                .map_err(|e| {
                    Diagnostic::new(format!(
                        "reading the domain's schema and rights failed: {e}"
                    ))
                })?;
            self.session = Some(Session { conn, dir });
        }
        Ok(self.session.as_mut().expect("just set"))
    }
}

#[async_trait]
impl Provider for AdProvider {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::AdAcl, Kind::AdPasswordPolicy, Kind::AdEffectiveAccess]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        let session = self.session().await?;
        let mut acls = Vec::new();
        let mut policies = Vec::new();
        let mut checks = Vec::new();
        for r in resources {
            match r {
                Resource::AdAcl(a) => acls.push((r.address(), a)),
                Resource::AdPasswordPolicy(p) => policies.push((r.address(), p)),
                Resource::AdEffectiveAccess(c) => checks.push((r.address(), c)),
                _ => {}
            }
        }
        let mut plans = Vec::new();
        let mut diags = Diagnostics::default();
        for (address, c) in &checks {
            match effective_access::read_and_plan(&mut session.conn, &mut session.dir, address, c)
                .await
            {
                Ok(p) => plans.push(p),
                Err(d) => diags.extend(d),
            }
        }
        diags.into_result(())?;
        if !acls.is_empty() {
            plans.extend(plan_acls(session, &acls).await?);
        }
        for (address, c) in &checks {
            let bases: Vec<String> = c
                .scope
                .base
                .as_slice()
                .iter()
                .map(|b| session.dir.expand_dn(b))
                .collect();
            effective_access::note_planned_acls(address, &bases, &mut plans);
        }
        if !policies.is_empty() {
            let head = DomainHead::read(&mut session.conn, &session.dir.domain_dn)
                .await
                .map_err(|e| Diagnostic::new(e.to_string()))?;
            // GPMC's cross-key rules hold for the result: the spec's values over the live ones.
            let mut conflicts = Diagnostics::default();
            for (address, p) in &policies {
                conflicts.extend(password_policy::conflicts(address, p, &head));
            }
            conflicts.into_result(())?;
            for (address, p) in &policies {
                plans.push(password_policy::plan(
                    address,
                    p,
                    &session.dir.domain_dn,
                    &head,
                ));
            }
        }
        Ok(plans)
    }

    async fn observe(&mut self, planned: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
        let session = self.session().await?;
        let mut dns = Vec::new();
        for p in planned.iter().filter(|p| p.address.kind == Kind::AdAcl) {
            dns.push(acl_target(p)?.dn);
        }
        let live = read_dacls(&mut session.conn, &session.dir, &dns).await?;
        let needs_head = planned
            .iter()
            .any(|p| p.address.kind == Kind::AdPasswordPolicy);
        let head = match needs_head {
            true => Some(
                DomainHead::read(&mut session.conn, &session.dir.domain_dn)
                    .await
                    .map_err(|e| Diagnostic::new(e.to_string()))?,
            ),
            false => None,
        };
        let mut out = Vec::new();
        for p in planned {
            out.push(match p.address.kind {
                Kind::AdAcl => {
                    let dn = acl_target(p)?.dn;
                    match live.get(&acl::normalize_dn(&dn)) {
                        Some((_, l)) => l.fingerprint(),
                        None => {
                            return Err(Diagnostic::new(format!("object `{dn}` no longer exists"))
                                .at(&p.address)
                                .hint("nothing was written; run `hybridctl plan` again")
                                .into())
                        }
                    }
                }
                Kind::AdPasswordPolicy => head.as_ref().expect("read above").fingerprint(),
                other => {
                    return Err(
                        Diagnostic::new(format!("{other} is a check; it never writes"))
                            .at(&p.address)
                            .into(),
                    )
                }
            });
        }
        Ok(out)
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        let session = self.session().await?;
        match planned.address.kind {
            Kind::AdAcl => apply_acl(session, planned).await,
            Kind::AdPasswordPolicy => {
                password_policy::apply(planned, &mut session.conn, &session.dir.domain_dn).await
            }
            Kind::AdEffectiveAccess => Err(Diagnostic::new(
                "ad.effective_access is a check; it never writes",
            )),
            other => Err(Diagnostic::new(format!(
                "the AD provider does not handle {other}"
            ))),
        }
    }
}

fn acl_target(planned: &ResourcePlan) -> Result<AclTarget, Diagnostic> {
    planned
        .apply_data
        .read()
        .map_err(|e| Diagnostic::new(e.to_string()).at(&planned.address))
}

async fn plan_acls(
    session: &mut Session,
    acls: &[(Address, &AdAcl)],
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let Session { conn, dir } = session;

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
        plans.push(
            ResourcePlan::new(
                address.clone(),
                dn_read.clone(),
                live.fingerprint(),
                entries(&mut live.explicit()),
                entries(&mut after.iter().filter(|a| !a.is_inherited())),
                changes,
            )
            .with_apply_data(ApplyData::new(&AclTarget {
                dn: dn_read.clone(),
            })),
        );
    }
    refused.into_result(plans)
}

async fn apply_acl(session: &mut Session, planned: &ResourcePlan) -> Result<(), Diagnostic> {
    let Session { conn, dir } = session;
    let dn = acl_target(planned)?.dn;
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
        let payload: AcePayload = serde_json::from_value(c.payload.clone()).map_err(|e| {
            Diagnostic::new(format!("the plan holds an ACE hybridctl cannot read: {e}"))
        })?;
        let ace = AccessAce::try_from(&payload).map_err(|e| Diagnostic::new(e.to_string()))?;
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
        // Outside the domain partition (e.g. configuration): read it directly. Only "no
        // such object" means absent; any other failure is an error, never "absent".
        match conn.read_dacl_of(dn).await {
            Ok(e) => entries.extend(e),
            Err(e) if e.result_code() == Some(ldap::connection::result_code::NO_SUCH_OBJECT) => {}
            Err(e) => return Err(op_diagnostic(e).into()),
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
