//! SDDL against what Windows wrote: Samba's collection of `ConvertSecurityDescriptorToStringSecurityDescriptor`
//! pairs and of `ConvertStringSecurityDescriptorToSecurityDescriptor` bytes
//! (see ../shared/corpus/SOURCES.md).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use hybridctl_providers::ad::security::{sddl, SecurityDescriptor, Sid};

/// The domain the Windows machine that produced the corpus belonged to.
const CORPUS_DOMAIN: &str = "S-1-5-21-2457507606-2709100691-398136650";

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/sddl")
        .join(name)
}

fn domain() -> Sid {
    CORPUS_DOMAIN.parse().unwrap()
}

fn pairs(name: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(corpus(name))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (i, o) = l
                .split_once(" -> ")
                .unwrap_or_else(|| panic!("{name}: no ` -> ` in {l}"));
            (i.to_string(), o.to_string())
        })
        .collect()
}

/// parse -> encode -> decode -> render, as Windows would show the descriptor it built.
fn windows_round_trip(input: &str, domain: &Sid) -> Result<String, String> {
    let sd = sddl::parse(input, Some(domain)).map_err(|e| e.to_string())?;
    let bytes = sd.encode().map_err(|e| e.to_string())?;
    let back = SecurityDescriptor::decode(&bytes).map_err(|e| e.to_string())?;
    Ok(sddl::to_sddl(&back, Some(domain)))
}

/// Pairs we do not reproduce on purpose: Windows clamps or wraps out-of-range numbers,
/// reads `0`-prefixed masks as octal and hex sub-authorities, and tolerates spaces inside a
/// SID; hybridctl refuses such text rather than read a typo as a different number.
const REFUSED_ON_PURPOSE: &[(&str, &str)] = &[
    ("D:(A;;01234567;;;LG)", "octal mask (looks decimal)"),
    ("D:(A;;GA;;;S-1-3-0x00000002-3-4)", "hex sub-authority"),
    ("D:(A;;GA;;;S-1-3-0xffffffff-3-4)", "hex sub-authority"),
    ("D:(A;;GA;;;S-1-5-21-0x1-0x2-0x3-513)", "hex sub-authority"),
    (
        "D:(A;;GA;;;S-1-5-21-2447931902-1787058256-3961074038-0x4b1)",
        "hex sub-authority",
    ),
    ("O:S-1-2-0x200D:", "hex sub-authority"),
    ("O:S-1-2-0x2D:(A;;GA;;;LG)", "hex sub-authority"),
    ("O:S- 1- 2-3", "spaces inside a SID"),
    (
        "D:(A;;0x123456789;;;LG)",
        "mask wider than 32 bits (Windows clamps)",
    ),
    ("D:(A;;CC;;;S-0x1-0-0-579)", "hex revision"),
    ("O:S-0x1-20-0-579", "hex revision"),
    (
        "D:(A;;GA;;;S-1-3-4294967296-3-4)",
        "sub-authority over 32 bits (Windows clamps)",
    ),
    (
        "D:(A;;GA;;;S-1-3-0x100000000-3-4)",
        "hex sub-authority over 32 bits",
    ),
    (
        "D:(A;;GA;;;S-1-5-21-0x1313131313131-513)",
        "hex sub-authority over 32 bits",
    ),
    ("D:(A;;-99;;;LG)", "negative mask (Windows wraps)"),
    ("D:(A;;-0xffffff55;;;LG)", "negative mask (Windows wraps)"),
    ("D:(A;;-9876543210;;;LG)", "negative mask (Windows wraps)"),
    (
        "D:(A;;100000000000000000000000;;;LG)",
        "mask wider than 32 bits (Windows clamps)",
    ),
];

#[test]
fn windows_pairs_render_as_windows_writes_them() {
    let domain = domain();
    let mut wrong = Vec::new();
    let mut refused = Vec::new();
    let mut count = 0;
    for file in [
        "samba-windows-pairs-canonical.txt",
        "samba-windows-pairs-non_canonical.txt",
        "samba-windows-pairs-windows_is_less_fussy.txt",
        "samba-windows-pairs-windows_is_weird.txt",
        "samba-windows-pairs-windows_is_fussy.txt",
    ] {
        for (input, windows) in pairs(file) {
            count += 1;
            match windows_round_trip(&input, &domain) {
                Ok(ours) if ours == windows => {}
                Err(_) if REFUSED_ON_PURPOSE.iter().any(|(i, _)| *i == input) => {
                    refused.push(input)
                }
                other => wrong.push(format!(
                    "{file}: {input}\n  windows: {windows}\n  ours:    {other:?}"
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {count} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        refused.len(),
        REFUSED_ON_PURPOSE.len(),
        "a refusal no longer happens: {refused:?}"
    );
}

/// Every line Windows rejects, we reject too.
#[test]
fn what_windows_rejects_is_rejected() {
    let domain = domain();
    let mut accepted = Vec::new();
    let all = pairs("samba-windows-pairs-should_fail.txt");
    assert_eq!(all.len(), 47);
    for (input, _) in all {
        if let Ok(sd) = sddl::parse(&input, Some(&domain)) {
            accepted.push(format!("{input} -> {}", sddl::to_sddl(&sd, Some(&domain))));
        }
    }
    assert!(accepted.is_empty(), "accepted:\n{}", accepted.join("\n"));
}

fn json_corpus(name: &str) -> BTreeMap<String, Vec<u8>> {
    let raw = std::fs::read(corpus(name)).unwrap();
    let text = if name.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(raw).unwrap()
    };
    serde_json::from_str(&text).unwrap()
}

/// Every check one (SDDL, Windows bytes) pair allows; the failures as text.
fn check_bytes(sddl_text: &str, windows: &[u8], domain: &Sid, read_sddl: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let sd = match SecurityDescriptor::decode(windows) {
        Ok(sd) => sd,
        Err(e) => return vec![format!("decode: {e}")],
    };
    if sd.encode().ok().as_deref() != Some(windows) {
        problems.push("decode -> encode changed the bytes".into());
    }
    let ours = sddl::to_sddl(&sd, Some(domain));
    if !read_sddl {
        return problems;
    }
    match sddl::parse(&ours, Some(domain)).map(|sd| sd.encode()) {
        Ok(Ok(b)) if b == windows => {}
        other => problems.push(format!("render `{ours}` -> parse -> encode: {other:?}")),
    }
    match sddl::parse(sddl_text, Some(domain)).map(|sd| sd.encode()) {
        Ok(Ok(b)) if b == windows => {}
        Ok(Ok(b)) => problems.push(format!("parse -> encode: {b:?}")),
        other => problems.push(format!("parse -> encode: {other:?}")),
    }
    problems
}

/// Descriptors Windows built differently from the rest, with no rule found that explains
/// it: these 8 (all holding one of these runs of ACEs) have ACL revision 4 and 4 bytes of padding
/// though they hold no object ACE, where 151 others with an empty mask have revision 2 and
/// none. They still decode and re-encode byte for byte.
const WINDOWS_QUIRK: &[&str] = &[
    "(A;;0x1200a9;;;AU)(A;;;;;AU)",
    "(A;OICI;0x1200a9;;;AU)(A;OICI;;;;AU)",
];

fn check_json_corpus(name: &str, read_sddl: bool) -> usize {
    let domain = domain();
    let all = json_corpus(name);
    let mut bad = Vec::new();
    let mut quirks = 0;
    for (text, bytes) in &all {
        let quirk = WINDOWS_QUIRK.iter().any(|q| text.contains(q));
        quirks += usize::from(quirk);
        let problems = check_bytes(text, bytes, &domain, read_sddl && !quirk);
        if !problems.is_empty() {
            bad.push(format!("{text}\n  {}", problems.join("\n  ")));
        }
    }
    let shown: Vec<String> = bad
        .iter()
        .take(5)
        .map(|s| s.chars().take(600).collect())
        .collect();
    assert!(
        bad.is_empty(),
        "{name}: {} of {} fail, e.g.\n{shown:#?}",
        bad.len(),
        all.len()
    );
    assert!(
        quirks == 0 || quirks == 8,
        "{quirks} descriptors show the quirk"
    );
    all.len()
}

#[test]
fn ordinary_acls_read_and_write_as_windows_does() {
    assert_eq!(
        check_json_corpus("samba-windows-short-ordinary-acls.json.gz", true),
        7140
    );
}

#[test]
fn revision_2_acls_read_and_write_as_windows_does() {
    assert_eq!(
        check_json_corpus("samba-windows-short-ordinary-acls-v2.json.gz", true),
        117
    );
}

#[test]
fn registry_rights_read_and_write_as_windows_does() {
    assert_eq!(
        check_json_corpus("samba-windows-registry-object-rights.json", true),
        11
    );
}

/// Conditional and resource-attribute ACEs Windows built: they decode, re-encode byte for
/// byte, render with their condition, and both Windows' SDDL and ours compile to Windows' bytes.
#[test]
fn conditional_aces_decode_and_render_their_conditions() {
    let domain = domain();
    let all = json_corpus("samba-windows-conditional_aces.txt.json");
    assert_eq!(
        check_json_corpus("samba-windows-conditional_aces.txt.json", true),
        60
    );
    let mut unreadable = Vec::new();
    for (text, bytes) in &all {
        let ours = sddl::to_sddl(&SecurityDescriptor::decode(bytes).unwrap(), Some(&domain));
        if ours.contains("cannot express") || !ours.contains("XA;") && !ours.contains("XD;") {
            unreadable.push(format!("{text} -> {ours}"));
        }
    }
    assert!(unreadable.is_empty(), "{unreadable:#?}");
}
