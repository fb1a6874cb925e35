//! Shared set-up: an initialized data directory, a running simulator and server.

use std::net::SocketAddr;
use std::path::PathBuf;

use countersign::api::operator::{AddUser, ChannelSettings};
use countersign::domain::Role;
use countersign::keys::{KeySource, SecretString};
use countersign::Core;
use countersign_sim::{GraphSim, SimConfig, WebhookTarget};

pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const APP_SECRET: &str = "test-app-secret-0123456789";
pub const ACCESS_TOKEN: &str = "test-access-token";
pub const VERIFY_TOKEN: &str = "test-verify-token";
pub const AGENT: &str = "anna.agent";
pub const AGENT_PASSWORD: &str = "correct horse battery staple";

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
    core.operator_add_user(AddUser {
        username: AGENT.to_owned(),
        role: Role::Agent,
        password: secret(AGENT_PASSWORD),
    })
    .await
    .unwrap();
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
    let config = SimConfig {
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        access_token: ACCESS_TOKEN.to_owned(),
    };
    GraphSim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Serves `core` on a free loopback port until the test ends.
pub async fn serve(core: Core) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(countersign::server::serve(
        core,
        listener,
        std::future::pending(),
    ));
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
