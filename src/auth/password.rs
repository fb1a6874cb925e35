//! Passwords: argon2id hashing and the password policy.
//!
//! Hashing uses OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane). The parameters are
//! part of each stored PHC string, so raising them later re-hashes every password at its
//! owner's next sign-in ([`needs_rehash`]). A sign-in for an unknown user still runs one
//! verification against a fixed dummy hash, so response time does not tell an attacker which
//! user names exist.
//!
//! The policy follows NIST SP 800-63B: a minimum length (12 by default), no composition rules,
//! and a check against common and guessable passwords (zxcvbn, which knows the common-password
//! lists and is told the user name) plus a plain check that the user name is not inside.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::clock::{random_bytes, RandomSource};
use crate::error::{Error, Result};
use crate::keys::SecretString;

/// Default shortest password.
pub const MIN_LENGTH: usize = 12;
/// argon2id memory in KiB (OWASP minimum: 19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// argon2id passes.
pub const ITERATIONS: u32 = 2;
/// argon2id lanes.
pub const LANES: u32 = 1;

fn argon2() -> Result<Argon2<'static>> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, LANES, None).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The organisation's password rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Shortest password accepted (at least 8, whatever is configured).
    pub min_length: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self { min_length: MIN_LENGTH }
    }
}

impl PasswordPolicy {
    /// Checks a new password for `username`; the error says what to do instead.
    pub fn check(&self, username: &str, password: &SecretString) -> Result<()> {
        let pw = password.dangerously_expose();
        let min = self.min_length.max(8);
        if pw.chars().count() < min {
            return Err(Error::Invalid(format!("a password needs at least {min} characters")));
        }
        let name = username.trim().to_lowercase();
        if !name.is_empty() && pw.to_lowercase().contains(&name) {
            return Err(Error::Invalid("a password must not contain the user name".to_owned()));
        }
        let strength = zxcvbn::zxcvbn(pw, &[name.as_str(), "countersign", "whatsapp"]);
        if (strength.score() as u8) < 3 {
            return Err(Error::Invalid(
                "this password is common or easy to guess; try a phrase of several unrelated words"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

/// Whether a stored hash was made with other parameters than today's, and should be replaced
/// the next time its password is known (at sign-in).
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return true };
    let Ok(params) = Params::try_from(&hash) else { return true };
    hash.algorithm.as_str() != "argon2id"
        || params.m_cost() != MEMORY_KIB
        || params.t_cost() != ITERATIONS
        || params.p_cost() != LANES
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

    #[rstest::rstest]
    #[case::too_short("anna", "Tr0ub4dor&3", Some("at least 12 characters"))]
    #[case::common("anna", "password1234", Some("common or easy to guess"))]
    #[case::keyboard_walk("anna", "qwertyuiop123", Some("common or easy to guess"))]
    #[case::repeated("anna", "aaaaaaaaaaaaaaaa", Some("common or easy to guess"))]
    #[case::contains_name(
        "rita.store12",
        "my name is Rita.Store12 ok",
        Some("must not contain the user name")
    )]
    #[case::passphrase("anna", "violet tractor under seven lamps", None)]
    #[case::random("anna", "q8Xv!2mLp0#rTz", None)]
    fn the_policy(#[case] user: &str, #[case] pw: &str, #[case] refusal: Option<&str>) {
        let result = PasswordPolicy::default().check(user, &secret(pw));
        match refusal {
            None => assert!(result.is_ok(), "{pw:?} refused: {result:?}"),
            Some(why) => {
                assert!(result.unwrap_err().to_string().contains(why), "{pw:?} should be refused: {why}")
            }
        }
    }

    #[test]
    fn a_longer_minimum_is_enforced() {
        let policy = PasswordPolicy { min_length: 20 };
        assert!(policy.check("anna", &secret("violet tractor unde")).is_err());
        assert!(policy.check("anna", &secret("violet tractor under seven lamps")).is_ok());
    }

    #[rstest::rstest]
    #[case::current_parameters(None, false)]
    #[case::weaker_memory(Some("$argon2id$v=19$m=4096,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$2Nw0fCL2xYWtq2fa9zRQ3lIJZ3pf6R3KX9oPnVj8x1k"), true)]
    #[case::fewer_passes(Some("$argon2id$v=19$m=19456,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$2Nw0fCL2xYWtq2fa9zRQ3lIJZ3pf6R3KX9oPnVj8x1k"), true)]
    #[case::argon2i(Some("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$2Nw0fCL2xYWtq2fa9zRQ3lIJZ3pf6R3KX9oPnVj8x1k"), true)]
    #[case::garbage(Some("not a hash"), true)]
    fn outdated_hashes_are_recognised(#[case] stored: Option<&str>, #[case] outdated: bool) {
        let current = hash(&secret("violet tractor under seven lamps"), &SeededRandom::new(4)).unwrap();
        assert_eq!(needs_rehash(stored.unwrap_or(&current)), outdated);
    }
}
