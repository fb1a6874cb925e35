//! The Graph API side: `POST /{version}/{phone-number-id}/messages`, and media: `GET
//! /{version}/{media-id}` and the download it points to.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::customers::{
    deliver, now_unix_seconds, sign, status_webhook, StatusReport, WebhookTarget, REENGAGEMENT,
};

/// WhatsApp's customer-service window: free-form messages within 24 hours of the customer's
/// last message.
const WINDOW_SECONDS: i64 = 24 * 3600;

/// A refusal to script: the next send is answered with this HTTP status and Graph error code
/// (`None`: an empty body, as a proxy or a crashed server would answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimFailure {
    /// HTTP status.
    pub http_status: u16,
    /// Graph error code.
    pub code: Option<i64>,
}

/// What Meta's documentation says each scripted code's message is.
fn graph_message(code: i64) -> &'static str {
    match code {
        130429 => "(#130429) Rate limit hit",
        131056 => "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        131047 => "(#131047) Re-engagement message",
        131026 => "(#131026) Message undeliverable",
        132000 => "(#132000) Number of parameters does not match the expected number of params",
        132001 => "(#132001) Template name does not exist in the translation",
        131000 => "(#131000) Something went wrong",
        133004 => "(#133004) Server temporarily unavailable",
        190 => "Invalid OAuth access token - Cannot parse access token",
        _ => "(#100) Invalid parameter",
    }
}

/// What the simulated WhatsApp business account looks like.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The phone-number id the business sends from.
    pub phone_number_id: String,
    /// The access token requests must carry.
    pub access_token: String,
}

/// Throughput limits the simulated business number enforces, as Meta does: messages per
/// second for the number (error 130429) and a burst per customer (error 131056).
#[derive(Debug, Default)]
struct Limits {
    per_second: Option<usize>,
    pair_burst: Option<usize>,
    sent_this_second: (u64, usize),
    /// Sends per customer in the current 6-second period (Meta's pair limit: about one
    /// message every 6 seconds after a burst).
    per_recipient: std::collections::HashMap<String, (u64, usize)>,
    refused: usize,
}

#[derive(Debug)]
struct SimState {
    config: SimConfig,
    received: Mutex<Vec<Value>>,
    next_id: AtomicU64,
    failures: Mutex<std::collections::VecDeque<SimFailure>>,
    latency: Mutex<Duration>,
    status_delay: Mutex<Duration>,
    statuses: Mutex<Vec<&'static str>>,
    limits: Mutex<Limits>,
    read_receipts: Mutex<Vec<Value>>,
    statuses_to: Mutex<Option<WebhookTarget>>,
    media: Mutex<std::collections::HashMap<String, SimMedia>>,
    base_url: Mutex<String>,
    templates: Mutex<Vec<Value>>,
    /// When each customer the simulator knows of last wrote (Unix seconds): their 24-hour
    /// customer-service window.
    last_wrote: Mutex<std::collections::HashMap<String, i64>>,
    http: reqwest::Client,
}

/// The templates a new simulator's business account has, as Graph lists them: four approved
/// (one with a header, one with a tracking link and a quick reply, one a trade price list for
/// dealers) and one still in review.
pub fn default_templates() -> Vec<Value> {
    vec![
        json!({ "name": "order_ready", "language": "en_GB", "status": "APPROVED", "category": "UTILITY", "id": "1001",
                "components": [
                    { "type": "HEADER", "format": "TEXT", "text": "Order {{1}}" },
                    { "type": "BODY", "text": "Hi {{1}}, your order {{2}} is ready to collect at {{3}}." },
                    { "type": "FOOTER", "text": "Reply STOP to opt out" } ] }),
        json!({ "name": "we_are_here", "language": "en_GB", "status": "APPROVED", "category": "UTILITY", "id": "1002",
                "components": [ { "type": "BODY", "text": "Hello {{1}}, we saw your message after hours. How can we help today?" } ] }),
        json!({ "name": "winter_sale", "language": "en_GB", "status": "PENDING", "category": "MARKETING", "id": "1003",
                "components": [ { "type": "BODY", "text": "Our winter sale starts {{1}}." } ] }),
        json!({ "name": "order_shipped", "language": "en_GB", "status": "APPROVED", "category": "UTILITY", "id": "1005",
                "components": [
                    { "type": "BODY", "text": "Good news {{1}}: your order is on its way." },
                    { "type": "BUTTONS", "buttons": [
                        { "type": "URL", "text": "Track parcel", "url": "https://track.example/parcel/{{1}}", "example": ["https://track.example/parcel/JD0142"] },
                        { "type": "QUICK_REPLY", "text": "Call me back" } ] } ] }),
        json!({ "name": "trade_prices", "language": "en_GB", "status": "APPROVED", "category": "UTILITY", "id": "1004",
                "components": [ { "type": "BODY", "text": "Hello {{1}}, this month's trade prices are attached." } ] }),
        json!({ "name": "we_reply_soon", "language": "en_GB", "status": "APPROVED", "category": "UTILITY", "id": "1006",
                "components": [ { "type": "BODY", "text": "Thanks for writing to us. We answer within the hour." } ] }),
    ]
}

/// A file the simulated WhatsApp holds, as a customer's message names it.
#[derive(Debug, Clone)]
pub struct SimMedia {
    /// The media id to put in a webhook.
    pub id: String,
    /// Its MIME type.
    pub mime_type: String,
    /// Its SHA-256 as webhooks carry it (base64).
    pub sha256: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A running Graph API simulator.
#[derive(Debug)]
pub struct GraphSim {
    addr: SocketAddr,
    state: Arc<SimState>,
    server: tokio::task::JoinHandle<()>,
}

impl GraphSim {
    /// Starts serving on `bind` (use port 0 for any free port).
    pub async fn start(config: SimConfig, bind: SocketAddr) -> std::io::Result<Self> {
        let state = Arc::new(SimState {
            config,
            received: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            failures: Mutex::new(std::collections::VecDeque::new()),
            latency: Mutex::new(Duration::ZERO),
            status_delay: Mutex::new(Duration::ZERO),
            statuses: Mutex::new(vec!["sent", "delivered"]),
            limits: Mutex::new(Limits::default()),
            read_receipts: Mutex::new(Vec::new()),
            statuses_to: Mutex::new(None),
            media: Mutex::new(std::collections::HashMap::new()),
            base_url: Mutex::new(String::new()),
            templates: Mutex::new(default_templates()),
            last_wrote: Mutex::new(std::collections::HashMap::new()),
            http: reqwest::Client::new(),
        });
        let app = Router::new()
            .route("/{version}/{phone_number_id}/messages", post(send_message))
            .route("/sim/received", get(list_received))
            .route("/{version}/{media_id}", get(media_info))
            .route("/{version}/{waba_id}/message_templates", get(list_templates))
            .route("/{version}/{phone_number_id}/media", post(upload_media))
            .route("/sim/media/{media_id}", get(media_download))
            // Meta takes uploads up to 100 MB (documents).
            .layer(axum::extract::DefaultBodyLimit::max(101 * 1024 * 1024))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        if let Ok(mut base) = state.base_url.lock() {
            *base = format!("http://{addr}");
        }
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "simulator stopped");
            }
        });
        Ok(Self { addr, state, server })
    }

    /// Records that customer `wa_id` wrote at `at` (Unix seconds), opening their 24-hour window.
    /// [`crate::customers::run_script`] records its customers; a customer the simulator never
    /// heard of is taken to be within their window (the business may know of messages the
    /// simulator did not send).
    pub fn customer_wrote(&self, wa_id: &str, at: i64) {
        if let Ok(mut last) = self.state.last_wrote.lock() {
            let at = last.get(wa_id).map_or(at, |&known| known.max(at));
            last.insert(wa_id.to_owned(), at);
        }
    }

    /// The base URL to configure as Countersign's Graph base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every accepted send request body, in order.
    pub fn received(&self) -> Vec<Value> {
        self.state.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Waits up to `timeout` until at least `n` requests were accepted; returns them.
    /// Answers the next sends with these refusals, in order (then accepts again).
    pub fn fail_next(&self, failures: impl IntoIterator<Item = SimFailure>) {
        if let Ok(mut queue) = self.state.failures.lock() {
            queue.extend(failures);
        }
    }

    /// Takes this long to answer each send (a slow network, or Meta under load); the send
    /// itself is taken at once, so a caller that gives up waiting has still sent it.
    pub fn set_latency(&self, latency: Duration) {
        if let Ok(mut l) = self.state.latency.lock() {
            *l = latency;
        }
    }

    /// Reports these statuses for every accepted message, in this order (Meta's arrive out of
    /// order and more than once: `["read", "sent", "delivered", "sent"]` is realistic).
    pub fn set_status_sequence(&self, statuses: &[&'static str]) {
        if let Ok(mut s) = self.state.statuses.lock() {
            *s = statuses.to_vec();
        }
    }

    /// Refuses sends beyond `per_second` a second for the number (130429) and beyond
    /// `pair_burst` to one customer in 6 seconds (131056), as Meta's throughput and pair
    /// limits do.
    pub fn set_limits(&self, per_second: Option<usize>, pair_burst: Option<usize>) {
        if let Ok(mut l) = self.state.limits.lock() {
            *l = Limits { per_second, pair_burst, ..Limits::default() };
        }
    }

    /// Every mark-as-read request taken (with its typing indicator, if any), in order.
    pub fn read_receipts(&self) -> Vec<Value> {
        self.state.read_receipts.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many sends the limits refused.
    pub fn refused_by_limits(&self) -> usize {
        self.state.limits.lock().map(|l| l.refused).unwrap_or_default()
    }

    /// Waits this long after accepting a message before reporting its statuses (Meta's come
    /// some time after the send's answer).
    pub fn set_status_delay(&self, delay: Duration) {
        if let Ok(mut d) = self.state.status_delay.lock() {
            *d = delay;
        }
    }

    /// A file WhatsApp holds (sent by a customer, or uploaded by the business).
    pub fn media(&self, id: &str) -> Option<SimMedia> {
        self.state.media.lock().ok().and_then(|m| m.get(id).cloned())
    }

    /// Replaces the business account's templates (entries as Graph lists them).
    pub fn set_templates(&self, templates: Vec<Value>) {
        if let Ok(mut t) = self.state.templates.lock() {
            *t = templates;
        }
    }

    /// Holds a file, as if a customer had sent it; put the answer's id and checksum in the
    /// webhook (see `customers::inbound::media_file`).
    pub fn add_media(&self, mime_type: &str, bytes: Vec<u8>) -> SimMedia {
        use base64::Engine as _;
        use sha2::Digest as _;
        let n = self.state.next_id.fetch_add(1, Ordering::SeqCst);
        let media = SimMedia {
            id: format!("{}", 1_000_000_000_000 + n),
            mime_type: mime_type.to_owned(),
            sha256: base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes)),
            bytes,
        };
        if let Ok(mut held) = self.state.media.lock() {
            held.insert(media.id.clone(), media.clone());
        }
        media
    }

    /// Reports `sent` then `delivered` for every accepted message to `target`, signed like
    /// Meta's status webhooks (repeating the sender's `biz_opaque_callback_data`).
    pub fn report_statuses_to(&self, target: WebhookTarget) {
        if let Ok(mut t) = self.state.statuses_to.lock() {
            *t = Some(target);
        }
    }

    pub async fn wait_for_received(&self, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for GraphSim {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> (StatusCode, Json<Value>) {
    let body = json!({
        "error": { "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "SimTrace0000000000000" }
    });
    (status, Json(body))
}

async fn send_message(
    State(state): State<Arc<SimState>>,
    Path((_version, phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    if !bearer_ok(&state, &headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, graph_message(190));
    }
    if phone_number_id != state.config.phone_number_id {
        let msg = format!("Unsupported post request. Object with ID '{phone_number_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.");
        return graph_error(StatusCode::BAD_REQUEST, 100, &msg);
    }
    // The answer is slow, not the work: what Meta took, it sends, even if the caller has gone.
    let latency = state.latency.lock().map(|l| *l).unwrap_or_default();
    let answer = tokio::spawn(take(state, body));
    tokio::time::sleep(latency).await;
    answer
        .await
        .unwrap_or_else(|_| graph_error(StatusCode::INTERNAL_SERVER_ERROR, 1, "An unknown error occurred"))
}

async fn take(state: Arc<SimState>, body: axum::body::Bytes) -> (StatusCode, Json<Value>) {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter");
    };
    let scripted = state.failures.lock().ok().and_then(|mut q| q.pop_front());
    if let Some(failure) = scripted {
        let status = StatusCode::from_u16(failure.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return match failure.code {
            Some(code) => graph_error(status, code, graph_message(code)),
            None => (status, Json(Value::Null)),
        };
    }
    let accepted = accepts(&request);
    if accepted == Accepted::No {
        return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter");
    }
    if request.get("type").and_then(Value::as_str) == Some("template") {
        let templates = state.templates.lock().map(|t| t.clone()).unwrap_or_default();
        if let Err((code, message)) = template_matches(&request, &templates) {
            return graph_error(StatusCode::BAD_REQUEST, code, message);
        }
    }
    if accepted == Accepted::ReadReceipt {
        // Mark-as-read (and the typing indicator riding on it) answers `success`, sends nothing.
        if let Ok(mut receipts) = state.read_receipts.lock() {
            receipts.push(request);
        }
        return (StatusCode::OK, Json(json!({ "success": true })));
    }
    let to = request.get("to").and_then(Value::as_str).unwrap_or_default().to_owned();
    if let Some((code, message)) = over_limit(&state, &to) {
        return graph_error(StatusCode::BAD_REQUEST, code, message);
    }
    let callback = request.get("biz_opaque_callback_data").and_then(Value::as_str).map(str::to_owned);
    // As Meta does, a free-form message outside the customer's window is taken, then reported
    // failed with 131047 ("Re-engagement message") instead of delivered.
    let window_closed = request.get("type").and_then(Value::as_str) != Some("template")
        && state
            .last_wrote
            .lock()
            .ok()
            .and_then(|last| last.get(&to).copied())
            .is_some_and(|wrote| now_unix_seconds() - wrote > WINDOW_SECONDS);
    let n = state.next_id.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut received) = state.received.lock() {
        received.push(request);
    }
    let id = format!("wamid.SIM{n:020}");
    let target = state.statuses_to.lock().ok().and_then(|t| t.clone());
    if let Some(target) = target {
        let http = state.http.clone();
        let report =
            StatusReport { wamid: id.clone(), status: "sent", recipient: to.clone(), callback, error: None };
        let delay = state.status_delay.lock().map(|d| *d).unwrap_or_default();
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let sequence = if window_closed {
                vec!["failed"]
            } else {
                state.statuses.lock().map(|s| s.clone()).unwrap_or_default()
            };
            let error = window_closed.then_some(REENGAGEMENT);
            for status in sequence {
                let report = StatusReport { status, error, ..report.clone() };
                let body = status_webhook(&target, &report, now_unix_seconds());
                let signature = sign(&target.app_secret, &body);
                // Like Meta, keep trying until the business's endpoint takes it (Meta: for
                // days; here: for a minute).
                for _ in 0..300 {
                    match deliver(&http, &target.url, &signature, body.clone()).await {
                        Ok(200) => break,
                        Ok(status) => tracing::warn!(status, "status webhook refused; trying again"),
                        Err(e) => tracing::debug!(error = %e, "status webhook not delivered; trying again"),
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
    }
    let contact = if to.starts_with("US.") {
        json!({ "input": to, "user_id": to })
    } else {
        json!({ "input": to, "wa_id": to.trim_start_matches('+') })
    };
    (
        StatusCode::OK,
        Json(json!({ "messaging_product": "whatsapp", "contacts": [contact], "messages": [{ "id": id }] })),
    )
}

/// How the simulated Graph API takes a `POST …/messages` body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// A message to deliver.
    Message,
    /// A read receipt (`"status": "read"`), optionally with a typing indicator.
    ReadReceipt,
    /// Refused with Graph error 100.
    No,
}

/// Whether Graph would accept this send request, by the rules its documentation gives.
pub fn accepts(request: &Value) -> Accepted {
    if request.get("messaging_product") != Some(&json!("whatsapp")) {
        return Accepted::No;
    }
    if request.get("status").and_then(Value::as_str) == Some("read") {
        let has_id = request.get("message_id").and_then(Value::as_str).is_some_and(|id| !id.is_empty());
        return if has_id { Accepted::ReadReceipt } else { Accepted::No };
    }
    let has_recipient = request.get("to").and_then(Value::as_str).is_some_and(|to| !to.is_empty());
    if has_recipient && valid_content(request) {
        Accepted::Message
    } else {
        Accepted::No
    }
}

/// The request carries a body for its declared type (Graph checks this too).
fn valid_content(request: &Value) -> bool {
    match request.get("type").and_then(Value::as_str).unwrap_or("text") {
        "text" => request
            .pointer("/text/body")
            .and_then(Value::as_str)
            .is_some_and(|b| !b.is_empty() && b.chars().count() <= 4096),
        // Reply buttons: one to three (Graph answers 131009 otherwise; 100 here).
        "interactive" if request.pointer("/interactive/type") == Some(&json!("button")) => request
            .pointer("/interactive/action/buttons")
            .and_then(Value::as_array)
            .is_some_and(|b| (1..=3).contains(&b.len())),
        other => request.get(other).is_some(),
    }
}

/// Whether a send to `to` now goes over the number's throughput or the customer's burst.
fn over_limit(state: &SimState, to: &str) -> Option<(i64, &'static str)> {
    let mut limits = state.limits.lock().ok()?;
    let second = crate::customers::now_unix_seconds().unsigned_abs();
    if limits.sent_this_second.0 != second {
        limits.sent_this_second = (second, 0);
    }
    let over_number = limits.per_second.is_some_and(|max| limits.sent_this_second.1 >= max);
    let period = second / 6;
    let to_them = limits.per_recipient.get(to).filter(|(p, _)| *p == period).map_or(0, |(_, n)| *n);
    let over_pair = limits.pair_burst.is_some_and(|max| to_them >= max);
    if over_number || over_pair {
        limits.refused += 1;
        return Some(if over_number {
            (130429, "(#130429) Rate limit hit")
        } else {
            (131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit")
        });
    }
    limits.sent_this_second.1 += 1;
    limits.per_recipient.insert(to.to_owned(), (period, to_them + 1));
    None
}

/// Graph's checks of a template send: the template exists in that language, is approved, and
/// each component has as many parameters as it has placeholders.
const PARAMETER_MISMATCH: (i64, &str) =
    (132000, "(#132000) Number of parameters does not match the expected number of params");

fn template_matches(request: &Value, templates: &[Value]) -> Result<(), (i64, &'static str)> {
    let name = request.pointer("/template/name").and_then(Value::as_str).unwrap_or_default();
    let language = request.pointer("/template/language/code").and_then(Value::as_str).unwrap_or_default();
    let found = templates.iter().find(|t| t["name"] == name && t["language"] == language);
    let Some(template) = found else {
        return Err((132001, "(#132001) Template name does not exist in the translation"));
    };
    if template["status"] != "APPROVED" {
        return Err((132001, "(#132001) Template name does not exist in the translation"));
    }
    let sent = |part: &str| {
        request
            .pointer("/template/components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c["type"] == part)
            .and_then(|c| c["parameters"].as_array().map(Vec::len))
            .unwrap_or(0)
    };
    let components = template["components"].as_array().cloned().unwrap_or_default();
    for (part, graph_part) in [("header", "HEADER"), ("body", "BODY")] {
        let text = components
            .iter()
            .find(|c| c["type"] == graph_part)
            .and_then(|c| c["text"].as_str())
            .unwrap_or("");
        let mut names: Vec<&str> =
            text.split("{{").skip(1).filter_map(|p| p.split("}}").next()).map(str::trim).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() != sent(part) {
            return Err(PARAMETER_MISMATCH);
        }
    }
    // A link button whose address ends in a placeholder takes one text parameter, by index.
    let buttons = components
        .iter()
        .find(|c| c["type"] == "BUTTONS")
        .and_then(|c| c["buttons"].as_array())
        .cloned()
        .unwrap_or_default();
    let sent_buttons: Vec<&Value> = request
        .pointer("/template/components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c["type"] == "button")
        .collect();
    for (index, button) in buttons.iter().enumerate() {
        let dynamic = button["type"] == "URL" && button["url"].as_str().is_some_and(|u| u.contains("{{"));
        let index = index.to_string();
        let sent = sent_buttons.iter().find(|c| c["index"].as_str() == Some(index.as_str()));
        match (dynamic, sent) {
            (true, Some(c))
                if c["sub_type"] == "url" && c["parameters"].as_array().map(Vec::len) == Some(1) => {}
            (false, None) => {}
            _ => return Err(PARAMETER_MISMATCH),
        }
    }
    Ok(())
}

/// `GET /{version}/{waba-id}/message_templates`: the account's templates, one page.
async fn list_templates(State(state): State<Arc<SimState>>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    if !bearer_ok(&state, &headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, graph_message(190));
    }
    let templates = state.templates.lock().map(|t| t.clone()).unwrap_or_default();
    (
        StatusCode::OK,
        Json(json!({ "data": templates, "paging": { "cursors": { "before": "MAZDZD", "after": "MjQZD" } } })),
    )
}

fn bearer_ok(state: &SimState, headers: &HeaderMap) -> bool {
    let bearer =
        headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    bearer == Some(state.config.access_token.as_str())
}

/// `GET /{version}/{media-id}`: where to download a file, as Graph answers (the SHA-256 in hex).
async fn media_info(
    State(state): State<Arc<SimState>>,
    Path((_version, media_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    use sha2::Digest as _;
    if !bearer_ok(&state, &headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, graph_message(190));
    }
    let held = state.media.lock().ok().and_then(|m| m.get(&media_id).cloned());
    let Some(media) = held else {
        return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter");
    };
    let base = state.base_url.lock().map(|b| b.clone()).unwrap_or_default();
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "url": format!("{base}/sim/media/{media_id}"),
            "mime_type": media.mime_type,
            "sha256": hex::encode(sha2::Sha256::digest(&media.bytes)),
            "file_size": media.bytes.len(),
            "id": media.id,
        })),
    )
}

/// `POST /{version}/{phone-number-id}/media`: a multipart upload (`messaging_product`, `type`,
/// `file`), answered with the media id to send it by.
async fn upload_media(
    State(state): State<Arc<SimState>>,
    Path((_version, phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    mut form: axum::extract::Multipart,
) -> (StatusCode, Json<Value>) {
    use base64::Engine as _;
    use sha2::Digest as _;
    if !bearer_ok(&state, &headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, graph_message(190));
    }
    if phone_number_id != state.config.phone_number_id {
        return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter");
    }
    let (mut product, mut mime, mut file) = (None, None, None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "messaging_product" => product = field.text().await.ok(),
            "type" => mime = field.text().await.ok(),
            "file" => file = field.bytes().await.ok(),
            _ => {}
        }
    }
    let (Some("whatsapp"), Some(mime), Some(file)) = (product.as_deref(), mime, file) else {
        return graph_error(StatusCode::BAD_REQUEST, 100, "(#100) Invalid parameter");
    };
    let n = state.next_id.fetch_add(1, Ordering::SeqCst);
    let media = SimMedia {
        id: format!("{}", 2_000_000_000_000 + n),
        mime_type: mime,
        sha256: base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&file)),
        bytes: file.to_vec(),
    };
    let id = media.id.clone();
    if let Ok(mut held) = state.media.lock() {
        held.insert(id.clone(), media);
    }
    (StatusCode::OK, Json(json!({ "id": id })))
}

/// The download itself: needs the access token, like Meta's.
async fn media_download(
    State(state): State<Arc<SimState>>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !bearer_ok(&state, &headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, graph_message(190)).into_response();
    }
    match state.media.lock().ok().and_then(|m| m.get(&media_id).cloned()) {
        Some(media) => ([(axum::http::header::CONTENT_TYPE, media.mime_type)], media.bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn list_received(State(state): State<Arc<SimState>>) -> Json<Vec<Value>> {
    Json(state.received.lock().map(|r| r.clone()).unwrap_or_default())
}
