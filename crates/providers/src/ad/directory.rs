//! Names resolved against the live directory, never a table that can go stale (the one
//! table, [`base_schema`], only names GUIDs Microsoft fixed that ACEs carry): the
//! domain's own names, its schema and extended rights (interpreted by [`Schema`]), and
//! principals, looked up in batches.
//!
//! The schema is read only as far as a run needs it: [`Directory::learn`] asks, in one
//! filtered search of the schema and one of the extended rights, for just the names and
//! GUIDs a plan uses or finds on objects (the whole schema is ~1,700 entries and ~140 ms
//! to read, more than half of a one-resource plan). [`Directory::load_schema`] reads it
//! all, for suggestions on the error path and for export.
//!
//! The GUIDs found on ACEs are named first from the compiled-in base schema
//! ([`base_schema`]): a search by schemaIDGUID or rightsGuid is one the DC cannot index, and
//! every object carries the default ACEs of its class. Only GUIDs it does not list are
//! searched for; names, and GUIDs the spec gives, always resolve against the directory.

use std::collections::{BTreeSet, HashMap};

use hybridctl_core::suggest;
use ldap3::{ldap_escape, Scope};

use super::base_schema;
use super::schema::{right_cns, Lookups, RightEntry, Schema, SchemaEntry};
use super::security::{Guid, Sid};
use crate::ldap::connection::{escape_bytes, first, first_bin, Connection, OpError};

/// How many terms go into one OR filter.
const BATCH: usize = 200;

/// Principals with fixed SIDs that are not objects in the domain.
const WELL_KNOWN: &[(&str, &str)] = &[
    ("Everyone", "S-1-1-0"),
    ("Creator Owner", "S-1-3-0"),
    ("Creator Group", "S-1-3-1"),
    ("Network", "S-1-5-2"),
    ("Interactive", "S-1-5-4"),
    ("Service", "S-1-5-6"),
    ("Anonymous Logon", "S-1-5-7"),
    ("Enterprise Domain Controllers", "S-1-5-9"),
    ("SELF", "S-1-5-10"),
    ("Principal Self", "S-1-5-10"),
    ("Authenticated Users", "S-1-5-11"),
    ("Restricted", "S-1-5-12"),
    ("SYSTEM", "S-1-5-18"),
    ("Local Service", "S-1-5-19"),
    ("Network Service", "S-1-5-20"),
];

fn well_known(name: &str) -> Option<Sid> {
    let name = name.strip_prefix("NT AUTHORITY\\").unwrap_or(name);
    WELL_KNOWN
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .and_then(|(_, s)| s.parse().ok())
}

fn well_known_name(sid: &Sid) -> Option<&'static str> {
    let text = sid.to_string();
    WELL_KNOWN.iter().find(|(_, s)| *s == text).map(|(n, _)| *n)
}

/// What the directory says names mean. Built once per run by [`Directory::load`].
pub struct Directory {
    pub domain_dn: String,
    pub netbios: String,
    pub dns_domain: String,
    pub domain_sid: Sid,
    pub schema: Schema,
    /// What [`Directory::learn`] already asked the schema for (found or not).
    asked: Lookups,
    /// Display names of SIDs seen so far (`LAB\sam`, `BUILTIN\Administrators`).
    names: HashMap<Sid, String>,
}

/// The attributes read of a schema entry and of an extended right.
const SCHEMA_ATTRS: &[&str] = &[
    "lDAPDisplayName",
    "cn",
    "schemaIDGUID",
    "objectClass",
    "attributeSecurityGUID",
];
const RIGHT_ATTRS: &[&str] = &["cn", "displayName", "rightsGuid", "validAccesses"];
const SCHEMA_CLASSES: &str = "(|(objectClass=attributeSchema)(objectClass=classSchema))";
const RIGHT_CLASS: &str = "(objectClass=controlAccessRight)";

/// Filter terms for the schema entries `l` may resolve through: by lDAPDisplayName or cn
/// (as written, and with hyphens for spaces), and by schemaIDGUID.
pub fn schema_terms(l: &Lookups) -> Vec<String> {
    let mut out = Vec::new();
    for n in l.names() {
        out.push(format!("(lDAPDisplayName={})", ldap_escape(n)));
        out.push(format!("(cn={})", ldap_escape(n)));
        if n.contains(' ') {
            out.push(format!("(cn={})", ldap_escape(n.replace(' ', "-"))));
        }
    }
    out.extend(
        l.guids()
            .chain(l.seen_guids())
            .map(|g| format!("(schemaIDGUID={})", escape_bytes(&g.0))),
    );
    out
}

/// Filter terms for the extended rights `l` may resolve through: by displayName, by the
/// cns the name may stand for ([`right_cns`]), and by rightsGuid.
pub fn right_terms(l: &Lookups) -> Vec<String> {
    let mut out = Vec::new();
    for n in l.names() {
        out.push(format!("(displayName={})", ldap_escape(n)));
        out.push(format!("(cn={})", ldap_escape(n)));
        for cn in right_cns(n).into_iter().filter(|cn| cn != n) {
            out.push(format!("(cn={})", ldap_escape(&cn)));
        }
    }
    out.extend(
        l.guids()
            .chain(l.seen_guids())
            .map(|g| format!("(rightsGuid={g})")),
    );
    out
}

/// What a [`Lookups`] needs once the base schema named what it could.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Catalogued {
    /// The entries the base schema holds for the GUIDs seen on ACEs.
    pub objects: Vec<SchemaEntry>,
    pub rights: Vec<RightEntry>,
    /// What is left to search for: the names, the GUIDs to resolve, and the seen GUIDs
    /// the base schema does not list.
    pub search: Lookups,
}

/// Names from `entries` (the base schema's lookup) the GUIDs `new` saw on ACEs, and says
/// what still needs a search. Pure, so that "no search" is testable without a DC.
pub fn catalogued(new: &Lookups, entries: impl Fn(Guid) -> Vec<base_schema::Entry>) -> Catalogued {
    let mut out = Catalogued {
        search: new.clone(),
        ..Catalogued::default()
    };
    out.search.retain_seen(|g| {
        let found = entries(*g);
        let unnamed = found.is_empty();
        for e in found {
            match e {
                base_schema::Entry::Object(o) => out.objects.push(o),
                base_schema::Entry::Right(r) => out.rights.push(r),
            }
        }
        unnamed
    });
    out
}

fn schema_entry(e: &ldap3::SearchEntry) -> Option<SchemaEntry> {
    Some(SchemaEntry {
        ldap_name: first(e, "lDAPDisplayName")?,
        cn: first(e, "cn")?,
        guid: first_bin(e, "schemaIDGUID").and_then(|b| Guid::from_slice(&b))?,
        is_class: e.attrs.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("objectClass")
                && v.iter().any(|c| c.eq_ignore_ascii_case("classSchema"))
        }),
        property_set: first_bin(e, "attributeSecurityGUID").and_then(|b| Guid::from_slice(&b)),
    })
}

fn right_entry(e: &ldap3::SearchEntry) -> Option<RightEntry> {
    Some(RightEntry {
        cn: first(e, "cn")?,
        display_name: first(e, "displayName"),
        guid: first(e, "rightsGuid")?.parse().ok()?,
        valid_accesses: first(e, "validAccesses")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Search(#[from] OpError),
    #[error("the directory has no {0}; is {1} an Active Directory domain?")]
    Missing(&'static str, String),
}

/// Why a principal named in the spec was not resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrincipalError {
    #[error("`{0}` is not a SID: {1}")]
    BadSid(String, String),
    #[error("`{name}` names domain `{domain}`, but the connected domain is `{netbios}` (or BUILTIN, NT AUTHORITY)")]
    OtherDomain {
        name: String,
        domain: String,
        netbios: String,
    },
    #[error("no account, group or well-known principal `{name}` in {netbios}{suggestion}")]
    NotFound {
        name: String,
        netbios: String,
        /// "; did you mean `LAB\Helpdesk`?" when a name is close.
        suggestion: String,
    },
}

impl Directory {
    pub async fn load(
        conn: &mut Connection,
        base_dn: Option<&str>,
    ) -> Result<Directory, LoadError> {
        let root = conn.root.clone();
        let domain_dn = base_dn.unwrap_or(&root.default_nc).to_string();
        let head = conn
            .search(&domain_dn, Scope::Base, "(objectClass=*)", &["objectSid"])
            .await?;
        let domain_sid = head
            .first()
            .and_then(|e| first_bin(e, "objectSid"))
            .and_then(|b| Sid::decode(&b).ok())
            .map(|(s, _)| s)
            .ok_or_else(|| LoadError::Missing("domain SID", domain_dn.clone()))?;
        let partitions = format!("CN=Partitions,{}", root.config_nc);
        let filter = format!(
            "(&(objectClass=crossRef)(nCName={}))",
            ldap_escape(&domain_dn)
        );
        let xref = conn
            .search(
                &partitions,
                Scope::OneLevel,
                &filter,
                &["nETBIOSName", "dnsRoot"],
            )
            .await?;
        let netbios = xref
            .first()
            .and_then(|e| first(e, "nETBIOSName"))
            .ok_or_else(|| LoadError::Missing("NetBIOS name", domain_dn.clone()))?;
        let dns_domain = xref
            .first()
            .and_then(|e| first(e, "dnsRoot"))
            .unwrap_or_default();

        Ok(Directory {
            domain_dn,
            netbios,
            dns_domain,
            domain_sid,
            schema: Schema::partial(),
            asked: Lookups::default(),
            names: HashMap::new(),
        })
    }

    /// Reads the whole schema and every extended right (replacing what was learned).
    pub async fn load_schema(&mut self, conn: &mut Connection) -> Result<(), OpError> {
        if self.schema.is_complete() {
            return Ok(());
        }
        let root = conn.root.clone();
        let objects = conn
            .search(
                &root.schema_nc,
                Scope::OneLevel,
                SCHEMA_CLASSES,
                SCHEMA_ATTRS,
            )
            .await?
            .iter()
            .filter_map(schema_entry)
            .collect();
        let rights = conn
            .search(
                &format!("CN=Extended-Rights,{}", root.config_nc),
                Scope::OneLevel,
                RIGHT_CLASS,
                RIGHT_ATTRS,
            )
            .await?
            .iter()
            .filter_map(right_entry)
            .collect();
        self.schema = Schema::new(objects, rights);
        let (attributes, classes, rights) = self.schema.counts();
        tracing::debug!(attributes, classes, rights, "whole schema loaded");
        Ok(())
    }

    /// Reads the schema entries and extended rights `wanted` may resolve through, in one
    /// filtered search of each per batch; nothing when all was asked before.
    pub async fn learn(&mut self, conn: &mut Connection, wanted: &Lookups) -> Result<(), OpError> {
        if self.schema.is_complete() {
            return Ok(());
        }
        let new = wanted.minus(&self.asked);
        if new.is_empty() {
            return Ok(());
        }
        let Catalogued {
            objects,
            rights,
            search,
        } = catalogued(&new, base_schema::entries);
        tracing::debug!(
            objects = objects.len(),
            rights = rights.len(),
            "schema entries named by the base schema"
        );
        self.schema.add_catalogued(objects, rights);
        self.search_schema(conn, &search).await?;
        self.asked.extend(new);
        Ok(())
    }

    /// One filtered search of the schema and one of the extended rights per batch of
    /// terms; none when `l` is empty.
    async fn search_schema(&mut self, conn: &mut Connection, l: &Lookups) -> Result<(), OpError> {
        if l.is_empty() {
            return Ok(());
        }
        let root = conn.root.clone();
        let mut objects = Vec::new();
        for chunk in schema_terms(l).chunks(BATCH) {
            let filter = format!("(&{SCHEMA_CLASSES}(|{}))", chunk.concat());
            let found = conn
                .search(&root.schema_nc, Scope::OneLevel, &filter, SCHEMA_ATTRS)
                .await?;
            objects.extend(found.iter().filter_map(schema_entry));
        }
        let mut rights = Vec::new();
        for chunk in right_terms(l).chunks(BATCH) {
            let filter = format!("(&{RIGHT_CLASS}(|{}))", chunk.concat());
            let found = conn
                .search(
                    &format!("CN=Extended-Rights,{}", root.config_nc),
                    Scope::OneLevel,
                    &filter,
                    RIGHT_ATTRS,
                )
                .await?;
            rights.extend(found.iter().filter_map(right_entry));
        }
        tracing::debug!(
            objects = objects.len(),
            rights = rights.len(),
            "schema entries learned"
        );
        self.schema.add(objects, rights);
        Ok(())
    }

    /// A directory known without a DC, for unit tests of code that reads one.
    #[cfg(test)]
    pub fn for_tests(domain_dn: &str, domain_sid: &str, schema: Schema) -> Directory {
        Directory {
            domain_dn: domain_dn.to_string(),
            netbios: "LAB".into(),
            dns_domain: "lab.example.test".into(),
            domain_sid: domain_sid.parse().expect("test SID parses"),
            schema,
            asked: Lookups::default(),
            names: HashMap::new(),
        }
    }

    /// Expands `{domain}` to the domain's DN.
    pub fn expand_dn(&self, dn: &str) -> String {
        dn.replace("{domain}", &self.domain_dn)
    }

    /// Resolves principal names as the spec writes them, in one search per batch; a name
    /// given more than once is looked up once. Returns, per name, its SID or why it could
    /// not be resolved (with a suggestion when an account's name is close).
    pub async fn resolve_principals(
        &mut self,
        conn: &mut Connection,
        names: &[String],
    ) -> Result<HashMap<String, Result<Sid, PrincipalError>>, OpError> {
        let mut out = HashMap::new();
        let mut lookups: Vec<(String, Lookup)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for name in names.iter().filter(|n| seen.insert(n.as_str())) {
            match self.parse_principal(name) {
                Ok(Lookup::Sid(sid)) if sid.parent().as_ref() != Some(&self.domain_sid) => {
                    out.insert(name.clone(), Ok(sid));
                }
                Ok(Lookup::WellKnown(sid)) => {
                    out.insert(name.clone(), Ok(sid));
                }
                Ok(l) => lookups.push((name.clone(), l)),
                Err(e) => {
                    out.insert(name.clone(), Err(e));
                }
            }
        }
        let terms: Vec<String> = lookups.iter().map(|(_, l)| l.filter()).collect();
        let found = self.search_accounts(conn, &terms).await?;
        let mut misses = Vec::new();
        for (name, lookup) in &lookups {
            match found.iter().find(|a| lookup.matches(a, &self.dns_domain)) {
                Some(a) => {
                    out.insert(name.clone(), Ok(a.sid.clone()));
                }
                None => misses.push((name, lookup)),
            }
        }
        if misses.is_empty() {
            return Ok(out);
        }
        // Suggestions for the misses: accounts whose names start like the missed name,
        // and ambiguous-name resolution, in one search.
        let near_terms: Vec<String> = misses
            .iter()
            .filter_map(|(_, l)| l.bare_name())
            .map(|bare| {
                let stem: String = bare.chars().take(3).collect();
                format!(
                    "(|(anr={})(sAMAccountName={}*))",
                    ldap_escape(bare),
                    ldap_escape(&stem)
                )
            })
            .collect();
        let near = self
            .search_accounts(conn, &near_terms)
            .await
            .unwrap_or_default();
        for (name, lookup) in misses {
            let suggestion = lookup
                .bare_name()
                .and_then(|bare| {
                    let mut candidates: Vec<&str> = near.iter().map(|a| a.sam.as_str()).collect();
                    candidates.extend(WELL_KNOWN.iter().map(|(n, _)| *n));
                    suggest::closest(bare, candidates)
                })
                .map(|s| {
                    if WELL_KNOWN.iter().any(|(n, _)| *n == s) {
                        format!("; did you mean `{s}`?")
                    } else {
                        format!("; did you mean `{}\\{s}`?", self.netbios)
                    }
                })
                .unwrap_or_default();
            out.insert(
                name.clone(),
                Err(PrincipalError::NotFound {
                    name: name.clone(),
                    netbios: self.netbios.clone(),
                    suggestion,
                }),
            );
        }
        Ok(out)
    }

    fn parse_principal(&self, name: &str) -> Result<Lookup, PrincipalError> {
        let name = name.trim();
        if name.starts_with("S-") || name.starts_with("s-") {
            return name
                .parse::<Sid>()
                .map(Lookup::Sid)
                .map_err(|e| PrincipalError::BadSid(name.to_string(), e.to_string()));
        }
        if let Some(sid) = well_known(name) {
            return Ok(Lookup::WellKnown(sid));
        }
        if let Some((domain, account)) = name.split_once('\\') {
            if domain.eq_ignore_ascii_case(&self.netbios) || domain.eq_ignore_ascii_case("BUILTIN")
            {
                return Ok(Lookup::Sam(account.to_string()));
            }
            return Err(PrincipalError::OtherDomain {
                name: name.to_string(),
                domain: domain.to_string(),
                netbios: self.netbios.clone(),
            });
        }
        if name.contains('@') {
            return Ok(Lookup::Upn(name.to_string()));
        }
        Ok(Lookup::Sam(name.to_string()))
    }

    async fn search_accounts(
        &self,
        conn: &mut Connection,
        terms: &[String],
    ) -> Result<Vec<Account>, OpError> {
        let mut out = Vec::new();
        for chunk in terms.chunks(BATCH) {
            let filter = format!("(|{})", chunk.concat());
            let entries = conn
                .search(
                    &self.domain_dn,
                    Scope::Subtree,
                    &filter,
                    &["sAMAccountName", "userPrincipalName", "objectSid"],
                )
                .await?;
            out.extend(entries.iter().filter_map(|e| {
                Some(Account {
                    sam: first(e, "sAMAccountName")?,
                    upn: first(e, "userPrincipalName"),
                    sid: Sid::decode(&first_bin(e, "objectSid")?).ok()?.0,
                })
            }));
        }
        Ok(out)
    }

    /// Learns display names for `sids` (one search per batch of unknown domain SIDs).
    pub async fn describe_sids(
        &mut self,
        conn: &mut Connection,
        sids: &[Sid],
    ) -> Result<(), OpError> {
        let unknown: BTreeSet<&Sid> = sids
            .iter()
            .filter(|s| !self.names.contains_key(*s) && well_known_name(s).is_none())
            .collect();
        let terms: Vec<String> = unknown
            .iter()
            .map(|s| format!("(objectSid={})", escape_bytes(&s.to_bytes())))
            .collect();
        for a in self.search_accounts(conn, &terms).await? {
            let prefix = if a.sid.to_string().starts_with("S-1-5-32-") {
                "BUILTIN".to_string()
            } else {
                self.netbios.clone()
            };
            self.names.insert(a.sid, format!("{prefix}\\{}", a.sam));
        }
        Ok(())
    }

    /// How a SID is shown: `LAB\sam`, a well-known name, or the SID itself.
    pub fn display(&self, sid: &Sid) -> String {
        if let Some(n) = self.names.get(sid) {
            return n.clone();
        }
        well_known_name(sid)
            .map(str::to_string)
            .unwrap_or_else(|| sid.to_string())
    }
}

struct Account {
    sam: String,
    upn: Option<String>,
    sid: Sid,
}

enum Lookup {
    Sid(Sid),
    WellKnown(Sid),
    Sam(String),
    Upn(String),
}

impl Lookup {
    fn filter(&self) -> String {
        match self {
            Lookup::Sid(s) | Lookup::WellKnown(s) => {
                format!("(objectSid={})", escape_bytes(&s.to_bytes()))
            }
            Lookup::Sam(n) => format!("(sAMAccountName={})", ldap_escape(n)),
            Lookup::Upn(u) => {
                let local = u.split('@').next().unwrap_or_default();
                format!(
                    "(|(userPrincipalName={})(sAMAccountName={}))",
                    ldap_escape(u),
                    ldap_escape(local)
                )
            }
        }
    }

    fn matches(&self, a: &Account, dns_domain: &str) -> bool {
        match self {
            Lookup::Sid(s) | Lookup::WellKnown(s) => &a.sid == s,
            Lookup::Sam(n) => a.sam.eq_ignore_ascii_case(n),
            // A UPN, or `sam@<dns domain>` for accounts without one.
            Lookup::Upn(u) => {
                a.upn.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(u))
                    || u.split_once('@').is_some_and(|(l, d)| {
                        a.sam.eq_ignore_ascii_case(l) && d.eq_ignore_ascii_case(dns_domain)
                    })
            }
        }
    }

    fn bare_name(&self) -> Option<&str> {
        match self {
            Lookup::Sam(n) => Some(n),
            Lookup::Upn(u) => u.split('@').next(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_terms_ask_for_each_name_every_way_it_is_stored() {
        let mut l = Lookups::default();
        l.right("Reset password");
        l.right("Write pwdLastSet");
        l.right("00299570-246d-11d0-a768-00aa006e0529");
        assert_eq!(
            schema_terms(&l),
            [
                "(lDAPDisplayName=pwdLastSet)",
                "(cn=pwdLastSet)",
                "(lDAPDisplayName=Reset password)",
                "(cn=Reset password)",
                "(cn=Reset-password)",
                "(lDAPDisplayName=Write pwdLastSet)",
                "(cn=Write pwdLastSet)",
                "(cn=Write-pwdLastSet)",
                "(schemaIDGUID=\\70\\95\\29\\00\\6d\\24\\d0\\11\\a7\\68\\00\\aa\\00\\6e\\05\\29)",
            ]
        );
        let rights = right_terms(&l);
        assert!(rights.contains(&"(displayName=Reset password)".to_string()));
        assert!(rights.contains(&"(cn=Reset-password)".to_string()));
        assert!(rights.contains(&"(cn=User-Force-Change-Password)".to_string()));
        assert!(rights.contains(&"(rightsGuid=00299570-246d-11d0-a768-00aa006e0529)".to_string()));
    }

    #[test]
    fn guids_the_base_schema_lists_need_no_search() {
        let g = |s: &str| s.parse::<Guid>().unwrap();
        let mut l = Lookups::default();
        // The default ACEs of an OU: pwdLastSet's property set, the user class, Reset Password.
        for s in [
            "4c164200-20c0-11d0-a768-00aa006e0529",
            "bf967aba-0de6-11d0-a285-00aa003049e2",
            "00299570-246d-11d0-a768-00aa006e0529",
            "bf9679c0-0de6-11d0-a285-00aa003049e2",
        ] {
            l.seen(g(s));
        }
        let c = catalogued(&l, base_schema::entries);
        assert!(c.search.is_empty(), "{:?}", c.search);
        // What `learn` then searches with: nothing, so it issues no search.
        assert!(schema_terms(&c.search).is_empty() && right_terms(&c.search).is_empty());
        let mut objects: Vec<&str> = c.objects.iter().map(|o| o.ldap_name.as_str()).collect();
        objects.sort();
        assert_eq!(objects, ["member", "user"]);
        let mut rights: Vec<&str> = c.rights.iter().map(|r| r.cn.as_str()).collect();
        rights.sort();
        assert_eq!(
            rights,
            [
                "Self-Membership",
                "User-Account-Restrictions",
                "User-Force-Change-Password"
            ]
        );
    }

    #[test]
    fn unlisted_guids_names_and_guids_to_resolve_are_still_searched() {
        let g = |s: &str| s.parse::<Guid>().unwrap();
        let extension = g("01234567-89ab-cdef-0123-456789abcdef");
        let reset = g("00299570-246d-11d0-a768-00aa006e0529");
        let mut l = Lookups::default();
        l.seen(extension);
        l.seen(g("bf967aba-0de6-11d0-a285-00aa003049e2"));
        l.right("Write pwdLastSet");
        // The spec's GUID (or the connector catalogue's) must be the directory's own.
        l.guid(reset);
        let c = catalogued(&l, base_schema::entries);
        assert_eq!(c.search.seen_guids().collect::<Vec<_>>(), [extension]);
        assert_eq!(c.search.guids().collect::<Vec<_>>(), [reset]);
        assert_eq!(
            c.search.names().collect::<Vec<_>>(),
            ["pwdLastSet", "Write pwdLastSet"]
        );
        assert_eq!(c.objects.len(), 1);
        assert!(c.rights.is_empty());
        assert!(right_terms(&c.search).contains(&format!("(rightsGuid={extension})")));
        assert!(right_terms(&c.search).contains(&format!("(rightsGuid={reset})")));
    }

    #[test]
    fn names_from_a_spec_are_escaped_in_filters() {
        let mut l = Lookups::default();
        l.class("x)(objectClass=*");
        for t in schema_terms(&l).iter().chain(&right_terms(&l)) {
            assert!(!t.contains(")(objectClass=*"), "{t}");
        }
    }
}
