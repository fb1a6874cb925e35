//! The HTTP front end (axum): Meta's webhook endpoint and the HTTP API. Handlers are thin: parse,
//! call `api/`, map the result. They have the same shape as the desktop commands.
//!
//! Status codes: 401 for a missing/invalid session or webhook signature (with no hint which
//! part was wrong), 404 for anything the actor may not see, 413 over the body limit, 503 while
//! the channel is not configured (so Meta retries rather than losing the delivery).

mod http_api;
mod webhook;

use std::future::Future;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::api::views::{ErrorCode, ErrorView};
use crate::api::Core;
use crate::error::Error;

/// Largest request body accepted. Meta's deliveries are a few KiB; 1 MiB leaves ample room
/// for large batches while bounding what an unauthenticated sender can make us buffer.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The router: `/webhook` and `/api/v1/…`.
pub fn router(core: Core) -> Router {
    Router::new()
        .merge(webhook::routes())
        .merge(http_api::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .with_state(core)
}

/// Only Meta's webhook endpoint, for the desktop app's own intake: a counter PC that accepts
/// webhooks must not also expose the staff API.
pub fn webhook_router(core: Core) -> Router {
    Router::new()
        .merge(webhook::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(core)
}

/// Serves the webhook endpoint only, until `shutdown` completes.
pub async fn serve_webhooks(
    core: Core,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = webhook_router(core).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Serves the webhook endpoint and the HTTP API until `shutdown` completes.
pub async fn serve(
    core: Core,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is what sign-in throttling (and later the IP allowlist) is keyed on.
    let sender = core.clone();
    let app = router(core).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // The outbox's sender runs as long as the server: both stop on `shutdown`.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let keeper = sender.clone();
    let mut retention_stopped = stopped.clone();
    let outbox = sender.run_outbox(async move {
        let mut stopped = stopped;
        let _ = stopped.wait_for(|stop| *stop).await;
    });
    // So does retention: audit events past their time are purged every few hours.
    let retention = keeper.run_retention(async move {
        let _ = retention_stopped.wait_for(|stop| *stop).await;
    });
    let (served, sent, ()) = tokio::join!(async move { server.await }, outbox, retention);
    if let Err(e) = sent {
        tracing::error!(error = %e, "the outbox's sender stopped");
    }
    served
}

/// A core error as an HTTP answer: a status and the safe `ErrorView`, the detail logged.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let view = ErrorView::from(&self.0);
        let status = match view.code {
            ErrorCode::Unauthenticated | ErrorCode::BadSignature | ErrorCode::SecondFactorRequired => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::PasswordChangeRequired
            | ErrorCode::NetworkNotAllowed
            | ErrorCode::SecondFactorEnrolmentRequired => StatusCode::FORBIDDEN,
            ErrorCode::ConfirmationRequired | ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::Locked => StatusCode::LOCKED,
            ErrorCode::StepUpRequired | ErrorCode::StepUpUnavailable => StatusCode::FORBIDDEN,
            ErrorCode::Forbidden | ErrorCode::SsoFailed | ErrorCode::SsoRequired => StatusCode::FORBIDDEN,
            ErrorCode::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Channel if matches!(self.0, Error::ChannelNotConfigured) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorCode::Channel => StatusCode::BAD_GATEWAY,
            ErrorCode::Setup | ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = ?self.0, "request failed");
        }
        (status, Json(view)).into_response()
    }
}
