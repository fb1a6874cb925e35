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
    let actor = event.actor.label();
    let detail = event.detail_text();
    fields_hash(prev, seq, at, [actor.as_str(), event.action, event.target.as_deref().unwrap_or(""), &detail])
}

fn fields_hash(prev: &[u8; 32], seq: i64, at: Timestamp, fields: [&str; 4]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.as_millis().to_be_bytes());
    for field in fields {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

/// A record as stored, with its hashes (what verification reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub occurred_at: Timestamp,
    /// Who (`user:12`).
    pub actor: String,
    /// What (`session.login`).
    pub action: String,
    /// On what.
    pub target: Option<String>,
    /// Extra facts, as stored.
    pub detail: String,
    /// The hash of the record before it, as stored.
    pub prev_hash: Vec<u8>,
    /// Its own hash, as stored.
    pub hash: Vec<u8>,
}

/// Where the chain is broken, at the first record that does not follow from the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// Records are missing: `expected` should come next, `found` does (deleted rows).
    Missing {
        /// The position that should come next.
        expected: i64,
        /// The position found instead.
        found: i64,
    },
    /// The record does not name the one before it as its predecessor (moved or replaced).
    Relinked {
        /// Its position.
        seq: i64,
    },
    /// The record's contents do not match its hash (edited, or moved to another position).
    Altered {
        /// Its position.
        seq: i64,
    },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing { expected, found } => write!(
                f,
                "audit event #{expected} is missing (the next one is #{found}): events were deleted"
            ),
            Self::Relinked { seq } => write!(
                f,
                "audit event #{seq} does not follow the one before it: events were removed, moved or replaced"
            ),
            Self::Altered { seq } => write!(
                f,
                "audit event #{seq} was changed after it was written (or moved to another position)"
            ),
        }
    }
}

/// Checks records in order of position, one at a time (a trail of millions is read in pages).
#[derive(Debug, Clone)]
pub struct Verifier {
    next: i64,
    prev: [u8; 32],
}

impl Default for Verifier {
    fn default() -> Self {
        Self { next: 1, prev: GENESIS }
    }
}

impl Verifier {
    /// Checks the next record: its position, its link to the one before and its own hash.
    pub fn check(&mut self, r: &StoredRecord) -> Result<(), Break> {
        if r.seq != self.next {
            return Err(Break::Missing { expected: self.next, found: r.seq });
        }
        if r.prev_hash.as_slice() != self.prev.as_slice() {
            return Err(Break::Relinked { seq: r.seq });
        }
        let fields =
            [r.actor.as_str(), r.action.as_str(), r.target.as_deref().unwrap_or(""), r.detail.as_str()];
        let hash = fields_hash(&self.prev, r.seq, r.occurred_at, fields);
        if r.hash.as_slice() != hash.as_slice() {
            return Err(Break::Altered { seq: r.seq });
        }
        self.prev = hash;
        self.next += 1;
        Ok(())
    }

    /// How many records have been checked.
    pub fn checked(&self) -> i64 {
        self.next - 1
    }
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

    /// A chain of three records as `store::audit` writes them.
    fn chain() -> Vec<StoredRecord> {
        let mut prev = GENESIS;
        (1..=3)
            .map(|seq| {
                let event = AuditEvent::new(AuditActor::Operator, "user.add").target(format!("user:{seq}"));
                let at = Timestamp::from_millis(seq * 10);
                let hash = chain_hash(&prev, seq, at, &event);
                let record = StoredRecord {
                    seq,
                    occurred_at: at,
                    actor: event.actor.label(),
                    action: event.action.to_owned(),
                    target: event.target.clone(),
                    detail: event.detail_text(),
                    prev_hash: prev.to_vec(),
                    hash: hash.to_vec(),
                };
                prev = hash;
                record
            })
            .collect()
    }

    fn verify(records: &[StoredRecord]) -> Result<i64, Break> {
        let mut verifier = Verifier::default();
        records.iter().try_for_each(|r| verifier.check(r))?;
        Ok(verifier.checked())
    }

    #[rstest::rstest]
    #[case::intact(|_: &mut Vec<StoredRecord>| {}, Ok(3))]
    #[case::a_field_edited(|c: &mut Vec<StoredRecord>| c[1].target = Some("user:9".into()), Err(Break::Altered { seq: 2 }))]
    #[case::a_time_edited(|c: &mut Vec<StoredRecord>| c[2].occurred_at = Timestamp::from_millis(1), Err(Break::Altered { seq: 3 }))]
    #[case::a_record_deleted(|c: &mut Vec<StoredRecord>| { c.remove(1); }, Err(Break::Missing { expected: 2, found: 3 }))]
    #[case::the_first_deleted(|c: &mut Vec<StoredRecord>| { c.remove(0); }, Err(Break::Missing { expected: 1, found: 2 }))]
    #[case::deleted_and_renumbered(|c: &mut Vec<StoredRecord>| { c.remove(1); c[1].seq = 2; }, Err(Break::Relinked { seq: 2 }))]
    #[case::two_swapped(|c: &mut Vec<StoredRecord>| { c.swap(1, 2); c[1].seq = 2; c[2].seq = 3; }, Err(Break::Relinked { seq: 2 }))]
    #[case::rehashed_without_the_chain(|c: &mut Vec<StoredRecord>| { c[1].detail = "x=1".into(); c[1].hash = vec![0; 32]; }, Err(Break::Altered { seq: 2 }))]
    fn verification_finds_the_first_break(
        #[case] tamper: fn(&mut Vec<StoredRecord>),
        #[case] expected: Result<i64, Break>,
    ) {
        let mut records = chain();
        tamper(&mut records);
        assert_eq!(verify(&records), expected);
    }
}
