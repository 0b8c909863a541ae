//! Reading and writing GPO files in SYSVOL: over SMB, or in a local or mounted folder.
//!
//! SMB goes through libsmbclient (the `pavao` crate, Debian's `libsmbclient-dev`):
//! measured here, it worked at once, signed and sealed (SMB3 encryption required), at
//! about 25 ms per operation. The pure-Rust `smb` crate 0.12 also worked but its
//! directory listing hung on a multi-thread tokio runtime and each request took ~44 ms
//! (no TCP_NODELAY). libsmbclient calls block; a run makes a handful of them.

use std::io::{Read, Write};
use std::path::PathBuf;

use pavao::{SmbClient, SmbCredentials, SmbEncryptionLevel, SmbMode, SmbOpenOptions, SmbOptions};

use crate::Secret;

/// Paths are relative to the share, `/`-separated: `lab.example.test/Policies/{GUID}/GPT.INI`.
pub trait Sysvol: Send + Sync {
    /// The file's bytes, or `None` when it does not exist.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
    /// Creates or replaces the file; its folders must exist.
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), String>;
    /// Creates the folder and its parents when missing.
    fn create_dirs(&self, path: &str) -> Result<(), String>;
    /// Where this is, for messages.
    fn describe(&self) -> String;
}

pub struct LocalSysvol {
    root: PathBuf,
}

impl LocalSysvol {
    pub fn new(root: PathBuf) -> Result<LocalSysvol, String> {
        if !root.is_dir() {
            return Err(format!(
                "SYSVOL folder {} does not exist or is not a folder",
                root.display()
            ));
        }
        Ok(LocalSysvol { root })
    }
}

impl Sysvol for LocalSysvol {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(self.root.join(path)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "cannot read {}: {e}",
                self.root.join(path).display()
            )),
        }
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        let p = self.root.join(path);
        std::fs::write(&p, bytes).map_err(|e| format!("cannot write {}: {e}", p.display()))
    }

    fn create_dirs(&self, path: &str) -> Result<(), String> {
        let p = self.root.join(path);
        std::fs::create_dir_all(&p).map_err(|e| format!("cannot create {}: {e}", p.display()))
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

pub struct SmbSysvol {
    client: SmbClient,
    server: String,
    share: String,
}

// SAFETY: libsmbclient's context is not thread-safe, and is never used by two threads at
// once: the provider owns it behind `&mut self` and calls it sequentially from one task.
unsafe impl Send for SmbSysvol {}
unsafe impl Sync for SmbSysvol {}

impl SmbSysvol {
    /// Connects to `\\server\share` as `user`; SMB3 encryption is required.
    pub fn connect(
        server: &str,
        share: &str,
        user: &str,
        password: &Secret,
    ) -> Result<SmbSysvol, String> {
        let (user, workgroup) = match user.split_once('@') {
            Some((u, realm)) => (u.to_string(), realm.to_string()),
            None => match user.split_once('\\') {
                Some((d, u)) => (u.to_string(), d.to_string()),
                None => (user.to_string(), String::new()),
            },
        };
        let credentials = SmbCredentials::default()
            .server(format!("smb://{server}"))
            .share(format!("/{share}"))
            .username(user)
            .password(password.expose())
            .workgroup(workgroup);
        let options = SmbOptions::default()
            .one_share_per_server(true)
            .encryption_level(SmbEncryptionLevel::Require);
        let client = SmbClient::new(credentials, options)
            .map_err(|e| format!("cannot reach \\\\{server}\\{share}: {e}"))?;
        let sysvol = SmbSysvol {
            client,
            server: server.to_string(),
            share: share.to_string(),
        };
        // Fail now, with the share's name, rather than on the first file.
        sysvol
            .client
            .list_dir("/")
            .map_err(|e| format!("cannot open \\\\{server}\\{share}: {e}"))?;
        Ok(sysvol)
    }

    fn smb_path(path: &str) -> String {
        format!("/{}", path.trim_start_matches('/'))
    }
}

impl Sysvol for SmbSysvol {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let p = Self::smb_path(path);
        if self.client.stat(&p).is_err() {
            return Ok(None);
        }
        let mut f = self
            .client
            .open_with(&p, SmbOpenOptions::default().read(true))
            .map_err(|e| format!("cannot open {}: {e}", self.describe_path(path)))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", self.describe_path(path)))?;
        Ok(Some(buf))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), String> {
        let p = Self::smb_path(path);
        let mut f = self
            .client
            .open_with(
                &p,
                SmbOpenOptions::default()
                    .write(true)
                    .create(true)
                    .truncate(true),
            )
            .map_err(|e| format!("cannot open {} for writing: {e}", self.describe_path(path)))?;
        f.write_all(bytes)
            .map_err(|e| format!("cannot write {}: {e}", self.describe_path(path)))?;
        f.flush()
            .map_err(|e| format!("cannot write {}: {e}", self.describe_path(path)))
    }

    fn create_dirs(&self, path: &str) -> Result<(), String> {
        let mut at = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            at.push('/');
            at.push_str(part);
            if self.client.stat(&at).is_err() {
                self.client
                    .mkdir(&at, SmbMode::from(0o755))
                    .map_err(|e| format!("cannot create {}: {e}", self.describe_path(&at)))?;
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("\\\\{}\\{}", self.server, self.share)
    }
}

impl SmbSysvol {
    fn describe_path(&self, path: &str) -> String {
        format!(
            "{}\\{}",
            self.describe(),
            path.trim_start_matches('/').replace('/', "\\")
        )
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
