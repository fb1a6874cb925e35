//! The data key in the OS credential store (here: GNOME Keyring's Secret Service, which
//! scripts/test starts in a private D-Bus session). Entries are named after the data
//! directory, so this test's entries never collide with a real installation's.

use countersign::keys::{KeyError, KeySource};
use countersign::{Core, Error};

#[tokio::test]
async fn the_data_key_can_live_in_the_os_credential_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let source = KeySource::choose(None, &data);
    let KeySource::Keyring { account } = &source else {
        panic!("no key file given: expected the credential store")
    };

    let core = Core::init(&data, &source).await.unwrap_or_else(|e| {
        panic!(
            "{e}\n(the OS credential store must be running: scripts/test starts one with dbus-run-session)"
        )
    });
    core.close().await;
    let reopened = Core::open(&data, &KeySource::choose(None, &data)).await.unwrap();
    assert_eq!(
        reopened.stats().await.unwrap().audit_events,
        1,
        "the store opened with the key from the credential store"
    );
    reopened.close().await;

    let again = Core::init(&data, &source).await.unwrap_err();
    assert!(matches!(again, Error::AlreadyInitialized(_)), "{again:?}");

    // Another data directory has no entry: the error says to pass the key file instead.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(elsewhere.path().join("data")).unwrap();
    std::fs::copy(data.join("countersign.db"), elsewhere.path().join("data/countersign.db")).unwrap();
    let missing =
        Core::open(&elsewhere.path().join("data"), &KeySource::choose(None, &elsewhere.path().join("data")))
            .await
            .unwrap_err();
    assert!(matches!(missing, Error::Key(KeyError::Missing(_))), "{missing:?}");
    assert!(missing.to_string().contains("--key-file"), "{missing}");

    keyring::Entry::new("countersign", account).unwrap().delete_credential().unwrap();
}
