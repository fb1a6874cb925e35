//! The encrypted store: the ONLY module with SQL (DESIGN §3.7, §5).
//!
//! SQLite through sqlx, encrypted with SQLCipher. The data key is handed over as a raw key
//! (`PRAGMA key = "x'…'"`), which sqlx runs as the first statement of every connection. WAL
//! mode, foreign keys on, migrations applied on open.
//!
//! Writes go through one dedicated connection (`writer`), so SQLite never has to upgrade a
//! reader to a writer under contention (the source of spurious `SQLITE_BUSY`); reads use a
//! small pool and see the last committed state through WAL.
//!
//! Mutating functions take an `Authorized<A>` proof from `authz`; policy never lives in SQL.

pub mod access;
pub mod access_review;
pub mod allowlist;
pub mod audit;
pub mod backup;
pub mod channel;
pub mod contact_fields;
pub mod escalations;
pub mod import;
pub mod inbox;
pub mod intake;
pub mod load;
pub mod media;
pub mod merge;
pub mod mfa;
pub mod offboard;
pub mod outbox;
pub mod privacy;
pub mod queue;
pub mod quick_replies;
pub mod retention;
pub mod routing;
pub mod search;
pub mod sso;
pub mod templates;
pub mod throttle;
pub mod users;
pub mod webauthn;
pub mod workflow;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::audit::AuditSigner;
use crate::error::{Error, Result};
use crate::keys::{DataKey, KeyError};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "countersign.db";

/// Whether [`Store::open`] may create the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// `countersign init`: the file must not exist yet.
    Create,
    /// Everything else: the file must exist.
    Existing,
}

/// The encrypted store.
#[derive(Debug, Clone)]
pub struct Store {
    reader: SqlitePool,
    writer: SqlitePool,
    signer: Arc<AuditSigner>,
}

/// A write transaction. Dropping it without [`WriteTx::commit`] rolls everything back,
/// audit records included.
#[derive(Debug)]
pub struct WriteTx(Transaction<'static, Sqlite>, Arc<AuditSigner>);

impl WriteTx {
    /// Makes the changes and their audit records durable together.
    pub async fn commit(self) -> Result<()> {
        self.0.commit().await.map_err(Error::from)
    }
    fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.0
    }
}

/// The path of the database file in `data_dir`.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DB_FILE)
}

impl Store {
    /// Opens (or with [`OpenMode::Create`], creates) the store in `data_dir` with `key`.
    ///
    /// A wrong key is reported as [`KeyError::WrongKey`] and leaves the files untouched.
    pub async fn open(data_dir: &Path, key: &DataKey, mode: OpenMode) -> Result<Self> {
        let path = db_path(data_dir);
        match (mode, path.exists()) {
            (OpenMode::Existing, false) => return Err(Error::NotInitialized(data_dir.display().to_string())),
            (OpenMode::Create, true) => {
                return Err(Error::AlreadyInitialized(data_dir.display().to_string()))
            }
            _ => {}
        }
        let options = connect_options(&path, key, mode)?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(map_open_error)?;
        // Reading the schema is what proves the key: SQLCipher decrypts lazily.
        sqlx::query("SELECT count(*) FROM sqlite_master").execute(&writer).await.map_err(map_open_error)?;
        sqlx::migrate!("./migrations").run(&writer).await.map_err(|e| Error::Internal(e.to_string()))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.create_if_missing(false))
            .await
            .map_err(map_open_error)?;
        let signer = Arc::new(AuditSigner::from_seed(key.audit_signing_seed().dangerously_expose()));
        Ok(Self { reader, writer, signer })
    }

    /// Starts a write transaction.
    pub async fn write(&self) -> Result<WriteTx> {
        Ok(WriteTx(self.writer.begin().await?, self.signer.clone()))
    }

    /// The read pool.
    fn read(&self) -> &SqlitePool {
        &self.reader
    }

    /// Checkpoints the WAL into the main file and closes every connection. SQLite removes the
    /// `-wal` and `-shm` files when the last connection is gone, which sqlx may finish just
    /// after this returns; the checkpoint makes the main file complete either way.
    pub async fn close(self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.writer).await {
            tracing::warn!(error = %e, "checkpoint before close failed");
        }
        self.reader.close().await;
        self.writer.close().await;
    }
}

fn connect_options(path: &Path, key: &DataKey, mode: OpenMode) -> Result<SqliteConnectOptions> {
    let url = format!("sqlite://{}", path.display());
    let options = SqliteConnectOptions::from_str(&url).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(options
        // sqlx runs `key` before any other pragma, as SQLCipher requires.
        .pragma("key", key.dangerously_pragma_value().dangerously_expose().clone())
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // Freed pages are overwritten, so content a retention purge or an erasure removed does
        // not linger in the file's free list.
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(5))
        .create_if_missing(mode == OpenMode::Create))
}

/// SQLite answers a wrong SQLCipher key with `SQLITE_NOTADB` (26).
fn map_open_error(e: sqlx::Error) -> Error {
    let not_a_db = matches!(&e, sqlx::Error::Database(db) if db.code().as_deref() == Some("26"));
    if not_a_db {
        return Error::Key(KeyError::WrongKey);
    }
    tracing::error!(error = %e, "cannot open the store");
    Error::Store(e)
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}
