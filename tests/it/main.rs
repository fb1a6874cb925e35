//! The one integration-test binary (DESIGN §8): stories through `api/` against a real
//! encrypted store in a temp dir and the simulator on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

mod access;
mod access_review;
mod audit;
mod audit_alerts;
mod backup;
mod channel_settings;
mod cli;
mod contact_fields;
mod contact_state;
mod corpus;
mod encryption;
mod escalations;
mod group_commit;
mod identity;
mod import;
mod invariants;
mod key_storage;
mod keys;
mod label_rules;
mod lock;
mod masking;
mod masking_patterns;
mod matrix;
mod media;
mod merge;
mod message_types;
mod mfa;
mod offboard;
mod outbox;
mod policy;
mod privacy;
mod queue;
mod quick_replies;
mod retention;
mod routing;
mod search;
mod sessions;
mod sso;
mod sso_stories;
mod story;
mod support;
mod templates;
mod thread_pages;
mod workflow;
