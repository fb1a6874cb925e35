//! The single sign-on redirect arrives on a loopback port any program on the PC can reach:
//! reading its query must never panic, and what it lets through is bounded and printable (a
//! code and state to check against the sign-in; an error reduced to letters and `_`).
#![no_main]

use countersign::auth::loopback::CallbackAnswer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|query: &str| {
    match CallbackAnswer::from_query(query) {
        Ok(CallbackAnswer::Code { code, state }) => {
            for value in [&code, &state] {
                assert!(!value.is_empty() && value.len() <= 4096);
                assert!(value.bytes().all(|b| b.is_ascii_graphic()), "{value:?}");
            }
        }
        Ok(CallbackAnswer::Refused { error }) => {
            assert!(error.len() <= 64 && error.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{error:?}");
        }
        Err(_) => {}
    }
});
