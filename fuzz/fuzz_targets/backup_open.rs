//! A backup archive handed to `countersign restore` may have been changed by anyone who held
//! the file: opening any bytes must never panic, and must never yield data unless every
//! chunk authenticates (random bytes never do).
#![no_main]

use countersign::backup::open;
use countersign::clock::SeededRandom;
use countersign::keys::DataKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let key = DataKey::generate(&SeededRandom::new(7));
    let mut out = Vec::new();
    assert!(open(&mut &bytes[..], &mut out, &key).is_err());
});
