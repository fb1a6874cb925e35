//! `GET /webhook` (Meta's subscription handshake) and `POST /webhook` (signed deliveries).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;

use super::ApiError;
use crate::api::intake::SubscriptionCheck;
use crate::api::Core;

pub(super) fn routes() -> Router<Core> {
    Router::new().route("/webhook", get(handshake).post(delivery))
}

async fn handshake(
    State(core): State<Core>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<String, ApiError> {
    let check = SubscriptionCheck {
        mode: q.get("hub.mode").map(String::as_str),
        verify_token: q.get("hub.verify_token").map(String::as_str),
        challenge: q.get("hub.challenge").map(String::as_str),
    };
    Ok(core.verify_subscription(check).await?)
}

async fn delivery(
    State(core): State<Core>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<&'static str, ApiError> {
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    core.receive_webhook(signature, &body).await?;
    Ok("EVENT_RECEIVED")
}
