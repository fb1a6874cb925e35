//! Single sign-on with OpenID Connect, the way native apps must do it (RFC 8252, RFC 7636):
//! the authorization code flow with PKCE in the system browser, the provider redirecting to a
//! loopback address on a port the app opened for this one sign-in.
//!
//! Decisions, and why:
//! - The `openidconnect` crate does discovery, the PKCE pair, the authorization URL and the
//!   ID token's checks (signature against the provider's published keys, issuer, audience,
//!   expiry, nonce). Nothing here parses or checks a JWT by hand.
//! - The provider's metadata and keys are read once, when a sign-in begins, and that sign-in
//!   is finished against them: a token signed with a key the provider did not publish then is
//!   refused.
//! - `state` is compared in constant time and each begun sign-in can be finished once: a
//!   replayed redirect finds nothing to finish. A code used twice is refused by the provider.
//! - The ID token's times are checked against the core's clock (injected), not the machine's.
//! - The HTTP client follows no redirects (the crate's advice against SSRF) and times out.
//! - Extra claims (the user name and groups claims an organisation names) are read from the
//!   ID token only after the crate has verified it.

use std::time::Duration;

use base64::Engine as _;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _,
};
use subtle::ConstantTimeEq;

use crate::clock::Timestamp;

/// Why a single sign-on did not succeed (recorded in the audit trail as the reason).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OidcError {
    /// The provider's discovery document or keys could not be read.
    #[error("the identity provider could not be reached or described itself wrongly")]
    Discovery,
    /// The configuration cannot make a valid request (an issuer or redirect that is no URL).
    #[error("the single sign-on settings are not valid: {0}")]
    Settings(&'static str),
    /// The redirect's `state` is not the one this sign-in sent.
    #[error("the sign-in answer does not belong to this sign-in")]
    State,
    /// The provider refused the code (used already, expired, or not for this verifier).
    #[error("the identity provider refused the sign-in code")]
    Exchange,
    /// The ID token failed a check (signature, issuer, audience, expiry, nonce) or was missing.
    #[error("the identity provider's ID token failed its checks")]
    IdToken,
    /// The token lacks the claim that names the user.
    #[error("the identity provider did not say who signed in (claim {0})")]
    Claims(String),
}

impl OidcError {
    /// A short reason for the audit trail.
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Settings(_) => "settings",
            Self::State => "state",
            Self::Exchange => "code_refused",
            Self::IdToken => "id_token_invalid",
            Self::Claims(_) => "claims_missing",
        }
    }
}

impl From<OidcError> for crate::domain::sso::SsoRefusal {
    fn from(e: OidcError) -> Self {
        match e {
            OidcError::Discovery | OidcError::Settings(_) => Self::Provider,
            OidcError::State => Self::Answer,
            OidcError::Exchange | OidcError::IdToken => Self::Token,
            OidcError::Claims(_) => Self::Claims,
        }
    }
}

/// Which claims carry the user name and the groups (an organisation's setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    /// The claim whose value becomes the Countersign user name.
    pub username: String,
    /// The claim holding the list of groups or roles.
    pub groups: String,
}

/// The client's side of a provider: who we are to it.
#[derive(Debug)]
pub struct ClientSettings {
    /// The issuer URL (discovery is read from `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// The client id registered with the provider.
    pub client_id: String,
    /// The client secret, for providers that require one even of native apps.
    pub client_secret: Option<crate::keys::SecretString>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
}

/// Who signed in, as the provider vouched for them in a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The issuer.
    pub issuer: String,
    /// The provider's stable id of the person (`sub`).
    pub subject: String,
    /// The value of the user name claim.
    pub username: String,
    /// Their display name, if given.
    pub name: Option<String>,
    /// The values of the groups claim (empty if absent).
    pub groups: Vec<String>,
    /// How they authenticated (`amr`), e.g. `pwd`, `otp`, `hwk`, `mfa`.
    pub amr: Vec<String>,
}

impl Identity {
    /// Whether the provider says a second factor was used.
    pub fn second_factor_shown(&self) -> bool {
        const STRONG: [&str; 8] = ["mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "pop"];
        self.amr.iter().any(|m| STRONG.contains(&m.as_str()))
    }
}

/// A sign-in begun: send the person's browser to `authorize_url`, then finish it with what the
/// provider sends to the redirect address.
#[derive(Debug)]
pub struct Begun {
    /// The provider's authorization URL, with PKCE challenge, state and nonce.
    pub authorize_url: url::Url,
    /// What finishing needs (kept by the core until then).
    pub pending: Pending,
}

/// The secrets of a begun sign-in, used once.
pub struct Pending {
    client: ReadyClient,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    /// When it began (a sign-in not finished in time is dropped by the caller).
    pub started_at: Timestamp,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("started_at", &self.started_at).finish_non_exhaustive()
    }
}

impl Pending {
    /// Whether `state` from a redirect is this sign-in's (constant time).
    pub fn matches(&self, state: &str) -> bool {
        bool::from(self.state.secret().as_bytes().ct_eq(state.as_bytes()))
    }
}

type ReadyClient = openidconnect::core::CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The HTTP client for talking to providers: no redirects, bounded time.
pub fn http_client() -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|_| OidcError::Settings("the HTTP client could not be built"))
}

/// Reads the provider's discovery document and keys, and makes the authorization URL for a
/// sign-in whose answer goes to `redirect` (a loopback address the caller listens on).
pub async fn begin(
    http: &reqwest::Client,
    settings: &ClientSettings,
    redirect: &str,
    now: Timestamp,
) -> Result<Begun, OidcError> {
    let issuer = IssuerUrl::new(settings.issuer.clone()).map_err(|_| OidcError::Settings("issuer"))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http).await.map_err(|e| {
        tracing::warn!(error = %e, "single sign-on discovery failed");
        OidcError::Discovery
    })?;
    let redirect = RedirectUrl::new(redirect.to_owned()).map_err(|_| OidcError::Settings("redirect"))?;
    let secret =
        settings.client_secret.as_ref().map(|s| ClientSecret::new(s.dangerously_expose().to_owned()));
    let client: ReadyClient =
        CoreClient::from_provider_metadata(metadata, ClientId::new(settings.client_id.clone()), secret)
            .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge);
    for scope in &settings.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (authorize_url, state, nonce) = request.url();
    let pending = Pending { client, state, nonce, verifier, started_at: now };
    Ok(Begun { authorize_url, pending })
}

/// Finishes a sign-in with the `state` and `code` the provider sent to the redirect address:
/// exchanges the code (with the PKCE verifier) and verifies the ID token at `now`.
pub async fn finish(
    http: &reqwest::Client,
    pending: Pending,
    state: &str,
    code: &str,
    claims: &ClaimNames,
    now: Timestamp,
) -> Result<Identity, OidcError> {
    if !pending.matches(state) {
        return Err(OidcError::State);
    }
    let request = pending
        .client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|_| OidcError::Settings("the provider has no token endpoint"))?
        .set_pkce_verifier(pending.verifier);
    let response = request.request_async(http).await.map_err(|e| {
        tracing::info!(error = %e, "the identity provider refused a sign-in code");
        OidcError::Exchange
    })?;
    let token = response.id_token().ok_or(OidcError::IdToken)?;
    verify(&pending.client, token, &pending.nonce, claims, now)
}

fn verify(
    client: &ReadyClient,
    token: &CoreIdToken,
    nonce: &Nonce,
    names: &ClaimNames,
    now: Timestamp,
) -> Result<Identity, OidcError> {
    let at = chrono::DateTime::from_timestamp_millis(now.as_millis()).ok_or(OidcError::IdToken)?;
    let verifier = client.id_token_verifier().set_time_fn(move || at);
    let claims = token.claims(&verifier, nonce).map_err(|e| {
        tracing::info!(error = %e, "an ID token failed its checks");
        OidcError::IdToken
    })?;
    // Verified above: the payload is the provider's, as signed.
    let payload = payload(token).ok_or(OidcError::IdToken)?;
    let username = payload
        .get(&names.username)
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| OidcError::Claims(names.username.clone()))?;
    let groups = match payload.get(&names.groups) {
        Some(serde_json::Value::Array(values)) => {
            values.iter().filter_map(serde_json::Value::as_str).map(str::to_owned).collect()
        }
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let amr = claims
        .auth_method_refs()
        .map(|refs| refs.iter().map(|r| r.as_str().to_owned()).collect())
        .unwrap_or_default();
    Ok(Identity {
        issuer: claims.issuer().as_str().to_owned(),
        subject: claims.subject().as_str().to_owned(),
        username: username.to_owned(),
        name: payload.get("name").and_then(serde_json::Value::as_str).map(str::to_owned),
        groups,
        amr,
    })
}

/// The JSON payload of a compact JWS.
fn payload(token: &CoreIdToken) -> Option<serde_json::Map<String, serde_json::Value>> {
    let compact = token.to_string();
    let part = compact.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}
