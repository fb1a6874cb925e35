//! Security keys for the desktop app. WebKitGTK has no `navigator.credentials`, so the shell
//! is the WebAuthn client: it takes the core's challenge, talks to the key itself (USB HID,
//! CTAP2, through `webauthn-authenticator-rs`) and hands the key's answer back to the core.
//! The PIN, when the key has one, is typed in the app and given to the key once.
//!
//! A `demo` build started in demo mode may use the library's software token instead, so the
//! end-to-end test can drive the same screens without hardware.

use std::sync::Mutex;
use std::time::Duration;

use countersign::api::views::{ErrorCode, ErrorView};
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse,
    Url, WebauthnAuthenticator, WebauthnCError,
};
use webauthn_authenticator_rs::types::{CableRequestType, CableState, EnrollSampleStatus};
use webauthn_authenticator_rs::ui::UiCallback;

/// How long to wait for a key to be plugged in.
const FIND_KEY: Duration = Duration::from_secs(30);

/// What a key is asked to do.
pub enum Ceremony {
    /// Create a credential.
    Register(CreationChallengeResponse),
    /// Sign a challenge.
    Authenticate(RequestChallengeResponse),
}

/// A key's answer, as the core takes it.
pub type Answer = serde_json::Value;

/// Where the shell finds security keys.
pub trait KeyBackend: Send + Sync {
    /// Runs `ceremony` for `origin` on a key; blocking (call from a blocking thread).
    fn run(&self, origin: Url, ceremony: Ceremony, pin: Option<String>) -> Result<Answer, ErrorView>;
}

fn key_error(e: &WebauthnCError) -> ErrorView {
    tracing::info!(error = ?e, "security key operation failed");
    let message = match e {
        WebauthnCError::NoSelectedToken | WebauthnCError::NotSupported => {
            "no security key was found: plug one in and try again"
        }
        WebauthnCError::Ctap(_) => "the security key did not accept the request: check its PIN and try again",
        WebauthnCError::UserVerificationRequired => "this security key needs a PIN: enter it and try again",
        _ => "the security key did not answer; touch it when it blinks, or try again",
    };
    ErrorView { code: ErrorCode::Invalid, message: message.to_owned() }
}

fn answer<T: serde::Serialize>(value: Result<T, WebauthnCError>) -> Result<Answer, ErrorView> {
    let value = value.map_err(|e| key_error(&e))?;
    serde_json::to_value(value).map_err(|_| key_error(&WebauthnCError::Internal))
}

fn run_with(
    auth: &mut impl WebauthnAuthenticator,
    origin: Url,
    ceremony: Ceremony,
) -> Result<Answer, ErrorView> {
    match ceremony {
        Ceremony::Register(options) => {
            answer::<RegisterPublicKeyCredential>(auth.do_registration(origin, options))
        }
        Ceremony::Authenticate(options) => {
            answer::<PublicKeyCredential>(auth.do_authentication(origin, options))
        }
    }
}

/// Gives the key the PIN typed in the app, once (a wrong PIN is not retried: keys lock after
/// a few wrong PINs).
#[derive(Debug)]
struct PinOnce(Mutex<Option<String>>);

impl UiCallback for PinOnce {
    fn request_pin(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
    fn request_touch(&self) {
        tracing::info!("waiting for the security key to be touched");
    }
    fn processing(&self) {}
    fn fingerprint_enrollment_feedback(&self, _: u32, _: Option<EnrollSampleStatus>) {}
    fn cable_qr_code(&self, _: CableRequestType, _: String) {}
    fn dismiss_qr_code(&self) {}
    fn cable_status_update(&self, _: CableState) {}
}

/// Keys on USB (CTAP2 over HID).
#[derive(Debug, Default)]
pub struct UsbKeys;

impl KeyBackend for UsbKeys {
    fn run(&self, origin: Url, ceremony: Ceremony, pin: Option<String>) -> Result<Answer, ErrorView> {
        use futures::StreamExt;
        use webauthn_authenticator_rs::ctap2::CtapAuthenticator;
        use webauthn_authenticator_rs::transport::{AnyTransport, TokenEvent, Transport};

        let ui = PinOnce(Mutex::new(pin.filter(|p| !p.is_empty())));
        // The library mixes its own blocking waits with tokio I/O: a runtime of its own, with a
        // worker thread driving the I/O while this thread blocks.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|_| key_error(&WebauthnCError::Internal))?;
        let found = runtime.block_on(async {
            let transport = AnyTransport::new().await?;
            let mut tokens = transport.watch().await?;
            let find = async {
                while let Some(event) = tokens.next().await {
                    if let TokenEvent::Added(token) = event {
                        if let Some(auth) = CtapAuthenticator::new(token, &ui).await {
                            return Some(auth);
                        }
                    }
                }
                None
            };
            tokio::time::timeout(FIND_KEY, find).await.ok().flatten().ok_or(WebauthnCError::NoSelectedToken)
        });
        let mut auth = found.map_err(|e| key_error(&e))?;
        let _io = runtime.enter();
        run_with(&mut auth, origin, ceremony)
    }
}

/// The library's software token (demo builds only).
#[cfg(feature = "demo")]
pub struct SoftKey(Mutex<webauthn_authenticator_rs::softtoken::SoftToken>);

#[cfg(feature = "demo")]
impl SoftKey {
    /// A fresh software token.
    pub fn new() -> anyhow::Result<Self> {
        let (token, _) = webauthn_authenticator_rs::softtoken::SoftToken::new(true)
            .map_err(|e| anyhow::anyhow!("cannot create the software key: {e:?}"))?;
        Ok(Self(Mutex::new(token)))
    }
}

#[cfg(feature = "demo")]
impl KeyBackend for SoftKey {
    fn run(&self, origin: Url, ceremony: Ceremony, _pin: Option<String>) -> Result<Answer, ErrorView> {
        let mut token = self.0.lock().unwrap_or_else(|p| p.into_inner());
        run_with(&mut *token, origin, ceremony)
    }
}
