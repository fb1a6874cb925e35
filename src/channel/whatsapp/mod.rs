//! The WhatsApp Cloud API (Graph API): webhook signatures, webhook parsing, and the client
//! that sends messages. The Graph base URL is a setting, so the same code talks to Meta in
//! production and to `countersign-sim` in demo mode and tests.

pub mod client;
pub mod media;
pub mod signature;
pub mod webhook;

/// The Graph API version Countersign speaks unless configured otherwise.
pub const DEFAULT_GRAPH_API_VERSION: &str = "v23.0";
