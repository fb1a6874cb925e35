//! The identity provider for the single sign-on journey: `oidc-provider` on loopback (the
//! integration tests' `tests/oidc/provider.mjs`), a stand-in for the system browser that the
//! app opens through `$BROWSER`, and an HTTP client that signs in on the provider's own page
//! the way a person's browser would.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::time::Instant;

/// The provider, stopped when dropped.
pub struct Idp {
    child: Child,
    pub issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider with `users` (its JSON users file) and waits until it serves.
pub async fn start(users: &Path) -> Idp {
    let port = countersign_e2e::free_port();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/oidc/provider.mjs");
    let child = Command::new("node")
        .args([script, &users.display().to_string(), "3600", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs tests/oidc/provider.mjs (scripts/setup installs its packages)");
    let issuer = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let discovery = format!("{issuer}/.well-known/openid-configuration");
    while !reqwest::get(&discovery).await.is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "the OpenID provider did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Idp { child, issuer }
}

/// A `$BROWSER` that writes each URL it is asked to open into `opened` (one per line).
pub fn browser_script(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let opened = dir.join("opened-urls.txt");
    let script = dir.join("browser.sh");
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", opened.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, opened)
}

/// The URL the app asked the system browser to open (the `n`th, from 1), once it has.
pub async fn opened_url(opened: &Path, n: usize) -> url::Url {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let lines = std::fs::read_to_string(opened).unwrap_or_default();
        if let Some(line) = lines.lines().nth(n - 1) {
            return url::Url::parse(line).unwrap();
        }
        assert!(Instant::now() < deadline, "the app did not open the browser");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the person does in the browser: the provider's login page, then the redirect back to
/// the app's loopback address, which the app answers.
pub async fn sign_in_at_provider(authorize: &url::Url, user: &str, password: &str) {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut at = authorize.clone();
    for _ in 0..10 {
        if at.host_str() == Some("127.0.0.1") && at.path() == "/callback" {
            let page = browser.get(at.clone()).send().await.unwrap();
            assert_eq!(page.status(), 200, "the app took the answer");
            assert!(page.text().await.unwrap().contains("go back to Countersign"));
            return;
        }
        let response = if at.path().starts_with("/interaction/") {
            let page = browser.get(at.clone()).send().await.unwrap().text().await.unwrap();
            assert!(page.contains("Sign in"), "the provider's login page: {page}");
            browser
                .post(format!("{at}/login"))
                .form(&[("login", user), ("password", password)])
                .send()
                .await
                .unwrap()
        } else {
            browser.get(at.clone()).send().await.unwrap()
        };
        let location =
            response.headers().get("location").unwrap_or_else(|| panic!("{at}: no redirect")).clone();
        at = at.join(location.to_str().unwrap()).unwrap();
    }
    panic!("the sign-in did not come back to the app");
}
