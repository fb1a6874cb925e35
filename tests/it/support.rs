//! Shared set-up: an initialized data directory, a running simulator and server.

use std::net::SocketAddr;
use std::path::PathBuf;

use countersign::api::operator::{AddUser, ChannelSettings};
use countersign::keys::{KeySource, SecretString};
use countersign::Core;
use countersign_sim::{GraphSim, SimConfig, WebhookTarget};

pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const APP_SECRET: &str = "test-app-secret-0123456789";
pub const ACCESS_TOKEN: &str = "test-access-token";
pub const VERIFY_TOKEN: &str = "test-verify-token";
pub const AGENT: &str = "anna.agent";
pub const AGENT_PASSWORD: &str = "correct horse battery staple";
pub const ADMIN: &str = "otto.admin";
pub const ADMIN_PASSWORD: &str = "granite lantern ocean whistle";

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// A fresh data directory with a key file, an agent, and the channel pointed at `graph_base_url`.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub core: Core,
}

impl Site {
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn key_source(&self) -> KeySource {
        KeySource::File(self.dir.path().join("data.key"))
    }
}

pub async fn site(graph_base_url: &str) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let key = KeySource::File(dir.path().join("data.key"));
    let core = Core::init(&dir.path().join("data"), &key).await.unwrap();
    for (name, role, password) in [(AGENT, "agent", AGENT_PASSWORD), (ADMIN, "admin", ADMIN_PASSWORD)] {
        let user = AddUser {
            username: name.to_owned(),
            role: role.to_owned(),
            teams: Vec::new(),
            password: secret(password),
        };
        core.operator_add_user(user).await.unwrap();
    }
    core.operator_set_channel(ChannelSettings {
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        verify_token: secret(VERIFY_TOKEN),
        graph_base_url: graph_base_url.to_owned(),
        api_version: None,
        app_secret: secret(APP_SECRET),
        access_token: secret(ACCESS_TOKEN),
    })
    .await
    .unwrap();
    Site { dir, core }
}

pub async fn graph_sim() -> GraphSim {
    let config =
        SimConfig { phone_number_id: PHONE_NUMBER_ID.to_owned(), access_token: ACCESS_TOKEN.to_owned() };
    GraphSim::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

/// Serves `core` on a free loopback port until the test ends.
pub async fn serve(core: Core) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(countersign::server::serve(core, listener, std::future::pending()));
    addr
}

pub fn target(addr: SocketAddr) -> WebhookTarget {
    WebhookTarget {
        url: format!("http://{addr}/webhook"),
        app_secret: APP_SECRET.to_owned(),
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        display_phone_number: "15550783881".to_owned(),
    }
}

/// A site served over HTTP on loopback, with a client for its API and webhook.
pub struct Served {
    pub site: Site,
    pub addr: SocketAddr,
    pub http: reqwest::Client,
}

impl Served {
    pub async fn new(graph_base_url: &str) -> Self {
        Self::with_outbox(graph_base_url, countersign::api::outbox::OutboxPolicy::default()).await
    }

    /// A site whose outbox paces and retries by `policy`.
    pub async fn with_outbox(graph_base_url: &str, policy: countersign::api::outbox::OutboxPolicy) -> Self {
        let mut site = site(graph_base_url).await;
        site.core = site.core.with_outbox_policy(policy);
        let addr = serve(site.core.clone()).await;
        Self { site, addr, http: reqwest::Client::new() }
    }

    /// A site whose core runs on `clock`, which the test moves by hand (start it at the real
    /// time: authenticator codes are computed from the system clock).
    pub async fn on_clock(
        graph_base_url: &str,
        clock: std::sync::Arc<countersign::clock::ManualClock>,
    ) -> Self {
        let mut site = site(graph_base_url).await;
        site.core = Core::with_parts(
            site.core.store().clone(),
            clock,
            std::sync::Arc::new(countersign::clock::OsRandom),
        )
        .unwrap();
        let addr = serve(site.core.clone()).await;
        Self { site, addr, http: reqwest::Client::new() }
    }

    fn request(&self, method: reqwest::Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("http://{}{path}", self.addr));
        match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(reqwest::Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: serde_json::Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, path, token).json(&body).send().await.unwrap()
    }

    pub async fn request_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        self.request(method, path, Some(token)).json(&body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(reqwest::Method::DELETE, path, token).send().await.unwrap()
    }

    /// Signs the agent in and returns the session token.
    pub async fn login(&self) -> String {
        let body = serde_json::json!({ "username": AGENT, "password": AGENT_PASSWORD });
        let response = self.post("/api/v1/sessions", None, body).await;
        assert_eq!(response.status(), 201);
        let json: serde_json::Value = response.json().await.unwrap();
        json["token"].as_str().unwrap().to_owned()
    }

    /// Signs the administrator in from `http`, sets up their authenticator (which proves a
    /// second factor, so high-risk actions are allowed for the next few minutes) and returns
    /// the session token and the authenticator's secret.
    pub async fn admin_stepped_up(
        &self,
        http: &reqwest::Client,
    ) -> (String, countersign::auth::totp::TotpSecret) {
        let url = |path: &str| format!("http://{}{path}", self.addr);
        let body = serde_json::json!({ "username": ADMIN, "password": ADMIN_PASSWORD });
        let response = http.post(url("/api/v1/sessions")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let json: serde_json::Value = response.json().await.unwrap();
        let token = json["token"].as_str().unwrap().to_owned();
        let post =
            |path: &str, body: serde_json::Value| http.post(url(path)).bearer_auth(&token).json(&body).send();
        let started: serde_json::Value =
            post("/api/v1/me/totp", serde_json::json!({})).await.unwrap().json().await.unwrap();
        let secret =
            countersign::auth::totp::TotpSecret::from_base32(started["secret"].as_str().unwrap()).unwrap();
        use countersign::clock::Clock;
        let code = secret.code_at(countersign::clock::SystemClock.now()).unwrap();
        let confirmed = post("/api/v1/me/totp/confirm", serde_json::json!({ "code": code })).await.unwrap();
        assert_eq!(confirmed.status(), 200);
        (token, secret)
    }

    /// The latest page of conversation `id`'s messages, as `token` sees them.
    pub async fn thread(&self, token: &str, id: i64) -> Vec<serde_json::Value> {
        let path = format!("/api/v1/conversations/{id}/messages");
        let page: serde_json::Value = self.get(&path, Some(token)).await.json().await.unwrap();
        page["messages"].as_array().unwrap_or_else(|| panic!("a page of messages: {page}")).clone()
    }

    /// The text of the first message of the first conversation, as `token` sees it.
    pub async fn first_message_text(&self, token: &str) -> String {
        let messages = self.thread(token, 1).await;
        messages[0]["text"].as_str().unwrap().to_owned()
    }

    /// A customer's text, delivered as a signed webhook; returns the HTTP status.
    pub async fn customer_writes(
        &self,
        customer: &countersign_sim::Customer,
        wamid: &str,
        text: &str,
    ) -> u16 {
        countersign_sim::customers::send_text(&self.http, &target(self.addr), customer, wamid, text)
            .await
            .unwrap()
    }
}

/// A site whose core runs on a clock the test moves by hand (the site's users, no channel).
pub async fn site_on_clock(clock: std::sync::Arc<countersign::clock::ManualClock>) -> (Site, Core) {
    let site = site("http://127.0.0.1:9").await;
    let core =
        Core::with_parts(site.core.store().clone(), clock, std::sync::Arc::new(countersign::clock::OsRandom))
            .unwrap();
    (site, core)
}

/// A connection to the store's file with its key, as someone holding the data key would open it.
async fn raw_connection(dir: &std::path::Path) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions;
    let key = KeySource::File(dir.join("data.key")).load().unwrap();
    let url = format!("sqlite://{}", countersign::store::db_path(&dir.join("data")).display());
    url.parse::<sqlx::sqlite::SqliteConnectOptions>()
        .unwrap()
        .pragma("key", key.dangerously_pragma_value().dangerously_expose().clone())
        .connect()
        .await
        .unwrap()
}

/// Changes the store's file directly, as someone holding the data key could.
pub async fn tamper(dir: &std::path::Path, sql: &str) {
    use sqlx::Connection;
    let mut conn = raw_connection(dir).await;
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// A number read from the store's file directly (what is really in it, past every view).
pub async fn peek(dir: &std::path::Path, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = raw_connection(dir).await;
    let n = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    n
}

/// How many places in the file still hold `words`: message text and JSON, raw deliveries and
/// delivery reports, the outbox, the search index, notes, contacts and their fields, requests
/// to reveal, the audit trail.
pub async fn copies_in_file(served: &Served, words: &str) -> i64 {
    let dir = served.site.dir.path();
    let mut n = 0;
    for sql in [
        "SELECT count(*) FROM messages WHERE instr(body, '{w}') OR instr(raw_json, '{w}')",
        "SELECT count(*) FROM webhook_deliveries WHERE instr(CAST(body AS TEXT), '{w}')",
        "SELECT count(*) FROM outbox WHERE instr(request_json, '{w}')",
        "SELECT count(*) FROM search_index WHERE search_index MATCH '\"{w}\"'",
        "SELECT count(*) FROM message_statuses WHERE instr(raw_json, '{w}')",
        "SELECT count(*) FROM notes WHERE instr(body, '{w}')",
        "SELECT count(*) FROM contacts WHERE instr(COALESCE(profile_name, '') || COALESCE(wa_id, ''), '{w}')",
        "SELECT count(*) FROM contact_field_values WHERE instr(value, '{w}')",
        "SELECT count(*) FROM escalations WHERE instr(reason, '{w}')",
        "SELECT count(*) FROM audit_events WHERE instr(COALESCE(target, '') || detail, '{w}')",
    ] {
        n += peek(dir, &sql.replace("{w}", words)).await;
    }
    n
}
