//! The store is unreadable without its key (DESIGN §3.9), and a wrong or missing key fails
//! clearly without touching the files.

use std::collections::BTreeMap;
use std::path::Path;

use countersign::keys::{KeyError, KeySource};
use countersign::{Core, Error};
use countersign_sim::customers::{self, Customer};
use rstest::rstest;

use crate::support::*;

const PHRASE: &str = "my card number is in the blue envelope";
const PHONE: &str = "4915199998877";

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Name, size and a digest of each file: what "unchanged" compares, readable when it fails.
fn fingerprint(dir: &Path) -> Vec<(String, usize, u64)> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    files(dir)
        .into_iter()
        .map(|(name, bytes)| {
            let mut h = DefaultHasher::new();
            bytes.hash(&mut h);
            (name, bytes.len(), h.finish())
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn store_secret_message(site: &Site) {
    let customer = Customer { wa_id: PHONE.to_owned(), name: "Known Name".to_owned() };
    let body = customers::text_webhook(
        &target("127.0.0.1:1".parse().unwrap()),
        &customer,
        "wamid.enc",
        PHRASE,
        1_700_000_000,
    );
    let receipt = site.core.receive_webhook(Some(&customers::sign(APP_SECRET, &body)), &body).await.unwrap();
    assert_eq!(receipt.messages, 1);
}

#[tokio::test]
async fn neither_the_message_nor_the_number_appears_in_any_file() {
    let site = site("http://127.0.0.1:9").await;
    store_secret_message(&site).await;
    // While open, the newest pages are in the WAL: scan it too.
    let open_files = files(&site.data_dir());
    assert!(
        open_files.keys().any(|name| name.ends_with("-wal")),
        "expected a WAL while open: {:?}",
        open_files.keys()
    );
    site.core.clone().close().await;
    for (when, snapshot) in [("while open", open_files), ("after close", files(&site.data_dir()))] {
        assert!(!snapshot.is_empty());
        for (name, bytes) in snapshot {
            for needle in [PHRASE, PHONE, "Known Name", "SQLite format 3"] {
                assert!(!contains(&bytes, needle), "{needle:?} readable in {name} {when}");
            }
        }
    }
    // And the data is still there for the right key.
    let reopened = Core::open(&site.data_dir(), &site.key_source()).await.unwrap();
    assert_eq!(reopened.stats().await.unwrap().messages, 1);
}

/// The fingerprint of what holds data: the database and its WAL. SQLite's `-shm` file is a
/// lock and index area in shared memory that any process opening the file may update while a
/// WAL exists; it holds no rows and is rebuilt from the WAL.
fn durable_fingerprint(dir: &Path) -> Vec<(String, usize, u64)> {
    fingerprint(dir).into_iter().filter(|(name, _, _)| !name.ends_with("-shm")).collect()
}

/// Closes the store and waits until SQLite has removed its `-wal` and `-shm` files (sqlx
/// finishes closing connections on their own threads).
async fn close_fully(site: &Site) {
    site.core.clone().close().await;
    for _ in 0..250 {
        if fingerprint(&site.data_dir()).len() == 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[derive(Debug, Clone, Copy)]
enum BadKey {
    Wrong,
    MissingFile,
}

#[rstest]
#[case::wrong_key(BadKey::Wrong, "does not open this store")]
#[case::missing_key(BadKey::MissingFile, "--key-file")]
#[tokio::test]
async fn a_bad_key_fails_clearly_and_changes_nothing(#[case] bad: BadKey, #[case] says: &str) {
    let site = site("http://127.0.0.1:9").await;
    store_secret_message(&site).await;
    close_fully(&site).await;
    let before = durable_fingerprint(&site.data_dir());

    let other = site.dir.path().join("other.key");
    let source = match bad {
        BadKey::Wrong => {
            let scratch = tempfile::tempdir().unwrap();
            Core::init(&scratch.path().join("d"), &KeySource::File(other.clone()))
                .await
                .unwrap()
                .close()
                .await;
            KeySource::File(other)
        }
        BadKey::MissingFile => KeySource::File(other),
    };
    let err = Core::open(&site.data_dir(), &source).await.unwrap_err();
    assert!(matches!(err, Error::Key(KeyError::WrongKey | KeyError::Missing(_))), "{err:?}");
    assert!(err.to_string().contains(says), "{err}");
    assert_eq!(durable_fingerprint(&site.data_dir()), before, "a failed open must not touch the store");
}

#[tokio::test]
async fn opening_a_directory_without_a_store_says_to_run_init() {
    let dir = tempfile::tempdir().unwrap();
    let err = Core::open(dir.path(), &KeySource::File(dir.path().join("k"))).await.unwrap_err();
    assert!(err.to_string().contains("countersign init"), "{err}");
    assert!(files(dir.path()).is_empty());
}
