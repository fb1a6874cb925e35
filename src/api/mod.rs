//! THE surface every front end calls: desktop commands, the HTTP server, the CLI and tests
//! (DESIGN §1–2). Every call takes a session token (or, for IT, runs as the operator who
//! holds the data key) and a plain request, and returns a View. No callbacks, no borrowed
//! data, so the same call works in-process, over Tauri IPC and over HTTPS.

pub mod inbox;
pub mod intake;
pub mod keys;
pub mod lock;
pub mod mfa;
pub mod network;
pub mod operator;
pub mod session;
pub mod sessions;
pub mod users;
pub mod views;

use std::path::Path;
use std::sync::Arc;

use crate::audit::AuditEvent;
use crate::authz::{act, authorize, Actor};
use crate::channel::whatsapp::client::CloudApi;
use crate::clock::{Clock, OsRandom, RandomSource, SystemClock};
use crate::error::{Error, Result};
use crate::keys::{DataKey, KeySource};
use crate::store::intake::StoreStats;
use crate::store::{OpenMode, Store};

/// The core: the store plus injected time, randomness and the Cloud API client.
#[derive(Debug, Clone)]
pub struct Core {
    store: Store,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    cloud: CloudApi,
}

impl Core {
    /// Creates a new encrypted store in `data_dir` with a fresh data key kept at `key_source`.
    pub async fn init(data_dir: &Path, key_source: &KeySource) -> Result<Self> {
        create_private_dir(data_dir)?;
        if crate::store::db_path(data_dir).exists() {
            return Err(Error::AlreadyInitialized(data_dir.display().to_string()));
        }
        let key = DataKey::generate(&OsRandom);
        key_source.store_new(&key)?;
        let store = Store::open(data_dir, &key, OpenMode::Create).await?;
        let core = Self::with_parts(store, Arc::new(SystemClock), Arc::new(OsRandom))?;
        let proof = authorize::<act::ConfigureChannel>(&Actor::Operator, ()).map_err(|_| Error::Forbidden)?;
        let mut tx = core.store.write().await?;
        tx.audit(&AuditEvent::new(proof.actor().clone(), "store.init"), core.clock.now()).await?;
        tx.commit().await?;
        Ok(core)
    }

    /// Opens the existing store in `data_dir` with the key at `key_source`.
    pub async fn open(data_dir: &Path, key_source: &KeySource) -> Result<Self> {
        if !crate::store::db_path(data_dir).exists() {
            return Err(Error::NotInitialized(data_dir.display().to_string()));
        }
        let key = key_source.load()?;
        let store = Store::open(data_dir, &key, OpenMode::Existing).await?;
        Self::with_parts(store, Arc::new(SystemClock), Arc::new(OsRandom))
    }

    /// A core over an open store with the given clock and randomness (tests pin both).
    pub fn with_parts(store: Store, clock: Arc<dyn Clock>, rng: Arc<dyn RandomSource>) -> Result<Self> {
        Ok(Self { store, clock, rng, cloud: CloudApi::new()? })
    }

    /// Counts of what the store holds (no personal data).
    pub async fn stats(&self) -> Result<StoreStats> {
        self.store.stats().await
    }

    /// Closes the store, checkpointing its WAL.
    pub async fn close(self) {
        self.store.close().await;
    }

    /// The store, for diagnostics and tests of the storage layer.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// Creates `dir` (and parents) readable only by its owner.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::Invalid(format!("cannot create data directory {}: {}", dir.display(), e.kind())))
}

/// Maps an authorization refusal for a resource to what the actor may learn: nothing.
fn hidden<T>(_: T) -> Error {
    Error::NotFound
}

/// Maps an authorization refusal for a capability the actor can see they lack.
fn forbidden<T>(_: T) -> Error {
    Error::Forbidden
}
