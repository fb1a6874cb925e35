//! The signature header is attacker-controlled: verification must never panic and must never
//! accept a header that is not the HMAC of the body.
#![no_main]

use countersign::channel::whatsapp::signature::{sign, verify};
use countersign::keys::SecretString;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &[u8])| {
    let (header, body) = input;
    let secret = SecretString::from("fuzz-app-secret".to_owned());
    let accepted = verify(&secret, Some(header), body).is_ok();
    let expected = sign(&secret, body).unwrap_or_default();
    let expected_hex = expected.trim_start_matches("sha256=");
    let genuine = header.trim().strip_prefix("sha256=").is_some_and(|h| h.eq_ignore_ascii_case(expected_hex));
    assert_eq!(accepted, genuine, "accepted a forged signature or refused a genuine one");
});
