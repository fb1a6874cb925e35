//! Webhook authenticity: `X-Hub-Signature-256: sha256=<hex>` is an HMAC-SHA256 of the RAW
//! request body keyed with the app secret. The bytes are verified exactly as received (Meta
//! signs its escaped-unicode form, so re-serialized JSON would not match), and the comparison
//! is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::keys::SecretString;

/// A request body whose signature has been checked. Only [`verify`] makes one, so code that
/// takes a `VerifiedBody` cannot be handed unauthenticated bytes.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedBody<'a>(&'a [u8]);

impl<'a> VerifiedBody<'a> {
    /// The verified bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }
}

/// Checks the `X-Hub-Signature-256` header value against `body`.
pub fn verify<'a>(
    app_secret: &SecretString,
    header: Option<&str>,
    body: &'a [u8],
) -> Result<VerifiedBody<'a>> {
    let hex_sig = header.map(str::trim).and_then(|h| h.strip_prefix("sha256=")).ok_or(Error::BadSignature)?;
    let expected = hex::decode(hex_sig).map_err(|_| Error::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.dangerously_expose().as_bytes())
        .map_err(|_| Error::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| Error::BadSignature)?;
    Ok(VerifiedBody(body))
}

/// The header value Meta would send for `body` (for the simulator-free tests and tools).
pub fn sign(app_secret: &SecretString, body: &[u8]) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.dangerously_expose().as_bytes())
        .map_err(|e| Error::Internal(e.to_string()))?;
    mac.update(body);
    Ok(format!("sha256={}", hex::encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn secret() -> SecretString {
        SecretString::from("app-secret".to_owned())
    }

    const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;

    #[test]
    fn a_correct_signature_verifies() {
        let header = sign(&secret(), BODY).unwrap();
        assert_eq!(verify(&secret(), Some(&header), BODY).unwrap().bytes(), BODY);
    }

    #[rstest]
    #[case::missing(None)]
    #[case::empty(Some(""))]
    #[case::no_prefix(Some("deadbeef"))]
    #[case::sha1_header(Some("sha1=0123"))]
    #[case::not_hex(Some("sha256=zz"))]
    #[case::wrong_digest(Some("sha256=0000000000000000000000000000000000000000000000000000000000000000"))]
    fn bad_signatures_are_rejected(#[case] header: Option<&str>) {
        assert!(matches!(verify(&secret(), header, BODY), Err(Error::BadSignature)));
    }

    #[test]
    fn the_raw_bytes_are_what_is_signed() {
        // Meta signs "\u00e9" as sent; the same JSON re-encoded as "é" must not verify.
        let escaped = br#"{"t":"caf\u00e9"}"#;
        let header = sign(&secret(), escaped).unwrap();
        assert!(verify(&secret(), Some(&header), escaped).is_ok());
        assert!(verify(&secret(), Some(&header), "{\"t\":\"café\"}".as_bytes()).is_err());
    }

    #[test]
    fn another_secret_does_not_verify() {
        let header = sign(&SecretString::from("other".to_owned()), BODY).unwrap();
        assert!(verify(&secret(), Some(&header), BODY).is_err());
    }
}
