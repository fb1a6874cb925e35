//! Sending through the Cloud API: `POST {base}/{version}/{phone-number-id}/messages` with the
//! access token as a bearer token, the request and response bodies as Meta documents them.
//!
//! Errors from Graph (`{"error":{"code":…,"message":…}}`) become a short, safe message by
//! code; the raw Graph message goes to the log only, since it can echo request content.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use crate::error::{Error, Result};
use crate::keys::SecretString;

/// The channel settings needed to send and to receive.
#[derive(Debug)]
pub struct ChannelConfig {
    /// The Cloud API phone-number id messages are sent from.
    pub phone_number_id: String,
    /// Graph's base URL (`https://graph.facebook.com` in production).
    pub graph_base_url: Url,
    /// Graph API version, such as `v23.0`.
    pub api_version: String,
    /// The token Meta's webhook handshake must present.
    pub verify_token: SecretString,
    /// The app secret webhooks are signed with.
    pub app_secret: SecretString,
    /// The system-user access token for sending.
    pub access_token: SecretString,
}

/// A Cloud API client. Cheap to clone; one connection pool for the process.
#[derive(Debug, Clone)]
pub struct CloudApi {
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct SendResponse {
    messages: Vec<SentId>,
}

#[derive(Deserialize)]
struct SentId {
    id: String,
}

/// Graph's error body.
#[derive(Debug, Deserialize)]
pub struct GraphError {
    /// Graph's error code (131047, 130429, …).
    pub code: i64,
    /// Graph's own text (for the log only).
    #[serde(default)]
    pub message: String,
    /// The sub-code, when given.
    #[serde(default)]
    pub error_subcode: Option<i64>,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

impl CloudApi {
    /// A client with sane timeouts.
    pub fn new() -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("countersign/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(Self { http })
    }

    /// Sends one message request (a body as Meta documents it). The failure says whether
    /// trying again later may succeed.
    pub async fn send(
        &self,
        config: &ChannelConfig,
        payload: &Value,
    ) -> std::result::Result<String, SendFailure> {
        let url = messages_url(config)
            .map_err(|_| SendFailure::permanent(None, "the Graph base URL is not valid"))?;
        let bytes = self.call(config, self.http.post(url).json(payload)).await?;
        parse_send_response(&bytes).map_err(|e| SendFailure::permanent(None, &e.to_string()))
    }

    /// Sends a Graph request with the access token and returns the body of a successful
    /// answer; a refusal is classified (see [`SendFailure::from_graph`]).
    async fn call(
        &self,
        config: &ChannelConfig,
        request: reqwest::RequestBuilder,
    ) -> std::result::Result<Vec<u8>, SendFailure> {
        let response =
            request.bearer_auth(config.access_token.dangerously_expose()).send().await.map_err(|e| {
                tracing::warn!(error = %e.without_url(), "Cloud API unreachable");
                SendFailure::transient(None, "WhatsApp could not be reached; it will be tried again")
            })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|_| {
            SendFailure::transient(None, "WhatsApp's answer was cut off; it will be tried again")
        })?;
        if status.is_success() {
            Ok(bytes.to_vec())
        } else {
            Err(SendFailure::from_graph(status.as_u16(), &bytes))
        }
    }
}

/// What Graph says about a media id (`GET {base}/{version}/{media-id}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaInfo {
    /// Where to download it (valid for a few minutes; needs the access token).
    pub url: String,
    /// Its MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Its SHA-256.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Its size in bytes (Graph sends a number or a string).
    #[serde(default, deserialize_with = "size_from_either")]
    pub file_size: Option<u64>,
}

fn size_from_either<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    Ok(value.and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())))
}

/// Why a media file could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchFailure {
    /// May work later (network, 5xx, rate limits).
    Transient,
    /// The access token was refused (190); works once it is renewed.
    TokenRejected,
    /// WhatsApp no longer has it (media ids expire after 30 days) or never had it.
    Gone,
    /// Larger than allowed for its kind (known before or during the download).
    TooLarge,
    /// The download URL is not one of Meta's (the token is never sent elsewhere).
    UntrustedUrl,
}

/// Hosts Graph's media URLs may point to; the access token goes nowhere else. The configured
/// Graph host (the simulator's, in tests) is trusted too.
const MEDIA_HOSTS: &[&str] = &[".fbsbx.com", ".facebook.com", ".fbcdn.net", ".whatsapp.net"];

impl CloudApi {
    /// Looks up a media id.
    pub async fn media_info(
        &self,
        config: &ChannelConfig,
        media_id: &str,
    ) -> std::result::Result<MediaInfo, FetchFailure> {
        if media_id.is_empty() || !media_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(FetchFailure::Gone);
        }
        let mut url = graph_url(config, media_id).map_err(|_| FetchFailure::Gone)?;
        url.query_pairs_mut().append_pair("phone_number_id", &config.phone_number_id);
        let response = self
            .http
            .get(url)
            .bearer_auth(config.access_token.dangerously_expose())
            .send()
            .await
            .map_err(|_| FetchFailure::Transient)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|_| FetchFailure::Transient)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|_| FetchFailure::Gone);
        }
        Err(fetch_failure(status.as_u16(), &bytes))
    }

    /// Downloads a media file from `url` (as [`MediaInfo`] gave it), at most `limit` bytes.
    /// Returns the bytes and the MIME type the server named.
    pub async fn download(
        &self,
        config: &ChannelConfig,
        url: &str,
        limit: u64,
    ) -> std::result::Result<(Vec<u8>, Option<String>), FetchFailure> {
        let url = Url::parse(url).map_err(|_| FetchFailure::UntrustedUrl)?;
        if !trusted_media_url(&url, &config.graph_base_url) {
            tracing::warn!(
                host = url.host_str().unwrap_or(""),
                "media URL outside Meta's hosts; not fetched"
            );
            return Err(FetchFailure::UntrustedUrl);
        }
        let mut response = self
            .http
            .get(url)
            .bearer_auth(config.access_token.dangerously_expose())
            .timeout(Duration::from_secs(300))
            .send()
            .await
            .map_err(|_| FetchFailure::Transient)?;
        let status = response.status();
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(fetch_failure(status.as_u16(), &body));
        }
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(FetchFailure::TooLarge);
        }
        let mime = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| FetchFailure::Transient)? {
            if u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX) > limit {
                return Err(FetchFailure::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((bytes, mime))
    }
}

impl CloudApi {
    /// The templates of WhatsApp Business Account `waba_id`, every page (Graph pages by 100;
    /// a next page is followed only on the Graph host, at most 50 pages).
    pub async fn list_templates(
        &self,
        config: &ChannelConfig,
        waba_id: &str,
    ) -> std::result::Result<Vec<Value>, SendFailure> {
        if waba_id.is_empty() || !waba_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(SendFailure::permanent(None, "the WhatsApp Business Account id is digits only"));
        }
        let mut url = graph_url(config, &format!("{waba_id}/message_templates"))
            .map_err(|_| SendFailure::permanent(None, "the Graph base URL is not valid"))?;
        url.query_pairs_mut()
            .append_pair("fields", "name,language,status,category,components")
            .append_pair("limit", "100");
        let mut templates = Vec::new();
        for _ in 0..50 {
            let bytes = self.call(config, self.http.get(url.clone())).await?;
            let page: Value = serde_json::from_slice(&bytes)
                .map_err(|_| SendFailure::permanent(None, "WhatsApp answered in an unexpected format"))?;
            templates.extend(page.get("data").and_then(Value::as_array).cloned().unwrap_or_default());
            let next = page.pointer("/paging/next").and_then(Value::as_str).and_then(|n| Url::parse(n).ok());
            match next {
                Some(next) if next.host_str() == config.graph_base_url.host_str() => url = next,
                _ => break,
            }
        }
        Ok(templates)
    }
}

fn fetch_failure(http_status: u16, body: &[u8]) -> FetchFailure {
    match parse_graph_error(body).map(|e| e.code) {
        Some(190) => FetchFailure::TokenRejected,
        Some(code) if is_transient(code) => FetchFailure::Transient,
        _ if http_status >= 500 || http_status == 429 => FetchFailure::Transient,
        _ => FetchFailure::Gone,
    }
}

/// Whether the access token may be sent to `url`: https on one of Meta's media hosts, or the
/// configured Graph host itself.
pub fn trusted_media_url(url: &Url, graph_base_url: &Url) -> bool {
    let same_as_graph = url.scheme() == graph_base_url.scheme()
        && url.host_str() == graph_base_url.host_str()
        && url.port_or_known_default() == graph_base_url.port_or_known_default();
    let metas = url.scheme() == "https"
        && url.host_str().is_some_and(|h| MEDIA_HOSTS.iter().any(|suffix| h.ends_with(suffix)));
    same_as_graph || metas
}

impl CloudApi {
    /// Uploads a file for sending (`POST {base}/{version}/{phone-number-id}/media`); returns
    /// the media id to send it by.
    pub async fn upload_media(
        &self,
        config: &ChannelConfig,
        bytes: Vec<u8>,
        mime_type: &str,
        filename: &str,
    ) -> std::result::Result<String, SendFailure> {
        let url = graph_url(config, &format!("{}/media", config.phone_number_id))
            .map_err(|_| SendFailure::permanent(None, "the Graph base URL is not valid"))?;
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(filename.to_owned())
            .mime_str(mime_type)
            .map_err(|_| SendFailure::permanent(None, "the file's type is not valid"))?;
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime_type.to_owned())
            .part("file", part);
        let body =
            self.call(config, self.http.post(url).multipart(form).timeout(Duration::from_secs(300))).await?;
        serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| SendFailure::permanent(None, "WhatsApp answered in an unexpected format"))
    }
}

/// A media message request: `kind` is `image`, `video`, `audio` or `document`.
pub fn media_request(
    to: &str,
    kind: &str,
    media_id: &str,
    caption: Option<&str>,
    filename: Option<&str>,
) -> Value {
    let mut media = json!({ "id": media_id });
    if let Some(caption) = caption.filter(|c| !c.is_empty() && kind != "audio") {
        media["caption"] = json!(caption);
    }
    if let Some(filename) = filename.filter(|_| kind == "document") {
        media["filename"] = json!(filename);
    }
    json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: media })
}

/// A mark-as-read request for `wamid` (the customer sees blue ticks), optionally with the
/// typing indicator (shown until the reply or for 25 seconds).
pub fn read_request(wamid: &str, typing: bool) -> Value {
    let mut request = json!({ "messaging_product": "whatsapp", "status": "read", "message_id": wamid });
    if typing {
        request["typing_indicator"] = json!({ "type": "text" });
    }
    request
}

impl CloudApi {
    /// Sends a mark-as-read request (answered `{"success": true}`).
    pub async fn mark_read(
        &self,
        config: &ChannelConfig,
        request: &Value,
    ) -> std::result::Result<(), SendFailure> {
        let url = messages_url(config)
            .map_err(|_| SendFailure::permanent(None, "the Graph base URL is not valid"))?;
        self.call(config, self.http.post(url).json(request)).await.map(|_| ())
    }
}

/// A text message request (`preview_url` asks WhatsApp to show a link's preview).
pub fn text_request(to: &str, body: &str, preview_url: bool) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": { "preview_url": preview_url, "body": body },
    })
}

/// What to do about a refused or failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// May succeed later: network, 5xx, rate limits, Meta's temporary errors.
    Transient,
    /// Will not succeed as it is: the request, the recipient or the window is the problem.
    Permanent,
    /// The access token was refused (190): nothing can be sent until an administrator renews it.
    TokenRejected,
}

/// A send that did not succeed: how to treat it, Graph's code if any, and words for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// How to treat it.
    pub kind: FailureKind,
    /// Graph's error code, when Graph answered with one.
    pub code: Option<i64>,
    /// A short reason safe to show to staff (never Graph's own message, which can echo content).
    pub reason: String,
}

impl SendFailure {
    fn transient(code: Option<i64>, reason: &str) -> Self {
        Self { kind: FailureKind::Transient, code, reason: reason.to_owned() }
    }

    fn permanent(code: Option<i64>, reason: &str) -> Self {
        Self { kind: FailureKind::Permanent, code, reason: reason.to_owned() }
    }

    /// Classifies Graph's answer with HTTP status `http_status` and body `body`.
    pub fn from_graph(http_status: u16, body: &[u8]) -> Self {
        let Some(error) = parse_graph_error(body) else {
            tracing::warn!(http_status, "Cloud API error without a Graph error body");
            let reason = format!("WhatsApp answered with HTTP {http_status}");
            return if http_status >= 500 || http_status == 429 {
                Self::transient(None, &reason)
            } else {
                Self::permanent(None, &reason)
            };
        };
        tracing::warn!(http_status, code = error.code, subcode = ?error.error_subcode, "Cloud API refused a send");
        let kind = match error.code {
            190 => FailureKind::TokenRejected,
            code if is_transient(code) || (http_status >= 500 && !is_permanent(code)) => {
                FailureKind::Transient
            }
            _ => FailureKind::Permanent,
        };
        Self { kind, code: Some(error.code), reason: explain(error.code).to_owned() }
    }
}

/// Graph codes that mean "later": rate limits (130429 throughput, 131056 pair, 80007 and 4
/// app/account limits, 131048 spam rate), temporary errors (1, 2, 131000, 131016, 133004).
fn is_transient(code: i64) -> bool {
    matches!(code, 1 | 2 | 4 | 80007 | 130429 | 131000 | 131016 | 131048 | 131056 | 133004)
}

/// Graph codes that never succeed as sent: the window (131047), an unreachable recipient
/// (131026), template problems (1320xx), invalid requests (100, 131008, 131009, 131051).
fn is_permanent(code: i64) -> bool {
    matches!(code, 100 | 131008 | 131009 | 131026 | 131047 | 131051) || (132000..133000).contains(&code)
}

pub fn parse_send_response(body: &[u8]) -> Result<String> {
    let parsed: SendResponse = serde_json::from_slice(body)
        .map_err(|_| Error::Channel("WhatsApp answered in an unexpected format".to_owned()))?;
    parsed
        .messages
        .into_iter()
        .next()
        .map(|m| m.id)
        .ok_or_else(|| Error::Channel("WhatsApp did not return a message id".to_owned()))
}

/// The error in a Graph error answer (`{"error":{"code":…,…}}`), if it is one.
pub fn parse_graph_error(body: &[u8]) -> Option<GraphError> {
    serde_json::from_slice::<GraphErrorBody>(body).ok().map(|b| b.error)
}

fn messages_url(config: &ChannelConfig) -> Result<Url> {
    graph_url(config, &format!("{}/messages", config.phone_number_id))
}

fn graph_url(config: &ChannelConfig, rest: &str) -> Result<Url> {
    let path = format!("{}/{rest}", config.api_version);
    let mut base = config.graph_base_url.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(&path).map_err(|_| Error::Invalid("the Graph base URL is not valid".to_owned()))
}

pub const GENERIC_REFUSAL: &str = "WhatsApp refused the message";

/// What a Graph error code means for the person at the counter.
pub fn explain(code: i64) -> &'static str {
    match code {
        131047 => "more than 24 hours have passed since the customer's last message; only an approved template can be sent now",
        130429 | 131056 | 80007 => "WhatsApp is limiting how fast messages can be sent; wait a moment and try again",
        190 => "the WhatsApp access token is invalid or expired; ask an administrator to renew it",
        131026 => "this customer cannot receive WhatsApp messages",
        131049 => "WhatsApp did not deliver this message to keep engagement healthy; try again later",
        131000 | 131016 | 133004 | 1 | 2 => "WhatsApp had a temporary problem; send it again if it still matters",
        131051 => "WhatsApp does not support this kind of message",
        code if (132000..133000).contains(&code) => "the template does not match an approved template (name, language or parameters)",
        100 => "WhatsApp rejected the request as invalid",
        _ => GENERIC_REFUSAL,
    }
}

/// Why a reply the outbox still holds has not gone out yet, in words for staff. The outbox
/// retries by itself, so this never asks them to send again (that would send it twice).
pub fn explain_waiting(code: i64) -> &'static str {
    match code {
        190 => "waiting: WhatsApp refused the access token; it goes out once an administrator renews it",
        _ => "waiting: WhatsApp asked us to try later; Countersign keeps trying",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn config(base: &str) -> ChannelConfig {
        ChannelConfig {
            phone_number_id: "106540352242922".to_owned(),
            graph_base_url: Url::parse(base).unwrap(),
            api_version: "v23.0".to_owned(),
            verify_token: SecretString::from("v".to_owned()),
            app_secret: SecretString::from("s".to_owned()),
            access_token: SecretString::from("t".to_owned()),
        }
    }

    #[rstest]
    #[case::metas_media_host("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", true)]
    #[case::graph_itself("https://graph.facebook.com/v23.0/1", true)]
    #[case::plain_http_on_metas_host("http://lookaside.fbsbx.com/x", false)]
    #[case::lookalike("https://fbsbx.com.evil.example/x", false)]
    #[case::elsewhere("https://attacker.example/x", false)]
    fn the_token_goes_only_to_metas_media_hosts(#[case] url: &str, #[case] trusted: bool) {
        let graph = Url::parse("https://graph.facebook.com").unwrap();
        assert_eq!(trusted_media_url(&Url::parse(url).unwrap(), &graph), trusted);
    }

    #[test]
    fn a_media_answer_reads_its_size_as_number_or_text() {
        let info: MediaInfo = serde_json::from_str(
            r#"{"url":"u","mime_type":"image/jpeg","sha256":"h","file_size":"303833","id":"1"}"#,
        )
        .unwrap();
        assert_eq!(info.file_size, Some(303_833));
    }

    #[rstest]
    #[case::bare("https://graph.facebook.com")]
    #[case::trailing_slash("https://graph.facebook.com/")]
    fn the_send_url_is_graphs(#[case] base: &str) {
        assert_eq!(
            messages_url(&config(base)).unwrap().as_str(),
            "https://graph.facebook.com/v23.0/106540352242922/messages"
        );
    }

    #[test]
    fn a_proxy_prefix_is_kept() {
        assert_eq!(
            messages_url(&config("http://127.0.0.1:9/graph")).unwrap().as_str(),
            "http://127.0.0.1:9/graph/v23.0/106540352242922/messages"
        );
    }

    #[test]
    fn graph_errors_become_safe_messages() {
        let body = br#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException",
            "code":130429,"error_subcode":2494055,"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}"#;
        let failure = SendFailure::from_graph(400, body);
        assert_eq!((failure.kind, failure.code), (FailureKind::Transient, Some(130429)));
        assert!(failure.reason.contains("limiting how fast"), "{failure:?}");
        assert!(!failure.reason.contains("OAuthException"));
    }

    #[rstest]
    #[case::throughput(400, Some(130429), FailureKind::Transient)]
    #[case::pair_rate(400, Some(131056), FailureKind::Transient)]
    #[case::server_error_with_generic_code(500, Some(131000), FailureKind::Transient)]
    #[case::server_error_without_body(503, None, FailureKind::Transient)]
    #[case::window_closed(400, Some(131047), FailureKind::Permanent)]
    #[case::window_closed_even_on_a_5xx(500, Some(131047), FailureKind::Permanent)]
    #[case::unreachable_recipient(400, Some(131026), FailureKind::Permanent)]
    #[case::template_mismatch(400, Some(132001), FailureKind::Permanent)]
    #[case::bad_request_without_body(400, None, FailureKind::Permanent)]
    #[case::expired_token(401, Some(190), FailureKind::TokenRejected)]
    fn failures_are_classified_by_what_trying_again_would_do(
        #[case] http_status: u16,
        #[case] code: Option<i64>,
        #[case] kind: FailureKind,
    ) {
        let body = code.map_or_else(String::new, |c| format!(r#"{{"error":{{"message":"m","code":{c}}}}}"#));
        assert_eq!(SendFailure::from_graph(http_status, body.as_bytes()).kind, kind);
    }
}
