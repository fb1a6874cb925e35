//! The Debian package as IT installs it (issue 11 point 6): `dpkg -i` puts the app and the
//! `countersign` CLI on the PC, IT creates the store and its first user with the installed CLI,
//! deploys `/etc/countersign/policy.json` pinning where the store and its key are and the idle
//! lock, and the installed app — started with nothing else telling it where to look — opens
//! that store, signs the user in, and shows the pinned setting as set by IT. The package is
//! removed and the policy deleted afterwards, whatever happened.
//!
//! Needs: `COUNTERSIGN_DEB` (the `.deb` the Tauri bundler made), root, `tauri-driver` and
//! `WebKitWebDriver`, and a display. `scripts/test` provides them; nothing is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failing loudly is the point

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use countersign_e2e::{connect, require_env, start_driver};
use fantoccini::{Client, Locator};

const POLICY: &str = "/etc/countersign/policy.json";
const PASSWORD: &str = "granite meadow lantern nine";

/// Undoes the installation however the test ends: the package purged, the policy deleted.
struct Installed {
    data: PathBuf,
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["--purge", "countersign"]).status();
        let _ = std::fs::remove_file(POLICY);
        let _ = std::fs::remove_dir("/etc/countersign");
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn run(program: &str, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits up to `seconds` for the element matching `css` to show `text` (a screen fills in
/// once the core has answered); what it shows then.
async fn showing(client: &Client, css: &str, text: &str, seconds: u64) -> String {
    let mut last = String::new();
    for _ in 0..seconds * 5 {
        if let Ok(found) = client.find(Locator::Css(css)).await {
            last = found.text().await.unwrap_or_default();
            if last.contains(text) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{css} does not show {text:?} after {seconds} s: {last}");
}

#[tokio::test(flavor = "multi_thread")]
async fn it_installs_the_deb_deploys_a_policy_and_the_installed_app_follows_it() {
    let deb = require_env("COUNTERSIGN_DEB", "the .deb the Tauri bundler made");
    assert!(!Path::new(POLICY).exists(), "{POLICY} exists already: this test will not replace a real policy");
    let installed = Installed {
        data: PathBuf::from(format!("/var/tmp/countersign-package-test-{}", std::process::id())),
    };

    // Installed as IT would, silently.
    run("dpkg", &["-i", &deb], "");
    let status = run("dpkg-query", &["-W", "-f", "${Status} ${Version}", "countersign"], "");
    assert!(status.starts_with("install ok installed"), "{status}");
    for file in [
        "/usr/bin/countersign-desktop",
        "/usr/bin/countersign",
        "/usr/share/applications/Countersign.desktop",
    ] {
        assert!(Path::new(file).exists(), "{file} is not installed");
    }

    // The store and its first user, with the installed CLI; then the policy.
    let data = installed.data.join("data").display().to_string();
    let key = installed.data.join("data.key").display().to_string();
    std::fs::create_dir_all(&installed.data).unwrap();
    run("/usr/bin/countersign", &["init", "--data-dir", &data, "--key-file", &key], "");
    let add = ["user", "add", "--username", "ida.owner", "--role", "owner", "--password-stdin"];
    run(
        "/usr/bin/countersign",
        &[&add[..], &["--data-dir", &data, "--key-file", &key]].concat(),
        &format!("{PASSWORD}\n"),
    );
    std::fs::create_dir_all("/etc/countersign").unwrap();
    let policy = serde_json::json!({
        "data_dir": data,
        "key_source": { "key_file": key },
        "second_factor_roles": [],
        "lock_after_minutes": 3,
        "allow_export": false,
        "log_level": "warn",
    });
    std::fs::write(POLICY, serde_json::to_vec_pretty(&policy).unwrap()).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(POLICY, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let checked = run("/usr/bin/countersign", &["policy", "check"], "");
    assert!(checked.contains("is valid"), "{checked}");

    // The installed app, told nothing but what the policy says.
    let (_driver, port) = start_driver(Vec::new()).await;
    let client = connect("/usr/bin/countersign-desktop", port).await;
    let form = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-testid=login-form]"))
        .await
        .unwrap();
    form.find(Locator::Css("input[name=username]")).await.unwrap().send_keys("ida.owner").await.unwrap();
    form.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    showing(&client, "[data-testid=signed-in-as]", "ida.owner", 20).await;
    client.find(Locator::Css("[data-testid=tab-admin]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("[data-testid=admin-security]")).await.unwrap().click().await.unwrap();
    let security = showing(&client, "[data-testid=security-settings]", "set by your IT department", 10).await;
    assert!(security.contains("3 minutes"), "the pinned lock: {security}");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("70-installed-package.png"), client.screenshot().await.unwrap()).unwrap();
    client.close().await.unwrap();
    drop(installed);
    assert!(!Path::new("/usr/bin/countersign-desktop").exists(), "removed again");
}
