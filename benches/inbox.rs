//! The inbox at a chain's size (issue 9 point 6, issue 12 point 2). `cargo bench --bench inbox`
//! fills real encrypted stores through `bench generate`'s own call at each size of
//! `INBOX_BENCH_SIZES` (conversations, comma-separated; default 1000,10000,100000), with 20
//! messages each over 20 teams (so 2,000,000 messages at 100,000), then signs in a store's
//! agent (team scope) and an administrator (everything) and times the calls the inbox makes:
//! the first page of the queue, a page deep in it (by cursor), the whole list the old call
//! returned, and opening a conversation (its messages, masked). Prints p50/p95/p99 in ms.
//! `INBOX_BENCH_SIZES=1000` for a quick run.

// A benchmark measures the wall clock (not the core's injected Clock) and should stop loudly at
// the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::future::Future;
use std::time::{Duration, Instant};

use countersign::api::inbox::QueueRequest;
use countersign::api::operator::AddUser;
use countersign::api::session::{LoginRequest, Origin};
use countersign::auth::session::SessionToken;
use countersign::keys::{KeySource, SecretString};
use countersign::Core;

const SAMPLES: usize = 200;
const PASSWORD: &str = "quiet meadow copper lantern";

fn main() {
    let sizes: Vec<u32> = std::env::var("INBOX_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000,100000".to_owned())
        .split(',')
        .map(|n| n.trim().parse().expect("INBOX_BENCH_SIZES: numbers"))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!(
        "{:>13} {:<44} {:>8} {:>8} {:>8}",
        "conversations", "call (in-process, masked views)", "p50 ms", "p95 ms", "p99 ms"
    );
    for size in sizes {
        runtime.block_on(run(size));
    }
}

async fn sign_in(core: &Core, username: &str, role: &str, teams: Vec<String>) -> SessionToken {
    let password = SecretString::from(PASSWORD.to_owned());
    core.operator_add_user(AddUser { username: username.into(), role: role.into(), teams, password })
        .await
        .unwrap();
    let request =
        LoginRequest { username: username.into(), password: SecretString::from(PASSWORD.to_owned()) };
    core.login(request, Origin::Desktop, "bench").await.unwrap().token
}

async fn run(size: u32) {
    let dir = tempfile::tempdir().unwrap();
    let core =
        Core::init(&dir.path().join("data"), &KeySource::File(dir.path().join("data.key"))).await.unwrap();
    let t = Instant::now();
    core.operator_generate_load(20, size, 20).await.unwrap();
    let made = t.elapsed();
    let agent = sign_in(&core, "lee.agent", "agent", vec!["Load store 01".into()]).await;
    let admin = sign_in(&core, "ada.admin", "admin", Vec::new()).await;
    let first = |view: &str| QueueRequest { view: Some(view.into()), ..Default::default() };
    let deep = {
        // The cursor of a page half way down the administrator's whole queue.
        let mut request = QueueRequest { limit: Some(200), ..Default::default() };
        for _ in 0..(size / 2 / 200) {
            let page = core.conversation_page(&admin, request.clone()).await.unwrap();
            request.after = page.next;
        }
        QueueRequest { after: request.after, ..Default::default() }
    };
    let some = core.conversation_page(&agent, first("all")).await.unwrap().items[0].id;
    let conversation = countersign::domain::ConversationId::new(some);

    time(size, "agent: first page, Needs us (team scope)", || {
        core.conversation_page(&agent, first("active"))
    })
    .await;
    time(size, "admin: first page, Needs us (everything)", || {
        core.conversation_page(&admin, first("active"))
    })
    .await;
    time(size, "admin: a page half way down, by cursor", || core.conversation_page(&admin, deep.clone()))
        .await;
    time(size, "agent: open a conversation (20 messages)", || {
        core.conversation_messages(&agent, conversation)
    })
    .await;
    if size <= 10_000 {
        time(size, "agent: the whole list (list_conversations)", || core.list_conversations(&agent)).await;
    }
    println!(
        "{size:>13} {:<44} (generated {} messages in {:.1} s)",
        "",
        u64::from(size) * 20,
        made.as_secs_f64()
    );
    core.close().await;
}

async fn time<T, F: Future<Output = countersign::Result<T>>>(size: u32, name: &str, call: impl Fn() -> F) {
    let mut times: Vec<Duration> = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let t = Instant::now();
        call().await.unwrap();
        times.push(t.elapsed());
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0;
    println!("{size:>13} {name:<44} {:>8.2} {:>8.2} {:>8.2}", at(0.5), at(0.95), at(0.99));
}
