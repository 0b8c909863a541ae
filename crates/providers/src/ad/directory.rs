//! Names resolved against the live directory, never a table that can go stale: the
//! schema (attributes, classes), extended rights, and principals. Each is read once per
//! run in a few paged searches; principals are looked up in batches.

use std::collections::HashMap;

use hybridctl_core::suggest;
use ldap3::{ldap_escape, Scope};

use super::connection::{escape_bytes, first, first_bin, Connection, OpError};
use super::rights::{generic_right, mask, GENERIC_RIGHTS};
use super::security::{Guid, Sid};

/// How many terms go into one OR filter.
const BATCH: usize = 200;

/// A right as an ACE carries it: mask bits, and the object type they are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Right {
    pub mask: u32,
    pub object_type: Option<Guid>,
}

#[derive(Clone, Debug)]
struct SchemaObject {
    /// lDAPDisplayName, e.g. `pwdLastSet`, `user`.
    ldap_name: String,
    /// ADUC's name for classes: cn with spaces, e.g. `User`, `Organizational Unit`.
    display: String,
    guid: Guid,
}

#[derive(Clone, Debug)]
struct ExtendedRight {
    /// The name plans show: Windows' where Samba differs, else the directory's displayName.
    display: String,
    /// The directory's own displayName, also accepted.
    directory_display: Option<String>,
    cn: String,
    guid: Guid,
    valid_accesses: u32,
}

impl ExtendedRight {
    fn is_property_set(&self) -> bool {
        self.valid_accesses & (mask::READ_PROP | mask::WRITE_PROP) != 0
    }

    fn mask(&self) -> u32 {
        if self.valid_accesses & mask::SELF_WRITE != 0 {
            mask::SELF_WRITE
        } else {
            mask::CONTROL_ACCESS
        }
    }
}

/// The names Windows (and so ADUC and Microsoft's walkthroughs) show for extended rights
/// whose `displayName` Samba spells differently, keyed by the right's `cn` (fixed by
/// MS-ADTS 5.1.3.2.1). Only names: the GUIDs always come from the live directory.
const WINDOWS_RIGHT_NAMES: &[(&str, &str)] = &[
    ("User-Force-Change-Password", "Reset Password"),
    ("User-Change-Password", "Change Password"),
    (
        "DS-Replication-Get-Changes",
        "Replicating Directory Changes",
    ),
    (
        "DS-Replication-Get-Changes-All",
        "Replicating Directory Changes All",
    ),
    (
        "DS-Replication-Get-Changes-In-Filtered-Set",
        "Replicating Directory Changes In Filtered Set",
    ),
    (
        "DS-Replication-Manage-Topology",
        "Manage Replication Topology",
    ),
    ("DS-Replication-Synchronize", "Replication Synchronization"),
    ("Validated-SPN", "Validated write to service principal name"),
    (
        "Validated-DNS-Host-Name",
        "Validated write to DNS host name",
    ),
    ("Self-Membership", "Add/remove self as member"),
    ("User-Account-Restrictions", "Account Restrictions"),
    ("User-Logon", "Logon Information"),
    ("Membership", "Group Membership"),
];

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

/// What the directory says names mean. Built once per run by [`Directory::load`].
pub struct Directory {
    pub domain_dn: String,
    pub netbios: String,
    pub dns_domain: String,
    pub domain_sid: Sid,
    /// Attributes and classes by lower-case lDAPDisplayName, cn, and cn with spaces.
    attributes: HashMap<String, SchemaObject>,
    classes: HashMap<String, SchemaObject>,
    attribute_by_guid: HashMap<Guid, SchemaObject>,
    class_by_guid: HashMap<Guid, SchemaObject>,
    rights: Vec<ExtendedRight>,
    /// Display names of SIDs seen so far (`LAB\sam`, `BUILTIN\Administrators`).
    names: HashMap<Sid, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Search(#[from] OpError),
    #[error("the directory has no {0}; is {1} an Active Directory domain?")]
    Missing(&'static str, String),
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

        let mut dir = Directory {
            domain_dn,
            netbios,
            dns_domain,
            domain_sid,
            attributes: HashMap::new(),
            classes: HashMap::new(),
            attribute_by_guid: HashMap::new(),
            class_by_guid: HashMap::new(),
            rights: Vec::new(),
            names: HashMap::new(),
        };
        let schema = conn
            .search(
                &root.schema_nc,
                Scope::OneLevel,
                "(|(objectClass=attributeSchema)(objectClass=classSchema))",
                &["lDAPDisplayName", "cn", "schemaIDGUID", "objectClass"],
            )
            .await?;
        for e in &schema {
            let (Some(ldap_name), Some(cn), Some(guid)) = (
                first(e, "lDAPDisplayName"),
                first(e, "cn"),
                first_bin(e, "schemaIDGUID").and_then(|b| Guid::from_slice(&b)),
            ) else {
                continue;
            };
            let is_class = e.attrs.iter().any(|(k, v)| {
                k.eq_ignore_ascii_case("objectClass")
                    && v.iter().any(|c| c.eq_ignore_ascii_case("classSchema"))
            });
            let obj = SchemaObject {
                ldap_name: ldap_name.clone(),
                display: cn.replace('-', " "),
                guid,
            };
            let (by_name, by_guid) = if is_class {
                (&mut dir.classes, &mut dir.class_by_guid)
            } else {
                (&mut dir.attributes, &mut dir.attribute_by_guid)
            };
            for key in [
                ldap_name.to_lowercase(),
                cn.to_lowercase(),
                cn.replace('-', " ").to_lowercase(),
            ] {
                by_name.entry(key).or_insert_with(|| obj.clone());
            }
            by_guid.insert(guid, obj);
        }
        let rights_base = format!("CN=Extended-Rights,{}", root.config_nc);
        let rights = conn
            .search(
                &rights_base,
                Scope::OneLevel,
                "(objectClass=controlAccessRight)",
                &["cn", "displayName", "rightsGuid", "validAccesses"],
            )
            .await?;
        dir.rights = rights
            .iter()
            .filter_map(|e| {
                let cn = first(e, "cn")?;
                let windows = WINDOWS_RIGHT_NAMES
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(&cn))
                    .map(|(_, n)| n.to_string());
                Some(ExtendedRight {
                    display: windows
                        .or_else(|| first(e, "displayName"))
                        .unwrap_or_else(|| cn.replace('-', " ")),
                    directory_display: first(e, "displayName"),
                    cn,
                    guid: first(e, "rightsGuid")?.parse().ok()?,
                    valid_accesses: first(e, "validAccesses")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                })
            })
            .collect();
        tracing::debug!(
            attributes = dir.attribute_by_guid.len(),
            classes = dir.class_by_guid.len(),
            rights = dir.rights.len(),
            "schema loaded"
        );
        Ok(dir)
    }

    /// Expands `{domain}` to the domain's DN.
    pub fn expand_dn(&self, dn: &str) -> String {
        dn.replace("{domain}", &self.domain_dn)
    }

    // ---- rights -------------------------------------------------------------

    /// Resolves one right in ADUC's words (or a GUID). The error names it, says what was
    /// expected and suggests a close name.
    pub fn right(&self, word: &str) -> Result<Right, String> {
        let w = word.trim();
        if let Some(m) = generic_right(w) {
            return Ok(Right {
                mask: m,
                object_type: None,
            });
        }
        let lower = w.to_lowercase();
        if let Some(r) = self.extended_right(w) {
            if r.is_property_set() {
                return Err(format!(
                    "`{w}` is a property set; say `Read {0}` or `Write {0}`",
                    r.display
                ));
            }
            return Ok(Right {
                mask: r.mask(),
                object_type: Some(r.guid),
            });
        }
        for (prefix, m) in [("read ", mask::READ_PROP), ("write ", mask::WRITE_PROP)] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                let rest_orig = &w[prefix.len()..];
                if let Some(r) = self
                    .extended_right(rest_orig)
                    .filter(|r| r.is_property_set())
                {
                    return Ok(Right {
                        mask: m,
                        object_type: Some(r.guid),
                    });
                }
                if let Some(a) = self.attribute(rest) {
                    return Ok(Right {
                        mask: m,
                        object_type: Some(a.guid),
                    });
                }
                return Err(self.unknown(
                    w,
                    &format!("no attribute or property set named `{rest_orig}` in the schema"),
                ));
            }
        }
        for (prefix, m) in [
            ("create ", mask::CREATE_CHILD),
            ("delete ", mask::DELETE_CHILD),
        ] {
            if let Some(class) = lower
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(" objects"))
            {
                return match self.class(class) {
                    Some(c) => Ok(Right {
                        mask: m,
                        object_type: Some(c.guid),
                    }),
                    None => {
                        Err(self.unknown(w, &format!("no class named `{class}` in the schema")))
                    }
                };
            }
        }
        if let Ok(g) = w.parse::<Guid>() {
            return match self.rights.iter().find(|r| r.guid == g) {
                Some(r) if !r.is_property_set() => Ok(Right { mask: r.mask(), object_type: Some(g) }),
                _ => Err(format!("`{w}` is not an extended right's GUID; for an attribute say `Read {w}` or `Write {w}`")),
            };
        }
        Err(self.unknown(w, "not a right hybridctl knows"))
    }

    fn extended_right(&self, name: &str) -> Option<&ExtendedRight> {
        let name = name.trim();
        let spaced = |cn: &str| cn.replace('-', " ");
        self.rights.iter().find(|r| {
            r.display.eq_ignore_ascii_case(name)
                || r.cn.eq_ignore_ascii_case(name)
                || spaced(&r.cn).eq_ignore_ascii_case(name)
                || r.directory_display
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(name))
        })
    }

    fn attribute(&self, name: &str) -> Option<&SchemaObject> {
        match name.parse::<Guid>() {
            Ok(g) => self.attribute_by_guid.get(&g),
            Err(_) => self.attributes.get(&name.trim().to_lowercase()),
        }
    }

    pub fn class_guid(&self, name: &str) -> Option<Guid> {
        self.class(&name.to_lowercase()).map(|c| c.guid)
    }

    fn class(&self, name: &str) -> Option<&SchemaObject> {
        match name.parse::<Guid>() {
            Ok(g) => self.class_by_guid.get(&g),
            Err(_) => self.classes.get(&name.trim().to_lowercase()),
        }
    }

    /// Class names, for suggestions.
    pub fn class_names(&self) -> impl Iterator<Item = &str> {
        self.class_by_guid.values().map(|c| c.display.as_str())
    }

    fn unknown(&self, word: &str, why: &str) -> String {
        let mut candidates: Vec<String> =
            GENERIC_RIGHTS.iter().map(|(n, _)| n.to_string()).collect();
        candidates.extend(self.rights.iter().map(|r| r.display.clone()));
        let lower = word.to_lowercase();
        if let Some(rest) = lower
            .strip_prefix("read ")
            .or_else(|| lower.strip_prefix("write "))
        {
            let verb = &word[..word.len() - rest.len()];
            candidates.extend(
                self.attribute_by_guid
                    .values()
                    .map(|a| format!("{verb}{}", a.ldap_name)),
            );
        }
        if lower.starts_with("create ") || lower.starts_with("delete ") {
            let verb = &word[..7];
            candidates.extend(
                self.class_by_guid
                    .values()
                    .map(|c| format!("{verb}{} objects", c.display)),
            );
        }
        let mut msg = format!("unknown right `{word}`: {why}");
        if let Some(s) = suggest::closest(word, candidates.iter().map(String::as_str)) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        } else {
            msg.push_str(
                "; expected an extended right (`Reset password`), `Read <attribute>`, `Write <attribute>`, \
                 `Create <class> objects`, `Delete <class> objects`, or a generic right (`Full control`, `Read`, ...)",
            );
        }
        msg
    }

    /// ADUC's words for an ACE's mask and object type, e.g. `Write pwdLastSet`.
    pub fn right_words(&self, m: u32, object_type: Option<Guid>) -> Vec<String> {
        let Some(g) = object_type else {
            return super::rights::generic_words(m);
        };
        let mut words = Vec::new();
        let mut rest = m;
        let mut take = |bits: u32, word: String, words: &mut Vec<String>| {
            if rest & bits != 0 {
                words.push(word);
                rest &= !bits;
            }
        };
        if let Some(r) = self.rights.iter().find(|r| r.guid == g) {
            if r.is_property_set() {
                take(mask::READ_PROP, format!("Read {}", r.display), &mut words);
                take(mask::WRITE_PROP, format!("Write {}", r.display), &mut words);
            } else {
                take(
                    mask::CONTROL_ACCESS | mask::SELF_WRITE,
                    r.display.clone(),
                    &mut words,
                );
            }
        } else if let Some(a) = self.attribute_by_guid.get(&g) {
            take(mask::READ_PROP, format!("Read {}", a.ldap_name), &mut words);
            take(
                mask::WRITE_PROP,
                format!("Write {}", a.ldap_name),
                &mut words,
            );
        } else if let Some(c) = self.class_by_guid.get(&g) {
            take(
                mask::CREATE_CHILD,
                format!("Create {} objects", c.display),
                &mut words,
            );
            take(
                mask::DELETE_CHILD,
                format!("Delete {} objects", c.display),
                &mut words,
            );
        }
        if rest != 0 {
            let mut generic = super::rights::generic_words(rest);
            if words.is_empty() {
                generic = generic.into_iter().map(|w| format!("{w} ({g})")).collect();
            }
            words.extend(generic);
        }
        words
    }

    pub fn class_display(&self, g: Guid) -> String {
        self.class_by_guid
            .get(&g)
            .map(|c| c.display.clone())
            .unwrap_or_else(|| g.to_string())
    }

    // ---- principals ---------------------------------------------------------

    /// Resolves principal names as the spec writes them, in one search per batch.
    /// Returns, per name, its SID or why it could not be resolved.
    pub async fn resolve_principals(
        &mut self,
        conn: &mut Connection,
        names: &[String],
    ) -> Result<HashMap<String, Result<Sid, String>>, OpError> {
        let mut out = HashMap::new();
        let mut lookups: Vec<(String, Lookup)> = Vec::new();
        for name in names {
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
        for (name, lookup) in &lookups {
            let hit = found.iter().find(|a| lookup.matches(a, &self.dns_domain));
            out.insert(
                name.clone(),
                hit.map(|a| a.sid.clone()).ok_or_else(|| {
                    format!(
                        "no account, group or well-known principal `{name}` in {}",
                        self.netbios
                    )
                }),
            );
        }
        // Suggestions for the misses, from one ambiguous-name-resolution search.
        let misses: Vec<String> = lookups
            .iter()
            .filter(|(n, _)| out.get(n).is_some_and(|r| r.is_err()))
            .filter_map(|(_, l)| l.bare_name().map(|b| format!("(anr={})", ldap_escape(b))))
            .collect();
        if !misses.is_empty() {
            let near = self
                .search_accounts(conn, &misses)
                .await
                .unwrap_or_default();
            for (name, lookup) in &lookups {
                if let (Some(Err(msg)), Some(bare)) = (out.get_mut(name), lookup.bare_name()) {
                    let mut candidates: Vec<&str> = near.iter().map(|a| a.sam.as_str()).collect();
                    candidates.extend(WELL_KNOWN.iter().map(|(n, _)| *n));
                    if let Some(s) = suggest::closest(bare, candidates) {
                        let qualified = if WELL_KNOWN.iter().any(|(n, _)| *n == s) {
                            s.to_string()
                        } else {
                            format!("{}\\{s}", self.netbios)
                        };
                        msg.push_str(&format!("; did you mean `{qualified}`?"));
                    }
                }
            }
        }
        Ok(out)
    }

    fn parse_principal(&self, name: &str) -> Result<Lookup, String> {
        let name = name.trim();
        if name.starts_with("S-") || name.starts_with("s-") {
            return name.parse::<Sid>().map(Lookup::Sid).map_err(String::from);
        }
        if let Some(sid) = well_known(name) {
            return Ok(Lookup::WellKnown(sid));
        }
        if let Some((domain, account)) = name.split_once('\\') {
            if domain.eq_ignore_ascii_case(&self.netbios) || domain.eq_ignore_ascii_case("BUILTIN")
            {
                return Ok(Lookup::Sam(account.to_string()));
            }
            return Err(format!(
                "`{name}` names domain `{domain}`, but the connected domain is `{}` (or BUILTIN, NT AUTHORITY)",
                self.netbios
            ));
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
        let unknown: Vec<&Sid> = sids
            .iter()
            .filter(|s| !self.names.contains_key(*s) && well_known_name(s).is_none())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
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

fn well_known_name(sid: &Sid) -> Option<&'static str> {
    let text = sid.to_string();
    WELL_KNOWN.iter().find(|(_, s)| *s == text).map(|(n, _)| *n)
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
