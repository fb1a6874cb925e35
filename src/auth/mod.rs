//! Authentication: who is acting. Passwords are argon2id; session tokens are random, handed
//! out once and stored only as their SHA-256, so a stolen database yields no usable session.

pub mod allowlist;
pub mod loopback;
pub mod oidc;
pub mod password;
pub mod session;
pub mod throttle;
pub mod totp;
pub mod webauthn;
