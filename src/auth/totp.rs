//! TOTP (RFC 6238) second factors and recovery codes (pure; the store keeps them).
//!
//! Authenticator apps expect SHA-1, 6 digits and 30-second steps, so those are fixed. A code is
//! accepted within ±1 step of clock drift, and only for a step later than the last one used,
//! so a code seen over someone's shoulder cannot be replayed. Recovery codes are 10 random
//! codes of 50 bits, shown once and stored as SHA-256; each works once.

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Totp};

use crate::clock::{random_bytes, RandomSource, Timestamp};
use crate::error::{Error, Result};
use crate::keys::Secret;

/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "Countersign";

/// A TOTP shared secret (160 bits, as RFC 4226 recommends).
#[derive(Debug)]
pub struct TotpSecret(Secret<[u8; 20]>);

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate(rng: &dyn RandomSource) -> Self {
        Self(Secret::new(random_bytes::<20>(rng)))
    }
    /// From the stored hex form.
    pub fn from_hex(text: &str) -> Result<Self> {
        let mut bytes = [0u8; 20];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|_| Error::Internal("a stored TOTP secret is malformed".to_owned()))?;
        Ok(Self(Secret::new(bytes)))
    }
    /// From the base-32 form an authenticator app is given.
    pub fn from_base32(text: &str) -> Result<Self> {
        let parsed = totp_rs::Secret::try_from_base32(text.trim())
            .map_err(|_| Error::Invalid("that is not an authenticator secret".to_owned()))?;
        let bytes: [u8; 20] = parsed
            .as_ref()
            .try_into()
            .map_err(|_| Error::Invalid("an authenticator secret here is 160 bits".to_owned()))?;
        Ok(Self(Secret::new(bytes)))
    }

    /// The stored hex form.
    pub fn dangerously_to_hex(&self) -> String {
        hex::encode(self.0.dangerously_expose())
    }

    fn totp(&self, account: &str) -> Result<Totp> {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(1)
            .with_step_duration(30)
            .with_secret(self.0.dangerously_expose().as_slice())
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build()
            .map_err(|e| Error::Internal(format!("TOTP set-up failed: {e}")))
    }

    /// The secret in base 32, for typing into an authenticator app.
    pub fn dangerously_to_base32(&self) -> Result<String> {
        Ok(self.totp("user")?.secret().to_base32())
    }

    /// The `otpauth://` URL an authenticator app scans (as a QR code).
    pub fn dangerously_otpauth_url(&self, username: &str) -> Result<String> {
        self.totp(username)?.to_url().map_err(|e| Error::Internal(format!("TOTP URL failed: {e}")))
    }

    /// The `otpauth://` URL as an SVG QR code, for the enrolment screen to show.
    pub fn dangerously_qr_svg(&self, username: &str) -> Result<String> {
        let url = self.dangerously_otpauth_url(username)?;
        let code = qrcode::QrCode::new(url.as_bytes())
            .map_err(|e| Error::Internal(format!("QR code failed: {e}")))?;
        Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build())
    }

    /// The step a code matches at `now` (±1 step), if any.
    pub fn matched_step(&self, code: &str, now: Timestamp) -> Option<u64> {
        let seconds = u64::try_from(now.as_millis() / 1000).ok()?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        self.totp("user").ok()?.check(&code, seconds)
    }

    /// The code an authenticator shows at `at` (for tests and the simulator of a phone).
    pub fn code_at(&self, at: Timestamp) -> Result<String> {
        let seconds = u64::try_from(at.as_millis() / 1000).unwrap_or(0);
        Ok(self.totp("user")?.generate(seconds).to_string())
    }
}

/// Whether a matched step may be used: never the same step, or an earlier one, twice.
pub fn step_is_fresh(matched: u64, last_used: Option<u64>) -> bool {
    last_used.is_none_or(|last| matched > last)
}

/// Ten fresh recovery codes, `xxxxx-xxxxx` in an alphabet without look-alike characters.
pub fn new_recovery_codes(rng: &dyn RandomSource) -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes = random_bytes::<10>(rng);
            let chars: String =
                bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What is stored for a recovery code: the SHA-256 of its normalized form (case, spaces and
/// dashes do not matter when typing it).
pub fn recovery_code_digest(code: &str) -> [u8; 32] {
    let normalized: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    Sha256::digest(normalized.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededRandom;

    const T: Timestamp = Timestamp::from_millis(1_800_000_000_000);

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", T = 59 s → 94287082 (8
        // digits); the 6-digit code is its last six digits.
        let secret = TotpSecret(Secret::new(*b"12345678901234567890"));
        assert_eq!(secret.code_at(Timestamp::from_unix_seconds(59)).unwrap(), "287082");
        assert_eq!(secret.code_at(Timestamp::from_unix_seconds(1_111_111_109)).unwrap(), "081804");
    }

    #[test]
    fn a_code_is_accepted_within_one_step_of_drift_only() {
        let secret = TotpSecret::generate(&SeededRandom::new(1));
        let code = secret.code_at(T).unwrap();
        assert!(secret.matched_step(&code, T.plus_millis(30_000)).is_some(), "one step late");
        assert!(secret.matched_step(&code, T.plus_millis(-30_000)).is_some(), "one step early");
        assert!(secret.matched_step(&code, T.plus_millis(90_000)).is_none(), "three steps late");
        assert!(secret.matched_step("000000x", T).is_none());
    }

    #[test]
    fn a_step_is_used_once() {
        assert!(step_is_fresh(10, None));
        assert!(step_is_fresh(11, Some(10)));
        assert!(!step_is_fresh(10, Some(10)), "replay");
        assert!(!step_is_fresh(9, Some(10)), "an older code after a newer one");
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving_to_type() {
        let codes = new_recovery_codes(&SeededRandom::new(2));
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        let typed = codes[0].to_uppercase().replace('-', " ");
        assert_eq!(recovery_code_digest(&typed), recovery_code_digest(&codes[0]));
    }

    #[test]
    fn the_url_is_what_authenticator_apps_scan() {
        let secret = TotpSecret::generate(&SeededRandom::new(3));
        let url = secret.dangerously_otpauth_url("anna.agent").unwrap();
        assert!(url.starts_with("otpauth://totp/Countersign:anna.agent?secret="), "{url}");
        assert!(url.contains(&secret.dangerously_to_base32().unwrap()));
        let svg = secret.dangerously_qr_svg("anna.agent").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{}", &svg[..60]);
        assert_eq!(format!("{secret:?}"), "TotpSecret(***)");
    }
}
