//! The spec: what the user declares. Serde types that also derive a JSON Schema, so
//! `hybridctl schema` gives editors what they need to validate specs as users type.
//!
//! Secrets never live here: connections name the environment variable that holds them.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Address, Kind};

/// The only spec version this build reads.
pub const SPEC_VERSION: u32 = 1;

/// A hybridctl spec: connections, and the resources to keep as declared.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec format version; must be 1.
    pub version: u32,
    /// How to reach Active Directory and Microsoft Graph (each key overridable from the
    /// environment; secrets only by the name of the variable or file that holds them).
    #[serde(default)]
    pub connections: Connections,
    /// The resources to keep as declared; each has a `kind` and a `name` unique per kind.
    #[serde(default)]
    pub resources: Vec<Resource>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connections {
    /// Active Directory, over LDAPS or LDAP with StartTLS: one connection (the one named
    /// `default`), or several by name (`corp: {url: ...}`, `emea: {url: ...}`), one per domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad: Option<AdConnections>,
    /// Microsoft Graph, with an app registration's client credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<GraphConnection>,
}

/// An app registration that reads and writes the tenant's settings. Overridable from the
/// environment: `HYBRIDCTL_GRAPH_TENANT_ID`, `_CLIENT_ID`, `_CLIENT_SECRET`, `_ENDPOINT`,
/// `_TOKEN_URL`, `_CA_FILE`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphConnection {
    /// The tenant's id (a GUID) or a verified domain name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The app registration's application (client) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Name of the environment variable holding the client secret (default `HYBRIDCTL_GRAPH_CLIENT_SECRET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    /// Instead of a secret: the app's certificate (PEM), registered on the app registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_file: Option<PathBuf>,
    /// The certificate's RSA private key (PEM, PKCS#8 or PKCS#1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_file: Option<PathBuf>,
    /// `global` (default), `usgov`, `usgov-dod` or `china`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<Cloud>,
    /// PEM file of the CA(s) to trust for Graph's and the token endpoint's certificates
    /// (default: the system's roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Microsoft's global cloud.
    Global,
    /// US Government (GCC High).
    Usgov,
    /// US Government DoD.
    UsgovDod,
    /// Operated by 21Vianet in China.
    China,
}

/// How to reach a domain controller. Every field can be overridden from the environment
/// (`HYBRIDCTL_AD_URL`, `HYBRIDCTL_AD_USER`, `HYBRIDCTL_AD_PASSWORD`, `HYBRIDCTL_AD_CA_FILE`),
/// so one spec serves a lab and production.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdConnection {
    /// `ldaps://host[:port]`, or `ldap://host[:port]` together with `starttls: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The account to bind as: a UPN (`svc-hybridctl@corp.example.com`) or a DN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Name of the environment variable holding the password (default `HYBRIDCTL_AD_PASSWORD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// A file holding the password (for secrets mounted as files). Used when no variable is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// PEM file of the CA(s) to trust for the DC's certificate (default: the system's roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The naming context to work in (default: the rootDSE's defaultNamingContext).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_dn: Option<String>,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub starttls: bool,
    /// Do not verify the DC's certificate. For labs only; warned about on every run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_verify: bool,
    /// Where GPO files live: a UNC path (`\\\\dc01.corp.example.com\\SYSVOL`, reached over
    /// SMB3 with encryption) or a local or mounted folder (`/mnt/sysvol`).
    /// Default: the SYSVOL share of the LDAP URL's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysvol: Option<String>,
    /// How to authenticate: `password` (the default: a simple bind over TLS) or `kerberos`
    /// (SASL GSSAPI with signing and sealing, on `ldap://` port 389 or inside `ldaps://`;
    /// the same ticket reaches SYSVOL). Environment: `HYBRIDCTL_AD_AUTH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AdAuth>,
    /// Kerberos: a keytab holding the key of `principal`; hybridctl gets its own ticket
    /// into a private cache and renews it. Without it, the cache in `KRB5CCNAME` (from
    /// `kinit`) is used. Environment: `HYBRIDCTL_AD_KEYTAB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keytab_file: Option<PathBuf>,
    /// Kerberos: the principal whose key is in `keytab_file` (`svc-hybridctl@CORP.EXAMPLE.COM`).
    /// Environment: `HYBRIDCTL_AD_PRINCIPAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
}

/// How hybridctl proves who it is to the DC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdAuth {
    /// A simple bind with `user` and its password, only ever over TLS.
    #[default]
    Password,
    /// SASL GSSAPI (Kerberos) with a keytab or a ticket cache; no password anywhere.
    Kerberos,
}

/// `connections.ad`: one connection, or several by name. One connection is the one
/// named [`AdConnections::DEFAULT`], so a spec written for one domain reads as before.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AdConnections {
    One(AdConnection),
    Named(std::collections::BTreeMap<String, AdConnection>),
}

impl Default for AdConnections {
    fn default() -> AdConnections {
        AdConnections::One(AdConnection::default())
    }
}

impl AdConnections {
    /// The name of the single, unnamed connection (its environment variables are
    /// `HYBRIDCTL_AD_URL`, ... without a connection's name in them).
    pub const DEFAULT: &'static str = "default";

    /// Every connection with its name, in name order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&str, &AdConnection)> + '_> {
        match self {
            AdConnections::One(c) => Box::new(std::iter::once((AdConnections::DEFAULT, c))),
            AdConnections::Named(m) => Box::new(m.iter().map(|(k, v)| (k.as_str(), v))),
        }
    }

    pub fn names(&self) -> Vec<&str> {
        self.iter().map(|(n, _)| n).collect()
    }

    pub fn get(&self, name: &str) -> Option<&AdConnection> {
        self.iter().find(|(n, _)| *n == name).map(|(_, c)| c)
    }
}

/// The keys of one [`AdConnection`] (a unit test keeps this equal to its schema).
pub(crate) const AD_CONNECTION_FIELDS: &[&str] = &[
    "url",
    "user",
    "password_env",
    "password_file",
    "ca_file",
    "base_dn",
    "starttls",
    "insecure_skip_verify",
    "sysvol",
    "auth",
    "keytab_file",
    "principal",
];

/// One connection when the first key is one of a connection's (`url`, ...), else a map
/// of connections by name. Read straight from the YAML, never through a buffer, so a
/// mistake inside either form keeps its `line:column`, a key given twice is refused (a
/// `BTreeMap` would keep the last silently), and so is a connection named twice.
impl<'de> Deserialize<'de> for AdConnections {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<AdConnections, D::Error> {
        d.deserialize_map(AdConnectionsVisitor)
    }
}

struct AdConnectionsVisitor;

impl<'de> serde::de::Visitor<'de> for AdConnectionsVisitor {
    type Value = AdConnections;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("one connection (`url: ...`) or connections by name (`corp: {url: ...}`)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<AdConnections, A::Error> {
        use serde::de::value::MapAccessDeserializer;
        use serde::de::Error;
        let Some(first) = map.next_key::<String>()? else {
            return Ok(AdConnections::default());
        };
        if AD_CONNECTION_FIELDS.contains(&first.as_str()) {
            let rest = Replay {
                first: Some(first),
                map,
            };
            return AdConnection::deserialize(MapAccessDeserializer::new(rest))
                .map(AdConnections::One);
        }
        let mut named = std::collections::BTreeMap::new();
        let mut key = Some(first);
        while let Some(name) = key {
            if named.contains_key(&name) {
                return Err(A::Error::custom(format!(
                    "{} `{name}` in connections.ad (`{name}` came first)",
                    crate::load::unique::DUPLICATE
                )));
            }
            let connection = map.next_value_seed(NamedConnection {
                name: &name,
                first: named.is_empty(),
            })?;
            named.insert(name, connection);
            key = map.next_key()?;
        }
        Ok(AdConnections::Named(named))
    }
}

/// A map whose first key was already read: it is given again, then the rest.
struct Replay<A> {
    first: Option<String>,
    map: A,
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for Replay<A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        use serde::de::IntoDeserializer;
        match self.first.take() {
            Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// The settings of connection `name`. A bare value under the first key is the single
/// form with a misspelt key (`ulr: ldaps://...`), and is reported as such.
struct NamedConnection<'a> {
    name: &'a str,
    first: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for NamedConnection<'_> {
    type Value = AdConnection;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<AdConnection, D::Error> {
        d.deserialize_any(self)
    }
}

impl NamedConnection<'_> {
    fn not_settings<E: serde::de::Error>(&self) -> E {
        if self.first {
            E::unknown_field(self.name, AD_CONNECTION_FIELDS)
        } else {
            E::custom(format!(
                "connection `{}` must be a map of its settings (`{}: {{url: ...}}`; `{{}}` takes them all from the environment)",
                self.name, self.name
            ))
        }
    }
}

impl<'de> serde::de::Visitor<'de> for NamedConnection<'_> {
    type Value = AdConnection;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "the settings of connection `{}`", self.name)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<AdConnection, A::Error> {
        AdConnection::deserialize(serde::de::value::MapAccessDeserializer::new(map))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<AdConnection, E> {
        Err(self.not_settings())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<AdConnection, E> {
        Err(self.not_settings())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<AdConnection, E> {
        Err(self.not_settings())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<AdConnection, E> {
        Err(self.not_settings())
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<AdConnection, E> {
        Err(self.not_settings())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<AdConnection, E> {
        Err(self.not_settings())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<AdConnection, E> {
        Err(self.not_settings())
    }
}

impl JsonSchema for AdConnections {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AdConnections".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = g.subschema_for::<AdConnection>();
        schemars::json_schema!({
            "description": "One connection (named `default`), or several by name.",
            "anyOf": [
                one,
                {
                    "type": "object",
                    "description": "Connections by name; resources pick one with `connection: <name>`.",
                    "propertyNames": { "pattern": CONNECTION_NAME_PATTERN },
                    "additionalProperties": one
                }
            ]
        })
    }
}

/// Connection names: they become part of environment variable names
/// (`HYBRIDCTL_AD_<NAME>_URL`) and of addresses (`ad.acl.x@<name>`).
pub const CONNECTION_NAME_PATTERN: &str = "^[A-Za-z][A-Za-z0-9_-]*$";

/// Which AD connections a resource that can span domains applies to.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ConnectionSet {
    /// `all`: every connection of the spec.
    All(AllConnections),
    /// These connections, by name.
    Some(Vec<String>),
}

/// `all` or a list of names; anything else is named with both forms (an untagged enum
/// would say only "data did not match any variant").
impl<'de> Deserialize<'de> for ConnectionSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ConnectionSet, D::Error> {
        d.deserialize_any(ConnectionSetVisitor)
    }
}

struct ConnectionSetVisitor;

impl ConnectionSetVisitor {
    fn refuse<E: serde::de::Error>() -> E {
        E::custom(format!(
            "{} `connections` must be `all` or a list of connection names, e.g. [corp, emea]",
            crate::load::unique::BAD_VALUE
        ))
    }
}

impl<'de> serde::de::Visitor<'de> for ConnectionSetVisitor {
    type Value = ConnectionSet;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("`all` or a list of connection names")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ConnectionSet, E> {
        match v {
            "all" => Ok(ConnectionSet::All(AllConnections::All)),
            _ => Err(Self::refuse()),
        }
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<ConnectionSet, A::Error> {
        let mut names = Vec::new();
        while let Some(name) = seq
            .next_element::<String>()
            .map_err(|_: A::Error| Self::refuse())?
        {
            names.push(name);
        }
        Ok(ConnectionSet::Some(names))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<ConnectionSet, E> {
        Err(Self::refuse())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<ConnectionSet, E> {
        Err(Self::refuse())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<ConnectionSet, E> {
        Err(Self::refuse())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<ConnectionSet, E> {
        Err(Self::refuse())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<ConnectionSet, E> {
        Err(Self::refuse())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<ConnectionSet, A::Error> {
        Err(Self::refuse())
    }
}

/// The word `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AllConnections {
    /// Every connection under `connections.ad`.
    All,
}

/// One managed thing. `kind` picks the provider; `name` makes the address `<kind>.<name>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind")]
pub enum Resource {
    /// Access control entries on one Active Directory object.
    #[serde(rename = "ad.acl")]
    AdAcl(AdAcl),
    /// Security settings (password and lockout policy, any GptTmpl.inf key) of one GPO.
    #[serde(rename = "gpo.security")]
    GpoSecurity(GpoSecurity),
    /// The password and lockout policy on the domain head, as `samba-tool domain
    /// passwordsettings` sets it. On Windows DCs the GPO linked at the domain root wins.
    #[serde(rename = "ad.password_policy")]
    AdPasswordPolicy(AdPasswordPolicy),
    /// A check that never writes: does a principal effectively hold rights (password
    /// writeback's) on every object in scope, and is each user's effective minimum
    /// password age as wanted? Fails `drift` (exit 2) and `apply`'s verification when not.
    #[serde(rename = "ad.effective_access")]
    AdEffectiveAccess(AdEffectiveAccess),
    /// A licence check: passes when an enabled SKU carries one of the service plans. Never writes.
    #[serde(rename = "graph.license")]
    GraphLicense(GraphLicense),
    /// The tenant's authorization policy (`/policies/authorizationPolicy`).
    #[serde(rename = "graph.authorization_policy")]
    GraphAuthorizationPolicy(GraphAuthorizationPolicy),
    /// Directory synchronization settings (`/directory/onPremisesSynchronization`).
    #[serde(rename = "graph.directory_sync")]
    GraphDirectorySync(GraphDirectorySync),
    /// The AD DS connector account's permissions for the Entra Connect features named,
    /// as Microsoft's ADSyncConfig cmdlets grant them.
    #[serde(rename = "entra_connect.permissions")]
    EntraConnectPermissions(EntraConnectPermissions),
    /// Steps no public API exposes: listed in every plan, apply and drift, never verified.
    #[serde(rename = "manual")]
    Manual(Manual),
}

impl Resource {
    pub fn kind(&self) -> Kind {
        match self {
            Resource::AdAcl(_) => Kind::AdAcl,
            Resource::GpoSecurity(_) => Kind::GpoSecurity,
            Resource::AdPasswordPolicy(_) => Kind::AdPasswordPolicy,
            Resource::AdEffectiveAccess(_) => Kind::AdEffectiveAccess,
            Resource::GraphLicense(_) => Kind::GraphLicense,
            Resource::GraphAuthorizationPolicy(_) => Kind::GraphAuthorizationPolicy,
            Resource::GraphDirectorySync(_) => Kind::GraphDirectorySync,
            Resource::EntraConnectPermissions(_) => Kind::EntraConnectPermissions,
            Resource::Manual(_) => Kind::Manual,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Resource::AdAcl(r) => &r.name,
            Resource::GpoSecurity(r) => &r.name,
            Resource::AdPasswordPolicy(r) => &r.name,
            Resource::AdEffectiveAccess(r) => &r.name,
            Resource::GraphLicense(r) => &r.name,
            Resource::GraphAuthorizationPolicy(r) => &r.name,
            Resource::GraphDirectorySync(r) => &r.name,
            Resource::EntraConnectPermissions(r) => &r.name,
            Resource::Manual(r) => &r.name,
        }
    }

    /// `<kind>.<name>`, and `@<connection>` when the resource names its connection (after
    /// [`crate::connection::expand`], only in a spec with several).
    pub fn address(&self) -> Address {
        Address::new(self.kind(), self.name()).with_connection(self.connection())
    }

    /// Whether the kind acts on an AD domain, and so has a `connection` field.
    pub fn takes_connection(&self) -> bool {
        self.connection_field().is_some()
    }

    fn connection_field(&self) -> Option<&Option<String>> {
        match self {
            Resource::AdAcl(r) => Some(&r.connection),
            Resource::GpoSecurity(r) => Some(&r.connection),
            Resource::AdPasswordPolicy(r) => Some(&r.connection),
            Resource::AdEffectiveAccess(r) => Some(&r.connection),
            Resource::EntraConnectPermissions(r) => Some(&r.connection),
            Resource::GraphLicense(_)
            | Resource::GraphAuthorizationPolicy(_)
            | Resource::GraphDirectorySync(_)
            | Resource::Manual(_) => None,
        }
    }

    /// The AD connection named by `connection:`; `None` for kinds that use none.
    pub fn connection(&self) -> Option<&str> {
        self.connection_field().and_then(|c| c.as_deref())
    }

    /// The `connection` field of kinds that act on an AD domain.
    pub fn connection_mut(&mut self) -> Option<&mut Option<String>> {
        match self {
            Resource::AdAcl(r) => Some(&mut r.connection),
            Resource::GpoSecurity(r) => Some(&mut r.connection),
            Resource::AdPasswordPolicy(r) => Some(&mut r.connection),
            Resource::AdEffectiveAccess(r) => Some(&mut r.connection),
            Resource::EntraConnectPermissions(r) => Some(&mut r.connection),
            Resource::GraphLicense(_)
            | Resource::GraphAuthorizationPolicy(_)
            | Resource::GraphDirectorySync(_)
            | Resource::Manual(_) => None,
        }
    }

    /// The `connections` field of kinds that can span several domains.
    pub fn connections_mut(&mut self) -> Option<&mut Option<ConnectionSet>> {
        match self {
            Resource::AdEffectiveAccess(r) => Some(&mut r.connections),
            Resource::EntraConnectPermissions(r) => Some(&mut r.connections),
            _ => None,
        }
    }

    pub fn connections(&self) -> Option<&ConnectionSet> {
        match self {
            Resource::AdEffectiveAccess(r) => r.connections.as_ref(),
            Resource::EntraConnectPermissions(r) => r.connections.as_ref(),
            _ => None,
        }
    }
}

/// ACEs ensured present (or absent) on one directory object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdAcl {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// The object's DN. `{domain}` stands for the domain root: `OU=Staff,{domain}`.
    pub object: String,
    /// Own every explicit ACE of the principals named here: others of theirs are removed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authoritative: bool,
    /// ADUC's "Disable inheritance": `disabled` protects the DACL, and the inherited ACEs
    /// go away (they are NOT copied as explicit ACEs; the plan lists each). Unset: left as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inheritance: Option<Inheritance>,
    /// The entries to keep as declared.
    pub aces: Vec<AceSpec>,
    /// The AD connection (a name under `connections.ad`); may be left out when the spec has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
}

/// Whether an object inherits ACEs from its parent (the DACL's protected flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Inheritance {
    /// The object inherits its parent's inheritable ACEs.
    Enabled,
    /// The DACL is protected: nothing is inherited.
    Disabled,
}

/// One permission entry, in the words of ADUC's Advanced Security Settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AceSpec {
    /// `DOMAIN\sam`, a UPN, a SID, or a well-known name such as `Authenticated Users`.
    pub principal: String,
    /// Rights to allow, e.g. `Reset password`, `Write pwdLastSet`, `Full control`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// Rights to deny, in the same words as `allow`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
    /// `This object only`, `This object and all descendant objects`, `All descendant objects`,
    /// or `Descendant <class> objects` (e.g. `Descendant User objects`).
    pub applies_to: AppliesTo,
    /// `present` (default) to add the ACE when it is missing, `absent` to remove it.
    #[serde(default, skip_serializing_if = "Ensure::is_present")]
    pub ensure: Ensure,
}

/// Where an ACE applies, in the words of ADUC's "Applies to", as written in the spec.
/// Any text reads; `validate` refuses one that is not a form (see [`AppliesTo::form`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct AppliesTo(String);

/// The forms of [`AppliesTo`], with ADUC's spelling; any case and spacing reads.
pub const APPLIES_TO_FORMS: &[&str] = &[
    "This object only",
    "This object and all descendant objects",
    "All descendant objects",
    "This object and child objects",
    "Child objects only",
];

/// The `Descendant <class> objects` form, for the schema (any case reads).
const DESCENDANT_CLASS_PATTERN: &str = "^[Dd]escendant\\s+\\S.*\\s+[Oo]bjects$";

impl AppliesTo {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the text is one of the forms: one of [`APPLIES_TO_FORMS`] or
    /// `Descendant <class> objects` (the class is checked against the directory later).
    pub fn is_known_form(&self) -> bool {
        self.form().is_some()
    }

    /// The form the text names, in any case and spacing; `None` when it is none of them.
    /// The one reader of these words: validation and the AD provider both use it.
    pub fn form(&self) -> Option<AppliesToForm> {
        let words: Vec<&str> = self.0.split_whitespace().collect();
        let joined = words.join(" ");
        let fixed = [
            AppliesToForm::ThisObjectOnly,
            AppliesToForm::ThisObjectAndDescendants,
            AppliesToForm::AllDescendants,
            AppliesToForm::ThisObjectAndChildren,
            AppliesToForm::ChildObjectsOnly,
        ];
        if let Some(i) = APPLIES_TO_FORMS
            .iter()
            .position(|f| f.eq_ignore_ascii_case(&joined))
        {
            return Some(fixed[i].clone());
        }
        // `Descendant <class> objects`: compared word by word, so the class keeps the
        // user's spelling and no offset of a lower-cased copy ever slices the original.
        match words.as_slice() {
            [first, class @ .., last]
                if !class.is_empty()
                    && first.eq_ignore_ascii_case("descendant")
                    && last.eq_ignore_ascii_case("objects") =>
            {
                Some(AppliesToForm::DescendantsOfClass(class.join(" ")))
            }
            _ => None,
        }
    }
}

/// The forms of ADUC's "Applies to" that hybridctl writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppliesToForm {
    ThisObjectOnly,
    ThisObjectAndDescendants,
    AllDescendants,
    /// `Descendant <class> objects`: the class as the user wrote it.
    DescendantsOfClass(String),
    ThisObjectAndChildren,
    ChildObjectsOnly,
}

impl From<String> for AppliesTo {
    fn from(s: String) -> AppliesTo {
        AppliesTo(s)
    }
}

impl From<&str> for AppliesTo {
    fn from(s: &str) -> AppliesTo {
        AppliesTo(s.to_string())
    }
}

impl From<AppliesTo> for String {
    fn from(a: AppliesTo) -> String {
        a.0
    }
}

/// The provider parses the words; it reads an `AppliesTo` as the text the user wrote.
impl std::ops::Deref for AppliesTo {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AppliesTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl JsonSchema for AppliesTo {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AppliesTo".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Where the ACE applies, as ADUC's \"Applies to\" says it.",
            "oneOf": [
                { "type": "string", "enum": APPLIES_TO_FORMS },
                {
                    "type": "string",
                    "pattern": DESCENDANT_CLASS_PATTERN,
                    "description": "`Descendant <class> objects`, e.g. `Descendant User objects`"
                }
            ]
        })
    }
}

/// The rights a principal must effectively hold on every object in scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdEffectiveAccess {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Whose access is checked: `DOMAIN\sam`, a UPN or a SID (e.g. the sync connector account).
    pub principal: String,
    /// Rights in `ad.acl`'s words, e.g. `Reset password`, `Write pwdLastSet`, `Write lockoutTime`.
    pub rights: Vec<String>,
    /// Which objects are checked.
    pub scope: EffectiveAccessScope,
    /// Days: each user's effective minimum password age (its resultant PSO's, else the
    /// domain's) must not be above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_password_age: Option<u32>,
    /// DNs of objects (or of groups whose members are) accepted as exceptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_unreachable: Vec<String>,
    /// The AD connection (a name under `connections.ad`); may be left out when the spec has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Instead of `connection`: `all`, or a list of connection names; the resource is
    /// planned once per domain (its address gets `@<connection>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<ConnectionSet>,
}

/// Objects under one or more bases that match an LDAP filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EffectiveAccessScope {
    /// One DN or a list (the sync scope). `{domain}` stands for the domain root.
    pub base: OneOrMore,
    /// LDAP filter (default `(&(objectCategory=person)(objectClass=user))`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// The filter `scope.filter` defaults to: user accounts.
pub const DEFAULT_SCOPE_FILTER: &str = "(&(objectCategory=person)(objectClass=user))";

impl EffectiveAccessScope {
    pub fn filter(&self) -> &str {
        self.filter.as_deref().unwrap_or(DEFAULT_SCOPE_FILTER)
    }
}

/// One string, or a list of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMore {
    One(String),
    More(Vec<String>),
}

impl OneOrMore {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMore::One(s) => std::slice::from_ref(s),
            OneOrMore::More(v) => v,
        }
    }
}

/// Whether an ACE must be there or must not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ensure {
    /// The ACE is added when missing.
    #[default]
    Present,
    /// The ACE is removed when found.
    Absent,
}

impl Ensure {
    pub fn is_present(&self) -> bool {
        *self == Ensure::Present
    }
}

/// Security settings of one GPO, kept in its `GptTmpl.inf`. Only the keys named are
/// managed; every other line of the file is kept as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GpoSecurity {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// The GPO's display name (`Default Domain Policy`) or its `{GUID}`.
    pub gpo: String,
    /// GPMC's Password Policy settings to keep in the GPO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// GPMC's Account Lockout Policy settings to keep in the GPO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_lockout_policy: Option<AccountLockoutPolicy>,
    /// Any other GptTmpl.inf key, by section: `{"System Access": {LSAAnonymousNameLookup: 0}}`.
    /// Not a key `password_policy` or `account_lockout_policy` already names.
    #[serde(
        default,
        deserialize_with = "crate::load::unique::template",
        skip_serializing_if = "std::collections::BTreeMap::is_empty"
    )]
    pub template: std::collections::BTreeMap<String, TemplateSection>,
    /// The AD connection (a name under `connections.ad`); may be left out when the spec has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
}

/// A section of `template`: its keys. A bare value here is a key given without its
/// section, which validation explains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TemplateSection {
    /// Keys of the section and their values.
    Keys(std::collections::BTreeMap<String, TemplateValue>),
    #[schemars(skip)]
    Misplaced(TemplateValue),
}

/// A GptTmpl.inf value: written as it is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TemplateValue {
    /// Written as the number.
    Number(i64),
    /// Written as 1 or 0.
    Bool(bool),
    /// Written as it is; put it in double quotes when it holds `;`.
    Text(String),
}

impl std::fmt::Display for TemplateValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateValue::Number(n) => write!(f, "{n}"),
            TemplateValue::Bool(b) => write!(f, "{}", u8::from(*b)),
            TemplateValue::Text(t) => f.write_str(t),
        }
    }
}

/// The domain head's password and lockout policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdPasswordPolicy {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// GPMC's Password Policy settings to keep on the domain head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// GPMC's Account Lockout Policy settings to keep on the domain head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_lockout_policy: Option<AccountLockoutPolicy>,
    /// The AD connection (a name under `connections.ad`); may be left out when the spec has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
}

/// GPMC's Password Policy, in GPMC's names and units. Unset keys are not managed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Days, 0-998.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_password_age: Option<u32>,
    /// Days, 1-999, or `never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_password_age: Option<Interval>,
    /// Characters, 0-14.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_password_length: Option<u32>,
    /// Passwords remembered, 0-24.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_password_history: Option<u32>,
    /// Password must meet complexity requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_must_meet_complexity_requirements: Option<bool>,
    /// Store passwords using reversible encryption (leave off unless an application needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_passwords_using_reversible_encryption: Option<bool>,
}

/// GPMC's Account Lockout Policy, in GPMC's names and units.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountLockoutPolicy {
    /// Invalid logon attempts, 0-999 (0: never lock out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_lockout_threshold: Option<u32>,
    /// Minutes, 1-99999, or `never` (locked until an administrator unlocks the account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_lockout_duration: Option<Interval>,
    /// Minutes, 1-99999.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_account_lockout_counter_after: Option<u32>,
}

/// A number of days or minutes, or `never`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Interval {
    /// A number of days or minutes.
    Count(u32),
    /// `never`.
    Never(Never),
}

/// The word `never`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Never {
    /// No limit.
    Never,
}

/// A licence check on the tenant's subscriptions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphLicense {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Service plans by name (`AAD_PREMIUM`) or id; any one of them, enabled, with units left, passes.
    pub require_service_plans: Vec<String>,
}

/// Properties of the authorization policy hybridctl manages; unset ones are left alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphAuthorizationPolicy {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Whether users can use self-service password reset (`allowedToUseSSPR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_to_use_sspr: Option<bool>,
    /// `allowEmailVerifiedUsersToJoinOrganization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_email_verified_users_to_join_organization: Option<bool>,
    /// `allowedToSignUpEmailBasedSubscriptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_to_sign_up_email_based_subscriptions: Option<bool>,
    /// `blockMsolPowerShell`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_msol_power_shell: Option<bool>,
}

/// The tenant's directory synchronization settings (Entra Connect / Cloud Sync).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphDirectorySync {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// `onPremisesDirectorySynchronizationFeature` properties by Graph's names, e.g. `blockSoftMatchEnabled: true`.
    #[serde(
        default,
        deserialize_with = "crate::load::unique::features",
        skip_serializing_if = "std::collections::BTreeMap::is_empty"
    )]
    #[schemars(schema_with = "features_schema")]
    pub features: std::collections::BTreeMap<String, bool>,
    /// Stop an export that would delete more objects than the threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accidental_deletion_prevention: Option<AccidentalDeletionPrevention>,
}

/// `onPremisesDirectorySynchronizationFeature` properties, from Microsoft's schema.
pub const SYNC_FEATURES: &[&str] = &[
    "allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled",
    "blockCloudObjectTakeoverThroughHardMatchEnabled",
    "blockSoftMatchEnabled",
    "bypassDirSyncOverridesEnabled",
    "cloudPasswordPolicyForPasswordSyncedUsersEnabled",
    "concurrentCredentialUpdateEnabled",
    "concurrentOrgIdProvisioningEnabled",
    "deviceWritebackEnabled",
    "directoryExtensionsEnabled",
    "fopeConflictResolutionEnabled",
    "groupWriteBackEnabled",
    "passwordSyncEnabled",
    "passwordWritebackEnabled",
    "quarantineUponProxyAddressesConflictEnabled",
    "quarantineUponUpnConflictEnabled",
    "softMatchOnUpnEnabled",
    "synchronizeUpnForManagedUsersEnabled",
    "unifiedGroupWritebackEnabled",
    "userForcePasswordChangeOnLogonEnabled",
    "userWritebackEnabled",
];

/// Features Microsoft documents as "not in use" and not updatable: refused by `validate`.
pub const SYNC_FEATURES_NOT_UPDATABLE: &[&str] = &["passwordWritebackEnabled"];

fn features_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = SYNC_FEATURES
        .iter()
        .copied()
        .filter(|f| !SYNC_FEATURES_NOT_UPDATABLE.contains(f))
        .collect();
    schemars::json_schema!({
        "type": "object",
        "propertyNames": { "enum": names },
        "additionalProperties": { "type": "boolean" }
    })
}

/// `accidentalDeletionPrevention` of the synchronization configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccidentalDeletionPrevention {
    /// `disabled`, `enabledForCount` or `enabledForPercentage`.
    #[serde(rename = "type")]
    pub kind: PreventionType,
    /// Deletions (or percent, 1-100) per sync run that stop the export; required unless
    /// `type` is `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
}

/// Graph's `onPremisesDirectorySynchronizationDeletionPreventionType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PreventionType {
    /// No limit on deletions.
    Disabled,
    /// `threshold` is a number of objects.
    EnabledForCount,
    /// `threshold` is a percentage of the synchronized objects.
    EnabledForPercentage,
}

/// The AD DS connector account's permissions, by Entra Connect feature. Manages only
/// this account's explicit ACEs on the objects it names (see the README).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntraConnectPermissions {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// The AD DS connector account: `DOMAIN\sam` (`CORP\MSOL_817b9d8947c2`), a UPN or a SID.
    pub account: String,
    /// The features to grant permissions for; the account's ACEs for any other are removed.
    #[serde(default)]
    pub features: Vec<ConnectFeature>,
    /// Password writeback as `Set-ADSyncPasswordWritebackPermissions` grants it (`module`)
    /// or as the SSPR tutorial lists it (`tutorial`, the default: adds Change password and
    /// Unexpire Password).
    #[serde(default)]
    pub password_writeback_profile: WritebackProfile,
    /// The objects to grant on, as the cmdlets' `-ADobjectDN` (default `["{domain}"]`).
    /// Replication rights and Unexpire Password always go on the domain root.
    #[serde(default = "default_scope")]
    pub scope: Vec<String>,
    /// Also grant on `CN=AdminSDHolder,CN=System,{domain}`, as `-IncludeAdminSdHolders`
    /// does (not recommended by Microsoft since Connect 2.0.3.0).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin_sd_holder: bool,
    /// Harden the account object as `Set-ADSyncRestrictedPermissions` does: inheritance
    /// disabled and a fixed list of six ACEs (SELF's ACEs are kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restrict_account: bool,
    /// The AD connection (a name under `connections.ad`); may be left out when the spec has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Instead of `connection`: `all`, or a list of connection names; the resource is
    /// planned once per domain (its address gets `@<connection>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<ConnectionSet>,
}

fn default_scope() -> Vec<String> {
    vec!["{domain}".to_string()]
}

/// An Entra Connect feature, named after the ADSyncConfig cmdlet that grants its permissions.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ConnectFeature {
    /// `Set-ADSyncBasicReadPermissions`.
    BasicRead,
    /// `Set-ADSyncPasswordHashSyncPermissions`.
    PasswordHashSync,
    /// `Set-ADSyncMsDsConsistencyGuidPermissions`.
    MsDsConsistencyGuid,
    /// `Set-ADSyncPasswordWritebackPermissions` (see `password_writeback_profile`).
    PasswordWriteback,
    /// `Set-ADSyncUnifiedGroupWritebackPermissions`.
    UnifiedGroupWriteback,
    /// `Set-ADSyncExchangeHybridPermissions`.
    ExchangeHybrid,
    /// `Set-ADSyncExchangeMailPublicFolderPermissions` (needs the Exchange schema).
    ExchangeMailPublicFolder,
}

impl ConnectFeature {
    pub const ALL: &'static [ConnectFeature] = &[
        ConnectFeature::BasicRead,
        ConnectFeature::PasswordHashSync,
        ConnectFeature::MsDsConsistencyGuid,
        ConnectFeature::PasswordWriteback,
        ConnectFeature::UnifiedGroupWriteback,
        ConnectFeature::ExchangeHybrid,
        ConnectFeature::ExchangeMailPublicFolder,
    ];

    /// The feature as specs spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConnectFeature::BasicRead => "basic_read",
            ConnectFeature::PasswordHashSync => "password_hash_sync",
            ConnectFeature::MsDsConsistencyGuid => "ms_ds_consistency_guid",
            ConnectFeature::PasswordWriteback => "password_writeback",
            ConnectFeature::UnifiedGroupWriteback => "unified_group_writeback",
            ConnectFeature::ExchangeHybrid => "exchange_hybrid",
            ConnectFeature::ExchangeMailPublicFolder => "exchange_mail_public_folder",
        }
    }
}

impl std::fmt::Display for ConnectFeature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of Microsoft's two password writeback lists to grant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WritebackProfile {
    /// `Set-ADSyncPasswordWritebackPermissions`: Reset password, Write lockoutTime, Write pwdLastSet.
    Module,
    /// The SSPR writeback tutorial: the module's three, Change password, and Unexpire Password on the domain root.
    #[default]
    Tutorial,
}

impl WritebackProfile {
    pub const fn as_str(self) -> &'static str {
        match self {
            WritebackProfile::Module => "module",
            WritebackProfile::Tutorial => "tutorial",
        }
    }
}

/// Steps an admin must do by hand; hybridctl lists them and never claims they are done.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manual {
    /// Unique among resources of this kind; letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// What to do, one step per entry, as the admin should read it.
    pub steps: Vec<String>,
}

/// The JSON Schema of the spec, for editors and `hybridctl schema`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Spec)).expect("schema serializes")
}

#[cfg(test)]
mod applies_to_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms_in_any_case_and_spacing() {
        let form = |s: &str| AppliesTo::from(s).form();
        assert_eq!(
            form(" this  OBJECT only "),
            Some(AppliesToForm::ThisObjectOnly)
        );
        assert_eq!(
            form("Descendant  inetOrgPerson objects"),
            Some(AppliesToForm::DescendantsOfClass("inetOrgPerson".into()))
        );
        assert_eq!(
            form("descendant Organizational Unit OBJECTS"),
            Some(AppliesToForm::DescendantsOfClass(
                "Organizational Unit".into()
            ))
        );
        assert_eq!(form("Descendant objects"), None);
        assert_eq!(form("Sideways"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Lower-casing can change a string's byte length (`ẞ` -> `ß`); reading the form
        /// of any Unicode text never panics, and a class keeps the user's spelling.
        #[test]
        fn any_unicode_text_is_read_without_panicking(class in "\\PC{1,12}", pad in "[ \\t]{0,3}") {
            let text = format!("{pad}DESCENDANT ẞ{class} Objects{pad}");
            if let Some(AppliesToForm::DescendantsOfClass(c)) = AppliesTo::from(text.as_str()).form() {
                prop_assert!(c.starts_with('ẞ'));
            }
            let _ = AppliesTo::from(class.as_str()).form();
        }
    }
}
