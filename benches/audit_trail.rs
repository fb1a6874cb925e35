//! The audit viewer on a million events (issue 7, point 4). `cargo bench --bench audit_trail`
//! writes a trail of `AUDIT_BENCH_EVENTS` events (default 1,000,000) into a real encrypted store,
//! through the same hash-chained writer as every change (in transactions of 10,000, with the
//! signed checkpoints), over 60 users, every kind of event and a year of time; then signs an
//! auditor in and times the viewer's own call (`Core::audit_events`, which also records each
//! search) for the searches an auditor makes, and the export of a filter. It prints a table of
//! p50/p95/p99 in milliseconds. Set `AUDIT_BENCH_EVENTS=20000` for a quick run.

// A benchmark measures the wall clock (not the core's injected Clock) and should stop loudly at
// the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use countersign::api::audit::{AuditExportRequest, AuditPageAt, AuditPageRequest, AuditSearch, ExportFormat};
use countersign::api::operator::AddUser;
use countersign::api::session::{LoginRequest, Origin};
use countersign::audit::{AuditEvent, Kind};
use countersign::authz::AuditActor;
use countersign::clock::Timestamp;
use countersign::domain::UserId;
use countersign::keys::{KeySource, SecretString};
use countersign::Core;

const USERS: i64 = 60;
const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;
const SAMPLES: usize = 200;

fn main() {
    let events: i64 =
        std::env::var("AUDIT_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run(events));
}

async fn run(events: i64) {
    let dir = tempfile::tempdir().unwrap();
    let core =
        Core::init(&dir.path().join("data"), &KeySource::File(dir.path().join("data.key"))).await.unwrap();
    let password = "quiet meadow copper lantern";
    core.operator_add_user(AddUser {
        username: "ada.auditor".into(),
        role: "auditor".into(),
        teams: Vec::new(),
        password: SecretString::from(password.to_owned()),
    })
    .await
    .unwrap();

    // A year of activity, oldest first (the writer is the one every change uses).
    let started = Instant::now();
    let now = countersign::clock::SystemClock;
    let end = countersign::clock::Clock::now(&now).as_millis() - 60_000;
    let begin = end - YEAR_MS;
    let kinds = Kind::ALL;
    let store = core.store();
    let mut written = 0;
    while written < events {
        let mut tx = store.write().await.unwrap();
        for _ in 0..10_000.min(events - written) {
            let n = written;
            let kind = kinds[(n as usize * 7 + (n / USERS) as usize) % kinds.len()];
            let user = UserId::new(100 + n % USERS);
            let event = AuditEvent::new(AuditActor::User { id: user, session: None }, kind)
                .target(format!("conversation:{}", n % 5_000))
                .detail("n", n)
                .from(format!("10.0.{}.{}", n % 7, n % 200), "Countersign desktop 0.1.0 (linux)");
            tx.audit(&event, Timestamp::from_millis(begin + n * YEAR_MS / events)).await.unwrap();
            written += 1;
        }
        tx.commit().await.unwrap();
    }
    let writing = started.elapsed();
    println!(
        "wrote {events} audit events in {:.1} s ({:.0} events/s, chained and checkpointed)",
        writing.as_secs_f64(),
        events as f64 / writing.as_secs_f64()
    );

    let signed_in = core
        .login(
            LoginRequest {
                username: "ada.auditor".into(),
                password: SecretString::from(password.to_owned()),
            },
            Origin::Desktop,
            "bench",
        )
        .await
        .unwrap();
    let token = signed_in.token;
    let middle = begin + YEAR_MS / 2;
    let day = 24 * 3600 * 1000;
    let searches: Vec<(&str, AuditSearch, Option<i64>)> = vec![
        ("newest page, no filter", AuditSearch::default(), None),
        ("a page deep in the trail (half way)", AuditSearch::default(), Some(events / 2)),
        ("one person", AuditSearch { actor: Some("user:117".into()), ..Default::default() }, None),
        (
            "one kind (reveals)",
            AuditSearch { action: Some("data.reveal".into()), ..Default::default() },
            None,
        ),
        (
            "one conversation",
            AuditSearch { target: Some("conversation:4242".into()), ..Default::default() },
            None,
        ),
        ("high risk only", AuditSearch { risk: Some("high".into()), ..Default::default() }, None),
        (
            "one day, half a year ago",
            AuditSearch { from: Some(middle), until: Some(middle + day), ..Default::default() },
            None,
        ),
        (
            "one person's reveals in a month",
            AuditSearch {
                actor: Some("user:117".into()),
                action: Some("data.reveal".into()),
                from: Some(middle),
                until: Some(middle + 30 * day),
                ..Default::default()
            },
            None,
        ),
    ];
    println!(
        "\n{:<40} {:>8} {:>8} {:>8} {:>7}",
        "viewer page of 50 (Core::audit_events)", "p50 ms", "p95 ms", "p99 ms", "events"
    );
    for (name, search, before) in searches {
        let mut times = Vec::with_capacity(SAMPLES);
        let mut found = 0;
        for _ in 0..SAMPLES {
            let request =
                AuditPageRequest { search: search.clone(), page: AuditPageAt { before, limit: Some(50) } };
            let t = Instant::now();
            let page = core.audit_events(&token, request).await.unwrap();
            times.push(t.elapsed());
            found = page.events.len();
        }
        let [p50, p95, p99] = percentiles(&mut times);
        println!("{name:<40} {p50:>8.2} {p95:>8.2} {p99:>8.2} {found:>7}");
    }

    // An export of a filter, through the operator's call (no step-up), to a sink.
    let request = AuditExportRequest {
        search: AuditSearch { risk: Some("high".into()), ..Default::default() },
        format: ExportFormat::Csv,
    };
    let t = Instant::now();
    let rows = core.operator_export_audit(&request, &mut std::io::sink()).await.unwrap();
    let took = t.elapsed();
    println!(
        "\nexport of every high-risk event as CSV: {rows} events in {:.2} s ({:.0} events/s)",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64()
    );
    let t = Instant::now();
    let verified = core.operator_verify_audit(&[]).await.unwrap();
    println!(
        "verify of the whole chain and its checkpoints: {verified:?} in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    core.close().await;
}

fn percentiles(times: &mut [Duration]) -> [f64; 3] {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0;
    [at(0.50), at(0.95), at(0.99)]
}
