//! What the shell keeps: the core (or why it could not start), the signed-in session, and
//! where security keys are found.

use std::sync::{Arc, Mutex};

use countersign::api::views::ErrorView;
use countersign::auth::session::SessionToken;
use countersign::{Core, Error};

use crate::keys::{KeyBackend, UsbKeys};

/// Shared state of the desktop app.
pub struct AppState {
    core: Result<Core, ErrorView>,
    session: Mutex<Option<Arc<SessionToken>>>,
    keys: Arc<dyn KeyBackend>,
    sso_cancel: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// State over a started core, or the error that kept it from starting.
    pub fn new(core: Result<Core, Error>) -> Self {
        Self::with_keys(core, Arc::new(UsbKeys))
    }

    /// State whose security keys come from `keys`.
    pub fn with_keys(core: Result<Core, Error>, keys: Arc<dyn KeyBackend>) -> Self {
        Self {
            core: core.map_err(|e| ErrorView::from(&e)),
            session: Mutex::new(None),
            keys,
            sso_cancel: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Where security keys are found.
    pub fn keys(&self) -> Arc<dyn KeyBackend> {
        self.keys.clone()
    }

    /// The core, or the start-up error to show.
    pub fn core(&self) -> Result<&Core, ErrorView> {
        self.core.as_ref().map_err(Clone::clone)
    }

    /// The current session, or "sign in again".
    pub fn session(&self) -> Result<Arc<SessionToken>, ErrorView> {
        let guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        guard.clone().ok_or_else(|| ErrorView::from(&Error::Unauthenticated))
    }

    /// Replaces the session (sign-in, user switch).
    pub fn set_session(&self, token: Option<SessionToken>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = token.map(Arc::new);
    }

    /// Removes and returns the session (sign-out).
    pub fn take_session(&self) -> Option<Arc<SessionToken>> {
        self.session.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Resolves when the person cancels the single sign-on being waited for.
    pub fn sso_waiting(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let cancel = self.sso_cancel.clone();
        async move { cancel.notified().await }
    }

    /// Cancels the single sign-on being waited for (a cancel with none waiting does nothing).
    pub fn cancel_sso(&self) {
        self.sso_cancel.notify_waiters();
    }
}
