//! Graph's error bodies (the `microsoft.graph.ODataErrors.ODataError` schema).

use serde_json::{json, Value};

/// A response: status, extra headers, body (`None` for 204).
pub type Reply = (u16, Vec<(String, String)>, Option<Value>);

pub fn odata(status: u16, code: &str, message: &str) -> Reply {
    (status, vec![], Some(body(code, message)))
}

pub fn body(code: &str, message: &str) -> Value {
    json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                // Rule 2 of shared/graph/README.md: emit an offset, which the schema requires.
                "date": now_rfc3339(),
                "request-id": uuid(),
                "client-request-id": uuid()
            }
        }
    })
}

pub fn uuid() -> String {
    let b: [u8; 16] = rand::random();
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-4{:x}{:02x}-{:x}{:x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[0], b[1], b[2], b[3], b[4], b[5], b[6] & 0xf, b[7], 8 | (b[8] & 0x3), b[8] >> 4, b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    )
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`: Graph's error dates carry an offset.
pub fn now_rfc3339() -> String {
    hybridctl_core::time::now()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_have_an_offset() {
        let d = super::now_rfc3339();
        assert_eq!(d.len(), 20, "{d}");
        assert!(d.ends_with('Z') && d.as_bytes()[10] == b'T', "{d}");
    }
}
