//! The loopback redirect of a native app's single sign-on (RFC 8252 §7.3): a listener on
//! `127.0.0.1` at a port the system picks, for one sign-in, that takes the provider's answer
//! from the browser and closes.
//!
//! Decisions, and why:
//! - The address is the IP literal `127.0.0.1`, not `localhost` (RFC 8252 §8.3: a name can be
//!   resolved elsewhere, and a firewall may treat it differently).
//! - Any program on the PC can connect to the port, so what arrives is untrusted: the answer is
//!   parsed by [`CallbackAnswer::from_query`] (fuzzed), bounded in size, and must carry the
//!   `state` of this sign-in before anything is done with it (checked by `oidc::finish`).
//! - The first request to `/callback` ends the wait, whatever it carries: a second answer is
//!   never taken, so a racing program cannot swap its answer in after a refusal.
//! - The page the browser shows says only whether to go back to the app; it repeats nothing
//!   from the query (no reflected input).
//! - The wait ends after a time limit; the listener closes with it.

use std::time::Duration;

use axum::extract::RawQuery;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use tokio::sync::{mpsc, oneshot};

use crate::domain::sso::SsoRefusal;

/// How long a person has to sign in at the provider.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The longest `code` or `state` accepted (providers send a few hundred characters).
const MAX_VALUE: usize = 4096;

/// What the provider sent back through the browser.
#[derive(PartialEq, Eq)]
pub enum CallbackAnswer {
    /// A code to exchange, and the state it belongs to.
    Code {
        /// The authorization code.
        code: String,
        /// The state sent when the sign-in began.
        state: String,
    },
    /// The provider refused (the person cancelled, or was not allowed).
    Refused {
        /// The OAuth error code (`access_denied`), reduced to letters and `_` for the audit trail.
        error: String,
    },
}

impl std::fmt::Debug for CallbackAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code { .. } => f.write_str("Code { .. }"),
            Self::Refused { error } => f.debug_struct("Refused").field("error", error).finish(),
        }
    }
}

impl CallbackAnswer {
    /// Reads a redirect's query string (`code=…&state=…`, or `error=…`). A parameter given
    /// twice, a value too long or not printable ASCII, or a missing `code` or `state` is
    /// [`SsoRefusal::Answer`].
    pub fn from_query(query: &str) -> Result<Self, SsoRefusal> {
        if query.len() > 4 * MAX_VALUE {
            return Err(SsoRefusal::Answer);
        }
        let (mut code, mut state, mut error) = (None, None, None);
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "code" => &mut code,
                "state" => &mut state,
                "error" => &mut error,
                _ => continue,
            };
            let printable = value.len() <= MAX_VALUE && value.bytes().all(|b| b.is_ascii_graphic());
            if slot.is_some() || !printable {
                return Err(SsoRefusal::Answer);
            }
            *slot = Some(value.into_owned());
        }
        match (error, code, state) {
            (Some(error), _, _) => Ok(Self::Refused {
                error: error.chars().filter(|c| c.is_ascii_lowercase() || *c == '_').take(64).collect(),
            }),
            (None, Some(code), Some(state)) if !code.is_empty() && !state.is_empty() => {
                Ok(Self::Code { code, state })
            }
            _ => Err(SsoRefusal::Answer),
        }
    }
}

/// A listener waiting for one sign-in's redirect.
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: tokio::net::TcpListener,
    redirect_uri: String,
}

impl LoopbackRedirect {
    /// Opens a listener on `127.0.0.1` at a free port.
    pub async fn bind() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, redirect_uri: format!("http://127.0.0.1:{port}/callback") })
    }

    /// The redirect URI to register in the authorization request.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser's redirect (at most `timeout`), answers it with a page telling
    /// the person to go back to the app, and closes.
    pub async fn wait(self, timeout: Duration) -> Result<CallbackAnswer, SsoRefusal> {
        let (answers, mut received) = mpsc::channel::<Option<String>>(1);
        let router = Router::new().route(
            "/callback",
            get(move |RawQuery(query): RawQuery| {
                let answers = answers.clone();
                async move {
                    // Only the first answer is taken; later ones find the channel full or closed.
                    let taken = answers.try_send(query).is_ok();
                    page(taken)
                }
            }),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let server = axum::serve(self.listener, router).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let serving = tokio::spawn(async move { server.await });
        let outcome = tokio::time::timeout(timeout, received.recv()).await;
        let _ = stop.send(());
        // Let the page reach the browser before the listener closes.
        let _ = tokio::time::timeout(Duration::from_secs(2), serving).await;
        match outcome {
            Ok(Some(query)) => CallbackAnswer::from_query(query.as_deref().unwrap_or("")),
            Ok(None) | Err(_) => Err(SsoRefusal::TimedOut),
        }
    }
}

/// The page the browser shows after the redirect.
fn page(taken: bool) -> impl IntoResponse {
    let (status, text) = match taken {
        true => (StatusCode::OK, "You can close this tab and go back to Countersign."),
        false => (StatusCode::CONFLICT, "This sign-in is already over. Go back to Countersign."),
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Countersign</title></head>\
         <body style=\"font-family:sans-serif;margin:3rem\"><h1>Countersign</h1><p>{text}</p></body></html>"
    );
    (status, [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")], Html(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::code("code=abc&state=xyz", Ok(CallbackAnswer::Code { code: "abc".into(), state: "xyz".into() }))]
    #[case::extra_parameters_ignored(
        "iss=https%3A%2F%2Fidp&code=abc&state=xyz&session_state=1",
        Ok(CallbackAnswer::Code { code: "abc".into(), state: "xyz".into() })
    )]
    #[case::refused("error=access_denied&error_description=no&state=xyz", Ok(CallbackAnswer::Refused { error: "access_denied".into() }))]
    #[case::refusal_reduced("error=%3Cscript%3Ealert(1)", Ok(CallbackAnswer::Refused { error: "scriptalert".into() }))]
    #[case::no_state("code=abc", Err(SsoRefusal::Answer))]
    #[case::empty_code("code=&state=xyz", Err(SsoRefusal::Answer))]
    #[case::nothing("", Err(SsoRefusal::Answer))]
    #[case::state_twice("code=abc&state=xyz&state=other", Err(SsoRefusal::Answer))]
    #[case::control_character("code=a%0Ab&state=xyz", Err(SsoRefusal::Answer))]
    #[case::non_ascii("code=%C3%A9&state=xyz", Err(SsoRefusal::Answer))]
    fn answers(#[case] query: &str, #[case] expected: Result<CallbackAnswer, SsoRefusal>) {
        assert_eq!(CallbackAnswer::from_query(query), expected);
    }

    #[test]
    fn a_huge_answer_is_refused() {
        let query = format!("code={}&state=x", "a".repeat(MAX_VALUE + 1));
        assert_eq!(CallbackAnswer::from_query(&query), Err(SsoRefusal::Answer));
    }

    #[tokio::test]
    async fn the_first_redirect_is_taken_and_the_listener_closes() {
        let redirect = LoopbackRedirect::bind().await.unwrap();
        let uri = redirect.redirect_uri().to_owned();
        assert!(uri.starts_with("http://127.0.0.1:") && uri.ends_with("/callback"), "{uri}");
        let waiting = tokio::spawn(redirect.wait(Duration::from_secs(10)));
        let client = reqwest::Client::new();
        let missing = client.get(uri.replace("/callback", "/favicon.ico")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        let page = client.get(format!("{uri}?code=c0de&state=st4te")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let text = page.text().await.unwrap();
        assert!(text.contains("go back to Countersign") && !text.contains("c0de"), "{text}");
        assert_eq!(
            waiting.await.unwrap(),
            Ok(CallbackAnswer::Code { code: "c0de".into(), state: "st4te".into() })
        );
        assert!(client.get(&uri).send().await.is_err(), "the listener is closed after one sign-in");
    }

    #[tokio::test]
    async fn nobody_coming_back_times_out() {
        let redirect = LoopbackRedirect::bind().await.unwrap();
        assert_eq!(redirect.wait(Duration::from_millis(50)).await, Err(SsoRefusal::TimedOut));
    }
}
