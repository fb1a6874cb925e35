//! Driving the real desktop app: tauri-driver (and WebKitWebDriver and the app behind it) in a
//! process group of its own, and a WebDriver session with the app. Shared by the end-to-end
//! tests (`tests/desktop.rs`) and the desktop benchmark (`examples/desktop_bench.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test tooling: failing loudly is the point

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use tokio::time::Instant;

/// tauri-driver and what it starts (WebKitWebDriver, the app) in one process group, so that
/// ending the test ends all of them: an orphaned WebKitWebDriver would hold the test's output
/// pipe open and hang CI.
#[derive(Debug)]
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
        // The app is one app per desktop session: the next test's must not find this one
        // still closing. Wait for the whole group to be gone (at most 5 s, then kill it).
        let wait = format!(
            "for i in $(seq 100); do kill -0 -- {group} 2>/dev/null || exit 0; sleep 0.05; done; kill -KILL -- {group}"
        );
        let _ = Command::new("sh").args(["-c", &wait]).stderr(Stdio::null()).status();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn require_env(name: &str, hint: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: {hint} (run scripts/test)"))
}

/// Starts tauri-driver; the app it launches inherits `env`.
pub async fn start_driver(env: Vec<(&'static str, String)>) -> (Driver, u16) {
    let port = free_port();
    let native_port = free_port();
    let child = Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned()))
        .process_group(0)
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
        .env_remove("COUNTERSIGN_DEMO")
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start tauri-driver ({e}); install it with `cargo install tauri-driver --locked`")
        });
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not start listening");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (Driver(child), port)
}

/// Starts the desktop app (`COUNTERSIGN_DESKTOP_BIN`) with `env` under tauri-driver and opens
/// a WebDriver session with it; the app ends when the returned `Driver` is dropped.
pub async fn launch(env: Vec<(&'static str, String)>) -> (Driver, Client) {
    let app =
        require_env("COUNTERSIGN_DESKTOP_BIN", "path to countersign-desktop built with --features demo");
    let (driver, port) = start_driver(env).await;
    (driver, connect(&app, port).await)
}

pub async fn connect(app: &str, port: u16) -> Client {
    let caps = json!({ "browserName": "wry", "tauri:options": { "application": app } });
    let Value::Object(caps) = caps else { panic!("capabilities are an object") };
    // tauri-driver accepts connections before the WebKit driver behind it is ready; a first
    // session request can then be cut off. Try again a few times before calling it a failure.
    let mut attempt = 1;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let session = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match session {
            Ok(client) => return client,
            Err(e) if attempt < 4 => {
                eprintln!("WebDriver session attempt {attempt} failed ({e}); retrying");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
            }
            Err(e) => panic!("WebDriver session with the desktop app: {e:?}"),
        }
    }
}
