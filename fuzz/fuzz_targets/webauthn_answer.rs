//! A security key's answer comes from the client: whatever it sends, reading it and checking it
//! against a registration challenge must never panic, and nothing the fuzzer makes may be
//! accepted (it cannot know the challenge, which is fresh and random).
#![no_main]

use std::sync::OnceLock;

use countersign::auth::webauthn::{registration_answer, relying_party};
use libfuzzer_sys::fuzz_target;
use webauthn_rs::prelude::{PasskeyRegistration, Uuid, Webauthn};

fn ceremony() -> &'static (Webauthn, PasskeyRegistration) {
    static CEREMONY: OnceLock<(Webauthn, PasskeyRegistration)> = OnceLock::new();
    CEREMONY.get_or_init(|| {
        let rp = relying_party("https://countersign.localhost").expect("a usable origin");
        let (_, state) = rp.start_passkey_registration(Uuid::nil(), "fuzz", "fuzz", None).expect("a challenge");
        (rp, state)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Some(answer) = registration_answer(json) else { return };
    let (rp, state) = ceremony();
    assert!(rp.finish_passkey_registration(&answer, state).is_err(), "accepted a made-up key");
});
