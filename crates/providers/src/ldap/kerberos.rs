//! `auth: kerberos`: a SASL GSSAPI bind with the MIT GSSAPI library (ldap3's `gssapi`
//! feature), credentials from a keytab (into a private cache, renewed by the library) or
//! from the ticket cache in `KRB5CCNAME`, and GSSAPI failures as errors a person can act on.
//!
//! Why ldap3's own GSSAPI bind is enough: on a clear `ldap://` connection it negotiates the
//! SASL confidentiality layer (RFC 4752 security layer 4) and from then on wraps every
//! LDAP message with `gss_wrap(conf_req = true)`, so the connection is signed and sealed
//! and Samba's refusal of unsealed binds on 389 is satisfied. Inside TLS it binds without
//! a layer (TLS protects the connection, and AD refuses sealing inside TLS).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::ptr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ldap3::{Ldap, LdapError, Scope, SearchEntry};
use libgssapi::context::{ClientCtx, CtxFlags};
use libgssapi::credential::Cred;
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_KRB5, GSS_NT_KRB5_PRINCIPAL};
use libgssapi_sys as sys;

use super::settings::Var;

/// Where the Kerberos identity comes from, resolved from the spec and the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KerberosSettings {
    /// The DC's host name from the URL: the service principal is `ldap/<host>`.
    pub host: String,
    /// A keytab and the principal whose key it holds; `None`: use the ticket cache.
    pub keytab: Option<Keytab>,
    /// `KRB5CCNAME` as the run's environment has it (`None`: the library's default cache).
    pub ccache: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Keytab {
    pub file: PathBuf,
    pub principal: String,
}

impl KerberosSettings {
    /// Who the run authenticates as, for messages.
    pub fn identity(&self) -> String {
        match &self.keytab {
            Some(k) => format!("{} (keytab {})", k.principal, k.file.display()),
            None => format!(
                "the ticket in {}",
                self.ccache.as_deref().unwrap_or("the default ticket cache")
            ),
        }
    }

    /// The DC's LDAP service principal, as the KDC must know it.
    pub fn service_principal(&self) -> String {
        format!("ldap/{}", self.host)
    }
}

/// What went wrong, in the terms a person fixes it in.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KerberosError {
    #[error("no Kerberos ticket in {ccache} and no keytab is set")]
    NoCredentials { ccache: String },
    #[error("the Kerberos ticket in {ccache} has expired")]
    TicketExpired { ccache: String },
    #[error("{}", skew_message(*.skew_secs))]
    ClockSkew { skew_secs: Option<i64> },
    #[error("cannot reach a Kerberos KDC ({detail})")]
    KdcUnreachable { detail: String },
    #[error("the KDC does not know the principal {principal}")]
    PrincipalUnknown { principal: String },
    #[error("the KDC does not know the service principal {spn}")]
    ServicePrincipalUnknown { spn: String },
    #[error("cannot read the keytab {path}: {reason}")]
    KeytabUnreadable { path: String, reason: String },
    #[error("the keytab {path} does not hold the current key of {principal} ({detail})")]
    KeytabWrongKey {
        path: String,
        principal: String,
        detail: String,
    },
    #[error("the keytab {path} holds no key for {principal}")]
    KeytabNoKey { path: String, principal: String },
    #[error("no Kerberos realm is configured ({detail})")]
    NoRealm { detail: String },
    #[error("cannot prepare a private ticket cache in {dir}: {reason}")]
    PrivateCache { dir: String, reason: String },
    #[error("the server answered the Kerberos bind with success before sealing was negotiated; nothing was sent unsealed")]
    NotSealed,
    #[error("the DC refused the Kerberos bind (LDAP result {rc}: {text})")]
    Refused { rc: u32, text: String },
    #[error("Kerberos failed: {detail}")]
    Other { detail: String },
}

fn skew_message(skew: Option<i64>) -> String {
    match skew {
        Some(s) if s > 0 => {
            format!("this machine's clock is {s} s ahead of the DC's (Kerberos allows 300 s)")
        }
        Some(s) => format!(
            "this machine's clock is {} s behind the DC's (Kerberos allows 300 s)",
            -s
        ),
        None => {
            "this machine's clock and the DC's differ by more than Kerberos allows (300 s)".into()
        }
    }
}

/// The default connection's variable; errors of a named connection are prefixed with it.
fn default_var(var: Var) -> String {
    super::settings::env_name(hybridctl_core::spec::AdConnections::DEFAULT, var)
}

impl KerberosError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            KerberosError::NoCredentials { .. } => format!(
                "run `kinit <principal>` (and export KRB5CCNAME if it is not the default cache), or set keytab_file and principal in connections.ad (or {} and {}; HYBRIDCTL_AD_<NAME>_... for a named connection)",
                default_var(Var::Keytab), default_var(Var::Principal)
            ),
            KerberosError::TicketExpired { .. } => format!(
                "run `kinit` again, or use a keytab (keytab_file / {}): hybridctl renews a keytab's ticket itself",
                default_var(Var::Keytab)
            ),
            KerberosError::ClockSkew { .. } => {
                "synchronise this machine's clock with the domain (chrony or systemd-timesyncd against the DCs)".into()
            }
            KerberosError::KdcUnreachable { .. } => {
                "check the realm's kdc entries in krb5.conf (KRB5_CONFIG points at another file) or DNS SRV records, and that TCP/UDP 88 reaches the DC".into()
            }
            KerberosError::PrincipalUnknown { .. } => {
                "check the principal's spelling and realm (user@REALM, the realm in capitals) and that the account exists and is enabled".into()
            }
            KerberosError::ServicePrincipalUnknown { .. } => {
                "Kerberos needs the DC's host name as the DC knows it (ldap://dc01.corp.example.com), not an IP address or an alias: fix connections.ad.url / HYBRIDCTL_AD_URL".into()
            }
            KerberosError::KeytabUnreadable { .. } => {
                "point keytab_file / HYBRIDCTL_AD_KEYTAB at the keytab, readable by the user hybridctl runs as".into()
            }
            KerberosError::KeytabWrongKey { .. } => {
                "the account's key changed since the keytab was exported: export it again (samba-tool domain exportkeytab --principal=..., or ktpass on Windows)".into()
            }
            KerberosError::KeytabNoKey { .. } => {
                "set principal / HYBRIDCTL_AD_PRINCIPAL to the one the keytab holds (`klist -k <keytab>` lists them), or export the keytab for this principal".into()
            }
            KerberosError::NoRealm { .. } => {
                "set default_realm in krb5.conf (KRB5_CONFIG points at another file) or write the principal with its realm (user@REALM)".into()
            }
            KerberosError::PrivateCache { .. } => {
                "make the temporary directory (TMPDIR) writable for the user hybridctl runs as".into()
            }
            KerberosError::NotSealed => {
                "a DC completes the bind only after the security layer; something between this machine and the DC may be answering for it: check connections.ad.url points at the DC itself".into()
            }
            KerberosError::Refused { .. } => {
                "check the DC's log; the account may lack the right to log on, or the DC may require what this client does not offer".into()
            }
            KerberosError::Other { .. } => {
                "run `klist` and `kvno ldap/<dc host>` with the same KRB5_CONFIG and KRB5CCNAME to see what the Kerberos library sees".into()
            }
        }
    }
}

/// MIT krb5 error codes (com_err table krb5, `krb5.h`) that GSSAPI passes as minor status.
pub mod code {
    pub const C_PRINCIPAL_UNKNOWN: i32 = -1765328378;
    pub const S_PRINCIPAL_UNKNOWN: i32 = -1765328377;
    pub const PREAUTH_FAILED: i32 = -1765328360;
    pub const BAD_INTEGRITY: i32 = -1765328353;
    pub const TKT_EXPIRED: i32 = -1765328352;
    pub const SKEW: i32 = -1765328347;
    pub const BADKEYVER: i32 = -1765328340;
    pub const CC_NOTFOUND: i32 = -1765328243;
    pub const KDCREP_SKEW: i32 = -1765328236;
    pub const REALM_UNKNOWN: i32 = -1765328230;
    pub const KDC_UNREACH: i32 = -1765328228;
    pub const KT_NOTFOUND: i32 = -1765328203;
    pub const FCC_NOFILE: i32 = -1765328189;
    pub const REALM_CANT_RESOLVE: i32 = -1765328164;
    pub const CONFIG_NODEFREALM: i32 = -1765328160;
    pub const KT_KVNONOTFOUND: i32 = -1765328154;
    pub const KT_FORMAT: i32 = -1765328149;
    /// errno values the file keytab and cache report as they are.
    pub const ENOENT: i32 = 2;
    pub const EACCES: i32 = 13;
}

/// GSSAPI major status routine errors (RFC 2744), shifted into place.
pub mod major {
    pub const NO_CRED: u32 = 7 << 16;
    pub const CREDENTIALS_EXPIRED: u32 = 11 << 16;
    pub const ROUTINE_MASK: u32 = 0xff << 16;
}

/// Which failure a GSSAPI status (major, minor, and the library's own text) is. Pure, so
/// every mapping is unit-tested.
pub fn classify(s: &KerberosSettings, major: u32, minor: i32, text: &str) -> KerberosError {
    let ccache = || match (&s.keytab, &s.ccache) {
        (Some(_), _) => "hybridctl's private cache".to_string(),
        (None, Some(c)) => c.clone(),
        (None, None) => "the default ticket cache".into(),
    };
    let keytab_path = || {
        s.keytab
            .as_ref()
            .map(|k| k.file.display().to_string())
            .unwrap_or_default()
    };
    let principal = || {
        s.keytab
            .as_ref()
            .map(|k| k.principal.clone())
            .unwrap_or_else(|| "in the ticket cache".into())
    };
    let detail = || text.trim().to_string();
    match minor {
        code::SKEW | code::KDCREP_SKEW => return KerberosError::ClockSkew { skew_secs: None },
        code::TKT_EXPIRED => return KerberosError::TicketExpired { ccache: ccache() },
        code::S_PRINCIPAL_UNKNOWN => {
            return KerberosError::ServicePrincipalUnknown {
                spn: s.service_principal(),
            }
        }
        code::C_PRINCIPAL_UNKNOWN => {
            return KerberosError::PrincipalUnknown {
                principal: principal(),
            }
        }
        // REALM_UNKNOWN is "Cannot find KDC for requested realm" (krb5_err.et): no kdc
        // entry and no DNS SRV record for the realm, not a missing default realm.
        code::KDC_UNREACH | code::REALM_CANT_RESOLVE | code::REALM_UNKNOWN => {
            return KerberosError::KdcUnreachable { detail: detail() }
        }
        code::CONFIG_NODEFREALM => return KerberosError::NoRealm { detail: detail() },
        _ => {}
    }
    if let Some(k) = &s.keytab {
        match minor {
            // With a keytab the cache starts empty: MIT reports "no cache" when the keytab
            // had nothing to fill it with.
            code::KT_NOTFOUND | code::FCC_NOFILE | code::CC_NOTFOUND => {
                return KerberosError::KeytabNoKey {
                    path: keytab_path(),
                    principal: k.principal.clone(),
                }
            }
            code::PREAUTH_FAILED
            | code::BAD_INTEGRITY
            | code::BADKEYVER
            | code::KT_KVNONOTFOUND => {
                return KerberosError::KeytabWrongKey {
                    path: keytab_path(),
                    principal: k.principal.clone(),
                    detail: detail(),
                }
            }
            code::KT_FORMAT | code::ENOENT | code::EACCES => {
                return KerberosError::KeytabUnreadable {
                    path: keytab_path(),
                    reason: detail(),
                }
            }
            _ => {}
        }
    } else if matches!(minor, code::FCC_NOFILE | code::CC_NOTFOUND | code::ENOENT)
        || major & major::ROUTINE_MASK == major::NO_CRED
    {
        return KerberosError::NoCredentials { ccache: ccache() };
    }
    if major & major::ROUTINE_MASK == major::CREDENTIALS_EXPIRED {
        return KerberosError::TicketExpired { ccache: ccache() };
    }
    KerberosError::Other { detail: detail() }
}

/// The failure text ldap3 reports from inside its GSSAPI exchange carries only the
/// library's messages (not the codes): recognise the MIT messages for the same cases.
pub fn classify_text(s: &KerberosSettings, text: &str) -> KerberosError {
    let t = text.to_ascii_lowercase();
    let minor = if t.contains("clock skew too great") {
        code::SKEW
    } else if t.contains("ticket expired") {
        code::TKT_EXPIRED
    } else if t.contains("server not found in kerberos database") || t.contains("server ldap/") {
        code::S_PRINCIPAL_UNKNOWN
    } else if t.contains("client not found in kerberos database") {
        code::C_PRINCIPAL_UNKNOWN
    } else if t.contains("cannot contact any kdc") {
        code::KDC_UNREACH
    } else if t.contains("no credentials cache found") {
        code::FCC_NOFILE
    } else {
        0
    };
    classify(s, 0, minor, text)
}

/// A cache only this process uses, for the tickets it gets with a keytab: never the
/// user's default cache. Removed when the process ends normally.
pub struct PrivateCache {
    dir: PathBuf,
}

impl PrivateCache {
    fn create() -> Result<PrivateCache, KerberosError> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = std::env::temp_dir().join(format!(
            "hybridctl-krb5-{}-{:x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| KerberosError::PrivateCache {
                dir: dir.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(PrivateCache { dir })
    }

    /// `FILE:` (not `MEMORY:`) so libsmbclient, which links Samba's own Kerberos
    /// library, can read the same tickets for SYSVOL.
    pub fn name(&self) -> String {
        format!("FILE:{}", self.dir.join("ccache").display())
    }
}

impl Drop for PrivateCache {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

type Caches = std::sync::Mutex<std::collections::HashMap<Keytab, PrivateCache>>;

fn caches() -> &'static Caches {
    static CACHES: std::sync::OnceLock<Caches> = std::sync::OnceLock::new();
    CACHES.get_or_init(Default::default)
}

/// Deletes the process's private ticket caches; the binary calls it before exiting
/// (statics are never dropped). Tickets of a later run are acquired again.
pub fn remove_private_caches() {
    caches().lock().unwrap_or_else(|p| p.into_inner()).clear();
}

/// One private cache per keytab identity for the whole process, so `drift --every` and
/// the SYSVOL session reuse one ticket until it expires (then the library gets a new one).
fn private_cache_for(k: &Keytab) -> Result<String, KerberosError> {
    let mut map = caches().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = map.get(k) {
        return Ok(c.name());
    }
    let c = PrivateCache::create()?;
    let name = c.name();
    map.insert(k.clone(), c);
    Ok(name)
}

/// The ticket cache the run's tickets live in: the private one for a keytab, else
/// `KRB5CCNAME` (or the default cache when that is unset).
pub fn ccache_name(s: &KerberosSettings) -> Result<Option<String>, KerberosError> {
    match &s.keytab {
        Some(k) => private_cache_for(k).map(Some),
        None => Ok(s.ccache.clone()),
    }
}

/// Acquires the initiator credential: with a keytab, MIT's `client_keytab` cred store
/// gets a ticket into the private cache and gets a fresh one whenever it has expired.
/// Blocking (file and KDC I/O): call from `spawn_blocking`.
pub fn acquire(s: &KerberosSettings) -> Result<Cred, KerberosError> {
    if let Some(k) = &s.keytab {
        check_keytab_readable(&k.file)?;
    }
    let ccache = ccache_name(s)?;
    let mut store: Vec<(CString, CString)> = Vec::new();
    let cstr = |v: &str| {
        CString::new(v).map_err(|_| KerberosError::Other {
            detail: format!("`{v}` contains a NUL byte"),
        })
    };
    if let Some(c) = &ccache {
        store.push((cstr("ccache")?, cstr(c)?));
    }
    if let Some(k) = &s.keytab {
        store.push((cstr("client_keytab")?, cstr(&k.file.display().to_string())?));
    }
    let mut elements: Vec<sys::gss_key_value_element_desc> = store
        .iter()
        .map(|(k, v)| sys::gss_key_value_element_desc {
            key: k.as_ptr(),
            value: v.as_ptr(),
        })
        .collect();
    let set = sys::gss_key_value_set_desc {
        count: elements.len() as u32,
        elements: elements.as_mut_ptr(),
    };
    let principal = match &s.keytab {
        Some(k) => Some(import_name(s, &k.principal)?),
        None => None,
    };
    let mut minor: u32 = 0;
    let mut cred: sys::gss_cred_id_t = ptr::null_mut();
    // SAFETY: every pointer handed over outlives the call (store, elements, set, the
    // name) and is only read; the library copies what it keeps. On success `cred` is a
    // credential we own, handed to `Cred` (released on its drop); on failure it is left
    // GSS_C_NO_CREDENTIAL and not wrapped.
    let major = unsafe {
        sys::gss_acquire_cred_from(
            &mut minor,
            principal.unwrap_or(ptr::null_mut()),
            0,
            ptr::null_mut(),
            sys::GSS_C_INITIATE as sys::gss_cred_usage_t,
            &set,
            &mut cred,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    if let Some(mut n) = principal {
        let mut m = 0;
        // SAFETY: n came from gss_import_name and is released once.
        unsafe { sys::gss_release_name(&mut m, &mut n) };
    }
    if major != 0 {
        let text = libgssapi::error::Error {
            major: libgssapi::error::MajorFlags::from_bits_retain(major),
            minor,
        }
        .to_string();
        return Err(classify(s, major, minor as i32, &text));
    }
    let cred = Cred::from(cred);
    // A cache whose tickets have run out acquires fine and fails later: say so now.
    match cred.lifetime() {
        Ok(d) if d == Duration::ZERO && s.keytab.is_none() => Err(KerberosError::TicketExpired {
            ccache: s
                .ccache
                .clone()
                .unwrap_or_else(|| "the default ticket cache".into()),
        }),
        Ok(_) => Ok(cred),
        Err(e) => Err(classify(s, e.major.bits(), e.minor as i32, &e.to_string())),
    }
}

/// The principal a ticket cache's credential is for (`user@REALM`).
pub fn cache_principal(s: &KerberosSettings) -> Result<String, KerberosError> {
    let cred = acquire(s)?;
    cred.name()
        .map(|n| n.to_string())
        .map_err(|e| classify(s, e.major.bits(), e.minor as i32, &e.to_string()))
}

fn import_name(s: &KerberosSettings, principal: &str) -> Result<sys::gss_name_t, KerberosError> {
    let mut minor = 0;
    let mut buf = sys::gss_buffer_desc {
        length: principal.len(),
        value: principal.as_ptr() as *mut _,
    };
    let mut name: sys::gss_name_t = ptr::null_mut();
    // SAFETY: buf points at principal's bytes, alive for the call, and the library only
    // reads them (the `*mut` is what the C signature spells); GSS_C_NT_USER_NAME is a
    // `static mut` only in the bindings: MIT sets it at load and never writes it, so this
    // reads a copy of the pointer. The name returned is the caller's to release.
    let major =
        unsafe { sys::gss_import_name(&mut minor, &mut buf, sys::GSS_C_NT_USER_NAME, &mut name) };
    if major != 0 {
        return Err(classify(
            s,
            major,
            minor as i32,
            "cannot parse the principal",
        ));
    }
    Ok(name)
}

fn check_keytab_readable(path: &Path) -> Result<(), KerberosError> {
    std::fs::File::open(path)
        .map(drop)
        .map_err(|e| KerberosError::KeytabUnreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// Gets the DC's service ticket before the LDAP exchange, so a failure there comes back
/// with its status codes (ldap3 reports only text).
fn precheck_service_ticket(s: &KerberosSettings, cred: &Cred) -> Result<(), KerberosError> {
    let spn = s.service_principal();
    let target = Name::new(spn.as_bytes(), Some(&GSS_NT_KRB5_PRINCIPAL))
        .and_then(|n| n.canonicalize(Some(&GSS_MECH_KRB5)))
        .map_err(|e| classify(s, e.major.bits(), e.minor as i32, &e.to_string()))?;
    let mut ctx = ClientCtx::new(
        Some(cred.clone()),
        target,
        CtxFlags::GSS_C_MUTUAL_FLAG,
        Some(&GSS_MECH_KRB5),
    );
    ctx.step(None, None)
        .map(drop)
        .map_err(|e| classify(s, e.major.bits(), e.minor as i32, &e.to_string()))
}

/// The SASL GSSAPI bind. On `ldap://` ldap3 installs the confidentiality layer.
pub async fn bind(ldap: &mut Ldap, s: &KerberosSettings) -> Result<(), KerberosError> {
    let settings = s.clone();
    let cred = tokio::task::spawn_blocking(move || {
        let cred = acquire(&settings)?;
        precheck_service_ticket(&settings, &cred)?;
        Ok::<_, KerberosError>(cred)
    })
    .await
    .map_err(|e| KerberosError::Other {
        detail: e.to_string(),
    })?;
    let cred = match cred {
        Ok(c) => c,
        Err(KerberosError::ClockSkew { .. }) => {
            return Err(KerberosError::ClockSkew {
                skew_secs: measure_skew(ldap).await,
            })
        }
        Err(e) => return Err(e),
    };
    let result = ldap
        .sasl_gssapi_cred_bind(cross_krb5::Cred::from(cred), &s.host)
        .await;
    let err = match result.and_then(|r| r.success()) {
        Ok(_) => {
            tracing::debug!(identity = %s.identity(), spn = %s.service_principal(), "GSSAPI bind");
            return Ok(());
        }
        // The vendored ldap3 refuses a success that skips the security layer (PATCHES.md).
        Err(LdapError::GssapiOperationError(text))
            if text.contains("before the security layer was negotiated") =>
        {
            KerberosError::NotSealed
        }
        Err(LdapError::GssapiOperationError(text)) => classify_text(s, &text),
        Err(LdapError::LdapResult { result }) => {
            let text = result.text.trim_end_matches('\0').trim().to_string();
            match classify_text(s, &text) {
                KerberosError::Other { .. } => KerberosError::Refused {
                    rc: result.rc,
                    text,
                },
                e => e,
            }
        }
        Err(e) => KerberosError::Other {
            detail: e.to_string(),
        },
    };
    match err {
        KerberosError::ClockSkew { .. } => Err(KerberosError::ClockSkew {
            skew_secs: measure_skew(ldap).await,
        }),
        e => Err(e),
    }
}

/// How far this machine's clock is ahead of the DC's (negative: behind), from the
/// rootDSE's `currentTime`, which any client may read before binding.
async fn measure_skew(ldap: &mut Ldap) -> Option<i64> {
    let (entries, _) = ldap
        .search("", Scope::Base, "(objectClass=*)", vec!["currentTime"])
        .await
        .ok()?
        .success()
        .ok()?;
    let e = SearchEntry::construct(entries.into_iter().next()?);
    let dc = parse_generalized_time(&super::first(&e, "currentTime")?)?;
    let here = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(here - dc)
}

/// `YYYYMMDDHHMMSS[.f]Z` as seconds since 1970 (UTC).
pub fn parse_generalized_time(t: &str) -> Option<i64> {
    let d = t.get(..14)?;
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| d[a..b].parse::<i64>().ok();
    let (y, mo, day) = (n(0, 4)?, n(4, 6)?, n(6, 8)?);
    let (h, mi, s) = (n(8, 10)?, n(10, 12)?, n(12, 14)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + mi * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_keytab() -> KerberosSettings {
        KerberosSettings {
            host: "dc1.corp.example.com".into(),
            keytab: Some(Keytab {
                file: "/etc/hybridctl/svc.keytab".into(),
                principal: "svc@CORP.EXAMPLE.COM".into(),
            }),
            ccache: None,
        }
    }

    fn with_ccache() -> KerberosSettings {
        KerberosSettings {
            keytab: None,
            ccache: Some("FILE:/tmp/krb5cc_1000".into()),
            ..with_keytab()
        }
    }

    #[test]
    fn minor_codes_map_to_what_a_person_fixes() {
        let k = with_keytab();
        assert_eq!(
            classify(&k, 0xd0000, code::SKEW, ""),
            KerberosError::ClockSkew { skew_secs: None }
        );
        assert_eq!(
            classify(&k, 0xd0000, code::S_PRINCIPAL_UNKNOWN, ""),
            KerberosError::ServicePrincipalUnknown {
                spn: "ldap/dc1.corp.example.com".into()
            }
        );
        assert_eq!(
            classify(&k, 0xd0000, code::C_PRINCIPAL_UNKNOWN, ""),
            KerberosError::PrincipalUnknown {
                principal: "svc@CORP.EXAMPLE.COM".into()
            }
        );
        assert!(matches!(
            classify(&k, 0xd0000, code::KDC_UNREACH, "Cannot contact any KDC"),
            KerberosError::KdcUnreachable { .. }
        ));
        assert_eq!(
            classify(&k, major::NO_CRED, code::FCC_NOFILE, ""),
            KerberosError::KeytabNoKey {
                path: "/etc/hybridctl/svc.keytab".into(),
                principal: "svc@CORP.EXAMPLE.COM".into()
            }
        );
        for c in [code::PREAUTH_FAILED, code::KT_KVNONOTFOUND, code::BADKEYVER] {
            assert!(
                matches!(
                    classify(&k, 0xd0000, c, ""),
                    KerberosError::KeytabWrongKey { .. }
                ),
                "{c}"
            );
        }
        assert!(matches!(
            classify(&k, 0xd0000, code::KT_FORMAT, "bad format"),
            KerberosError::KeytabUnreadable { .. }
        ));
        assert!(matches!(
            classify(&k, 0xd0000, code::CONFIG_NODEFREALM, ""),
            KerberosError::NoRealm { .. }
        ));
        // Regression (review of issue 14): "Cannot find KDC for requested realm".
        assert!(matches!(
            classify(
                &k,
                0xd0000,
                code::REALM_UNKNOWN,
                "Cannot find KDC for requested realm"
            ),
            KerberosError::KdcUnreachable { .. }
        ));
    }

    #[test]
    fn a_missing_or_expired_cache_is_named() {
        let c = with_ccache();
        assert_eq!(
            classify(&c, major::NO_CRED, code::FCC_NOFILE, ""),
            KerberosError::NoCredentials {
                ccache: "FILE:/tmp/krb5cc_1000".into()
            }
        );
        assert_eq!(
            classify(&c, major::CREDENTIALS_EXPIRED, 0, ""),
            KerberosError::TicketExpired {
                ccache: "FILE:/tmp/krb5cc_1000".into()
            }
        );
        assert_eq!(
            classify(&c, 0xd0000, code::TKT_EXPIRED, ""),
            KerberosError::TicketExpired {
                ccache: "FILE:/tmp/krb5cc_1000".into()
            }
        );
        // An unknown status is passed on with the library's text, never guessed at.
        assert_eq!(
            classify(&c, 0xd0000, 12345, " odd "),
            KerberosError::Other {
                detail: "odd".into()
            }
        );
    }

    #[test]
    fn ldap3_texts_map_like_the_codes() {
        let k = with_keytab();
        assert!(matches!(
            classify_text(&k, "gss_init_sec_context: Clock skew too great"),
            KerberosError::ClockSkew { .. }
        ));
        assert!(matches!(
            classify_text(&k, "Server not found in Kerberos database"),
            KerberosError::ServicePrincipalUnknown { .. }
        ));
        assert!(matches!(
            classify_text(&with_ccache(), "No credentials cache found"),
            KerberosError::NoCredentials { .. }
        ));
    }

    #[test]
    fn skew_says_by_how_much_and_which_way() {
        assert!(KerberosError::ClockSkew {
            skew_secs: Some(3600)
        }
        .to_string()
        .contains("3600 s ahead"));
        assert!(KerberosError::ClockSkew {
            skew_secs: Some(-601)
        }
        .to_string()
        .contains("601 s behind"));
    }

    #[test]
    fn generalized_time() {
        assert_eq!(parse_generalized_time("19700101000000.0Z"), Some(0));
        assert_eq!(
            parse_generalized_time("20261125124500.0Z"),
            Some(1_795_610_700)
        );
        assert_eq!(parse_generalized_time("2026112512"), None);
        assert_eq!(parse_generalized_time("20261325124500.0Z"), None);
    }
}
