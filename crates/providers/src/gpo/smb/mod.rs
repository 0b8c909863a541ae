//! SYSVOL over SMB, through the helper process `hybridctl-smb` (crates/smb).
//!
//! libsmbclient (Debian's `libsmbclient`, through the `pavao` crate) brings ~150 Samba
//! libraries whose loading cost ~20 ms of every hybridctl start, GPO or not; so only the
//! helper links it. The GPO provider starts one per AD connection whose GPOs a run reads,
//! while LDAP binds, and has it log in once the bind succeeded.
//! A helper also has its own environment: its KRB5CCNAME names the ticket cache of its
//! connection, so connections with different Kerberos identities never share one.
//! Measured here: it worked at once, signed and sealed (SMB3 encryption required), at
//! about 25 ms per operation.

pub mod protocol;

use std::io::{self, BufReader, ErrorKind};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use protocol::{read_frame, write_frame, Failure, Login, Request, Response};
use zeroize::Zeroizing;

use super::sysvol::{Sysvol, SysvolError};
use crate::Secret;

/// The helper's file name, looked for next to the running executable.
pub const HELPER: &str = "hybridctl-smb";

/// One SYSVOL share, through one helper process, which serves one request at a time.
pub struct SmbSysvol {
    helper: Mutex<Helper>,
    server: String,
    share: String,
}

struct Helper {
    child: Child,
    /// `None` once the helper failed and was ended: later requests fail at once.
    to: Option<ChildStdin>,
    from: BufReader<ChildStdout>,
}

impl Helper {
    /// Ends a helper that failed (it may still run) and says how it ended.
    fn end(&mut self) -> String {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => e.to_string(),
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // Nothing is in flight once the last user is gone. Not waited for to log off (its
        // libsmbclient teardown took ~30 ms of every GPO run): the DC ends the session when
        // the connection closes.
        self.end();
    }
}

/// A helper process started for one share, not yet logged in: starting it (loading
/// libsmbclient takes ~20 ms) can overlap the LDAP bind, and the login waits for the bind,
/// so a wrong password costs one failed login, not two.
pub struct Started {
    helper: Helper,
    server: String,
    share: String,
}

/// Whether a failed session set-up was the server refusing the login.
fn login_refused(e: &io::Error) -> bool {
    e.kind() == ErrorKind::PermissionDenied || e.raw_os_error() == Some(EPERM)
}

/// What a failed session set-up means, from the errno libsmbclient maps NT status to.
fn session_reason(e: &io::Error, user: &str) -> String {
    match (e.kind(), e.raw_os_error()) {
        _ if login_refused(e) => format!(
            "the server refused the SMB login of {user} (wrong user or password, or the account may not use SMB)"
        ),
        (ErrorKind::ConnectionRefused, _) => "nothing answers on port 445 (SMB) there".into(),
        (ErrorKind::NotFound, _) => "the server has no such share".into(),
        (ErrorKind::TimedOut, _) => "the server did not answer in time".into(),
        _ => format!("{e}"),
    }
}

/// `\\\\server\\share`, as Windows writes a share.
pub fn unc(server: &str, share: &str) -> String {
    format!("\\\\{server}\\{share}")
}

/// An errno io::ErrorKind does not name.
const EPERM: i32 = 1;

/// Where the helper is: next to the running executable, or one folder up from a test
/// executable in cargo's `deps` folder.
fn helper_path() -> Result<PathBuf, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot tell where this executable is: {e}"))?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let mut looked = vec![dir.join(HELPER)];
    if dir.file_name().is_some_and(|n| n == "deps") {
        looked.extend(dir.parent().map(|p| p.join(HELPER)));
    }
    looked.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let places: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
        format!(
            "{HELPER} is not installed next to hybridctl (looked for {})",
            places.join(", ")
        )
    })
}

impl SmbSysvol {
    /// Starts the helper for `\\server\share`; `ccache` becomes its KRB5CCNAME (the
    /// Kerberos ticket cache libsmbclient reads), and hybridctl's own settings are not
    /// passed on.
    pub fn start(server: &str, share: &str, ccache: Option<&str>) -> Result<Started, SysvolError> {
        let helper_error = |reason: String| SysvolError::Helper {
            share: unc(server, share),
            reason,
        };
        let path = helper_path().map_err(helper_error)?;
        let mut command = Command::new(&path);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("HYBRIDCTL_") {
                command.env_remove(name);
            }
        }
        if let Some(c) = ccache {
            command.env("KRB5CCNAME", c);
        }
        let mut child = command
            .spawn()
            .map_err(|e| helper_error(format!("cannot start {}: {e}", path.display())))?;
        let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
            unreachable!("stdin and stdout are piped")
        };
        Ok(Started {
            helper: Helper {
                child,
                to: Some(to),
                from: BufReader::new(from),
            },
            server: server.to_string(),
            share: share.to_string(),
        })
    }

    /// Starts a helper and logs in as `user` (SMB3 encryption required).
    pub fn connect(
        server: &str,
        share: &str,
        user: &str,
        password: &Secret,
    ) -> Result<SmbSysvol, SysvolError> {
        SmbSysvol::start(server, share, None)?.connect(user, password)
    }
}

impl Started {
    /// `\\server\share`, for messages.
    pub fn describe(&self) -> String {
        unc(&self.server, &self.share)
    }

    /// Logs in as `user` with `password`; SMB3 encryption is required.
    pub fn connect(self, user: &str, password: &Secret) -> Result<SmbSysvol, SysvolError> {
        let (account, workgroup) = match user.split_once('@') {
            Some((u, realm)) => (u.to_string(), realm.to_string()),
            None => match user.split_once('\\') {
                Some((d, u)) => (u.to_string(), d.to_string()),
                None => (user.to_string(), String::new()),
            },
        };
        let login = Login::Password {
            account,
            workgroup,
            password: Zeroizing::new(password.expose().to_string()),
        };
        self.open(login, |e| session_reason(e, user))
    }

    /// Logs in with the Kerberos ticket of `principal` in the cache the helper was started
    /// with (the run's private cache for a keytab, or KRB5CCNAME); no password, no
    /// fallback to NTLM.
    pub fn connect_kerberos(
        self,
        principal: &str,
        identity: &str,
    ) -> Result<SmbSysvol, SysvolError> {
        // libsmbclient treats an empty user as anonymous: name the ticket's principal
        // (with no password, Samba takes the ticket from the cache).
        let (account, realm) = principal.split_once('@').unwrap_or((principal, ""));
        let login = Login::Kerberos {
            account: account.to_string(),
            realm: realm.to_string(),
        };
        self.open(login, |e| match login_refused(e) {
            true => format!("the server refused the Kerberos SMB login of {identity}"),
            false => session_reason(e, identity),
        })
    }

    /// Opens the session, failing now and saying what failed (login, share, network, as
    /// `reason` words it) rather than on the first file.
    fn open(
        self,
        login: Login,
        reason: impl Fn(&io::Error) -> String,
    ) -> Result<SmbSysvol, SysvolError> {
        let sysvol = SmbSysvol {
            helper: Mutex::new(self.helper),
            server: self.server,
            share: self.share,
        };
        let unc = sysvol.describe();
        let helper_error = |reason: String| SysvolError::Helper {
            share: unc.clone(),
            reason,
        };
        let open = Request::Open {
            server: sysvol.server.clone(),
            share: sysvol.share.clone(),
            login,
        };
        match sysvol.call(&open).map_err(helper_error)? {
            Response::Done => Ok(sysvol),
            Response::Failed(f) => {
                let e = f.to_io_error();
                Err(SysvolError::Session {
                    share: unc,
                    reason: reason(&e),
                    refused: login_refused(&e),
                })
            }
            other => Err(helper_error(format!("unexpected answer {other:?}"))),
        }
    }
}

impl SmbSysvol {
    /// One request and its response; a helper that is gone or speaks nonsense is an error
    /// that says so.
    fn call(&self, request: &Request) -> Result<Response, String> {
        let mut h = self.helper.lock().unwrap_or_else(|p| p.into_inner());
        let h = &mut *h;
        let Some(to) = h.to.as_mut() else {
            return Err(format!("{HELPER} has ended"));
        };
        let sent = write_frame(to, request);
        let answer = sent.and_then(|()| read_frame(&mut h.from));
        // After anything but an answer the stream may be out of step: end the helper, and
        // every later request fails at once.
        let failed = |h: &mut Helper, what: String| {
            h.to = None;
            let status = h.end();
            Err(format!("{what} ({status})"))
        };
        match answer {
            Ok(Some(r)) => Ok(r),
            Ok(None) | Err(protocol::FrameError::Io(_)) => {
                failed(h, format!("{HELPER} ended unexpectedly"))
            }
            Err(e) => failed(h, format!("{HELPER} answered with {e}")),
        }
    }

    fn describe_path(&self, path: &str) -> String {
        format!(
            "{}\\{}",
            self.describe(),
            path.trim_start_matches('/').replace('/', "\\")
        )
    }

    /// The error a response that is not the one asked for stands for: the failure it
    /// reports, or a broken helper.
    fn failure(&self, answer: Result<Response, String>) -> io::Error {
        match answer {
            Ok(Response::Failed(f)) => f.to_io_error(),
            Ok(other) => io::Error::other(format!("{HELPER} answered {other:?}")),
            Err(e) => io::Error::other(e),
        }
    }
}

impl Sysvol for SmbSysvol {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, SysvolError> {
        match self.call(&Request::Read { path: path.into() }) {
            Ok(Response::File { bytes }) => Ok(bytes),
            other => Err(SysvolError::Read {
                path: self.describe_path(path),
                source: self.failure(other),
            }),
        }
    }

    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), SysvolError> {
        let request = Request::Write {
            path: path.into(),
            bytes: bytes.to_vec(),
        };
        match self.call(&request) {
            Ok(Response::Done) => Ok(()),
            other => Err(SysvolError::Write {
                path: self.describe_path(path),
                source: self.failure(other),
            }),
        }
    }

    fn create_dirs(&self, path: &str) -> Result<(), SysvolError> {
        match self.call(&Request::CreateDirs { path: path.into() }) {
            Ok(Response::Done) => Ok(()),
            other => {
                let at = match &other {
                    Ok(Response::Failed(Failure { at: Some(at), .. })) => at.clone(),
                    _ => path.to_string(),
                };
                Err(SysvolError::CreateDir {
                    path: self.describe_path(&at),
                    source: self.failure(other),
                })
            }
        }
    }

    fn describe(&self) -> String {
        unc(&self.server, &self.share)
    }
}
