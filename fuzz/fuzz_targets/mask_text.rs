//! Masking takes whatever customers write: it must never panic, must be idempotent, and its
//! output must leave nothing it would mask again.
#![no_main]

use countersign::mask::{self, Detectors};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let detectors = Detectors::default().with_region(phonenumber::country::Id::GB);
    let once = mask::text(input, &detectors, |_| false).into_owned();
    let twice = mask::text(&once, &detectors, |_| false);
    assert_eq!(twice, once, "masking is idempotent");
    assert!(mask::find(&once, &detectors).is_empty(), "something is left to mask: {once:?}");
});
