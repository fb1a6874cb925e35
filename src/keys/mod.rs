//! The data key that encrypts the store (DESIGN §5).
//!
//! A random 256-bit key is created once, at `countersign init`, and handed to SQLCipher as a raw
//! key, so no password-derivation step stands between an attacker and a weak passphrase. It
//! lives in the OS credential store (Secret Service, Windows Credential Manager, macOS
//! Keychain), keyed by the data directory; a key file is the explicit fallback for servers and
//! CI. A key file must be private to its owner (mode 0600): one that other users can read is
//! refused rather than used, because using it would leave the store as open as the file.

mod secret;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use secret::{Secret, SecretString};

use crate::clock::{random_bytes, RandomSource};

/// Service name under which keys are kept in the OS credential store.
const KEYRING_SERVICE: &str = "countersign";

/// The 256-bit key that opens the encrypted store.
#[derive(Debug)]
pub struct DataKey(Secret<[u8; 32]>);

impl DataKey {
    /// A fresh random key.
    pub fn generate(rng: &dyn RandomSource) -> Self {
        Self(Secret::new(random_bytes::<32>(rng)))
    }

    /// The value of SQLCipher's `PRAGMA key` for this raw key: `"x'<64 hex>'"`.
    pub fn dangerously_pragma_value(&self) -> SecretString {
        let hex = zeroize::Zeroizing::new(hex::encode(self.0.dangerously_expose()));
        Secret::new(format!("\"x'{}'\"", hex.as_str()))
    }

    /// The seed of the key that signs audit checkpoints: derived from this key with
    /// HKDF-SHA256 under its own label, so it is kept exactly like the data key (file or OS
    /// credential store) and is never the data key itself.
    pub fn audit_signing_seed(&self) -> Secret<[u8; 32]> {
        self.derive(b"countersign audit checkpoint signing key v1")
    }

    /// The key that seals backup archives (`backup`): derived like the audit signing seed,
    /// under its own label, so a backup is opened with the data key IT already keeps.
    pub fn backup_archive_key(&self) -> Secret<[u8; 32]> {
        self.derive(b"countersign backup archive key v1")
    }

    /// A key derived from this one with HKDF-SHA256 under `label`.
    fn derive(&self, label: &[u8]) -> Secret<[u8; 32]> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(None, self.0.dangerously_expose());
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF's limit (255 × 32), so this cannot fail.
        hk.expand(label, &mut key).unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF length"));
        Secret::new(key)
    }

    fn to_hex(&self) -> SecretString {
        Secret::new(hex::encode(self.0.dangerously_expose()))
    }

    fn from_hex(text: &str) -> Result<Self, KeyError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| KeyError::Malformed)?;
        Ok(Self(Secret::new(bytes)))
    }
}

/// Where the data key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A file readable only by its owner.
    File(PathBuf),
    /// The OS credential store, under an account named after the data directory.
    Keyring {
        /// The entry's account name.
        account: String,
    },
}

/// Why the data key could not be stored or loaded. Every message says how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// No key where one was expected.
    #[error("no data key found in {0}; pass the --key-file used at init (or set COUNTERSIGN_KEY_FILE)")]
    Missing(String),
    /// The key does not open the store.
    #[error("the data key does not open this store; use the key file or credential-store entry created by `countersign init` for this data directory")]
    WrongKey,
    /// The key text is not 64 hex digits.
    #[error("the data key is malformed (expected 64 hex digits); restore the key file from backup")]
    Malformed,
    /// A key file others can read.
    #[error("key file {0} is readable by other users; run `chmod 600 {0}` and try again")]
    TooOpen(String),
    /// Refusing to replace an existing key.
    #[error("a data key already exists at {0}; refusing to overwrite it")]
    AlreadyExists(String),
    /// The OS credential store failed.
    #[error("the OS credential store is unavailable ({0}); use --key-file PATH instead")]
    Keyring(String),
    /// Reading or writing the key file failed.
    #[error("cannot use key file {path}: {reason}")]
    Io {
        /// The key file.
        path: String,
        /// What the OS said.
        reason: String,
    },
}

impl KeySource {
    /// The key file if one was given, otherwise the credential-store entry for `data_dir`.
    pub fn choose(key_file: Option<PathBuf>, data_dir: &Path) -> Self {
        match key_file {
            Some(path) => Self::File(path),
            None => {
                let dir = fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
                Self::Keyring { account: format!("data-key:{}", dir.display()) }
            }
        }
    }

    /// Stores a new key. Never replaces an existing one: that would orphan the store.
    pub fn store_new(&self, key: &DataKey) -> Result<(), KeyError> {
        match self {
            Self::File(path) => write_key_file(path, key),
            Self::Keyring { account } => {
                let entry = keyring_entry(account)?;
                if entry.get_password().is_ok() {
                    return Err(KeyError::AlreadyExists(format!("the credential store ({account})")));
                }
                entry.set_password(key.to_hex().dangerously_expose()).map_err(keyring_error)
            }
        }
    }

    /// Loads the key.
    pub fn load(&self) -> Result<DataKey, KeyError> {
        match self {
            Self::File(path) => read_key_file(path),
            Self::Keyring { account } => match keyring_entry(account)?.get_password() {
                Ok(text) => DataKey::from_hex(&zeroize::Zeroizing::new(text)),
                Err(keyring::Error::NoEntry) => Err(KeyError::Missing("the OS credential store".to_owned())),
                Err(e) => Err(keyring_error(e)),
            },
        }
    }
}

fn keyring_entry(account: &str) -> Result<keyring::Entry, KeyError> {
    keyring::Entry::new(KEYRING_SERVICE, account).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> KeyError {
    KeyError::Keyring(e.to_string())
}

fn io_error(path: &Path, e: &std::io::Error) -> KeyError {
    KeyError::Io { path: path.display().to_string(), reason: e.kind().to_string() }
}

fn write_key_file(path: &Path, key: &DataKey) -> Result<(), KeyError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::AlreadyExists(path.display().to_string()),
        _ => io_error(path, &e),
    })?;
    let mut text = zeroize::Zeroizing::new(key.to_hex().dangerously_expose().clone());
    text.push('\n');
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| io_error(path, &e))
}

fn read_key_file(path: &Path) -> Result<DataKey, KeyError> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => KeyError::Missing(path.display().to_string()),
        _ => io_error(path, &e),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(KeyError::TooOpen(path.display().to_string()));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(|e| io_error(path, &e))?);
    DataKey::from_hex(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededRandom;

    #[test]
    fn key_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let key = DataKey::generate(&SeededRandom::new(1));
        KeySource::File(path.clone()).store_new(&key).unwrap();
        let loaded = KeySource::File(path.clone()).load().unwrap();
        assert_eq!(loaded.0.dangerously_expose(), key.0.dangerously_expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn an_existing_key_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let source = KeySource::File(path.clone());
        source.store_new(&DataKey::generate(&SeededRandom::new(1))).unwrap();
        let before = fs::read(&path).unwrap();
        let err = source.store_new(&DataKey::generate(&SeededRandom::new(2))).unwrap_err();
        assert!(matches!(err, KeyError::AlreadyExists(_)));
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        KeySource::File(path.clone()).store_new(&DataKey::generate(&SeededRandom::new(1))).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = KeySource::File(path.clone()).load().unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn missing_and_malformed_keys_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let missing = KeySource::File(dir.path().join("nope")).load().unwrap_err();
        assert!(missing.to_string().contains("--key-file"), "{missing}");
        let path = dir.path().join("bad");
        fs::write(&path, "not hex").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(matches!(KeySource::File(path).load(), Err(KeyError::Malformed)));
    }

    #[test]
    fn pragma_value_is_a_raw_key_literal() {
        let key = DataKey::generate(&SeededRandom::new(3));
        let v = key.dangerously_pragma_value();
        let s = v.dangerously_expose();
        assert!(s.starts_with("\"x'") && s.ends_with("'\"") && s.len() == 64 + 5, "{s}");
        assert_eq!(format!("{key:?}"), "DataKey(***)");
    }
}
