//! Backup archives: a snapshot of the encrypted store, sealed so that it is unreadable without
//! the data key and any change to it is detected before anything is restored.
//!
//! Format (version 1):
//!
//! ```text
//! "CSBACKUP" | version u8 = 1 | created_at i64 LE (ms) | nonce (19 bytes)
//! chunk* : XChaCha20-Poly1305 (STREAM, big-endian 32-bit counter) of ≤ 64 KiB of the snapshot,
//!          each with the header above as associated data; the last chunk is marked as last
//! ```
//!
//! Decisions, and why:
//! - The snapshot is SQLCipher's own export of the database (`sqlcipher_export`, one
//!   statement, so one consistent read), encrypted with the data key like the live file: it
//!   never touches the disk in clear.
//! - SQLCipher authenticates pages, not the file: a page dropped, repeated or reordered, or a
//!   truncated file, would not be noticed. The outer layer is the STREAM construction
//!   (`chacha20poly1305`'s `stream`, RustCrypto): every chunk is authenticated with its
//!   position, and the last one is marked, so a reordered, cut or extended archive fails.
//! - The header is bound to every chunk, so its date or version cannot be changed either.
//! - The archive key is derived from the data key (HKDF-SHA256, its own label), so a backup is
//!   kept and restored with the key IT already keeps; the archive alone is useless.
//! - Restoring writes to a temporary file next to the target and renames it only once every
//!   chunk has been verified: a tampered archive leaves nothing behind.

use std::io::{Read, Write};
use std::path::Path;

use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;

use crate::clock::{RandomSource, Timestamp};
use crate::keys::DataKey;

const MAGIC: &[u8; 8] = b"CSBACKUP";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 19;
const HEADER_LEN: usize = MAGIC.len() + 1 + 8 + NONCE_LEN;
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;

/// Why an archive cannot be restored. Safe to show.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArchiveError {
    /// Not a Countersign backup (or a version this build does not know).
    #[error("this is not a Countersign backup, or one from a newer version")]
    NotABackup,
    /// A check failed: changed, cut short, extended, or made with another data key.
    #[error("the backup was changed or damaged since it was made, or it was made with another data key: nothing was restored")]
    Tampered,
    /// Reading or writing a file failed.
    #[error("the backup file could not be read or written: {0}")]
    Io(String),
}

impl From<std::io::Error> for ArchiveError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.kind().to_string())
    }
}

/// What a backup's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manifest {
    /// When the backup was made.
    pub created_at: Timestamp,
}

fn cipher(key: &DataKey) -> XChaCha20Poly1305 {
    let archive_key = key.backup_archive_key();
    XChaCha20Poly1305::new(archive_key.dangerously_expose().into())
}

fn header(created_at: Timestamp, nonce: &[u8; NONCE_LEN]) -> [u8; HEADER_LEN] {
    let mut h = [0_u8; HEADER_LEN];
    h[..8].copy_from_slice(MAGIC);
    h[8] = VERSION;
    h[9..17].copy_from_slice(&created_at.as_millis().to_le_bytes());
    h[17..].copy_from_slice(nonce);
    h
}

/// Reads up to `buf.len()` bytes, fewer only at the end of the input.
fn fill(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Seals `snapshot` (a store file) into `out`. Returns the archive's size in bytes.
pub fn seal(
    snapshot: &mut impl Read,
    out: &mut impl Write,
    key: &DataKey,
    created_at: Timestamp,
    rng: &dyn RandomSource,
) -> Result<u64, ArchiveError> {
    let mut nonce = [0_u8; NONCE_LEN];
    rng.fill(&mut nonce);
    let head = header(created_at, &nonce);
    out.write_all(&head)?;
    let mut written = HEADER_LEN as u64;
    let mut sealer = EncryptorBE32::from_aead(cipher(key), (&nonce).into());
    let mut current = vec![0_u8; CHUNK];
    let mut next = vec![0_u8; CHUNK];
    let mut len = fill(snapshot, &mut current)?;
    loop {
        let next_len = fill(snapshot, &mut next)?;
        let payload = Payload { msg: &current[..len], aad: &head };
        if next_len == 0 {
            let sealed = sealer.encrypt_last(payload).map_err(|_| ArchiveError::Tampered)?;
            out.write_all(&sealed)?;
            written += sealed.len() as u64;
            return Ok(written);
        }
        let sealed = sealer.encrypt_next(payload).map_err(|_| ArchiveError::Tampered)?;
        out.write_all(&sealed)?;
        written += sealed.len() as u64;
        std::mem::swap(&mut current, &mut next);
        len = next_len;
    }
}

/// Opens an archive from `input` into `out`, checking every chunk. On an error, what was
/// written to `out` must be thrown away (the caller writes to a temporary file).
pub fn open(input: &mut impl Read, out: &mut impl Write, key: &DataKey) -> Result<Manifest, ArchiveError> {
    let mut head = [0_u8; HEADER_LEN];
    if fill(input, &mut head)? < HEADER_LEN || &head[..8] != MAGIC || head[8] != VERSION {
        return Err(ArchiveError::NotABackup);
    }
    let mut millis = [0_u8; 8];
    millis.copy_from_slice(&head[9..17]);
    let mut nonce = [0_u8; NONCE_LEN];
    nonce.copy_from_slice(&head[17..]);
    let mut opener = DecryptorBE32::from_aead(cipher(key), (&nonce).into());
    let mut current = vec![0_u8; CHUNK + TAG];
    let mut next = vec![0_u8; CHUNK + TAG];
    let mut len = fill(input, &mut current)?;
    loop {
        let next_len = fill(input, &mut next)?;
        let payload = Payload { msg: &current[..len], aad: &head };
        if next_len == 0 {
            let plain = opener.decrypt_last(payload).map_err(|_| ArchiveError::Tampered)?;
            out.write_all(&plain)?;
            return Ok(Manifest { created_at: Timestamp::from_millis(i64::from_le_bytes(millis)) });
        }
        let plain = opener.decrypt_next(payload).map_err(|_| ArchiveError::Tampered)?;
        out.write_all(&plain)?;
        std::mem::swap(&mut current, &mut next);
        len = next_len;
    }
}

/// Opens the archive at `archive` into a new file at `target`, which must not exist: written
/// to a temporary file beside it (mode 0600) and renamed only once all of it is verified.
pub fn open_file(archive: &Path, target: &Path, key: &DataKey) -> Result<Manifest, ArchiveError> {
    if target.exists() {
        return Err(ArchiveError::Io("the target already exists".to_owned()));
    }
    let dir = target.parent().ok_or_else(|| ArchiveError::Io("no directory".to_owned()))?;
    let mut input = std::io::BufReader::new(std::fs::File::open(archive)?);
    let mut temp = tempfile::Builder::new().prefix(".restoring-").tempfile_in(dir)?;
    let manifest = open(&mut input, &mut std::io::BufWriter::new(temp.as_file_mut()), key)?;
    temp.as_file().sync_all()?;
    temp.persist_noclobber(target).map_err(|e| ArchiveError::from(e.error))?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededRandom;
    use rstest::rstest;

    fn key(seed: u64) -> DataKey {
        DataKey::generate(&SeededRandom::new(seed))
    }

    fn sealed(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        seal(
            &mut &data[..],
            &mut out,
            &key(1),
            Timestamp::from_millis(1_800_000_000_000),
            &SeededRandom::new(9),
        )
        .unwrap();
        out
    }

    fn opened(archive: &[u8], with: &DataKey) -> Result<Vec<u8>, ArchiveError> {
        let mut out = Vec::new();
        open(&mut &archive[..], &mut out, with).map(|_| out)
    }

    #[rstest]
    #[case::empty(0)]
    #[case::one_byte(1)]
    #[case::exactly_one_chunk(CHUNK)]
    #[case::several_chunks(3 * CHUNK + 17)]
    fn what_is_sealed_opens_unchanged(#[case] size: usize) {
        let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let archive = sealed(&data);
        assert!(!archive.windows(16).any(|w| data.len() >= 16 && w == &data[..16]) || size < 16);
        assert_eq!(opened(&archive, &key(1)).unwrap(), data);
    }

    #[rstest]
    #[case::a_byte_flipped_inside(|a: &mut Vec<u8>| { let i = a.len() / 2; a[i] ^= 1; })]
    #[case::cut_at_a_chunk_boundary(|a: &mut Vec<u8>| a.truncate(HEADER_LEN + CHUNK + TAG))]
    #[case::cut_short(|a: &mut Vec<u8>| { a.pop(); })]
    #[case::extended(|a: &mut Vec<u8>| a.extend_from_slice(&[0; 40]))]
    #[case::date_changed(|a: &mut Vec<u8>| a[10] ^= 1)]
    #[case::chunks_swapped(|a: &mut Vec<u8>| {
        let (x, y) = (HEADER_LEN, HEADER_LEN + CHUNK + TAG);
        let first: Vec<u8> = a[x..y].to_vec();
        let second: Vec<u8> = a[y..y + CHUNK + TAG].to_vec();
        a[x..y].copy_from_slice(&second);
        a[y..y + CHUNK + TAG].copy_from_slice(&first);
    })]
    fn any_change_is_refused(#[case] change: fn(&mut Vec<u8>)) {
        let data = vec![7_u8; 3 * CHUNK + 5];
        let mut archive = sealed(&data);
        change(&mut archive);
        assert_eq!(opened(&archive, &key(1)), Err(ArchiveError::Tampered));
    }

    #[test]
    fn another_key_or_another_file_is_refused() {
        let archive = sealed(b"store");
        assert_eq!(opened(&archive, &key(2)), Err(ArchiveError::Tampered));
        assert_eq!(opened(b"SQLite format 3\0", &key(1)), Err(ArchiveError::NotABackup));
    }
}
