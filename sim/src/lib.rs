//! `countersign-sim`: a local stand-in for the WhatsApp Cloud API and for customers.
//!
//! It answers like the real Graph API (same paths under `/{version}/{phone-number-id}/…`, same
//! bodies, same error codes) and sends webhooks signed like Meta's, so Countersign's production
//! code paths run unchanged against it in demo mode and tests. It is a test double: nothing in
//! the shipped app depends on it. It does not depend on Countersign's core either, so it
//! cannot accidentally agree with the core's own bugs.

pub mod customers;
mod graph;

pub use customers::{Customer, StatusReport, WebhookTarget};
pub use graph::{accepts, default_templates, Accepted, GraphSim, SimConfig, SimFailure, SimMedia};
