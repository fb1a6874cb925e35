//! Encrypted backup and restore for IT (`countersign backup`, `countersign restore`); the
//! archive's format and checks are in `crate::backup`.
//!
//! A backup is a consistent snapshot of the whole store, sealed with a key derived from the
//! data key: kept with the data key IT already keeps, useless without it. A restore goes only
//! into an empty data directory (it never overwrites a store), verifies every byte before
//! anything is written in place, opens the result with the key (which runs any newer
//! migrations), checks the audit trail's chain, and records the restore in that trail.

use std::path::Path;

use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::authz::{act, Actor, AuditActor};
use crate::backup::{self, ArchiveError};
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::keys::{DataKey, KeySource};
use crate::store::intake::StoreStats;

/// A backup written.
#[derive(Debug, Clone, Copy)]
pub struct BackupWritten {
    /// The archive's size.
    pub bytes: u64,
    /// When it was made.
    pub created_at: Timestamp,
}

/// A store restored.
#[derive(Debug, Clone)]
pub struct Restored {
    /// When the backup was made.
    pub made_at: Timestamp,
    /// Audit events whose chain was verified.
    pub audit_events_verified: i64,
    /// What the restored store holds.
    pub stats: StoreStats,
}

fn archive_error(e: ArchiveError) -> Error {
    match e {
        ArchiveError::Io(detail) => Error::Internal(detail),
        refused => Error::Invalid(refused.to_string()),
    }
}

impl Core {
    /// Writes an encrypted backup of the whole store to `out`, a new file. `key` must be the
    /// data key this store was opened with (the CLI loads it from the same place).
    pub async fn operator_backup(&self, key: &DataKey, out: &Path) -> Result<BackupWritten> {
        let proof = self.allow::<act::BackUp>(&Actor::Operator, ()).await?;
        if out.exists() {
            return Err(Error::Invalid(format!("{} exists already: name a new file", out.display())));
        }
        let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let io = |e: std::io::Error| Error::Internal(e.to_string());
        // The snapshot (encrypted like the store) lives only until it is sealed.
        let snapshot =
            tempfile::Builder::new().prefix(".countersign-snapshot-").tempfile_in(dir).map_err(io)?;
        self.store.snapshot(&proof, key, snapshot.path()).await?;
        let now = self.clock.now();
        let mut sealed =
            tempfile::Builder::new().prefix(".countersign-backup-").tempfile_in(dir).map_err(io)?;
        let mut input = std::io::BufReader::new(std::fs::File::open(snapshot.path()).map_err(io)?);
        let bytes = {
            let mut output = std::io::BufWriter::new(sealed.as_file_mut());
            let bytes =
                backup::seal(&mut input, &mut output, key, now, self.rng.as_ref()).map_err(archive_error)?;
            std::io::Write::flush(&mut output).map_err(io)?;
            bytes
        };
        sealed.as_file().sync_all().map_err(io)?;
        sealed.persist_noclobber(out).map_err(|e| io(e.error))?;
        let mut tx = self.store.write().await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::BackupCreated)
            .detail("bytes", bytes)
            .detail("file", out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        tx.audit(&event, now).await?;
        tx.commit().await?;
        Ok(BackupWritten { bytes, created_at: now })
    }

    /// Restores the backup at `archive` into `data_dir`, which must hold no store, with the
    /// data key at `key_source` (the key the backup was made with).
    pub async fn restore(archive: &Path, data_dir: &Path, key_source: &KeySource) -> Result<Restored> {
        let target = crate::store::db_path(data_dir);
        if target.exists() {
            return Err(Error::AlreadyInitialized(data_dir.display().to_string()));
        }
        super::create_private_dir(data_dir)?;
        let key = key_source.load()?;
        let manifest = backup::open_file(archive, &target, &key).map_err(archive_error)?;
        let core = Self::open(data_dir, key_source).await?;
        let verified = match core.operator_verify_audit(&[]).await? {
            Ok(events) => events,
            Err(broken) => {
                return Err(Error::Invalid(format!("the restored audit trail does not verify: {broken}")));
            }
        };
        let now = core.clock.now();
        let mut tx = core.store.write().await?;
        let event = AuditEvent::new(AuditActor::Operator, Kind::BackupRestored)
            .detail("made_at", manifest.created_at.as_millis())
            .detail("audit_events_verified", verified);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        let stats = core.stats().await?;
        core.close().await;
        Ok(Restored { made_at: manifest.created_at, audit_events_verified: verified, stats })
    }
}
