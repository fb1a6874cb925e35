//! The audit trail: one hash-chained record per state change (DESIGN §3.4).
//!
//! Each record's hash covers the previous record's hash and every field of its own, so editing,
//! deleting or reordering a record breaks the chain from that point on. Records are written by
//! `store::audit::append` inside the caller's transaction: a change that does not commit
//! leaves no record, and a record never exists without its change. Records carry ids and
//! action names, never message bodies, names or phone numbers.

use sha2::{Digest, Sha256};

use crate::authz::AuditActor;
use crate::clock::Timestamp;

/// The hash before the first record.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// What happened, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who did it.
    pub actor: AuditActor,
    /// A stable action name, such as `session.login`.
    pub action: &'static str,
    /// What it was done to, such as `conversation:4` (ids only).
    pub target: Option<String>,
    /// Extra facts as `key=value` pairs (ids, counts, outcomes; nothing personal).
    pub detail: Vec<(&'static str, String)>,
}

impl AuditEvent {
    /// An event with no target or detail.
    pub fn new(actor: AuditActor, action: &'static str) -> Self {
        Self { actor, action, target: None, detail: Vec::new() }
    }
    /// Sets the target.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }
    /// Adds a detail.
    pub fn detail(mut self, key: &'static str, value: impl ToString) -> Self {
        self.detail.push((key, value.to_string()));
        self
    }
    /// The detail as stored: `k=v` pairs joined by `;`.
    pub fn detail_text(&self) -> String {
        self.detail.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
    }
}

/// The hash of record `seq`, chained to `prev`. Every field is length-prefixed, so no two
/// different records can hash the same input.
pub fn chain_hash(prev: &[u8; 32], seq: i64, at: Timestamp, event: &AuditEvent) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.as_millis().to_be_bytes());
    for field in [
        event.actor.label().as_str(),
        event.action,
        event.target.as_deref().unwrap_or(""),
        event.detail_text().as_str(),
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_hash() {
        let at = Timestamp::from_millis(1);
        let base = AuditEvent::new(AuditActor::Operator, "user.add").target("user:1").detail("role", "agent");
        let h = chain_hash(&GENESIS, 1, at, &base);
        let variants = [
            chain_hash(&[1u8; 32], 1, at, &base),
            chain_hash(&GENESIS, 2, at, &base),
            chain_hash(&GENESIS, 1, Timestamp::from_millis(2), &base),
            chain_hash(&GENESIS, 1, at, &AuditEvent { action: "user.remove", ..base.clone() }),
            chain_hash(&GENESIS, 1, at, &base.clone().target("user:2")),
            chain_hash(&GENESIS, 1, at, &AuditEvent { actor: AuditActor::Webhook, ..base.clone() }),
        ];
        for v in variants {
            assert_ne!(v, h);
        }
    }
}
