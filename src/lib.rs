//! Countersign: a secure shared inbox for WhatsApp Business. This crate is the core: every
//! decision is made here; the desktop shell, the HTTP server and the CLI are thin front ends
//! over [`api`]. See `../shared/DESIGN.md` for the map and the invariants.

#[deny(missing_docs)]
pub mod api;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod backup;
pub mod channel;
pub mod clock;
pub mod domain;
pub mod error;
pub mod keys;
pub mod logging;
pub mod managed;
pub mod mask;
pub mod routing;
pub mod server;
pub mod store;

pub use api::Core;
pub use error::{Error, Result};
