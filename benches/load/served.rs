//! Stores made and served through the real `countersign` binary, as IT would.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use countersign::keys::KeySource;
use countersign::Core;
use countersign_sim::customers::WebhookTarget;

pub const APP_SECRET: &str = "bench-app-secret-0123456789abcdef";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const PASSWORD: &str = "quiet meadow copper lantern";

/// The `countersign` binary built with the harness, or `COUNTERSIGN_BIN` (another build, to
/// compare a change with what came before it).
fn countersign_bin() -> std::ffi::OsString {
    std::env::var_os("COUNTERSIGN_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_countersign").into())
}

/// An encrypted store in a temporary directory.
#[derive(Debug)]
pub struct BenchStore {
    dir: tempfile::TempDir,
}

impl BenchStore {
    /// A new store with its channel connected and, when `conversations` > 0, filled by
    /// `countersign bench generate` (20 teams, `messages_each` messages each). Returns the time
    /// the generation took.
    pub fn new(conversations: u32, messages_each: u32) -> (Self, Duration) {
        // Under $HOME/.cache rather than /tmp, which may be memory: the figures are for a disk.
        let base =
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/countersign-bench"));
        let dir = match base {
            Some(base) => {
                std::fs::create_dir_all(&base).unwrap();
                tempfile::tempdir_in(base).unwrap()
            }
            None => tempfile::tempdir().unwrap(),
        };
        let store = Self { dir };
        store.cli(&["init"], "");
        let t = Instant::now();
        if conversations > 0 {
            let (c, m) = (conversations.to_string(), messages_each.to_string());
            store.cli(&["bench", "generate", "--conversations", &c, "--messages-each", &m], "");
        }
        let made = t.elapsed();
        let secrets = format!("{APP_SECRET}\nbench-access-token\n");
        store.cli(
            &[
                "channel",
                "set",
                "--phone-number-id",
                PHONE_NUMBER_ID,
                "--verify-token",
                "bench-verify",
                "--graph-base-url",
                "http://127.0.0.1:9",
                "--app-secret-stdin",
                "--access-token-stdin",
            ],
            &secrets,
        );
        (store, made)
    }

    fn location(&self) -> [String; 4] {
        let dir = self.dir.path();
        [
            "--data-dir".to_owned(),
            dir.join("data").display().to_string(),
            "--key-file".to_owned(),
            dir.join("data.key").display().to_string(),
        ]
    }

    /// Runs the CLI on this store; panics with its error if it fails.
    pub fn cli(&self, args: &[&str], stdin: &str) -> String {
        let mut child = Command::new(countersign_bin())
            .args(args)
            .args(self.location())
            .env_remove("COUNTERSIGN_DATA_DIR")
            .env_remove("COUNTERSIGN_KEY_FILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "countersign {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Adds a user with the bench password.
    pub fn add_user(&self, username: &str, role: &str, team: Option<&str>) {
        let mut args = vec!["user", "add", "--username", username, "--role", role, "--password-stdin"];
        if let Some(team) = team {
            args.extend(["--team", team]);
        }
        self.cli(&args, &format!("{PASSWORD}\n"));
    }

    /// `countersign serve` on a free loopback port.
    pub fn serve(&self) -> Served {
        let mut child = Command::new(countersign_bin())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(self.location())
            .env_remove("COUNTERSIGN_DATA_DIR")
            .env_remove("COUNTERSIGN_KEY_FILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("countersign serve said {line:?}"));
        Served { child, addr }
    }

    /// The store opened in this process (only while it is not served).
    pub async fn core(&self) -> Core {
        let dir = self.dir.path();
        Core::open(&dir.join("data"), &KeySource::File(dir.join("data.key"))).await.unwrap()
    }

    /// Bytes the store's files take on disk.
    pub fn size_on_disk(&self) -> u64 {
        std::fs::read_dir(self.dir.path().join("data"))
            .unwrap()
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum()
    }
}

/// A running `countersign serve`; killed (SIGKILL, no chance to flush anything) when dropped,
/// so what it acknowledged must already be on disk.
#[derive(Debug)]
pub struct Served {
    child: Child,
    pub addr: SocketAddr,
}

impl Served {
    pub fn webhook(&self) -> WebhookTarget {
        WebhookTarget {
            url: format!("http://{}/webhook", self.addr),
            app_secret: APP_SECRET.to_owned(),
            phone_number_id: PHONE_NUMBER_ID.to_owned(),
            display_phone_number: "15550001111".to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
