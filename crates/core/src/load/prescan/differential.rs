//! The pre-scan against libyaml, the parser under serde_yaml: on random YAML-like text,
//! whatever libyaml reads as an anchor or alias in a document it accepts, the scan
//! refuses; and what the scan calls an anchor or alias, libyaml reads as one or rejects.

use std::mem::MaybeUninit;

use proptest::prelude::*;
use unsafe_libyaml as unsafe_y;

use super::{scan, Refused, MAX_DEPTH};

/// What libyaml saw, up to its first error.
#[derive(Debug, Default)]
struct Seen {
    /// An anchor or alias in the first document (the one serde_yaml reads).
    anchors: bool,
    /// One anywhere in the stream.
    anchors_anywhere: bool,
    depth: usize,
    /// The first document parsed to its end without error.
    accepted: bool,
    /// libyaml stopped on an error.
    failed: bool,
}

fn libyaml(text: &str) -> Seen {
    let mut seen = Seen::default();
    // SAFETY: the parser and event live on this stack frame; each event is deleted after
    // use and the parser before returning, as libyaml's API requires; `text` outlives both.
    unsafe {
        let mut parser = MaybeUninit::<unsafe_y::yaml_parser_t>::uninit();
        let parser = parser.as_mut_ptr();
        assert!(unsafe_y::yaml_parser_initialize(parser).ok);
        unsafe_y::yaml_parser_set_input_string(parser, text.as_ptr(), text.len() as _);
        let mut depth = 0usize;
        loop {
            let mut event = MaybeUninit::<unsafe_y::yaml_event_t>::uninit();
            let event = event.as_mut_ptr();
            if !unsafe_y::yaml_parser_parse(parser, event).ok {
                seen.failed = true;
                break;
            }
            let data = &(*event).data;
            let anchor = match (*event).type_ {
                unsafe_y::YAML_ALIAS_EVENT => true,
                unsafe_y::YAML_SCALAR_EVENT => !data.scalar.anchor.is_null(),
                unsafe_y::YAML_SEQUENCE_START_EVENT => {
                    depth += 1;
                    !data.sequence_start.anchor.is_null()
                }
                unsafe_y::YAML_MAPPING_START_EVENT => {
                    depth += 1;
                    !data.mapping_start.anchor.is_null()
                }
                unsafe_y::YAML_SEQUENCE_END_EVENT | unsafe_y::YAML_MAPPING_END_EVENT => {
                    depth -= 1;
                    false
                }
                _ => false,
            };
            seen.anchors_anywhere |= anchor;
            if !seen.accepted {
                seen.anchors |= anchor;
                seen.depth = seen.depth.max(depth);
            }
            let kind = (*event).type_;
            unsafe_y::yaml_event_delete(event);
            match kind {
                unsafe_y::YAML_DOCUMENT_END_EVENT => seen.accepted = true,
                unsafe_y::YAML_STREAM_END_EVENT => break,
                _ => {}
            }
        }
        unsafe_y::yaml_parser_delete(parser);
    }
    seen
}

fn check(text: &str) {
    let seen = libyaml(text);
    match scan(text) {
        Ok(()) => {
            assert!(
                !(seen.accepted && seen.anchors),
                "missed an anchor or alias: {text:?}"
            );
            // Block levels at one indentation (a list under a key) count once.
            assert!(
                !seen.accepted || seen.depth <= 2 * MAX_DEPTH + 1,
                "missed depth {}: {text:?}",
                seen.depth
            );
        }
        Err(Refused::Anchor { .. } | Refused::Alias { .. }) => {
            assert!(
                seen.anchors_anywhere || seen.failed,
                "no anchor or alias here: {text:?} {seen:?}"
            );
        }
        Err(Refused::TooDeep { .. }) => {}
    }
}

#[test]
fn agrees_with_libyaml_on_known_cases() {
    for text in [
        "a: &x 1\nb: *x\n",
        "a: R&D\nb: a*b\n",
        "- [a, &x b, *x]\n",
        "a: |\n  *x\n",
        "a: b\n  *c\n",
        "? &k a\n: *k\n",
        "a: !t &x b\n",
        "'a': \"*x\"\n",
        // Cases the random test below found while the scan was written.
        " ---\n&x ",
        "[\n? &x\n ]",
        "[# \n? &x\n    ]}\n",
        " !t \n  ---\n&x ",
        "!x é: ---\n &x ",
        "{\\:&x }",
        "|2\n\n    |\n  &x ",
        "a: |\n      \n    &x b\n",
    ] {
        check(text);
    }
}

const PIECES: &[&str] = &[
    "a",
    "b",
    "x",
    " ",
    " ",
    "  ",
    "\n",
    "\n",
    "\n  ",
    "\n    ",
    "- ",
    "-",
    ": ",
    ":",
    "&x ",
    "&x",
    "*x",
    "*x ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ",",
    "'",
    "\"",
    "''",
    "\\",
    "# ",
    "#",
    "|",
    "|\n",
    ">",
    "? ",
    "!t ",
    "!",
    "---\n",
    "...\n",
    "R&D",
    "a*b",
    "\t",
    "%YAML 1.1\n",
    "é",
    "\r\n",
    "key: ",
    "  - ",
    ":x",
    "-x",
    "|2\n",
    ">-\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

    #[test]
    fn agrees_with_libyaml_on_random_text(
        pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)
    ) {
        check(&pieces.concat());
    }
}
