//! The WebAuthn relying party (pure: no store). `webauthn-rs` does the ceremony checks:
//! challenge, origin, relying-party id hash, signature, user verification and the signature
//! counter; this module only configures it and reads a client's answers.

use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, Url};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::error::{Error, Result};

/// The relying party for `origin` (`https://inbox.example.com`); its host is the RP id.
pub fn relying_party(origin: &str) -> Result<Webauthn> {
    let invalid =
        |why: &str| Error::Invalid(format!("the security-key origin {origin:?} is not usable: {why}"));
    let url = Url::parse(origin).map_err(|_| invalid("not a URL"))?;
    let rp_id = url.host_str().ok_or_else(|| invalid("it has no host"))?.to_owned();
    WebauthnBuilder::new(&rp_id, &url)
        .and_then(|b| b.rp_name("Countersign").build())
        .map_err(|_| invalid("webauthn-rs refused it"))
}

/// A client's answer to a registration challenge; anything unreadable is "not accepted".
pub fn registration_answer(json: serde_json::Value) -> Option<RegisterPublicKeyCredential> {
    serde_json::from_value(json).ok()
}

/// A client's answer to an authentication challenge; anything unreadable is "not accepted".
pub fn assertion_answer(json: serde_json::Value) -> Option<PublicKeyCredential> {
    serde_json::from_value(json).ok()
}
