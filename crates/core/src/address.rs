//! Resource addresses: `<kind>.<name>`, e.g. `ad.acl.writeback-permissions` or
//! `manual.writeback-in-portal`. The kind is one of [`Kind`]; the name is the rest, up to
//! an `@`: in a spec with several AD connections, an AD resource's address ends in
//! `@<connection>` (`ad.acl.writeback@emea`), so a reviewer sees which domain it hits.
//! Names never hold `@` (validate refuses it), so the text reads back unambiguously.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Kind;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Address {
    pub kind: Kind,
    pub name: String,
    /// The AD connection, in a spec with several.
    pub connection: Option<String>,
}

impl Address {
    pub fn new(kind: Kind, name: &str) -> Address {
        Address {
            kind,
            name: name.to_string(),
            connection: None,
        }
    }

    pub fn with_connection(mut self, connection: Option<&str>) -> Address {
        self.connection = connection.map(str::to_string);
        self
    }

    /// The address without its connection: the resource as the spec declares it.
    pub fn unqualified(&self) -> Address {
        Address::new(self.kind, &self.name)
    }

    /// Whether `self`, as given by a user (`--target`), names `other`: exactly, or without
    /// a connection, every connection's copy of the resource.
    pub fn selects(&self, other: &Address) -> bool {
        self == other || (self.connection.is_none() && *self == other.unqualified())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)?;
        match &self.connection {
            Some(c) => write!(f, "@{c}"),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a resource address (expected <kind>.<name>, e.g. ad.acl.writeback or manual.portal-steps){hint}")]
pub struct AddressError {
    text: String,
    hint: String,
}

impl FromStr for Address {
    type Err = AddressError;

    /// Kinds have one or more dotted words (`manual`, `ad.acl`), so the kind is the
    /// longest known kind the text starts with; the name is everything after it.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (s, connection) = match text.rsplit_once('@') {
            Some((s, c)) if !c.is_empty() => (s, Some(c)),
            Some(_) => {
                return Err(AddressError {
                    text: text.to_string(),
                    hint: "; after `@` comes the connection's name".to_string(),
                })
            }
            None => (text, None),
        };
        let found = Kind::ALL
            .iter()
            .filter_map(|k| {
                let name = s.strip_prefix(k.as_str())?.strip_prefix('.')?;
                (!name.is_empty()).then_some((*k, name))
            })
            .max_by_key(|(k, _)| k.as_str().len());
        match found {
            Some((kind, name)) => Ok(Address::new(kind, name).with_connection(connection)),
            None => {
                let kind_part = s.rsplit_once('.').map(|(k, _)| k).unwrap_or(s);
                let hint = crate::suggest::closest(kind_part, Kind::ALL.iter().map(|k| k.as_str()))
                    .map(|k| format!("; did you mean kind `{k}`?"))
                    .unwrap_or_default();
                Err(AddressError {
                    text: text.to_string(),
                    hint,
                })
            }
        }
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_kind() {
        for k in Kind::ALL {
            let text = format!("{k}.some.name-1");
            let a: Address = text.parse().unwrap();
            assert_eq!((a.kind, a.name.as_str()), (*k, "some.name-1"));
            assert_eq!(a.to_string(), text);
        }
    }

    #[test]
    fn a_connection_round_trips() {
        let a: Address = "entra_connect.permissions.connector@emea".parse().unwrap();
        assert_eq!(a.kind, Kind::EntraConnectPermissions);
        assert_eq!(
            (a.name.as_str(), a.connection.as_deref()),
            ("connector", Some("emea"))
        );
        assert_eq!(a.to_string(), "entra_connect.permissions.connector@emea");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), a);
        assert!("ad.acl.x@".parse::<Address>().is_err());
        // Without a connection, the name selects every connection's copy.
        let bare: Address = "entra_connect.permissions.connector".parse().unwrap();
        assert!(bare.selects(&a) && a.selects(&a));
        assert!(!a.selects(&bare));
        assert!(!"ad.acl.x@corp".parse::<Address>().unwrap().selects(&a));
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        assert!("ad.acl".parse::<Address>().is_err());
        assert!("manual".parse::<Address>().is_err());
        assert!("manual.".parse::<Address>().is_err());
        let e = "ad.acls.x".parse::<Address>().unwrap_err().to_string();
        assert!(e.contains("did you mean kind `ad.acl`?"), "{e}");
    }
}
