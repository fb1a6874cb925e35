//! Password hashing with argon2id (OWASP's recommended parameters: 19 MiB, 2 passes, 1 lane).
//!
//! A sign-in for an unknown user still runs one verification against a fixed dummy hash, so
//! response time does not tell an attacker which user names exist.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::clock::{random_bytes, RandomSource};
use crate::error::{Error, Result};
use crate::keys::SecretString;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Rejects passwords too short to resist guessing. Length beats composition rules (NIST 800-63B).
pub fn check_strength(password: &SecretString) -> Result<()> {
    if password.dangerously_expose().chars().count() < MIN_LENGTH {
        return Err(Error::Invalid(format!("a password needs at least {MIN_LENGTH} characters")));
    }
    Ok(())
}

/// The PHC string of the argon2id hash of `password` with a fresh salt.
pub fn hash(password: &SecretString, rng: &dyn RandomSource) -> Result<String> {
    let salt =
        SaltString::encode_b64(&random_bytes::<16>(rng)).map_err(|e| Error::Internal(e.to_string()))?;
    let hash = argon2()?
        .hash_password(password.dangerously_expose().as_bytes(), &salt)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored hash. With `None` (unknown user) it verifies against
/// a dummy hash and returns `false`, taking the same time.
pub fn verify(stored: Option<&str>, password: &SecretString) -> bool {
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$2Nw0fCL2xYWtq2fa9zRQ3lIJZ3pf6R3KX9oPnVj8x1k";
    let candidate = stored.unwrap_or(DUMMY);
    let ok = match (PasswordHash::new(candidate), argon2()) {
        (Ok(parsed), Ok(a)) => a.verify_password(password.dangerously_expose().as_bytes(), &parsed).is_ok(),
        _ => false,
    };
    ok && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededRandom;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_hash_verifies_only_its_password() {
        let h = hash(&secret("correct horse battery"), &SeededRandom::new(1)).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Some(&h), &secret("correct horse battery")));
        assert!(!verify(Some(&h), &secret("correct horse battery!")));
        assert!(!verify(None, &secret("correct horse battery")));
    }

    #[test]
    fn short_passwords_are_refused_with_the_rule() {
        let err = check_strength(&secret("short")).unwrap_err();
        assert!(err.to_string().contains("12 characters"));
        assert!(check_strength(&secret("twelve chars")).is_ok());
    }
}
