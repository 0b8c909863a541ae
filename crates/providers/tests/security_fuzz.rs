//! Bounded fuzzing on stable Rust: the descriptor codec, the SDDL reader and the SID and
//! GUID readers never panic, and whatever they accept comes back the same. Case counts are
//! kept small so the whole file runs in seconds in CI.

use std::path::PathBuf;

use hybridctl_providers::ad::security::{sddl, Guid, SecurityDescriptor, Sid};
use proptest::prelude::*;

const FIXTURES: &[&[u8]] = &[
    include_bytes!("fixtures/sd/domain-root-dacl.bin"),
    include_bytes!("fixtures/sd/domain-root-full.bin"),
    include_bytes!("fixtures/sd/ou-staff-full.bin"),
    include_bytes!("fixtures/sd/user-full.bin"),
    include_bytes!("fixtures/sd/user-dacl.bin"),
    include_bytes!("fixtures/sd/adminsdholder-full.bin"),
];

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/sddl")
        .join(name)
}

/// Windows-built descriptors from the corpus (the small, uncompressed files) and their SDDL.
fn windows_descriptors() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for name in [
        "samba-windows-registry-object-rights.json",
        "samba-windows-conditional_aces.txt.json",
    ] {
        let text = std::fs::read_to_string(corpus(name)).unwrap();
        let map: std::collections::BTreeMap<String, Vec<u8>> = serde_json::from_str(&text).unwrap();
        out.extend(map);
    }
    out
}

fn domain() -> Sid {
    "S-1-5-21-2457507606-2709100691-398136650".parse().unwrap()
}

/// Decoding never panics; what decodes encodes, decodes to the same value and encodes
/// to the same bytes again. Rendering it as SDDL never panics either.
fn decode_is_stable(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(sd) = SecurityDescriptor::decode(bytes) {
        let _ = sddl::to_sddl(&sd, None);
    }
    decode_encode_is_stable(bytes)
}

fn decode_encode_is_stable(bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(sd) = SecurityDescriptor::decode(bytes) else {
        return Ok(());
    };
    let Ok(once) = sd.encode() else { return Ok(()) };
    let again =
        SecurityDescriptor::decode(&once).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&again, &sd);
    prop_assert_eq!(again.encode().ok(), Some(once));
    Ok(())
}

#[test]
fn real_descriptors_round_trip_and_every_truncation_and_byte_mutation_is_safe() {
    let corpus = windows_descriptors();
    let all: Vec<&[u8]> = FIXTURES
        .iter()
        .copied()
        .chain(corpus.iter().map(|(_, b)| b.as_slice()))
        .collect();
    for bytes in all {
        let sd = SecurityDescriptor::decode(bytes).expect("real descriptor decodes");
        assert_eq!(
            sd.encode().unwrap(),
            bytes,
            "real descriptor re-encodes byte for byte"
        );
        for cut in 0..bytes.len() {
            decode_encode_is_stable(&bytes[..cut]).unwrap();
        }
        // Two values per byte keep this to a few seconds in a debug build; the proptests
        // below try other values.
        let mut m = bytes.to_vec();
        for i in 0..m.len() {
            let orig = m[i];
            for v in [0xff, orig ^ 0x81] {
                m[i] = v;
                decode_encode_is_stable(&m).unwrap();
            }
            m[i] = orig;
        }
    }
}

fn sddl_alphabet() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("O:"),
            Just("G:"),
            Just("D:"),
            Just("S:"),
            Just("("),
            Just(")"),
            Just(";"),
            Just("A"),
            Just("OA"),
            Just("AU"),
            Just("ML"),
            Just("XA"),
            Just("P"),
            Just("AI"),
            Just("CI"),
            Just("IO"),
            Just("GA"),
            Just("RP"),
            Just("FA"),
            Just("0x1f"),
            Just("12"),
            Just("WD"),
            Just("DA"),
            Just("S-1-5-21-1-2-3"),
            Just("-"),
            Just(" "),
            Just("0"),
            Just("bf967aba-0de6-11d0-a285-00aa003049e2"),
            Just("NO_ACCESS_CONTROL"),
            Just("é"),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

/// What the reader accepts encodes, and its rendering reads back to the same bytes.
fn sddl_is_stable(text: &str) -> Result<(), TestCaseError> {
    let domain = domain();
    let Ok(sd) = sddl::parse(text, Some(&domain)) else {
        return Ok(());
    };
    let bytes = sd
        .encode()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back =
        SecurityDescriptor::decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let shown = sddl::to_sddl(&back, Some(&domain));
    let again = sddl::parse(&shown, Some(&domain))
        .map_err(|e| TestCaseError::fail(format!("`{text}` -> `{shown}`: {e}")))?;
    prop_assert_eq!(
        again.encode().ok(),
        Some(bytes),
        "`{}` -> `{}`",
        text,
        shown
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_is_stable(&bytes)?;
    }

    #[test]
    fn real_descriptors_with_random_mutations(which in 0usize..6, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = FIXTURES[which].to_vec();
        for (i, v) in edits {
            let n = bytes.len();
            bytes[i % n] = v;
        }
        decode_is_stable(&bytes)?;
    }

    #[test]
    fn sddl_from_tokens_never_panics(text in sddl_alphabet()) {
        sddl_is_stable(&text)?;
    }

    #[test]
    fn arbitrary_text_never_panics_the_sddl_reader(text in "\\PC{0,40}") {
        sddl_is_stable(&text)?;
    }

    #[test]
    fn conditions_never_panic(cond in "[-()!&|=<>{}@,#\"a-zA-Z0-9_. %]{0,40}") {
        sddl_is_stable(&format!("D:(XA;;;;;WD;{cond})"))?;
    }

    #[test]
    fn sid_reader(text in "[Ss0-9xXa-fA-F+ -]{0,40}") {
        if let Ok(sid) = text.parse::<Sid>() {
            let shown = sid.to_string();
            prop_assert_eq!(shown.parse::<Sid>().ok(), Some(sid.clone()));
            prop_assert_eq!(Sid::decode(&sid.to_bytes()).ok().map(|(s, _)| s), Some(sid));
        }
    }

    #[test]
    fn sid_reader_reads_what_it_writes(auth in 0u64..(1 << 48), subs in proptest::collection::vec(any::<u32>(), 0..16)) {
        let text = std::iter::once(format!("S-1-{auth}")).chain(subs.iter().map(u32::to_string)).collect::<Vec<_>>().join("-");
        let sid: Sid = text.parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(sid.to_string().parse::<Sid>().ok(), Some(sid));
    }

    #[test]
    fn guid_reader(text in "[{}0-9a-fA-FxX -]{0,40}") {
        if let Ok(g) = text.parse::<Guid>() {
            prop_assert_eq!(g.to_string().parse::<Guid>().ok(), Some(g));
            prop_assert!(text.len() == 36 || text.len() == 38);
        }
    }

    #[test]
    fn guid_reader_reads_what_it_writes(raw in any::<[u8; 16]>()) {
        let g = Guid(raw);
        prop_assert_eq!(g.to_string().parse::<Guid>().ok(), Some(g));
        prop_assert_eq!(format!("{{{g}}}").parse::<Guid>().ok(), Some(g));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for open in ["(", "!(", "Member_of (", "(a == {"] {
        let text = format!("D:(XA;;;;;WD;{})", open.repeat(100_000));
        assert!(sddl::parse(&text, None).is_err());
    }
}

/// Every SDDL string in the corpus, cut at every point, never panics the reader.
#[test]
fn every_prefix_of_corpus_sddl_is_safe() {
    for (text, _) in windows_descriptors() {
        for (i, _) in text.char_indices() {
            sddl_is_stable(&text[..i]).unwrap();
        }
    }
}
