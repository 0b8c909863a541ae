//! One TLS-protected LDAP connection per run: bind, paged searches, DACL reads and writes.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use ldap3::controls::RawControl;
use ldap3::{
    adapters::PagedResults, Ldap, LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope,
    SearchEntry,
};

use super::kerberos::KerberosError;
use super::settings::{AdSettings, Auth, Transport};
use crate::tls::TlsError;

/// Never ask a DC for more than this per page: AD caps unpaged results at 1000.
pub const PAGE_SIZE: i32 = 500;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const OP_TIMEOUT: Duration = Duration::from_secs(60);

/// LDAP_SERVER_SD_FLAGS_OID with DACL_SECURITY_INFORMATION: read and write the DACL
/// only, so owner, group and SACL are never touched (and need no extra privilege).
fn sd_flags_dacl() -> RawControl {
    // BER: SEQUENCE { INTEGER 4 }
    RawControl {
        ctype: "1.2.840.113556.1.4.801".into(),
        crit: true,
        val: Some(vec![0x30, 0x03, 0x02, 0x01, 0x04]),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot use the CA file {path}: {source}")]
    CaFile { path: String, source: TlsError },
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: LdapError },
    #[error("the DC rejected the credentials of {user} (LDAP result {rc}: {text})")]
    Bind { user: String, rc: u32, text: String },
    #[error("cannot read the rootDSE of {url}: {source}")]
    RootDse { url: String, source: LdapError },
    #[error("Kerberos bind to {url} as {identity} failed: {source}")]
    Kerberos {
        url: String,
        identity: String,
        source: KerberosError,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("search under {base} failed: {source}")]
    Search { base: String, source: LdapError },
    #[error("writing the DACL of {dn} failed: {source}")]
    WriteDacl { dn: String, source: LdapError },
    #[error("modifying {dn} failed: {source}")]
    Modify { dn: String, source: LdapError },
}

/// LDAP result codes (RFC 4511) hybridctl reacts to.
pub mod result_code {
    pub const INSUFFICIENT_ACCESS_RIGHTS: u32 = 50;
    pub const NO_SUCH_OBJECT: u32 = 32;
    pub const CONSTRAINT_VIOLATION: u32 = 19;
    pub const UNWILLING_TO_PERFORM: u32 = 53;
}

impl OpError {
    /// The LDAP result code the server answered with, when it answered.
    pub fn result_code(&self) -> Option<u32> {
        let (OpError::Search { source, .. }
        | OpError::WriteDacl { source, .. }
        | OpError::Modify { source, .. }) = self;
        match source {
            LdapError::LdapResult { result } => Some(result.rc),
            _ => None,
        }
    }
}

impl OpError {
    /// The filter was refused: unparsable here, or a protocol error from the server.
    pub fn is_bad_filter(&self) -> bool {
        match self {
            OpError::Search { source, .. } => {
                matches!(source, LdapError::FilterParsing)
                    || matches!(source, LdapError::LdapResult { result } if result.rc == 2)
            }
            _ => false,
        }
    }
}

/// Naming contexts from the rootDSE.
#[derive(Clone, Debug)]
pub struct RootDse {
    pub default_nc: String,
    pub config_nc: String,
    pub schema_nc: String,
}

pub struct Connection {
    ldap: Ldap,
    pub root: RootDse,
}

impl Connection {
    pub async fn open(s: &AdSettings) -> Result<Connection, ConnectError> {
        let mut settings = LdapConnSettings::new().set_conn_timeout(CONNECT_TIMEOUT);
        if s.transport == Transport::StartTls {
            settings = settings.set_starttls(true);
        }
        if s.insecure_skip_verify {
            settings = settings.set_no_tls_verify(true);
        } else if let Some(ca) = &s.ca_file {
            let config =
                crate::tls::client_config(Some(ca)).map_err(|source| ConnectError::CaFile {
                    path: ca.display().to_string(),
                    source,
                })?;
            settings = settings.set_config(Arc::new(config));
        }
        // Our own socket, with TCP_NODELAY (see socket.rs).
        let stream = super::socket::connect(&s.url, CONNECT_TIMEOUT)
            .await
            .map_err(|source| ConnectError::Connect {
                url: s.url.clone(),
                source: source.into(),
            })?;
        if let Some(stream) = stream {
            settings = settings.set_std_stream(stream);
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &s.url)
            .await
            .map_err(|source| ConnectError::Connect {
                url: s.url.clone(),
                source,
            })?;
        let url = s.url.clone();
        tokio::spawn(async move {
            // ldap3's own `drive!` logs this through `log`, which hybridctl does not print;
            // the operation waiting on the connection only learns "end of stream".
            if let Err(e) = conn.drive().await {
                tracing::warn!(url = %url, "the LDAP connection ended: {e}");
            }
        });
        ldap.with_timeout(OP_TIMEOUT);
        if let Auth::Kerberos(k) = &s.auth {
            // Never a fallback to the simple bind: a failure here ends the run.
            super::kerberos::bind(&mut ldap, k)
                .await
                .map_err(|source| ConnectError::Kerberos {
                    url: s.url.clone(),
                    identity: k.identity(),
                    source,
                })?;
            return finish_open(ldap, s).await;
        }
        let bind = ldap.simple_bind(&s.user, s.password.expose()).await;
        match bind.and_then(|r| r.success()) {
            Ok(_) => {}
            Err(LdapError::LdapResult { result }) => {
                return Err(ConnectError::Bind {
                    user: s.user.clone(),
                    rc: result.rc,
                    text: result.text.trim_end_matches('\0').trim().to_string(),
                })
            }
            Err(source) => {
                return Err(ConnectError::Connect {
                    url: s.url.clone(),
                    source,
                })
            }
        }
        finish_open(ldap, s).await
    }
}

/// After the bind: the naming contexts every provider needs.
async fn finish_open(mut ldap: Ldap, s: &AdSettings) -> Result<Connection, ConnectError> {
    let root = read_root_dse(&mut ldap)
        .await
        .map_err(|source| ConnectError::RootDse {
            url: s.url.clone(),
            source,
        })?;
    tracing::debug!(url = %s.url, user = %s.user, default_nc = %root.default_nc, "bound to AD");
    Ok(Connection { ldap, root })
}

impl Connection {
    /// A paged subtree (or other scope) search; returns every entry.
    pub async fn search(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<SearchEntry>, OpError> {
        self.search_with(base, scope, filter, attrs, vec![]).await
    }

    async fn search_with(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        controls: Vec<RawControl>,
    ) -> Result<Vec<SearchEntry>, OpError> {
        let mut out = Vec::new();
        self.search_each(base, scope, filter, attrs, controls, |e| out.push(e))
            .await
            .map(|()| out)
    }

    /// One paged search, handing each entry to `each` as it arrives: what the caller keeps
    /// of an entry is all that stays in memory.
    async fn search_each(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        controls: Vec<RawControl>,
        mut each: impl FnMut(SearchEntry),
    ) -> Result<(), OpError> {
        let err = |source| OpError::Search {
            base: base.to_string(),
            source,
        };
        let attrs: Vec<String> = attrs.iter().map(|a| a.to_string()).collect();
        let mut stream = self
            .ldap
            .with_controls(controls)
            .streaming_search_with(PagedResults::new(PAGE_SIZE), base, scope, filter, attrs)
            .await
            .map_err(err)?;
        let mut entries = 0;
        while let Some(entry) = stream.next().await.map_err(err)? {
            // Continuation references point at other partitions; we never chase them.
            if entry.is_ref() || entry.is_intermediate() {
                continue;
            }
            entries += 1;
            each(SearchEntry::construct(entry));
        }
        stream.finish().await.success().map_err(err)?;
        tracing::debug!(base, filter_len = filter.len(), entries, "search");
        Ok(())
    }

    /// The DACL-only security descriptors of entries matching `filter` under `base`.
    pub async fn read_dacls(
        &mut self,
        base: &str,
        filter: &str,
    ) -> Result<Vec<SearchEntry>, OpError> {
        self.search_with(
            base,
            Scope::Subtree,
            filter,
            &["nTSecurityDescriptor"],
            vec![sd_flags_dacl()],
        )
        .await
    }

    /// The DACL-only security descriptors of the entries matching `filter` under `base`, in
    /// one search without the paged-results control: for filters that match few entries (a
    /// batch of DNs), where Samba's paging costs more than the search (2.5x for batches of
    /// 100 DNs on the lab). A DC asked for more than its MaxPageSize answers with an error,
    /// never a short list.
    pub async fn read_dacls_unpaged(
        &mut self,
        base: &str,
        filter: &str,
    ) -> Result<Vec<SearchEntry>, OpError> {
        unpaged_dacls(&mut self.ldap, base, filter).await
    }

    /// [`Connection::read_dacls_unpaged`] as a task of its own on this same connection, so
    /// several searches can be in flight at once (LDAP message IDs keep the answers apart):
    /// the DC works on the next batch while this side decodes the last.
    pub fn spawn_read_dacls_unpaged(
        &self,
        base: &str,
        filter: &str,
    ) -> tokio::task::JoinHandle<Result<Vec<SearchEntry>, OpError>> {
        let mut ldap = self.ldap.clone();
        let (base, filter) = (base.to_string(), filter.to_string());
        tokio::spawn(async move { unpaged_dacls(&mut ldap, &base, &filter).await })
    }

    /// Replaces attribute values of `dn` in one modify.
    pub async fn replace(&mut self, dn: &str, values: &[(&str, String)]) -> Result<(), OpError> {
        let mods = values
            .iter()
            .map(|(a, v)| {
                Mod::Replace(
                    a.as_bytes().to_vec(),
                    HashSet::from([v.as_bytes().to_vec()]),
                )
            })
            .collect();
        self.ldap
            .modify(dn, mods)
            .await
            .and_then(|r| r.success())
            .map_err(|source| OpError::Modify {
                dn: dn.to_string(),
                source,
            })?;
        Ok(())
    }

    /// A paged search that also reads each entry's DACL-only `nTSecurityDescriptor`,
    /// handing each entry to `each` as it arrives: for scopes of any size.
    pub async fn search_with_dacl(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        each: impl FnMut(SearchEntry),
    ) -> Result<(), OpError> {
        let mut attrs = attrs.to_vec();
        attrs.push("nTSecurityDescriptor");
        self.search_each(base, scope, filter, &attrs, vec![sd_flags_dacl()], each)
            .await
    }

    /// The DACL-only security descriptor of the one object `dn`.
    pub async fn read_dacl_of(&mut self, dn: &str) -> Result<Vec<SearchEntry>, OpError> {
        self.search_with(
            dn,
            Scope::Base,
            "(objectClass=*)",
            &["nTSecurityDescriptor"],
            vec![sd_flags_dacl()],
        )
        .await
    }

    /// Replaces the DACL of `dn` (and only the DACL) with the one in `descriptor`.
    pub async fn write_dacl(&mut self, dn: &str, descriptor: Vec<u8>) -> Result<(), OpError> {
        let m = Mod::Replace(
            b"nTSecurityDescriptor".to_vec(),
            HashSet::from([descriptor]),
        );
        self.ldap
            .with_controls(vec![sd_flags_dacl()])
            .modify(dn, vec![m])
            .await
            .and_then(|r| r.success())
            .map_err(|source| OpError::WriteDacl {
                dn: dn.to_string(),
                source,
            })?;
        Ok(())
    }
}

async fn unpaged_dacls(
    ldap: &mut Ldap,
    base: &str,
    filter: &str,
) -> Result<Vec<SearchEntry>, OpError> {
    let err = |source| OpError::Search {
        base: base.to_string(),
        source,
    };
    let (entries, _) = ldap
        .with_controls(vec![sd_flags_dacl()])
        .search(base, Scope::Subtree, filter, vec!["nTSecurityDescriptor"])
        .await
        .and_then(|r| r.success())
        .map_err(err)?;
    tracing::debug!(
        base,
        filter_len = filter.len(),
        entries = entries.len(),
        "unpaged search"
    );
    Ok(entries
        .into_iter()
        .filter(|e| !e.is_ref() && !e.is_intermediate())
        .map(SearchEntry::construct)
        .collect())
}

async fn read_root_dse(ldap: &mut Ldap) -> Result<RootDse, LdapError> {
    let (entries, _) = ldap
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec![
                "defaultNamingContext",
                "configurationNamingContext",
                "schemaNamingContext",
            ],
        )
        .await?
        .success()?;
    let e = entries.into_iter().next().map(SearchEntry::construct);
    let get = |name: &str| e.as_ref().and_then(|e| first(e, name)).unwrap_or_default();
    Ok(RootDse {
        default_nc: get("defaultNamingContext"),
        config_nc: get("configurationNamingContext"),
        schema_nc: get("schemaNamingContext"),
    })
}

/// First string value of an attribute, whatever case the server returned its name in.
pub fn first(e: &SearchEntry, name: &str) -> Option<String> {
    e.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first().cloned())
}

/// First value of a binary attribute. ldap3 files values that happen to be valid UTF-8
/// under `attrs`, so both maps are looked in.
pub fn first_bin(e: &SearchEntry, name: &str) -> Option<Vec<u8>> {
    e.bin_attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first().cloned())
        .or_else(|| first(e, name).map(String::into_bytes))
}

/// Escapes raw bytes for an LDAP filter value (`\xx` each).
pub fn escape_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// Whether the connection failed because the DC's certificate was not trusted.
pub fn is_certificate_error(e: &ConnectError) -> bool {
    crate::tls::is_untrusted_certificate(e)
}
