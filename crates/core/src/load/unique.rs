//! Maps in a spec whose keys must be unique. serde fills a `BTreeMap` last-wins, so a key
//! given twice would silently drop the first value; these deserializers refuse it instead.
//! Used from `spec.rs` with `#[serde(deserialize_with = ...)]`.
//!
//! The error names the key and both spellings; the loader then points at the second one.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};

use crate::spec::{TemplateSection, TemplateValue};

/// The start of every duplicate-key message; the loader looks for it to find the key.
pub(crate) const DUPLICATE: &str = "duplicate key";
/// The start of every bad-value message, followed by the key in backquotes.
pub(crate) const BAD_VALUE: &str = "the value of";

/// `template`: section names and the keys in each section are unique ignoring case, as
/// GptTmpl.inf reads them.
pub(crate) fn template<'de, D>(d: D) -> Result<BTreeMap<String, TemplateSection>, D::Error>
where
    D: Deserializer<'de>,
{
    let sections: BTreeMap<String, SectionKeys> =
        d.deserialize_map(UniqueMap::new("template", true, None))?;
    sections
        .into_iter()
        .map(|(name, s)| {
            let section = match s {
                SectionKeys::Keys(keys) => TemplateSection::Keys(keys),
                SectionKeys::Misplaced(v) => misplaced(v, &name)?,
            };
            Ok((name, section))
        })
        .collect()
}

/// `features`: Graph property names, unique as written.
pub(crate) fn features<'de, D>(d: D) -> Result<BTreeMap<String, bool>, D::Error>
where
    D: Deserializer<'de>,
{
    d.deserialize_map(UniqueMap::new("features", false, Some("`true` or `false`")))
}

/// A section's keys, checked for duplicates, or a bare value that validation explains.
enum SectionKeys {
    Keys(BTreeMap<String, TemplateValue>),
    Misplaced(serde_yaml::Value),
}

/// A bare value where a section belongs, kept for validation to explain.
fn misplaced<E: de::Error>(v: serde_yaml::Value, name: &str) -> Result<TemplateSection, E> {
    serde_yaml::from_value(v).map_err(|e| E::custom(format!("template section `{name}`: {e}")))
}

impl<'de> serde::Deserialize<'de> for SectionKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SectionKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of GptTmpl.inf keys to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SectionKeys, A::Error> {
                UniqueMap::new(
                    "template section",
                    true,
                    Some("a number, `true`/`false` or text"),
                )
                .visit_map(map)
                .map(SectionKeys::Keys)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<SectionKeys, E> {
                Ok(SectionKeys::Misplaced(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SectionKeys, E> {
                Ok(SectionKeys::Misplaced(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SectionKeys, E> {
                Ok(SectionKeys::Misplaced(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SectionKeys, E> {
                Ok(SectionKeys::Misplaced(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SectionKeys, E> {
                Ok(SectionKeys::Misplaced(v.into()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<SectionKeys, E> {
                Ok(SectionKeys::Misplaced(serde_yaml::Value::Null))
            }
        }
        d.deserialize_any(V)
    }
}

struct UniqueMap<V> {
    what: &'static str,
    ignore_case: bool,
    /// What a value must be, said when one is not: serde's own words for an untagged
    /// enum name no key and no accepted form.
    values: Option<&'static str>,
    value: PhantomData<V>,
}

impl<V> UniqueMap<V> {
    fn new(what: &'static str, ignore_case: bool, values: Option<&'static str>) -> Self {
        UniqueMap {
            what,
            ignore_case,
            values,
            value: PhantomData,
        }
    }
}

impl<'de, V: DeserializeOwned> Visitor<'de> for UniqueMap<V> {
    type Value = BTreeMap<String, V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a map ({})", self.what)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // Normalized key -> the key as first written.
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let norm = if self.ignore_case {
                key.to_lowercase()
            } else {
                key.clone()
            };
            if let Some(first) = seen.get(&norm) {
                let case = if *first == key {
                    ""
                } else {
                    "; keys that differ only in case are the same key"
                };
                return Err(de::Error::custom(format!(
                    "{DUPLICATE} `{key}` in {} (`{first}` came first{case})",
                    self.what
                )));
            }
            let value = map.next_value::<V>().map_err(|e| match self.values {
                Some(form) => de::Error::custom(format!(
                    "{BAD_VALUE} `{key}` in {} must be {form}",
                    self.what
                )),
                None => e,
            })?;
            seen.insert(norm, key.clone());
            out.insert(key, value);
        }
        Ok(out)
    }
}
