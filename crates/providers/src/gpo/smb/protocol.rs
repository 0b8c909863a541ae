//! What hybridctl and its SMB helper (`hybridctl-smb`, crates/smb) say to each other over
//! the helper's stdin and stdout. A frame is a length (u32, big-endian) and that many
//! bytes of one JSON message; file contents travel as base64.
//!
//! The first request opens the session; then each request gets one response, in order.
//! The helper exits when its stdin closes.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The largest frame either side reads: a GPO's GptTmpl.inf is kilobytes, and a frame that
/// claims more is refused before anything is allocated for it.
pub const MAX_FRAME: u32 = 64 * 1024 * 1024;

/// The largest file that travels in one frame (base64 takes 4 bytes for 3, plus the JSON
/// around it); the helper answers a larger one with a failure that says so.
pub const MAX_FILE: usize = 32 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// First, and only once: log in to `\\server\share` (SMB3 encryption required).
    Open {
        server: String,
        share: String,
        login: Login,
    },
    /// A file's bytes, or `None` when it does not exist.
    Read { path: String },
    /// Creates or replaces a file whose folders exist.
    Write {
        path: String,
        #[serde(with = "base64_bytes")]
        bytes: Vec<u8>,
    },
    /// Creates a folder and its parents when missing.
    CreateDirs { path: String },
}

/// How the helper logs in. No `Debug`: the password must never be formatted.
#[derive(Serialize, Deserialize)]
#[serde(tag = "with", rename_all = "snake_case")]
pub enum Login {
    /// NTLMv2 inside an encrypted SMB3 session.
    Password {
        account: String,
        workgroup: String,
        password: Zeroizing<String>,
    },
    /// The ticket in the cache the helper's KRB5CCNAME names; never a fallback to NTLM.
    Kerberos { account: String, realm: String },
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Response {
    Done,
    File {
        #[serde(with = "base64_opt")]
        bytes: Option<Vec<u8>>,
    },
    Failed(Failure),
}

/// A failed request, as libsmbclient reported it.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The errno libsmbclient mapped the NT status to, when there was one.
    pub errno: Option<i32>,
    pub message: String,
    /// The folder a `CreateDirs` stopped at (share-relative, `/`-separated).
    pub at: Option<String>,
}

impl Failure {
    /// The failure as the `io::Error` libsmbclient gave: the errno's kind when there was one.
    pub fn to_io_error(&self) -> io::Error {
        match self.errno {
            Some(n) => io::Error::from_raw_os_error(n),
            None => io::Error::other(self.message.clone()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("a frame of {0} bytes is over the limit of {MAX_FRAME}")]
    TooLarge(usize),
    #[error("a frame that is not a message: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes one message as one frame and flushes. The serialized bytes are wiped afterwards:
/// an `Open` holds a password. They are written into room made ahead, so that an `Open`
/// (well under 4 KiB) is never moved by a growing buffer, which would free an unwiped copy.
pub fn write_frame<T: Serialize>(w: &mut impl Write, message: &T) -> Result<(), FrameError> {
    let body = encode(message)?;
    let len = u32::try_from(body.len())
        .ok()
        .filter(|n| *n <= MAX_FRAME)
        .ok_or(FrameError::TooLarge(body.len()))?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(&body)?;
    w.flush()?;
    Ok(())
}

/// The message as JSON, in a buffer wiped when dropped.
fn encode<T: Serialize>(message: &T) -> Result<Zeroizing<Vec<u8>>, FrameError> {
    let mut body = Zeroizing::new(Vec::with_capacity(4096));
    serde_json::to_writer(&mut *body, message)?;
    Ok(body)
}

/// Reads one frame; `None` when the stream ends cleanly before one starts.
pub fn read_frame<T: for<'de> Deserialize<'de>>(
    r: &mut impl Read,
) -> Result<Option<T>, FrameError> {
    let mut len = [0u8; 4];
    loop {
        match r.read(&mut len[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
    r.read_exact(&mut len[1..])?;
    let len = u32::from_be_bytes(len);
    if len > MAX_FRAME {
        return Err(FrameError::TooLarge(len as usize));
    }
    let mut body = Zeroizing::new(vec![0u8; len as usize]);
    r.read_exact(&mut body)?;
    Ok(Some(serde_json::from_slice(&body)?))
}

mod base64_bytes {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

mod base64_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => super::base64_bytes::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        #[derive(Deserialize)]
        struct Bytes(#[serde(with = "super::base64_bytes")] Vec<u8>);
        Ok(Option::<Bytes>::deserialize(d)?.map(|b| b.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de>>(m: &T) -> T {
        let mut buf = Vec::new();
        write_frame(&mut buf, m).unwrap();
        let mut r = buf.as_slice();
        let back = read_frame(&mut r).unwrap().unwrap();
        assert!(
            read_frame::<T>(&mut r).unwrap().is_none(),
            "one frame, then a clean end"
        );
        back
    }

    #[test]
    fn messages_survive_a_frame_byte_for_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        match round_trip(&Request::Write {
            path: "lab/Policies/{X}/GPT.INI".into(),
            bytes: bytes.clone(),
        }) {
            Request::Write { path, bytes: b } => {
                assert_eq!(path, "lab/Policies/{X}/GPT.INI");
                assert_eq!(b, bytes);
            }
            _ => panic!("not a write"),
        }
        for r in [
            Response::Done,
            Response::File { bytes: None },
            Response::File {
                bytes: Some(b"\xff\xfe[Unicode]".to_vec()),
            },
            Response::Failed(Failure {
                errno: Some(13),
                message: "Permission denied".into(),
                at: Some("/lab/Policies".into()),
            }),
        ] {
            assert_eq!(round_trip(&r), r);
        }
    }

    #[test]
    fn a_frame_over_the_limit_is_refused_before_it_is_read() {
        let mut frame = (MAX_FRAME + 1).to_be_bytes().to_vec();
        frame.extend_from_slice(b"{}");
        assert!(matches!(
            read_frame::<Response>(&mut frame.as_slice()),
            Err(FrameError::TooLarge(n)) if n == MAX_FRAME as usize + 1
        ));
    }

    #[test]
    fn a_cut_frame_is_an_error_not_an_end() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &Response::Done).unwrap();
        for cut in 1..buf.len() {
            assert!(
                matches!(
                    read_frame::<Response>(&mut &buf[..cut]),
                    Err(FrameError::Io(_))
                ),
                "cut at {cut}"
            );
        }
        assert!(matches!(
            read_frame::<Response>(&mut &b"\0\0\0\x02{x"[..]),
            Err(FrameError::Json(_))
        ));
    }

    /// An `Open` is serialized in place: a buffer that grew would have freed a copy of the
    /// password without wiping it.
    #[test]
    fn an_open_frame_never_outgrows_its_wiped_buffer() {
        let open = Request::Open {
            server: "dc01.corp.example.com".repeat(4),
            share: "SYSVOL".into(),
            login: Login::Password {
                account: "svc-hybridctl-with-a-long-name".into(),
                workgroup: "CORP.EXAMPLE.COM".into(),
                password: Zeroizing::new("p".repeat(256)),
            },
        };
        let body = encode(&open).unwrap();
        assert_eq!(body.capacity(), 4096, "{} bytes", body.len());
    }

    #[test]
    fn errno_keeps_its_kind() {
        let f = Failure {
            errno: Some(2),
            message: "No such file or directory".into(),
            at: None,
        };
        assert_eq!(f.to_io_error().kind(), io::ErrorKind::NotFound);
        let f = Failure {
            errno: None,
            message: "context init failed".into(),
            at: None,
        };
        assert_eq!(f.to_io_error().to_string(), "context init failed");
    }
}
