//! One SMB session through libsmbclient (the `pavao` crate), and the requests it serves.

use std::io::{self, ErrorKind, Read, Write};

use hybridctl_providers::gpo::smb::protocol::{Failure, Login, Request, Response, MAX_FILE};
use pavao::{
    SmbClient, SmbCredentials, SmbEncryptionLevel, SmbError, SmbMode, SmbOpenOptions, SmbOptions,
};

pub struct Session {
    client: SmbClient,
}

fn io_error(e: SmbError) -> io::Error {
    match e {
        SmbError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

fn failure(e: io::Error, at: Option<String>) -> Failure {
    Failure {
        errno: e.raw_os_error(),
        message: e.to_string(),
        at,
    }
}

/// `path` as libsmbclient takes it: share-relative, with a leading `/`.
fn smb_path(path: &str) -> String {
    format!("/{}", path.trim_start_matches('/'))
}

impl Session {
    /// Logs in and looks at the share's root, so that a refused login or a missing share
    /// fails now rather than at the first file.
    pub fn open(server: &str, share: &str, login: Login) -> Result<Session, Failure> {
        let credentials = SmbCredentials::default()
            .server(format!("smb://{server}"))
            .share(format!("/{share}"));
        let options = SmbOptions::default()
            .one_share_per_server(true)
            .encryption_level(SmbEncryptionLevel::Require);
        let (credentials, options) = match login {
            Login::Password {
                account,
                workgroup,
                password,
            } => (
                credentials
                    .username(account)
                    .password(password.as_str())
                    .workgroup(workgroup),
                options,
            ),
            // No password: Samba takes the ticket from the cache KRB5CCNAME names.
            Login::Kerberos { account, realm } => (
                credentials.username(account).workgroup(realm),
                options
                    .use_kerberos(true)
                    .use_ccache(true)
                    .fallback_after_kerberos(false)
                    .no_auto_anonymous_login(true),
            ),
        };
        let client =
            SmbClient::new(credentials, options).map_err(|e| failure(io_error(e), None))?;
        client.stat("/").map_err(|e| failure(io_error(e), None))?;
        Ok(Session { client })
    }

    pub fn serve(&self, request: Request) -> Response {
        let done = match request {
            Request::Read { path } => self.read(&path).map(|bytes| Response::File { bytes }),
            Request::Write { path, bytes } => self.write(&path, &bytes).map(|()| Response::Done),
            Request::CreateDirs { path } => self.create_dirs(&path).map(|()| Response::Done),
            Request::Open { .. } => Err(Failure {
                errno: None,
                message: "the session is already open".into(),
                at: None,
            }),
        };
        done.unwrap_or_else(Response::Failed)
    }

    /// Only a file that does not exist reads as `None`.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, Failure> {
        let p = smb_path(path);
        match self.client.stat(&p).map_err(io_error) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failure(e, None)),
        }
        let mut f = self
            .client
            .open_with(&p, SmbOpenOptions::default().read(true))
            .map_err(|e| failure(io_error(e), None))?;
        let mut buf = Vec::new();
        (&mut f)
            .take(MAX_FILE as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| failure(e, None))?;
        if buf.len() > MAX_FILE {
            return Err(Failure {
                errno: None,
                message: format!("the file is larger than the {MAX_FILE} bytes hybridctl reads"),
                at: None,
            });
        }
        Ok(Some(buf))
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Failure> {
        let options = SmbOpenOptions::default()
            .write(true)
            .create(true)
            .truncate(true);
        let mut f = self
            .client
            .open_with(smb_path(path), options)
            .map_err(|e| failure(io_error(e), None))?;
        f.write_all(bytes).map_err(|e| failure(e, None))?;
        f.flush().map_err(|e| failure(e, None))
    }

    fn create_dirs(&self, path: &str) -> Result<(), Failure> {
        let mut at = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            at.push('/');
            at.push_str(part);
            match self.client.stat(&at).map_err(io_error) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => self
                    .client
                    .mkdir(&at, SmbMode::from(0o755))
                    .map_err(|e| failure(io_error(e), Some(at.clone())))?,
                Err(e) => return Err(failure(e, Some(at.clone()))),
            }
        }
        Ok(())
    }
}
