//! Single sign-on against a real OpenID provider: `oidc-provider` (certified, npm) on loopback,
//! with its own login page, driven by an HTTP client standing in for the system browser.
//! Covers the native-app flow of `auth::oidc`: a good sign-in, a wrong `state`, a replayed
//! code, an expired ID token and one signed with a key the provider did not publish.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use countersign::auth::oidc::{self, ClaimNames, ClientSettings, OidcError};
use countersign::clock::{Clock, SystemClock, Timestamp};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The provider, running until dropped.
pub struct Provider {
    _child: Child,
    pub issuer: String,
}

const USERS: &str = r#"{
  "ana": { "password": "correct horse", "name": "Ana Ruiz", "groups": ["york-agents"], "amr": ["pwd", "otp"] },
  "ben": { "password": "battery staple", "groups": [] }
}"#;

fn users_file(dir: &Path) -> PathBuf {
    let path = dir.join("users.json");
    std::fs::write(&path, USERS).unwrap();
    path
}

pub async fn provider(users: &Path, id_token_ttl_s: u32, port: u16) -> Provider {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/provider.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .arg(users)
        .arg(id_token_ttl_s.to_string())
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs tests/oidc/provider.mjs (scripts/setup installs its packages)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(issuer) = line.strip_prefix("listening ") {
            // Its later notices go nowhere, but the pipe must stay open (it stops on EPIPE).
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Provider { _child: child, issuer: issuer.to_owned() };
        }
    }
    panic!("the OpenID provider did not start");
}

fn settings(issuer: &str) -> ClientSettings {
    ClientSettings {
        issuer: issuer.to_owned(),
        client_id: "countersign-desktop".to_owned(),
        client_secret: None,
        scopes: vec!["profile".to_owned(), "groups".to_owned()],
    }
}

fn names() -> ClaimNames {
    ClaimNames { username: "preferred_username".to_owned(), groups: "groups".to_owned() }
}

const REDIRECT: &str = "http://127.0.0.1:49152/callback";

/// What the system browser does: opens the authorization URL, fills in the provider's own
/// login page, and follows it to the redirect, whose `code` and `state` it hands back.
async fn browser_signs_in(authorize: &url::Url, user: &str, password: &str) -> (String, String) {
    let at = browser_reaches_redirect(authorize, user, password, REDIRECT).await;
    let query: std::collections::HashMap<_, _> = at.query_pairs().into_owned().collect();
    (query["code"].clone(), query["state"].clone())
}

/// The same, up to the address the provider sends the browser back to (under `redirect`).
pub async fn browser_reaches_redirect(
    authorize: &url::Url,
    user: &str,
    password: &str,
    redirect: &str,
) -> url::Url {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut at = authorize.clone();
    for _ in 0..10 {
        if at.as_str().starts_with(redirect) {
            return at;
        }
        let response = if at.path().starts_with("/interaction/") {
            let page = browser.get(at.clone()).send().await.unwrap().text().await.unwrap();
            assert!(page.contains("Sign in"), "the provider's login page: {page}");
            let form = [("login", user), ("password", password)];
            browser.post(format!("{at}/login")).form(&form).send().await.unwrap()
        } else {
            browser.get(at.clone()).send().await.unwrap()
        };
        let Some(location) = response.headers().get("location").cloned() else {
            let status = response.status();
            panic!("{at}: {status} {}", response.text().await.unwrap_or_default());
        };
        at = at.join(location.to_str().unwrap()).unwrap();
    }
    panic!("the sign-in did not come back to the app");
}

fn now() -> Timestamp {
    SystemClock.now()
}

/// A provider with the test users, whose ID tokens live `ttl_s` seconds.
async fn started(ttl_s: u32) -> (tempfile::TempDir, Provider) {
    let dir = tempfile::tempdir().unwrap();
    let p = provider(&users_file(dir.path()), ttl_s, 0).await;
    (dir, p)
}

/// A sign-in begun by the app and completed by the person at the provider: what the redirect
/// brought back, not yet finished.
struct Answered {
    begun: oidc::Begun,
    code: String,
    state: String,
}

async fn answered(http: &reqwest::Client, issuer: &str, user: &str, password: &str) -> Answered {
    let begun = oidc::begin(http, &settings(issuer), REDIRECT, now()).await.unwrap();
    let (code, state) = browser_signs_in(&begun.authorize_url, user, password).await;
    Answered { begun, code, state }
}

#[tokio::test]
async fn a_person_signs_in_at_the_provider_and_the_app_learns_who_and_their_groups() {
    let (_dir, p) = started(3600).await;
    let http = oidc::http_client().unwrap();
    let a = answered(&http, &p.issuer, "ana", "correct horse").await;
    let query: std::collections::HashMap<_, _> = a.begun.authorize_url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["redirect_uri"], REDIRECT);
    assert!(query["scope"].split(' ').any(|s| s == "openid"));

    let who = oidc::finish(&http, a.begun.pending, &a.state, &a.code, &names(), now()).await.unwrap();
    assert_eq!(who.username, "ana");
    assert_eq!(who.subject, "ana");
    assert_eq!(who.issuer, p.issuer);
    assert_eq!(who.name.as_deref(), Some("Ana Ruiz"));
    assert_eq!(who.groups, ["york-agents"]);
    assert!(who.second_factor_shown(), "amr {:?} shows a one-time code", who.amr);
}

#[tokio::test]
async fn a_password_only_sign_in_at_the_provider_shows_no_second_factor() {
    let (_dir, p) = started(3600).await;
    let http = oidc::http_client().unwrap();
    let a = answered(&http, &p.issuer, "ben", "battery staple").await;
    let who = oidc::finish(&http, a.begun.pending, &a.state, &a.code, &names(), now()).await.unwrap();
    assert!(who.groups.is_empty());
    assert!(!who.second_factor_shown());
}

#[tokio::test]
async fn an_answer_with_another_state_is_refused() {
    let (_dir, p) = started(3600).await;
    let http = oidc::http_client().unwrap();
    let a = answered(&http, &p.issuer, "ana", "correct horse").await;
    let refused = oidc::finish(&http, a.begun.pending, "forged-state", &a.code, &names(), now()).await;
    assert_eq!(refused.unwrap_err(), OidcError::State);
}

#[tokio::test]
async fn a_code_used_once_is_refused_the_second_time() {
    let (_dir, p) = started(3600).await;
    let http = oidc::http_client().unwrap();
    let a = answered(&http, &p.issuer, "ana", "correct horse").await;
    oidc::finish(&http, a.begun.pending, &a.state, &a.code, &names(), now()).await.unwrap();
    // An attacker who saw the redirect replays its code into a sign-in of their own.
    let second = oidc::begin(&http, &settings(&p.issuer), REDIRECT, now()).await.unwrap();
    let state = second.authorize_url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let refused = oidc::finish(&http, second.pending, &state, &a.code, &names(), now()).await;
    assert_eq!(refused.unwrap_err(), OidcError::Exchange);
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let (_dir, p) = started(60).await;
    let http = oidc::http_client().unwrap();
    let a = answered(&http, &p.issuer, "ana", "correct horse").await;
    // The token lives a minute; the core's clock says two have passed.
    let later = now().plus_millis(2 * 60 * 1000);
    let refused = oidc::finish(&http, a.begun.pending, &a.state, &a.code, &names(), later).await;
    assert_eq!(refused.unwrap_err(), OidcError::IdToken);
}

#[tokio::test]
async fn an_id_token_signed_with_a_key_the_provider_did_not_publish_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path());
    let first = provider(&users, 3600, 0).await;
    let port = url::Url::parse(&first.issuer).unwrap().port().unwrap();
    let http = oidc::http_client().unwrap();
    // The sign-in begins against the provider's published keys…
    let begun = oidc::begin(&http, &settings(&first.issuer), REDIRECT, now()).await.unwrap();
    drop(first);
    // …and the token comes from a provider at the same address signing with another key.
    let mut impostor = None;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            impostor = Some(provider(&users, 3600, port).await);
            break;
        }
    }
    assert!(impostor.is_some(), "port {port} came free");
    let (code, state) = browser_signs_in(&begun.authorize_url, "ana", "correct horse").await;
    let refused = oidc::finish(&http, begun.pending, &state, &code, &names(), now()).await;
    assert_eq!(refused.unwrap_err(), OidcError::IdToken);
}

#[tokio::test]
async fn a_provider_that_is_not_there_is_a_clear_error() {
    let http = oidc::http_client().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = oidc::begin(&http, &settings(&format!("http://127.0.0.1:{port}")), REDIRECT, now()).await;
    assert_eq!(refused.err().map(|e| e.reason()), Some("discovery"));
}
