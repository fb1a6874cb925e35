//! DESIGN §3 invariants that types alone do not enforce.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_sim::customers::{self, Customer};
use serde_json::json;

use crate::support::*;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// §3.1: only `api::views` types (`src/api/views/`) implement `Serialize`, so nothing leaves
/// the core unmasked.
#[test]
fn only_views_implement_serialize() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources");
    let mut offenders = Vec::new();
    let views = src.join("api").join("views");
    for file in files.iter().filter(|f| !f.starts_with(&views)) {
        for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let serializes = code.match_indices("Serialize").any(|(i, _)| !code[..i].ends_with("De"));
            if serializes {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "Serialize outside api/views/:\n{}", offenders.join("\n"));
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary from the moment this is first called. Process-wide: a
/// thread-scoped subscriber misses events when tests run in parallel (tracing caches callsite
/// interest globally), and capturing everything checks the other tests' logs as well.
fn captured_logs() -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("trace,hyper=info,hyper_util=info,reqwest=info,h2=info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in tests/it");
        captured
    })
}

/// §3.8: logs carry ids, never bodies, numbers, names, passwords or tokens, at every level.
#[tokio::test]
async fn logs_carry_nothing_personal_or_secret() {
    let captured = captured_logs();

    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let customer = Customer { wa_id: "4915123456789".to_owned(), name: "Zelda Quartermaine".to_owned() };
    assert_eq!(
        served.customer_writes(&customer, "wamid.logs", "my IBAN is DE89370400440532013000").await,
        200
    );
    let forged = customers::text_webhook(&target(served.addr), &customer, "wamid.x", "forged", 1);
    customers::deliver(&served.http, &target(served.addr).url, "sha256=00", forged).await.unwrap();
    let failed = served
        .post("/api/v1/sessions", None, json!({"username": AGENT, "password": "wrong-password-xyz"}))
        .await;
    assert_eq!(failed.status(), 401);
    let token = served.login().await;
    let sent = served
        .post(
            "/api/v1/conversations/1/messages",
            Some(&token),
            json!({"text": "reply with secret word PAPAYA"}),
        )
        .await;
    assert_eq!(sent.status(), 201);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("webhooks stored") && logs.contains("reply queued") && logs.contains("reply sent"),
        "the subscriber captured the story:\n{logs}"
    );
    // The data key as its file holds it (hex): sqlx would log it inside `PRAGMA key`.
    let data_key = std::fs::read_to_string(served.site.dir.path().join("data.key")).unwrap();
    for private in [
        data_key.trim(),
        "PRAGMA key",
        "4915123456789",
        "Zelda",
        "DE89370400440532013000",
        "PAPAYA",
        AGENT_PASSWORD,
        "wrong-password-xyz",
        token.as_str(),
        APP_SECRET,
        ACCESS_TOKEN,
    ] {
        assert!(!logs.contains(private), "{private:?} appeared in the logs:\n{logs}");
    }
}

/// Invariant 3: every mutating repository method (a `pub async fn` in an `impl WriteTx` block)
/// takes an `Authorized<…>` proof, except committing and the audit trail's own writes (an
/// event, and the alert an event adds up to).
#[test]
fn every_write_takes_a_proof() {
    let mut files = Vec::new();
    rust_files(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/store"), &mut files);
    let mut checked = 0;
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for block in text.split("impl WriteTx {").skip(1) {
            // The block ends at the first `}` in column 0.
            let block = block.split("\n}").next().unwrap_or("");
            for signature in block.split("pub async fn ").skip(1) {
                let signature = signature.split('{').next().unwrap_or("");
                let name = signature.split(['(', '<']).next().unwrap_or("").trim();
                checked += 1;
                if !signature.contains("Authorized<") && !["commit", "audit", "raise_alert"].contains(&name) {
                    offenders.push(format!("{}: {name}", file.display()));
                }
            }
        }
    }
    assert!(checked > 20, "found the write methods ({checked})");
    assert!(offenders.is_empty(), "writes without a proof:\n{}", offenders.join("\n"));
}
