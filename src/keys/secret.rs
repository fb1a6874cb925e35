//! Secret values (DESIGN §3.5): they cannot be printed (`Debug` shows `***`, there is no
//! `Display`), serialized (no `Serialize`) or cloned (no `Clone`), and their memory is zeroed
//! when they are dropped. Reading one takes a call named `dangerously_expose`, so every place
//! that touches a secret is easy to find in review.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// A value that must not leak. See the module docs.
pub struct Secret<T: Zeroize>(Zeroizing<T>);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value. The caller should not keep another copy of it.
    pub fn new(value: T) -> Self {
        Self(Zeroizing::new(value))
    }
    /// The secret itself. Name every call site in review.
    pub fn dangerously_expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A secret string: passwords, tokens, app secrets.
pub type SecretString = Secret<String>;

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    // Deserialize only: secrets come in from the UI and the CLI, and never go out.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl utoipa::PartialSchema for SecretString {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Password)))
            .write_only(Some(true))
            .into()
    }
}

impl utoipa::ToSchema for SecretString {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretString::from("hunter2".to_owned());
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{:?}", Some(&s)), "Some(***)");
    }
}
