//! Short content digests: how a saved plan recognises that the spec or the world moved.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// `sha256:<hex>` of the JSON form of `value`.
pub fn of_json<T: Serialize>(value: &T) -> String {
    of_bytes(&serde_json::to_vec(value).expect("spec types always serialize"))
}

pub fn of_bytes(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}
