//! The durable outbox (issue 5): a reply is committed before it is sent, retried while
//! WhatsApp may still take it, never retried when it cannot, never sent twice, kept in order
//! per customer, and neither lost nor duplicated by a restart in the middle of a burst.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use countersign::api::outbox::OutboxPolicy;
use countersign::Core;
use countersign_sim::customers::{deliver, sign, text_webhook};
use countersign_sim::{Customer, GraphSim, SimFailure};
use rstest::rstest;
use serde_json::{json, Value};

use crate::support::*;

/// Short delays, so that retries happen within a test.
fn quick() -> OutboxPolicy {
    OutboxPolicy {
        retry_base: Duration::from_millis(20),
        retry_cap: Duration::from_millis(200),
        confirm_grace: Duration::from_secs(3),
        ..OutboxPolicy::default()
    }
}

fn customer(n: usize) -> Customer {
    Customer { wa_id: format!("1650555{n:04}"), name: format!("Customer {n}") }
}

/// A served site with a customer who wrote (the window is open), and an agent's token.
async fn opened(sim: &GraphSim, policy: OutboxPolicy) -> (Served, String) {
    let served = Served::with_outbox(&sim.base_url(), policy).await;
    assert_eq!(served.customer_writes(&customer(1), "wamid.open1", "Hello?").await, 200);
    let token = served.login().await;
    (served, token)
}

async fn reply(served: &Served, token: &str, conversation: i64, text: &str) -> Value {
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let response = served.post(&path, Some(token), json!({ "text": text })).await;
    assert_eq!(response.status(), 201, "the reply is taken");
    response.json().await.unwrap()
}

/// The outbound message with `text`, as the agent's inbox shows it.
async fn shown(served: &Served, token: &str, conversation: i64, text: &str) -> Value {
    served
        .thread(token, conversation)
        .await
        .into_iter()
        .find(|m| m["text"] == text && m["direction"] == "outbound")
        .unwrap()
}

/// Waits until the message with `text` has left the queue (it has a WhatsApp status other
/// than `queued`), and returns it.
async fn settled(served: &Served, token: &str, conversation: i64, text: &str) -> Value {
    until(served, token, conversation, text, |m| m["status"] != "queued").await
}

/// Waits until the message with `text` has `status`, and returns it.
async fn reaches(served: &Served, token: &str, conversation: i64, text: &str, status: &str) -> Value {
    until(served, token, conversation, text, |m| m["status"] == status).await
}

async fn until(
    served: &Served,
    token: &str,
    conversation: i64,
    text: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..200 {
        let message = shown(served, token, conversation, text).await;
        if done(&message) {
            return message;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{text:?} never got there: {}", shown(served, token, conversation, text).await);
}

async fn audit_actions(core: &Core) -> Vec<String> {
    core.store().audit_records().await.unwrap().into_iter().map(|r| r.action).collect()
}

#[rstest]
#[case::server_error_without_body(&[(500, None)])]
#[case::meta_temporary_error(&[(500, Some(131_000))])]
#[case::throughput_limit(&[(400, Some(130_429))])]
#[case::pair_limit(&[(400, Some(131_056))])]
#[case::several_in_a_row(&[(503, Some(133_004)), (500, None), (400, Some(130_429))])]
#[tokio::test]
async fn whatsapp_takes_a_reply_once_after_temporary_refusals(#[case] refusals: &[(u16, Option<i64>)]) {
    let sim = graph_sim().await;
    sim.fail_next(refusals.iter().map(|&(http_status, code)| SimFailure { http_status, code }));
    let (served, token) = opened(&sim, quick()).await;

    reply(&served, &token, 1, "Your order is ready.").await;
    let message = settled(&served, &token, 1, "Your order is ready.").await;
    assert_eq!(message["status"], "accepted");
    assert_eq!(message["failure"], Value::Null, "the temporary refusal is forgotten once it went out");

    let received = sim.wait_for_received(2, Duration::from_millis(300)).await;
    assert_eq!(received.len(), 1, "sent exactly once: {received:?}");
    assert_eq!(received[0]["text"]["body"], "Your order is ready.");
    assert_eq!(received[0]["to"], customer(1).wa_id);
    assert!(!audit_actions(&served.site.core).await.contains(&"message.send_failed".to_owned()));
}

#[rstest]
#[case::customer_cannot_receive(131_026, "cannot receive WhatsApp messages")]
#[case::window_closed_on_metas_side(131_047, "24 hours")]
#[case::invalid_request(100, "rejected the request as invalid")]
#[tokio::test]
async fn a_reply_whatsapp_refuses_for_good_is_not_retried_and_says_why(#[case] code: i64, #[case] why: &str) {
    let sim = graph_sim().await;
    sim.fail_next([SimFailure { http_status: 400, code: Some(code) }]);
    let (served, token) = opened(&sim, quick()).await;

    let answer = reply(&served, &token, 1, "See you Saturday").await;
    assert_eq!(answer["status"], "failed", "the agent sees it failed at once: {answer}");
    assert!(answer["failure"].as_str().unwrap().contains(why), "{answer}");

    // A retry would succeed (the simulator refuses once): nothing arrives, so none was made.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(sim.received().is_empty());
    let message = shown(&served, &token, 1, "See you Saturday").await;
    assert_eq!((&message["status"], &message["failure"]), (&answer["status"], &answer["failure"]));
    let trail = served.site.core.store().audit_records().await.unwrap();
    let failed: Vec<_> = trail.iter().filter(|r| r.action == "message.send_failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(format!("{failed:?}").contains(&code.to_string()), "the audit records Graph's code");
}

/// A reply written inside the window but sent after it closed (it was held by an expired
/// access token): WhatsApp takes the request, then reports it failed with 131047, and the
/// agent is told why.
#[tokio::test]
async fn a_reply_that_goes_out_after_the_window_closed_is_reported_failed_by_whatsapp() {
    let sim = renewed_token_sim().await;
    let served = Served::with_outbox(&sim.base_url(), quick()).await;
    sim.report_statuses_to(target(served.addr));
    let ben = customer(2);
    // Ben wrote 24 hours ago less three seconds.
    let wrote = countersign_sim::customers::now_unix_seconds() - 24 * 3600 + 3;
    sim.customer_wrote(&ben.wa_id, wrote);
    let body = text_webhook(&target(served.addr), &ben, "wamid.late", "Open today?", wrote);
    let delivered = deliver(&served.http, &target(served.addr).url, &sign(APP_SECRET, &body), body).await;
    assert_eq!(delivered.unwrap(), 200);
    let token = served.login().await;

    let answer = reply(&served, &token, 1, "Yes, until six.").await;
    assert_eq!(answer["status"], "queued", "taken inside the window, held by the token: {answer}");
    tokio::time::sleep(Duration::from_secs(4)).await;
    renew_token(&served, &sim).await;
    let message = reaches(&served, &token, 1, "Yes, until six.", "failed").await;
    assert!(message["failure"].as_str().unwrap().contains("24 hours"), "{message}");
    assert_eq!(sim.received().len(), 1, "WhatsApp took the request once");
}

/// A simulator that expects another access token than the site's, so Graph answers 190 until
/// [`renew_token`].
async fn renewed_token_sim() -> GraphSim {
    let config = countersign_sim::SimConfig {
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        access_token: "renewed-token".to_owned(),
    };
    GraphSim::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

async fn renew_token(served: &Served, sim: &GraphSim) {
    let settings = countersign::api::operator::ChannelSettings {
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        verify_token: secret(VERIFY_TOKEN),
        graph_base_url: sim.base_url(),
        api_version: None,
        app_secret: secret(APP_SECRET),
        access_token: secret("renewed-token"),
    };
    served.site.core.operator_set_channel(settings).await.unwrap();
}

#[tokio::test]
async fn an_expired_token_holds_replies_alerts_once_and_they_go_out_when_it_is_renewed() {
    // The simulator expects another access token, so Graph answers 190.
    let sim = renewed_token_sim().await;
    let (served, token) = opened(&sim, quick()).await;

    let answer = reply(&served, &token, 1, "Thanks for waiting").await;
    assert_eq!(answer["status"], "queued", "kept, not failed: {answer}");
    assert!(answer["failure"].as_str().unwrap().contains("access token"), "{answer}");
    tokio::time::sleep(Duration::from_millis(500)).await; // several retries, all refused
    let actions = audit_actions(&served.site.core).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "channel.token_rejected").count(),
        1,
        "administrators are alerted once, not per retry"
    );
    assert!(sim.received().is_empty());

    renew_token(&served, &sim).await;
    let message = settled(&served, &token, 1, "Thanks for waiting").await;
    assert_eq!((&message["status"], &message["failure"]), (&json!("accepted"), &Value::Null));
    assert_eq!(sim.wait_for_received(1, Duration::from_secs(2)).await.len(), 1);
}

#[tokio::test]
async fn replies_to_one_customer_arrive_in_the_order_written_within_the_pair_limit() {
    let sim = graph_sim().await;
    sim.fail_next([SimFailure { http_status: 500, code: None }]); // the first one needs a retry
    let policy = OutboxPolicy {
        pair_burst: std::num::NonZeroU32::new(2).unwrap(),
        pair_period: Duration::from_millis(150),
        ..quick()
    };
    let (served, token) = opened(&sim, policy).await;
    let texts: Vec<String> = (1..=5).map(|n| format!("Part {n} of 5")).collect();
    for text in &texts {
        reply(&served, &token, 1, text).await;
    }
    let received = sim.wait_for_received(5, Duration::from_secs(5)).await;
    let bodies: Vec<&str> = received.iter().map(|r| r["text"]["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, texts, "in the order written, the retried first one included");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_whatsapps_throughput_limit_every_reply_still_arrives_once() {
    let sim = graph_sim().await;
    sim.set_limits(Some(4), None); // Meta allows this number 4 messages a second
    let (served, token) = opened(&sim, quick()).await;
    let texts: Vec<String> = (1..=12).map(|n| format!("Update {n}")).collect();
    for text in &texts {
        reply(&served, &token, 1, text).await;
    }
    let received = sim.wait_for_received(12, Duration::from_secs(15)).await;
    let mut bodies: Vec<&str> = received.iter().map(|r| r["text"]["body"].as_str().unwrap()).collect();
    assert!(sim.refused_by_limits() > 0, "the limit was reached (130429) and the outbox waited");
    assert_eq!(bodies, texts, "each once, in order");
    bodies.dedup();
    assert_eq!(bodies.len(), 12);
}

#[tokio::test]
async fn statuses_out_of_order_and_repeated_end_at_the_furthest() {
    let sim = graph_sim().await;
    sim.set_status_sequence(&["read", "sent", "delivered", "sent"]);
    let (served, token) = opened(&sim, quick()).await;
    sim.report_statuses_to(target(served.addr));
    reply(&served, &token, 1, "Your parcel left the depot").await;
    for _ in 0..100 {
        if served.site.core.stats().await.unwrap().statuses >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // the repeat arrives last
                                                          // Every report is kept; a repeat of the very same delivery (same bytes) is kept once.
    let kept = served.site.core.stats().await.unwrap().statuses;
    assert!((3..=4).contains(&kept), "{kept} status reports kept");
    let status = shown(&served, &token, 1, "Your parcel left the depot").await["status"].clone();
    assert_eq!(status, "read", "read first, then sent and delivered late and twice: still read");
}

/// Serves `core` on `addr` (port 0: any) in a runtime of its own, so that shutting the runtime
/// down stops everything it ran at once (the server, its connections, the sender and any send
/// in flight), as a crash of the process would.
fn serve_in_own_runtime(core: Core, addr: SocketAddr) -> (SocketAddr, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = std::net::TcpListener::bind(addr).unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        countersign::server::serve(core, listener, std::future::pending()).await
    });
    (addr, runtime)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restart_in_the_middle_of_a_burst_neither_loses_nor_duplicates_a_reply() {
    const CUSTOMERS: usize = 3;
    const PER_CUSTOMER: usize = 10;
    let sim = graph_sim().await;
    sim.set_latency(Duration::from_millis(120));
    sim.set_status_delay(Duration::from_millis(800));
    let mut site = site(&sim.base_url()).await;
    site.core = site.core.with_outbox_policy(quick());
    let (addr, first_run) = serve_in_own_runtime(site.core.clone(), "127.0.0.1:0".parse().unwrap());
    sim.report_statuses_to(target(addr));
    let served = Served { site, addr, http: reqwest::Client::new() };
    for n in 1..=CUSTOMERS {
        assert_eq!(served.customer_writes(&customer(n), &format!("wamid.burst{n}"), "Hi").await, 200);
    }
    let token = served.login().await;

    // A burst: every reply is committed at once, then sent one customer-turn at a time.
    let mut posts = tokio::task::JoinSet::new();
    for n in 1..=PER_CUSTOMER {
        for c in 1..=CUSTOMERS {
            let (http, token) = (served.http.clone(), token.clone());
            let url = format!("http://{addr}/api/v1/conversations/{c}/messages");
            let text = format!("Reply {n} to customer {c}");
            posts.spawn(async move {
                http.post(url).bearer_auth(token).json(&json!({ "text": text })).send().await
            });
        }
    }
    let total = CUSTOMERS * PER_CUSTOMER;
    wait_until(|| async { queued_total(&served.site.core).await == total }).await;
    sim.wait_for_received(total / 3, Duration::from_secs(10)).await;

    // The process dies mid-burst: the server, its sender and any send in flight stop at once.
    first_run.shutdown_background();
    let before = sim.received().len();
    assert!(before < total, "the restart happened in the middle of the burst ({before} of {total} sent)");
    let counts = served.site.core.store().outbox_counts().await.unwrap();
    assert!(
        counts.iter().any(|(state, n)| state == "sending" && *n > 0),
        "sends were in flight when it stopped: {counts:?}"
    );

    // It starts again on the same store and address (WhatsApp keeps calling the same URL).
    let core = Core::open(&served.site.data_dir(), &served.site.key_source())
        .await
        .unwrap()
        .with_outbox_policy(quick());
    let (_, second_run) = serve_in_own_runtime(core.clone(), addr);
    wait_until(|| async {
        core.store().outbox_counts().await.unwrap()
            == vec![("sent".to_owned(), i64::try_from(total).unwrap())]
    })
    .await;
    while posts.join_next().await.is_some() {}

    // Give any duplicate time to show, then count what WhatsApp received.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = sim.received();
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for r in &received {
        *times.entry(r["text"]["body"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    assert_eq!(times.len(), total, "every reply arrived: {times:?}");
    assert!(times.values().all(|&n| n == 1), "none twice: {times:?}");
    second_run.shutdown_background();
    // Each customer got them in the order they were committed (message ids ascending).
    for c in 1..=CUSTOMERS {
        let order: Vec<i64> = received
            .iter()
            .filter(|r| r["to"] == customer(c).wa_id)
            .map(|r| {
                r["biz_opaque_callback_data"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("countersign:m")
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "customer {c}: {order:?}");
    }
}

async fn queued_total(core: &Core) -> usize {
    let counts = core.store().outbox_counts().await.unwrap();
    usize::try_from(counts.iter().map(|(_, n)| n).sum::<i64>()).unwrap()
}

async fn wait_until<F, Fut>(mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out after 30 s");
}

#[tokio::test]
async fn an_answer_quotes_the_customers_message_and_reading_shows_blue_ticks() {
    let sim = graph_sim().await;
    let (served, token) = opened(&sim, quick()).await;
    let thread = served.thread(&token, 1).await;
    let hello = thread[0]["id"].as_i64().unwrap();

    let body = json!({ "text": "Hi! How can we help?", "reply_to": hello });
    let response = served.post("/api/v1/conversations/1/messages", Some(&token), body).await;
    assert_eq!(response.status(), 201);
    assert_eq!(sim.received()[0]["context"], json!({ "message_id": "wamid.open1" }), "WhatsApp quotes it");
    assert_eq!(
        shown(&served, &token, 1, "Hi! How can we help?").await["quote"],
        "Hello?",
        "so does the inbox"
    );

    let elsewhere = json!({ "text": "?", "reply_to": 999 });
    let response = served.post("/api/v1/conversations/1/messages", Some(&token), elsewhere).await;
    assert_eq!(response.status(), 422, "only a message of this conversation can be answered");

    let response = served.post("/api/v1/conversations/1/read", Some(&token), json!({ "typing": true })).await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        sim.read_receipts(),
        [json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.open1",
                 "typing_indicator": { "type": "text" } })]
    );
}
