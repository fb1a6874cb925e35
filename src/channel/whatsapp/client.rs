//! Sending through the Cloud API: `POST {base}/{version}/{phone-number-id}/messages` with the
//! access token as a bearer token, the request and response bodies as Meta documents them.
//!
//! Errors from Graph (`{"error":{"code":…,"message":…}}`) become a short, safe message by
//! code; the raw Graph message goes to the log only, since it can echo request content.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
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

    /// Sends a text message to `to` (a `wa_id` or a business-scoped user id) and returns
    /// WhatsApp's message id.
    pub async fn send_text(&self, config: &ChannelConfig, to: &str, body: &str) -> Result<String> {
        let payload = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": { "preview_url": false, "body": body },
        });
        let response = self
            .http
            .post(messages_url(config)?)
            .bearer_auth(config.access_token.dangerously_expose())
            .json(&payload)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e.without_url(), "Cloud API unreachable");
                Error::Channel("WhatsApp could not be reached; check the network and try again".to_owned())
            })?;
        let status = response.status();
        let bytes =
            response.bytes().await.map_err(|_| Error::Channel("WhatsApp's answer was cut off".to_owned()))?;
        if status.is_success() {
            return parse_send_response(&bytes);
        }
        Err(graph_error(status.as_u16(), &bytes))
    }
}

/// WhatsApp's message id from a successful send answer
/// (`{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid.…"}]}`).
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
    let path = format!("{}/{}/messages", config.api_version, config.phone_number_id);
    let mut base = config.graph_base_url.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(&path).map_err(|_| Error::Invalid("the Graph base URL is not valid".to_owned()))
}

/// A Graph error answer as a safe message.
fn graph_error(http_status: u16, body: &[u8]) -> Error {
    let Some(error) = parse_graph_error(body) else {
        tracing::warn!(http_status, "Cloud API error without a Graph error body");
        return Error::Channel(format!("WhatsApp answered with HTTP {http_status}"));
    };
    tracing::warn!(http_status, code = error.code, subcode = ?error.error_subcode, "Cloud API refused a send");
    Error::Channel(explain(error.code).to_owned())
}

/// The message for Graph error codes without a specific explanation.
pub const GENERIC_REFUSAL: &str = "WhatsApp refused the message";

/// What a Graph error code means for the person at the counter.
pub fn explain(code: i64) -> &'static str {
    match code {
        131047 => "more than 24 hours have passed since the customer's last message; only an approved template can be sent now",
        130429 | 131056 | 80007 => "WhatsApp is limiting how fast messages can be sent; wait a moment and try again",
        190 => "the WhatsApp access token is invalid or expired; ask an administrator to renew it",
        131026 => "this customer cannot receive WhatsApp messages",
        131049 => "WhatsApp did not deliver this message to keep engagement healthy; try again later",
        100 => "WhatsApp rejected the request as invalid",
        _ => GENERIC_REFUSAL,
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
        let err = graph_error(400, body);
        assert!(err.to_string().contains("limiting how fast"), "{err}");
        assert!(!err.to_string().contains("OAuthException"));
    }
}
