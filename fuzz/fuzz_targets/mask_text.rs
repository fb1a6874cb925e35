//! Masking takes whatever customers write: it must never panic, must be idempotent, and its
//! output must leave nothing it would mask again — with the built-in detectors and with an
//! organisation's own patterns on top (one keeps nothing, one keeps two characters, one
//! overlaps what the built-in detectors find).
#![no_main]

use std::sync::OnceLock;

use countersign::mask::{self, CustomPattern, DataClass, Detectors, PatternSpec};
use libfuzzer_sys::fuzz_target;

fn detectors() -> &'static Detectors {
    static DETECTORS: OnceLock<Detectors> = OnceLock::new();
    DETECTORS.get_or_init(|| {
        let spec = |name: &str, pattern: &str, class, keep_last| PatternSpec {
            name: name.to_owned(),
            pattern: pattern.to_owned(),
            class,
            keep_last,
        };
        let patterns = CustomPattern::compile_all(vec![
            spec("Loyalty card", r"\bLOY-?\d{8}\b", DataClass::Financial, 2),
            spec("Member", r"(?i)member\s*#?\s*\w{4,10}", DataClass::Identity, 0),
            spec("Digits", r"\d{6,}", DataClass::Contact, 4),
        ])
        .unwrap_or_else(|e| panic!("the fuzz patterns compile: {e}"));
        Detectors::default().with_region(phonenumber::country::Id::GB).with_patterns(patterns)
    })
}

fuzz_target!(|input: &str| {
    for detectors in [&Detectors::default().with_region(phonenumber::country::Id::GB), detectors()] {
        let once = mask::text(input, detectors, |_| false).into_owned();
        let twice = mask::text(&once, detectors, |_| false);
        assert_eq!(twice, once, "masking is idempotent");
        assert!(mask::matches(&once, detectors).is_empty(), "something is left to mask: {once:?}");
    }
});
