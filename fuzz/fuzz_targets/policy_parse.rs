//! IT's policy file decides how locked down a PC is, and a malformed one must stop the app
//! with an explanation: parsing any text must never panic, a refusal must say where and what,
//! and an accepted policy's values must be the checked ones.
#![no_main]

use countersign::managed::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match Policy::parse(text, "fuzz") {
        Ok(policy) => {
            assert!(policy.lock_after_seconds.is_none_or(|s| (60..=3600).contains(&s)));
            assert!(policy.data_dir.as_ref().is_none_or(|d| d.is_absolute()));
            assert!(policy.log_level.as_deref().is_none_or(|l| ["error", "warn", "info", "debug"].contains(&l)));
            assert!(policy.graph_base_urls.iter().flatten().all(|u| u.scheme() == "https" || u.scheme() == "http"));
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            assert!(e.problems.iter().all(|p| !p.at.is_empty() && !p.message.is_empty()));
        }
    }
});
