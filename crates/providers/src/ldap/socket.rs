//! The TCP connection under LDAP, opened here so that it can say TCP_NODELAY: ldap3 leaves
//! Nagle's algorithm on, and the TLS Finished record followed at once by the bind request
//! (two small writes) then waits for the DC's delayed ACK, ~40-50 ms of every run.

use std::io;
use std::time::Duration;

use ldap3::StdStream;
use tokio::net::TcpStream;

/// `host:port` of an `ldap://` or `ldaps://` URL (default ports 389 and 636); `None` for
/// other schemes (ldapi://), which ldap3 connects itself.
pub fn address(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let port = match scheme.to_ascii_lowercase().as_str() {
        "ldap" => 389,
        "ldaps" => 636,
        _ => return None,
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    if authority.is_empty() {
        return Some(format!("localhost:{port}"));
    }
    // `[::1]:636`, `[::1]`, `dc01:636`, `dc01`
    let has_port = match authority.rfind(']') {
        Some(close) => authority[close..].contains(':'),
        None => authority.contains(':'),
    };
    Some(match has_port {
        true => authority.to_string(),
        false => format!("{authority}:{port}"),
    })
}

/// A connected TCP stream to `url`'s host with TCP_NODELAY set, for ldap3 to put TLS and
/// LDAP on; `None` when ldap3 should connect itself.
pub async fn connect(url: &str, timeout: Duration) -> io::Result<Option<StdStream>> {
    let Some(addr) = address(url) else {
        return Ok(None);
    };
    let stream = tokio::time::timeout(timeout, TcpStream::connect(&addr))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, format!("connecting to {addr}")))??;
    stream.set_nodelay(true)?;
    Ok(Some(StdStream::Tcp(stream.into_std()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_ldap_urls() {
        assert_eq!(
            address("ldaps://127.0.0.1").as_deref(),
            Some("127.0.0.1:636")
        );
        assert_eq!(
            address("ldap://dc01.corp.example.com").as_deref(),
            Some("dc01.corp.example.com:389")
        );
        assert_eq!(address("LDAPS://dc01:3269/").as_deref(), Some("dc01:3269"));
        assert_eq!(address("ldaps://[::1]").as_deref(), Some("[::1]:636"));
        assert_eq!(address("ldaps://[::1]:1636").as_deref(), Some("[::1]:1636"));
        assert_eq!(address("ldap://").as_deref(), Some("localhost:389"));
        assert_eq!(address("ldapi:///var/run/ldapi"), None);
        assert_eq!(address("dc01"), None);
    }
}
