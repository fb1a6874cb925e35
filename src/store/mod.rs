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
use sqlx::{ConnectOptions, Sqlite, SqlitePool, Transaction};

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
    lane: Arc<WriterLane>,
}

/// The writer's lane: a thread with its own single-threaded runtime, pinned to one CPU, on
/// which the writer connection was opened, so that SQLite's thread for it (sqlx runs every
/// connection on a thread of its own and hands each statement over to it) is pinned to the same
/// CPU. Work issuing many statements in a row, the group commit of webhook deliveries, runs
/// here: on this 2-CPU machine a statement's hand-over between threads on different CPUs costs
/// ~60 µs (two cross-CPU wake-ups), on the same CPU ~3 µs (issue 12, docs/performance.md).
/// Other writers take the same connection from wherever they run, as before.
#[derive(Debug)]
struct WriterLane {
    runtime: tokio::runtime::Handle,
    /// Dropped with the last `Store`, which ends the lane's thread.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl WriterLane {
    /// Starts the lane and opens the writer connection on it.
    async fn start(options: SqliteConnectOptions) -> std::result::Result<(Self, SqlitePool), sqlx::Error> {
        let (ready, opened) = tokio::sync::oneshot::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("countersign-writer".to_owned())
            .spawn(move || {
                pin_to_one_cpu();
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready.send(Err(sqlx::Error::Io(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    // One connection, kept for the store's life: a replacement would be opened
                    // by whichever thread asked, off the lane's CPU.
                    let pool = SqlitePoolOptions::new()
                        .max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .connect_with(options)
                        .await;
                    let _ = ready.send(pool.map(|pool| (pool, tokio::runtime::Handle::current())));
                    let _ = stopped.await;
                });
            })
            .map_err(sqlx::Error::Io)?;
        let (writer, runtime) = opened.await.map_err(|_| sqlx::Error::PoolClosed)??;
        Ok((Self { runtime, _stop: stop }, writer))
    }
}

/// Pins the calling thread (and the threads it starts) to the last CPU it may run on, when it
/// may run on more than one.
#[cfg(target_os = "linux")]
fn pin_to_one_cpu() {
    use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
    use nix::unistd::Pid;
    let Ok(allowed) = sched_getaffinity(Pid::from_raw(0)) else { return };
    let cpus: Vec<usize> = (0..CpuSet::count()).filter(|&cpu| allowed.is_set(cpu).unwrap_or(false)).collect();
    let [_, .., last] = cpus.as_slice() else { return };
    let mut one = CpuSet::new();
    if one.set(*last).is_ok() {
        if let Err(e) = sched_setaffinity(Pid::from_raw(0), &one) {
            tracing::debug!(error = %e, "the writer's thread stays unpinned");
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_to_one_cpu() {}

/// A write transaction. Dropping it without [`WriteTx::commit`] rolls everything back,
/// audit records included.
#[derive(Debug)]
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    /// Signs the audit chain's checkpoints.
    signer: Arc<AuditSigner>,
    /// The audit chain's head once read: the transaction holds the write lock, so nothing
    /// else moves it until it ends.
    head: Option<audit::ChainHead>,
}

impl WriteTx {
    /// Makes the changes and their audit records durable together.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await.map_err(Error::from)
    }
    fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
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
        let (lane, writer) = WriterLane::start(options.clone()).await.map_err(map_open_error)?;
        // Reading the schema is what proves the key: SQLCipher decrypts lazily.
        sqlx::query("SELECT count(*) FROM sqlite_master").execute(&writer).await.map_err(map_open_error)?;
        sqlx::migrate!("./migrations").run(&writer).await.map_err(|e| Error::Internal(e.to_string()))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.create_if_missing(false))
            .await
            .map_err(map_open_error)?;
        let signer = Arc::new(AuditSigner::from_seed(key.audit_signing_seed().dangerously_expose()));
        Ok(Self { reader, writer, signer, lane: Arc::new(lane) })
    }

    /// Runs `work` on the writer's lane (see [`WriterLane`]): for work that writes many
    /// statements in a row.
    pub fn spawn_on_writer_lane(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        self.lane.runtime.spawn(work);
    }

    /// Starts a write transaction.
    pub async fn write(&self) -> Result<WriteTx> {
        Ok(WriteTx { tx: self.writer.begin().await?, signer: self.signer.clone(), head: None })
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
        .create_if_missing(mode == OpenMode::Create)
        // sqlx logs each statement's text (at debug, and a slow one at warn): the first is
        // `PRAGMA key` with the data key in it. Never.
        .disable_statement_logging())
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
