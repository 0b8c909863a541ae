//! Resource addresses: `<kind>.<name>`, e.g. `ad.acl.writeback-permissions`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Address {
    pub kind: String,
    pub name: String,
}

impl Address {
    pub fn new(kind: &str, name: &str) -> Address {
        Address {
            kind: kind.to_string(),
            name: name.to_string(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl FromStr for Address {
    type Err = String;

    /// Kinds are two dotted words (`ad.acl`); the name is the rest.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, '.');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), Some(name))
                if !a.is_empty() && !b.is_empty() && !name.is_empty() =>
            {
                Ok(Address {
                    kind: format!("{a}.{b}"),
                    name: name.to_string(),
                })
            }
            _ => Err(format!(
                "`{s}` is not a resource address (expected <kind>.<name>, e.g. ad.acl.writeback)"
            )),
        }
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Address {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let a: Address = "ad.acl.writeback.v2".parse().unwrap();
        assert_eq!(a.kind, "ad.acl");
        assert_eq!(a.name, "writeback.v2");
        assert_eq!(a.to_string(), "ad.acl.writeback.v2");
        assert!("ad.acl".parse::<Address>().is_err());
    }
}
