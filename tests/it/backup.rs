//! Encrypted backup and restore (issue 11): the archive holds nothing readable, restores into
//! an empty directory with the data key, and a changed, cut or foreign-keyed archive is refused
//! with nothing left behind.

use std::path::Path;

use countersign::keys::{DataKey, KeySource};
use countersign::{Core, Error};
use countersign_sim::customers::{self, Customer};

use crate::cli::countersign;
use crate::support::*;

const PHRASE: &str = "my card is 4111 1111 1111 1111 and I live at 12 Lark Lane";
const PHONE: &str = "447700900123";

async fn site_with_a_message() -> Site {
    let site = site("http://127.0.0.1:9").await;
    let customer = Customer { wa_id: PHONE.to_owned(), name: "Known Name".to_owned() };
    let body = customers::text_webhook(
        &target("127.0.0.1:1".parse().unwrap()),
        &customer,
        "wamid.b1",
        PHRASE,
        1_700_000_000,
    );
    site.core.receive_webhook(Some(&customers::sign(APP_SECRET, &body)), &body).await.unwrap();
    site
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn backed_up(site: &Site) -> std::path::PathBuf {
    let out = site.dir.path().join("nightly.csbackup");
    let key = site.key_source().load().unwrap();
    let written = site.core.operator_backup(&key, &out).await.unwrap();
    assert_eq!(written.bytes, std::fs::metadata(&out).unwrap().len());
    out
}

#[tokio::test]
async fn a_backup_is_unreadable_and_restores_everything_with_the_key() {
    let site = site_with_a_message().await;
    let archive = backed_up(&site).await;
    let bytes = std::fs::read(&archive).unwrap();
    for secret in [PHRASE, PHONE, "4111", AGENT, "SQLite format 3"] {
        assert!(!contains(&bytes, secret), "{secret:?} is readable in the backup");
    }

    let target = site.dir.path().join("restored");
    let restored = Core::restore(&archive, &target, &site.key_source()).await.unwrap();
    assert_eq!(restored.stats.messages, 1);
    assert!(restored.audit_events_verified > 0);
    // The snapshot inside was encrypted with the data key like the live file, and so is the
    // restored store.
    let file = std::fs::read(countersign::store::db_path(&target)).unwrap();
    assert!(!file.starts_with(b"SQLite format 3") && !contains(&file, PHRASE) && !contains(&file, PHONE));
    let core = Core::open(&target, &site.key_source()).await.unwrap();
    let users = core.store().list_users().await.unwrap();
    assert!(users.iter().any(|u| u.username == AGENT), "the staff came back");
    let actions: Vec<String> =
        core.store().audit_records().await.unwrap().into_iter().map(|r| r.action).collect();
    assert_eq!(actions.last().map(String::as_str), Some("backup.restored"));
    let trail = site.core.store().audit_records().await.unwrap();
    assert!(trail.iter().any(|r| r.action == "backup.created"), "the backup is in the original's trail");
}

#[tokio::test]
async fn a_changed_or_foreign_backup_is_refused_and_nothing_is_left_behind() {
    let site = site_with_a_message().await;
    let archive = backed_up(&site).await;
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    let tampered = site.dir.path().join("tampered.csbackup");
    std::fs::write(&tampered, &bytes).unwrap();
    let target = site.dir.path().join("restored");
    let refused = Core::restore(&tampered, &target, &site.key_source()).await;
    assert!(matches!(&refused, Err(Error::Invalid(m)) if m.contains("changed or damaged")), "{refused:?}");
    assert!(!countersign::store::db_path(&target).exists(), "no store is left behind");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0, "no temporary file is left behind");

    // The right archive with another store's key.
    let other = site.dir.path().join("other.key");
    KeySource::File(other.clone()).store_new(&DataKey::generate(&countersign::clock::OsRandom)).unwrap();
    let refused = Core::restore(&archive, &target, &KeySource::File(other)).await;
    assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
    // Never over a store.
    let refused = Core::restore(&archive, &site.data_dir(), &site.key_source()).await;
    assert!(matches!(refused, Err(Error::AlreadyInitialized(_))), "{refused:?}");
}

fn loc(data: &Path, key: &Path) -> Vec<String> {
    vec!["--data-dir".into(), data.display().to_string(), "--key-file".into(), key.display().to_string()]
}

#[test]
fn it_backs_up_and_restores_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (data, key) = (dir.path().join("data"), dir.path().join("data.key"));
    let args = |cmd: &[&str], extra: &[String]| -> Vec<String> {
        cmd.iter().map(|s| (*s).to_owned()).chain(extra.iter().cloned()).collect()
    };
    let run = |a: Vec<String>| countersign(&a.iter().map(String::as_str).collect::<Vec<_>>(), "");
    assert!(run(args(&["init"], &loc(&data, &key))).status.success());
    let archive = dir.path().join("store.csbackup").display().to_string();
    let out = run(args(&["backup", "--out", &archive], &loc(&data, &key)));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("keep both, apart"));
    let again = run(args(&["backup", "--out", &archive], &loc(&data, &key)));
    assert!(!again.status.success(), "an existing file is never overwritten");

    let restored = dir.path().join("restored");
    let out = run(args(&["restore", "--from", &archive], &loc(&restored, &key)));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit event(s) verified"));

    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&archive, bytes).unwrap();
    let out = run(args(&["restore", "--from", &archive], &loc(&dir.path().join("again"), &key)));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changed or damaged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
