//! The emulated tenant: seeded from a JSON file, kept in memory, changed by PATCH.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

#[derive(Clone, Debug, Deserialize)]
pub struct Client {
    pub client_id: String,
    /// The client secret, for apps that authenticate with one.
    #[serde(default)]
    pub secret: String,
    /// The app's registered certificate (PEM), for apps that sign client assertions.
    #[serde(default)]
    pub certificate_pem: Option<String>,
    /// Application permissions granted to the app (`Policy.ReadWrite.Authorization`, ...).
    pub permissions: Vec<String>,
}

/// Faults switched on by configuration, to test how clients cope.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Answer this many API requests with 429 and `Retry-After`.
    #[serde(default)]
    pub throttle: u32,
    /// The `Retry-After` value sent with each 429, in seconds (decimals allowed).
    #[serde(default = "default_retry_after")]
    pub retry_after: String,
    /// Answer this many API requests with 503 (`u32::MAX`: always).
    #[serde(default)]
    pub unavailable: u32,
    /// Delay every API response by this long.
    #[serde(default)]
    pub delay_ms: u64,
    /// Close this many connections without answering.
    #[serde(default)]
    pub drop: u32,
}

fn default_retry_after() -> String {
    "1".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub tenant_id: String,
    pub clients: Vec<Client>,
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    pub subscribed_skus: Vec<Value>,
    pub organization: Vec<Value>,
    pub on_premises_synchronization: Vec<Value>,
    pub authorization_policy: Value,
    pub authentication_methods_policy: Value,
    #[serde(default)]
    pub faults: Faults,
}

fn default_page_size() -> usize {
    100
}

/// One request and its answer, as the emulator saw them (for validation in tests).
#[derive(Clone, Debug)]
pub struct Exchange {
    pub method: String,
    /// Path without the `/v1.0` prefix, and without the query.
    pub path: String,
    pub status: u16,
    pub request: Option<Value>,
    pub response: Option<Value>,
}

pub struct State {
    pub seed: Seed,
    pub faults: Faults,
    /// Access tokens: token -> (client id, expiry).
    pub tokens: HashMap<String, (String, Instant)>,
    pub exchanges: Vec<Exchange>,
    /// This emulator's own `https://host:port/v1.0`: where `@odata.nextLink` points, so
    /// a client that follows links as given never leaves loopback.
    pub base: String,
}

pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3599);

impl State {
    pub fn new(seed: Seed) -> State {
        State {
            faults: seed.faults.clone(),
            seed,
            tokens: HashMap::new(),
            exchanges: Vec::new(),
            base: String::new(),
        }
    }

    pub fn client(&self, id: &str) -> Option<&Client> {
        self.seed.clients.iter().find(|c| c.client_id == id)
    }
}
