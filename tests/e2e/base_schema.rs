//! The compiled-in base schema (crates/providers/src/ad/base_schema.tsv) agrees with the
//! lab's DC: every entry it lists, the DC's schema or extended rights hold under the same
//! GUID with the same names, read with ldapsearch. Reads only.

use std::collections::BTreeMap;

use hybridctl_providers::ad::base_schema::{self, Entry};
use hybridctl_providers::ad::schema::{RightEntry, SchemaEntry};

use crate::harness::lab;

fn text(e: &BTreeMap<String, Vec<Vec<u8>>>, attr: &str) -> Option<String> {
    e.get(&attr.to_lowercase())
        .map(|v| String::from_utf8(v[0].clone()).unwrap())
}

fn guid(
    e: &BTreeMap<String, Vec<Vec<u8>>>,
    attr: &str,
) -> Option<hybridctl_providers::ad::security::Guid> {
    e.get(&attr.to_lowercase())
        .and_then(|v| hybridctl_providers::ad::security::Guid::from_slice(&v[0]))
}

#[test]
fn the_base_schema_agrees_with_the_lab_dc_entry_by_entry() {
    let lab = lab();
    let schema_nc = lab.ldap_attr("", "schemaNamingContext").expect("rootDSE");
    let config_nc = lab
        .ldap_attr("", "configurationNamingContext")
        .expect("rootDSE");
    let mut live: Vec<Entry> = lab
        .ldapsearch(
            &schema_nc,
            "one",
            "(|(objectClass=attributeSchema)(objectClass=classSchema))",
            &[
                "schemaIDGUID",
                "lDAPDisplayName",
                "cn",
                "objectClass",
                "attributeSecurityGUID",
            ],
        )
        .iter()
        .map(|e| {
            let is_class = e["objectclass"]
                .iter()
                .any(|c| c.eq_ignore_ascii_case(b"classSchema"));
            Entry::Object(SchemaEntry {
                ldap_name: text(e, "lDAPDisplayName").unwrap(),
                cn: text(e, "cn").unwrap(),
                guid: guid(e, "schemaIDGUID").unwrap(),
                is_class,
                property_set: guid(e, "attributeSecurityGUID").filter(|_| !is_class),
            })
        })
        .collect();
    live.extend(
        lab.ldapsearch(
            &format!("CN=Extended-Rights,{config_nc}"),
            "one",
            "(objectClass=controlAccessRight)",
            &["rightsGuid", "cn", "displayName", "validAccesses"],
        )
        .iter()
        .map(|e| {
            Entry::Right(RightEntry {
                cn: text(e, "cn").unwrap(),
                display_name: text(e, "displayName"),
                guid: text(e, "rightsGuid").unwrap().parse().unwrap(),
                valid_accesses: text(e, "validAccesses").map_or(0, |v| v.parse().unwrap()),
            })
        }),
    );
    assert!(live.len() > 1_700, "the DC listed {} entries", live.len());
    let catalogue = base_schema::all();
    let mut missing = Vec::new();
    for entry in &catalogue {
        if !live.contains(entry) {
            let near: Vec<&Entry> = live.iter().filter(|l| l.guid() == entry.guid()).collect();
            missing.push(format!("{entry:?}; the DC has {near:?}"));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} catalogue entries differ from the lab DC (regenerate with scripts/gen-base-schema?):\n{}",
        missing.len(),
        catalogue.len(),
        missing.join("\n")
    );
    // And for each GUID, every entry the DC has under it (two rights may share one; the DC
    // returns them in an order that differs from one provision to the next, so the order
    // is not compared: each names its own mask bits).
    for g in catalogue.iter().map(Entry::guid) {
        let mut dc: Vec<String> = live
            .iter()
            .filter(|l| l.guid() == g)
            .map(|e| format!("{e:?}"))
            .collect();
        let mut ours: Vec<String> = base_schema::entries(g)
            .iter()
            .map(|e| format!("{e:?}"))
            .collect();
        dc.sort();
        ours.sort();
        assert_eq!(ours, dc, "{g}");
    }
}
