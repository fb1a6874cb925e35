//! Webhook bodies are untrusted until their signature verifies, and the parser must never
//! panic on anything Meta (or an attacker holding the app secret) might send.
#![no_main]

use countersign::channel::whatsapp::webhook::{parse, Item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(delivery) = parse(data) {
        for item in delivery.items {
            // Every chat message the parser returns is placeable (an id and a customer) and
            // has words for lists and notifications, whatever its content.
            if let Item::Inbound(m) | Item::Echo(m) = item {
                assert!(!m.wa_message_id.is_empty());
                assert!(m.customer.is_identified());
                assert!(m.text.as_deref().is_some_and(|t| !t.is_empty()));
            }
        }
    }
});
