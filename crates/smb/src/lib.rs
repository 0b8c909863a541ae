//! `hybridctl-smb`: hybridctl's SMB helper. hybridctl starts one per SYSVOL share it
//! reaches over SMB and talks to it over stdin and stdout (the frames of
//! `hybridctl_providers::gpo::smb::protocol`); it is never run by hand.
//!
//! It exists so that only this process links libsmbclient and its ~150 Samba libraries
//! (loading them cost ~20 ms of every hybridctl start), and so that each share's session
//! reads its own KRB5CCNAME.

mod session;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal};
use std::os::fd::{AsRawFd, FromRawFd};
use std::process::ExitCode;

use hybridctl_providers::gpo::smb::protocol::{read_frame, write_frame, Request, Response};

/// Serves one session: an `Open`, then requests until stdin closes.
pub fn run() -> ExitCode {
    if io::stdin().is_terminal() {
        eprintln!("hybridctl-smb is hybridctl's SMB helper: hybridctl starts it, with requests on its stdin");
        return ExitCode::from(2);
    }
    let out = match protocol_stdout() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("hybridctl-smb: cannot set up its output: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut from = BufReader::new(io::stdin().lock());
    let mut to = BufWriter::new(out);

    let session = match read_frame::<Request>(&mut from) {
        Ok(Some(Request::Open {
            server,
            share,
            login,
        })) => session::Session::open(&server, &share, login),
        Ok(Some(_)) => {
            eprintln!("hybridctl-smb: the first request must open the session");
            return ExitCode::FAILURE;
        }
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hybridctl-smb: {e}");
            return ExitCode::FAILURE;
        }
    };
    let session = match session {
        Ok(s) => {
            if write_frame(&mut to, &Response::Done).is_err() {
                return ExitCode::FAILURE;
            }
            s
        }
        Err(f) => {
            let _ = write_frame(&mut to, &Response::Failed(f));
            return ExitCode::SUCCESS;
        }
    };
    loop {
        let answer = match read_frame::<Request>(&mut from) {
            Ok(Some(request)) => session.serve(request),
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hybridctl-smb: {e}");
                return ExitCode::FAILURE;
            }
        };
        if write_frame(&mut to, &answer).is_err() {
            return ExitCode::FAILURE;
        }
    }
}

/// The protocol's output: the process's stdout, moved to a new descriptor, with fd 1 then
/// pointed at stderr so that nothing a C library prints can corrupt a frame.
fn protocol_stdout() -> io::Result<File> {
    let stdout = io::stdout();
    let fd = stdout.as_raw_fd();
    // SAFETY: dup and dup2 on descriptors this process owns; the new descriptor is owned
    // by the returned File alone.
    unsafe {
        let copy = libc::dup(fd);
        if copy < 0 {
            return Err(io::Error::last_os_error());
        }
        if libc::dup2(libc::STDERR_FILENO, fd) < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(File::from_raw_fd(copy))
    }
}
