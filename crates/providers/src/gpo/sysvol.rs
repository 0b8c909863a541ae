//! Reading and writing GPO files in SYSVOL: over SMB (`super::smb`), or in a local or
//! mounted folder. Both block: the GPO provider calls them on tokio's blocking pool.
//!
//! SMB goes through libsmbclient. The pure-Rust `smb` crate 0.12 also worked but its
//! directory listing hung on a multi-thread tokio runtime and each request took ~44 ms
//! (no TCP_NODELAY).

use std::io::{self, ErrorKind};
use std::path::PathBuf;

/// What went wrong in SYSVOL, naming the file or share.
#[derive(Debug, thiserror::Error)]
pub enum SysvolError {
    #[error("cannot open {share}: {reason}")]
    Session {
        share: String,
        reason: String,
        /// The server refused the login (rather than the share, the network, ...).
        refused: bool,
    },
    #[error("SYSVOL folder {0} does not exist or is not a folder")]
    NotAFolder(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: io::Error },
    #[error("cannot create the folder {path}: {source}")]
    CreateDir { path: String, source: io::Error },
    #[error("cannot reach {share}: {reason}")]
    Helper { share: String, reason: String },
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
