//! The core's one error type (DESIGN §4).
//!
//! `Display` is the safe human message a user may see; it never carries a body, a number, a
//! token or an SQL fragment. The detail (the `#[source]`) goes to `tracing` only. A resource the
//! actor may not see is `NotFound`, never `Forbidden`, so probing ids reveals nothing.

use crate::api::views::ErrorCode;
use crate::keys::KeyError;

/// Everything that can go wrong in a core call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Wrong user name or password (deliberately not saying which).
    #[error("the user name or password is not correct")]
    InvalidCredentials,
    /// No session, or it expired, or it was revoked.
    #[error("your session has ended; please sign in again")]
    Unauthenticated,
    /// Missing, or not visible to this actor.
    #[error("not found")]
    NotFound,
    /// Too many failed sign-ins for this user name or from this place.
    #[error("too many failed sign-in attempts; try again in {minutes} minute(s) or ask an administrator to unlock the account")]
    Throttled {
        /// Minutes until the lock ends.
        minutes: i64,
    },
    /// The allowlist does not include the network the sign-in comes from.
    #[error("sign-in is not allowed from this network; ask an administrator")]
    NetworkNotAllowed,
    /// Saving this needs an explicit confirmation; the text says why.
    #[error("{0}")]
    ConfirmationRequired(String),
    /// The session waits for a second factor.
    #[error("enter the code from your authenticator app (or a recovery code) to continue")]
    SecondFactorRequired,
    /// Policy requires a second factor and the user has none yet.
    #[error("your organisation requires an authenticator app: set one up to continue")]
    SecondFactorEnrolmentRequired,
    /// The session is locked (shared PC); its user must unlock it.
    #[error("this session is locked; unlock it with your password to continue")]
    Locked,
    /// A high-risk action needs a second factor proven in the last few minutes.
    #[error("confirm it is you: enter a code from your authenticator app to continue")]
    StepUpRequired,
    /// A high-risk action needs a second factor and the user has none.
    #[error("this needs a second factor: set up an authenticator app under My account first")]
    StepUpUnavailable,
    /// The user must choose a new password before doing anything else.
    #[error("you must choose a new password before continuing")]
    PasswordChangeRequired,
    /// A single sign-on was refused; the reason is safe to show.
    #[error("{}", .0.message())]
    SsoFailed(crate::domain::sso::SsoRefusal),
    /// Passwords are off: this organisation signs in with single sign-on.
    #[error(
        "this organisation signs in with single sign-on: use the sign-in button of your identity provider"
    )]
    SsoRequired,
    /// Visible but not allowed (only for actions on resources the actor can already see).
    #[error("you do not have permission to do that")]
    Forbidden,
    /// Refused by a guardrail (privilege escalation, the last owner); the text is safe to show.
    #[error("{0}")]
    NotAllowed(String),
    /// The change clashes with the current state (a taken name, a role still in use).
    #[error("{0}")]
    Conflict(String),
    /// The request itself is wrong; the text is safe to show.
    #[error("{0}")]
    Invalid(String),
    /// A webhook whose signature is missing or does not match.
    #[error("the request signature is missing or does not match")]
    BadSignature,
    /// A problem with the data key; the message says how to fix it.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// No store at the data directory.
    #[error("no Countersign data found in {0}; run `countersign init --data-dir {0}` first")]
    NotInitialized(String),
    /// The machine's IT policy cannot be used; the text lists every problem and where.
    #[error("{0}")]
    Policy(String),
    /// `init` on a directory that already holds a store.
    #[error("{0} already holds a Countersign store; refusing to overwrite it")]
    AlreadyInitialized(String),
    /// The WhatsApp channel is not set up yet.
    #[error("WhatsApp is not connected yet; an administrator must run `countersign channel set`")]
    ChannelNotConfigured,
    /// WhatsApp refused or failed a send; the text is safe to show.
    #[error("WhatsApp did not accept the message: {0}")]
    Channel(String),
    /// The database failed. The detail is for the log only.
    #[error("the local data store failed; please try again")]
    Store(#[source] sqlx::Error),
    /// A bug or an environment failure. The detail is for the log only.
    #[error("something went wrong; please try again")]
    Internal(String),
}

impl Error {
    /// The stable code the UI and HTTP clients switch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidCredentials | Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::NotFound => ErrorCode::NotFound,
            Self::Throttled { .. } => ErrorCode::Throttled,
            Self::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            Self::NetworkNotAllowed => ErrorCode::NetworkNotAllowed,
            Self::SecondFactorRequired => ErrorCode::SecondFactorRequired,
            Self::SecondFactorEnrolmentRequired => ErrorCode::SecondFactorEnrolmentRequired,
            Self::ConfirmationRequired(_) => ErrorCode::ConfirmationRequired,
            Self::Locked => ErrorCode::Locked,
            Self::StepUpRequired => ErrorCode::StepUpRequired,
            Self::StepUpUnavailable => ErrorCode::StepUpUnavailable,
            Self::SsoFailed(_) => ErrorCode::SsoFailed,
            Self::SsoRequired => ErrorCode::SsoRequired,
            Self::Forbidden | Self::NotAllowed(_) => ErrorCode::Forbidden,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Invalid(_) => ErrorCode::Invalid,
            Self::BadSignature => ErrorCode::BadSignature,
            Self::Key(_) | Self::NotInitialized(_) | Self::AlreadyInitialized(_) | Self::Policy(_) => {
                ErrorCode::Setup
            }
            Self::ChannelNotConfigured | Self::Channel(_) => ErrorCode::Channel,
            Self::Store(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<crate::managed::PolicyError> for Error {
    fn from(e: crate::managed::PolicyError) -> Self {
        Self::Policy(e.to_string())
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e)
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
