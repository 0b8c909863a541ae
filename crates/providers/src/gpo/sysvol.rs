//! Reading and writing GPO files in SYSVOL: over SMB, or in a local or mounted folder.
//!
//! SMB goes through libsmbclient (the `pavao` crate, Debian's `libsmbclient-dev`):
//! measured here, it worked at once, signed and sealed (SMB3 encryption required), at
//! about 25 ms per operation. The pure-Rust `smb` crate 0.12 also worked but its
//! directory listing hung on a multi-thread tokio runtime and each request took ~44 ms
//! (no TCP_NODELAY). libsmbclient calls block: the GPO provider runs them on tokio's
//! blocking pool.

use std::io::{self, ErrorKind, Read, Write};
use std::path::PathBuf;

use pavao::{
    SmbClient, SmbCredentials, SmbEncryptionLevel, SmbError, SmbMode, SmbOpenOptions, SmbOptions,
};

use crate::Secret;

/// What went wrong in SYSVOL, naming the file or share.
#[derive(Debug, thiserror::Error)]
pub enum SysvolError {
    #[error("cannot open {share}: {reason}")]
    Session { share: String, reason: String },
    #[error("SYSVOL folder {0} does not exist or is not a folder")]
    NotAFolder(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: io::Error },
    #[error("cannot create the folder {path}: {source}")]
    CreateDir { path: String, source: io::Error },
    #[error("cannot open {share} with Kerberos: {source}")]
    Kerberos {
        share: String,
        source: crate::ldap::kerberos::KerberosError,
    },
}

/// Paths are relative to the share, `/`-separated: `lab.example.test/Policies/{GUID}/GPT.INI`.
///
/// Only a file that does not exist reads as `None`: every other failure is an error, so
/// that nothing unreadable is ever taken for absent (and then overwritten).
pub trait Sysvol: Send + Sync {
    /// The file's bytes, or `None` when it does not exist.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SysvolError>;
    /// Creates or replaces the file; its folders must exist.
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), SysvolError>;
    /// Creates the folder and its parents when missing.
    fn create_dirs(&self, path: &str) -> Result<(), SysvolError>;
    /// Where this is, for messages.
    fn describe(&self) -> String;
}

pub struct LocalSysvol {
    root: PathBuf,
}

impl LocalSysvol {
    pub fn new(root: PathBuf) -> Result<LocalSysvol, SysvolError> {
        if !root.is_dir() {
            return Err(SysvolError::NotAFolder(root.display().to_string()));
        }
        Ok(LocalSysvol { root })
    }
}

impl Sysvol for LocalSysvol {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SysvolError> {
        match std::fs::read(self.root.join(path)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SysvolError::Read {
                path: self.root.join(path).display().to_string(),
                source,
            }),
        }
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), SysvolError> {
        let p = self.root.join(path);
        std::fs::write(&p, bytes).map_err(|source| SysvolError::Write {
            path: p.display().to_string(),
            source,
        })
    }

    fn create_dirs(&self, path: &str) -> Result<(), SysvolError> {
        let p = self.root.join(path);
        std::fs::create_dir_all(&p).map_err(|source| SysvolError::CreateDir {
            path: p.display().to_string(),
            source,
        })
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

/// libsmbclient through pavao, which serializes every native call process-wide, so one
/// client may be shared by reference and used from the blocking pool.
pub struct SmbSysvol {
    client: SmbClient,
    server: String,
    share: String,
}

fn io_error(e: SmbError) -> io::Error {
    match e {
        SmbError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// What a failed session set-up means, from the errno libsmbclient maps NT status to.
fn session_reason(e: &io::Error, user: &str) -> String {
    match (e.kind(), e.raw_os_error()) {
        (ErrorKind::PermissionDenied, _) | (_, Some(libc_eperm::EPERM)) => format!(
            "the server refused the SMB login of {user} (wrong user or password, or the account may not use SMB)"
        ),
        (ErrorKind::ConnectionRefused, _) => "nothing answers on port 445 (SMB) there".into(),
        (ErrorKind::NotFound, _) => "the server has no such share".into(),
        (ErrorKind::TimedOut, _) => "the server did not answer in time".into(),
        _ => format!("{e}"),
    }
}

/// errno values io::ErrorKind does not name.
mod libc_eperm {
    pub const EPERM: i32 = 1;
}

impl SmbSysvol {
    /// Connects to `\\server\share` as `user`; SMB3 encryption is required.
    pub fn connect(
        server: &str,
        share: &str,
        user: &str,
        password: &Secret,
    ) -> Result<SmbSysvol, SysvolError> {
        let (account, workgroup) = match user.split_once('@') {
            Some((u, realm)) => (u.to_string(), realm.to_string()),
            None => match user.split_once('\\') {
                Some((d, u)) => (u.to_string(), d.to_string()),
                None => (user.to_string(), String::new()),
            },
        };
        let credentials = SmbCredentials::default()
            .server(format!("smb://{server}"))
            .share(format!("/{share}"))
            .username(account)
            .password(password.expose())
            .workgroup(workgroup);
        let options = SmbOptions::default()
            .one_share_per_server(true)
            .encryption_level(SmbEncryptionLevel::Require);
        SmbSysvol::open(server, share, credentials, options, |e| {
            session_reason(e, user)
        })
    }

    /// Opens the session and fails now, saying what failed (login, share, network, as
    /// `reason` words it), rather than on the first file.
    fn open(
        server: &str,
        share: &str,
        credentials: SmbCredentials,
        options: SmbOptions,
        reason: impl Fn(&io::Error) -> String,
    ) -> Result<SmbSysvol, SysvolError> {
        let unc = || format!("\\\\{server}\\{share}");
        let client = SmbClient::new(credentials, options).map_err(|e| SysvolError::Session {
            share: unc(),
            reason: e.to_string(),
        })?;
        client.stat("/").map_err(|e| SysvolError::Session {
            share: unc(),
            reason: reason(&io_error(e)),
        })?;
        Ok(SmbSysvol {
            client,
            server: server.to_string(),
            share: share.to_string(),
        })
    }

    /// Connects to `\\server\share` with the Kerberos ticket in `ccache` (the run's
    /// private cache for a keytab, or KRB5CCNAME); no password, no fallback to NTLM.
    /// libsmbclient links Samba's own Kerberos library, which reads the cache named by
    /// the process's KRB5CCNAME, so that is where the run's cache is named.
    pub fn connect_kerberos(
        server: &str,
        share: &str,
        principal: &str,
        identity: &str,
        ccache: Option<&str>,
    ) -> Result<SmbSysvol, SysvolError> {
        if let Some(c) = ccache {
            if std::env::var("KRB5CCNAME").ok().as_deref() != Some(c) {
                // Only this process's environment; read by libsmbclient at session set-up.
                // Not sound in general: C code (MIT krb5's getenv in another blocking
                // thread) may read the environment while this writes it; edition 2024
                // makes this call `unsafe` for that reason. The registry refuses a second
                // identity (gpo::one_kerberos_identity), so it is set at most once a run.
                std::env::set_var("KRB5CCNAME", c);
            }
        }
        // libsmbclient treats an empty user as anonymous: name the ticket's principal
        // (the password stays empty, so Samba takes the cache in KRB5CCNAME).
        let (account, realm) = principal.split_once('@').unwrap_or((principal, ""));
        let credentials = SmbCredentials::default()
            .server(format!("smb://{server}"))
            .share(format!("/{share}"))
            .username(account)
            .workgroup(realm);
        let options = SmbOptions::default()
            .one_share_per_server(true)
            .use_kerberos(true)
            .use_ccache(true)
            .fallback_after_kerberos(false)
            .no_auto_anonymous_login(true)
            .encryption_level(SmbEncryptionLevel::Require);
        SmbSysvol::open(server, share, credentials, options, |e| {
            match (e.kind(), e.raw_os_error()) {
                (ErrorKind::PermissionDenied, _) | (_, Some(libc_eperm::EPERM)) => {
                    format!("the server refused the Kerberos SMB login of {identity}")
                }
                _ => session_reason(e, identity),
            }
        })
    }

    fn smb_path(path: &str) -> String {
        format!("/{}", path.trim_start_matches('/'))
    }

    fn describe_path(&self, path: &str) -> String {
        format!(
            "{}\\{}",
            self.describe(),
            path.trim_start_matches('/').replace('/', "\\")
        )
    }
}

impl Sysvol for SmbSysvol {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SysvolError> {
        let p = Self::smb_path(path);
        let fail = |source| SysvolError::Read {
            path: self.describe_path(path),
            source,
        };
        match self.client.stat(&p).map_err(io_error) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(fail(e)),
        }
        let mut f = self
            .client
            .open_with(&p, SmbOpenOptions::default().read(true))
            .map_err(|e| fail(io_error(e)))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).map_err(fail)?;
        Ok(Some(buf))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), SysvolError> {
        let fail = |source| SysvolError::Write {
            path: self.describe_path(path),
            source,
        };
        let mut f = self
            .client
            .open_with(
                Self::smb_path(path),
                SmbOpenOptions::default()
                    .write(true)
                    .create(true)
                    .truncate(true),
            )
            .map_err(|e| fail(io_error(e)))?;
        f.write_all(bytes).map_err(fail)?;
        f.flush().map_err(fail)
    }

    fn create_dirs(&self, path: &str) -> Result<(), SysvolError> {
        let mut at = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            at.push('/');
            at.push_str(part);
            let fail = |source| SysvolError::CreateDir {
                path: self.describe_path(&at),
                source,
            };
            match self.client.stat(&at).map_err(io_error) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => self
                    .client
                    .mkdir(&at, SmbMode::from(0o755))
                    .map_err(|e| fail(io_error(e)))?,
                Err(e) => return Err(fail(e)),
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("\\\\{}\\{}", self.server, self.share)
    }
}

/// Where SYSVOL is, from the spec's `sysvol` (or the LDAP URL's host).
pub enum Location {
    Smb { server: String, share: String },
    Local(PathBuf),
}

impl Location {
    pub fn parse(sysvol: Option<&str>, ldap_url: &str) -> Location {
        match sysvol {
            Some(s) if s.starts_with("\\\\") || s.starts_with("//") => {
                let t = s.trim_start_matches(['\\', '/']);
                let mut parts = t.split(['\\', '/']).filter(|p| !p.is_empty());
                let server = parts.next().unwrap_or_default().to_string();
                let share = parts.next().unwrap_or("SYSVOL").to_string();
                Location::Smb { server, share }
            }
            Some(s) => Location::Local(PathBuf::from(s)),
            None => {
                let host = ldap_url.split("://").nth(1).unwrap_or_default();
                let host = host.split('/').next().unwrap_or_default();
                let host = match host.rsplit_once(':') {
                    Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
                    _ => host,
                };
                Location::Smb {
                    server: host.to_string(),
                    share: "SYSVOL".into(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only "not found" is absent: a file that exists but cannot be read is an error,
    /// so nothing unread is ever taken for missing and then overwritten.
    #[test]
    fn only_a_missing_file_reads_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("gpo/GPT.INI")).unwrap();
        std::fs::write(dir.path().join("gpo/file"), b"x").unwrap();
        let s = LocalSysvol::new(dir.path().to_path_buf()).unwrap();
        assert!(s.read("gpo/missing").unwrap().is_none());
        assert_eq!(s.read("gpo/file").unwrap().unwrap(), b"x");
        assert!(matches!(
            s.read("gpo/GPT.INI"),
            Err(SysvolError::Read { .. })
        ));
        assert!(matches!(
            LocalSysvol::new(dir.path().join("nope")),
            Err(SysvolError::NotAFolder(_))
        ));
    }

    #[test]
    fn locations() {
        match Location::parse(None, "ldaps://dc01.corp.example.com:636") {
            Location::Smb { server, share } => assert_eq!(
                (server.as_str(), share.as_str()),
                ("dc01.corp.example.com", "SYSVOL")
            ),
            _ => panic!(),
        }
        match Location::parse(Some("\\\\dc02\\sysvol"), "ldaps://x") {
            Location::Smb { server, share } => {
                assert_eq!((server.as_str(), share.as_str()), ("dc02", "sysvol"))
            }
            _ => panic!(),
        }
        assert!(matches!(
            Location::parse(Some("/mnt/sysvol"), "ldaps://x"),
            Location::Local(_)
        ));
    }
}
