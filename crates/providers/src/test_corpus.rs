//! The shared corpus of real-world files (`../shared/corpus`, beside the checkout), for
//! unit tests of the parsers and codecs.

/// The bytes of `corpus/<path>`; a missing file fails the test, naming it.
pub fn corpus(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/corpus/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}
