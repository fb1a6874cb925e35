//! The audit trail: one hash-chained record per state change (DESIGN §3.4).
//!
//! Each record's hash covers the previous record's hash and every field of its own, so editing,
//! deleting or reordering a record breaks the chain from that point on. Records are written by
//! `store::audit::append` inside the caller's transaction: a change that does not commit
//! leaves no record, and a record never exists without its change. Records carry ids and
//! action names, never message bodies, names or phone numbers.

pub mod alerts;
pub mod catalog;
pub mod usage;

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::authz::AuditActor;
use crate::clock::Timestamp;

pub use catalog::{Kind, Outcome, Risk};

/// The hash before the first record.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// A checkpoint is signed after every this many events...
pub const CHECKPOINT_EVERY: i64 = 100;

/// ...and at the first event once the last checkpoint is this many minutes old.
pub const CHECKPOINT_MINUTES: i64 = 15;

/// A signed statement that event `seq` had `hash` (and so, through the chain, every event
/// before it had what it has now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The event it covers, and every one before.
    pub seq: i64,
    /// That event's hash.
    pub hash: [u8; 32],
    /// When it was signed.
    pub signed_at: Timestamp,
    /// Ed25519 over [`Checkpoint::message`].
    pub signature: [u8; 64],
}

impl Checkpoint {
    fn message(seq: i64, hash: &[u8; 32], signed_at: Timestamp) -> Vec<u8> {
        let mut m = b"countersign audit checkpoint v1\0".to_vec();
        m.extend_from_slice(&seq.to_be_bytes());
        m.extend_from_slice(hash);
        m.extend_from_slice(&signed_at.as_millis().to_be_bytes());
        m
    }

    /// Whether `key` signed it.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        let message = Self::message(self.seq, &self.hash, self.signed_at);
        key.verify(&message, &Signature::from_bytes(&self.signature)).is_ok()
    }
}

/// The installation's checkpoint signer (its key derived from the data key).
pub struct AuditSigner(SigningKey);

impl std::fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditSigner(..)")
    }
}

impl AuditSigner {
    /// The signer with this 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// Signs that event `seq` has `hash`.
    pub fn checkpoint(&self, seq: i64, hash: [u8; 32], signed_at: Timestamp) -> Checkpoint {
        let signature = self.0.sign(&Checkpoint::message(seq, &hash, signed_at)).to_bytes();
        Checkpoint { seq, hash, signed_at, signature }
    }

    /// The public half, to check checkpoints (also kept outside the machine with them).
    pub fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }
}

/// What happened, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who did it.
    pub actor: AuditActor,
    /// What happened (its name, risk and outcome come from the catalog).
    pub action: Kind,
    /// What it was done to, such as `conversation:4` (ids only).
    pub target: Option<String>,
    /// Extra facts as `key=value` pairs (ids, counts, outcomes; nothing personal).
    pub detail: Vec<(&'static str, String)>,
    /// Where it came from (an IP address, or `this PC`) when the actor's session does not
    /// say: a sign-in attempt. Otherwise the writer takes it from the session.
    pub origin: Option<String>,
    /// The device it came from, likewise.
    pub device: Option<String>,
}

impl AuditEvent {
    /// An event with no target or detail.
    pub fn new(actor: AuditActor, action: Kind) -> Self {
        Self { actor, action, target: None, detail: Vec::new(), origin: None, device: None }
    }
    /// Sets where it came from (for events with no session behind them).
    pub fn from(mut self, origin: impl Into<String>, device: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self.device = Some(device.into());
        self
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

fn digest(field: &str) -> [u8; 32] {
    Sha256::digest(field.as_bytes()).into()
}

fn fields_hash(prev: &[u8; 32], seq: i64, at: Timestamp, fields: &[&str]) -> [u8; 32] {
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

/// One audit record as stored (for verification and export).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
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
    /// `success`, `failure` or `denied` (none on events written before risk was recorded).
    pub outcome: Option<String>,
    /// `low`, `medium` or `high` (likewise).
    pub risk: Option<String>,
    /// The IP address or `this PC` it came from, when known.
    pub origin: Option<String>,
    /// The device it came from, when known.
    pub device: Option<String>,
    /// How its fields are committed to in its hash: `None` for records written before
    /// [`FORMAT_ERASABLE`] (each field's bytes), `Some(3)` from then on (each field's SHA-256,
    /// so a privacy erasure can blank a field and keep its digest, the chain intact).
    pub format: Option<i64>,
    /// For a record a privacy erasure blanked: the digests its target and detail had, as
    /// `target=<hex>;detail=<hex>`. Its target is then `erased:<pseudonym>` and its detail
    /// `erased=<pseudonym>`, and a later `privacy.erased` record names the pseudonym.
    pub erased: Option<String>,
}

/// The format whose fields are committed to by digest, so they can be erased.
pub const FORMAT_ERASABLE: i64 = 3;

/// The key under which a `privacy.erased` record names the pseudonym of what it erased.
pub const ERASED_AS: &str = "pseudonym";

impl AuditRecord {
    /// The record `event` becomes at position `seq`, written at `at` from `origin` and
    /// `device` (the event's own, or its session's).
    pub fn of(
        event: &AuditEvent,
        seq: i64,
        at: Timestamp,
        origin: Option<String>,
        device: Option<String>,
    ) -> Self {
        Self {
            seq,
            occurred_at: at,
            actor: event.actor.label(),
            action: event.action.name().to_owned(),
            target: event.target.clone(),
            detail: event.detail_text(),
            outcome: Some(event.action.outcome().as_str().to_owned()),
            risk: Some(event.action.risk().as_str().to_owned()),
            origin,
            device,
            format: Some(FORMAT_ERASABLE),
            erased: None,
        }
    }

    /// The pseudonym this record was erased under, if an erasure blanked it.
    pub fn erased_as(&self) -> Option<&str> {
        self.erased.as_ref()?;
        self.target.as_deref().and_then(|t| t.strip_prefix("erased:"))
    }

    /// The record with its target and detail blanked under `pseudonym`, their digests kept:
    /// its hash is unchanged. `None` for a record of an older format, which cannot be erased
    /// without breaking the chain.
    pub fn erase(&self, pseudonym: &str) -> Option<Self> {
        if self.format != Some(FORMAT_ERASABLE) || self.erased.is_some() {
            return None;
        }
        let target = self.target.as_deref().unwrap_or("");
        let digests =
            format!("target={};detail={}", hex::encode(digest(target)), hex::encode(digest(&self.detail)));
        Some(Self {
            target: Some(format!("erased:{pseudonym}")),
            detail: format!("erased={pseudonym}"),
            erased: Some(digests),
            ..self.clone()
        })
    }

    /// The digests of target and detail an erasure kept, if they are well formed.
    fn erased_digests(&self) -> Option<([u8; 32], [u8; 32])> {
        let text = self.erased.as_deref()?;
        let read =
            |key: &str| -> Option<[u8; 32]> { hex::decode(detail_value(text, key)?).ok()?.try_into().ok() };
        Some((read("target")?, read("detail")?))
    }

    /// Whether the record is blanked as an erasure blanks one: both stubs name the same
    /// pseudonym and the digests are there.
    fn erasure_well_formed(&self) -> bool {
        self.erased_as().is_some_and(|p| self.detail == format!("erased={p}") && !p.is_empty())
            && self.erased_digests().is_some()
    }

    /// Its hash chained to `prev`, from its fields as stored (what it was when written, unless
    /// something changed). Every field is length-prefixed, so no two different records hash
    /// the same input. Records from before risk was recorded hash their first four fields;
    /// every later one hashes all eight, so stripping the new fields breaks the hash too.
    pub fn hash_after(&self, prev: &[u8; 32]) -> [u8; 32] {
        let opt = |v: &Option<String>| v.as_deref().unwrap_or("").to_owned();
        let (target, outcome, origin, device) =
            (opt(&self.target), opt(&self.outcome), opt(&self.origin), opt(&self.device));
        if self.format == Some(FORMAT_ERASABLE) {
            // An erased record commits to the digests it kept; anything else to its fields.
            let (target, detail) = match self.erased.as_ref() {
                Some(_) => self.erased_digests().unwrap_or(([0; 32], [0; 32])),
                None => (digest(&target), digest(&self.detail)),
            };
            let mut h = Sha256::new();
            h.update(prev);
            h.update(self.seq.to_be_bytes());
            h.update(self.occurred_at.as_millis().to_be_bytes());
            h.update(b"format 3");
            for field in [&self.actor, &self.action]
                .map(|f| digest(f))
                .into_iter()
                .chain([target, detail])
                .chain([&outcome, &opt(&self.risk), &origin, &device].map(|f| digest(f)))
            {
                h.update(field);
            }
            return h.finalize().into();
        }
        let mut fields =
            vec![self.actor.as_str(), self.action.as_str(), target.as_str(), self.detail.as_str()];
        if let Some(risk) = &self.risk {
            fields.extend([outcome.as_str(), risk.as_str(), origin.as_str(), device.as_str()]);
        }
        fields_hash(prev, self.seq, self.occurred_at, &fields)
    }
}

/// A record with its hashes as stored (what verification reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The record.
    pub record: AuditRecord,
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
    /// A checkpoint is not signed by this installation's key (forged or edited).
    Unsigned {
        /// The event it claims to cover.
        seq: i64,
    },
    /// The chain no longer agrees with a signed checkpoint (rewritten from there back).
    Contradicts {
        /// The event the checkpoint covers.
        seq: i64,
    },
    /// A record is blanked as by a privacy erasure, but not as one blanks it, or no
    /// `privacy.erased` record after it names its pseudonym (a record hidden by hand).
    UnexplainedErasure {
        /// Its position.
        seq: i64,
    },
    /// A signed checkpoint covers events that are gone (the end of the trail was cut off).
    Truncated {
        /// The event the checkpoint covers.
        checkpoint: i64,
        /// The last event left.
        last: i64,
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
            Self::Unsigned { seq } => {
                write!(f, "the checkpoint at audit event #{seq} is not signed by this installation's key")
            }
            Self::Contradicts { seq } => write!(
                f,
                "the trail does not match the signed checkpoint at audit event #{seq}: events up to it were rewritten"
            ),
            Self::UnexplainedErasure { seq } => write!(
                f,
                "audit event #{seq} was blanked, but no privacy erasure recorded after it explains it"
            ),
            Self::Truncated { checkpoint, last } => write!(
                f,
                "a signed checkpoint covers audit event #{checkpoint}, but the trail ends at #{last}: events were cut off the end"
            ),
        }
    }
}

/// Checks records in order of position, one at a time (a trail of millions is read in pages).
#[derive(Debug, Clone)]
pub struct Verifier {
    next: i64,
    /// The first position checked (1, or the first left after a purge).
    first: i64,
    prev: [u8; 32],
    checkpoints: BTreeMap<i64, [u8; 32]>,
    /// The last purged position, until the `audit.purged` record naming it has been checked.
    unexplained_purge: Option<i64>,
    /// Erased records by pseudonym (the first position), until the `privacy.erased` record
    /// naming it has been checked.
    unexplained_erasures: BTreeMap<String, i64>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            next: 1,
            first: 1,
            prev: GENESIS,
            checkpoints: BTreeMap::new(),
            unexplained_purge: None,
            unexplained_erasures: BTreeMap::new(),
        }
    }
}

/// The key under which an `audit.purged` record names the last position it purged.
pub const PURGED_THROUGH: &str = "through";

/// The value of `key` in a record's stored detail (`k=v` pairs joined by `;`).
pub fn detail_value<'a>(detail: &'a str, key: &str) -> Option<&'a str> {
    detail.split(';').find_map(|pair| pair.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
}

impl Verifier {
    /// A verifier that also holds the chain to `checkpoints`, each of which `key` must have
    /// signed (from the store, or a copy kept outside the machine).
    pub fn with_checkpoints(checkpoints: &[Checkpoint], key: &VerifyingKey) -> Result<Self, Break> {
        let mut verifier = Self::default();
        for c in checkpoints {
            if !c.signed_by(key) {
                return Err(Break::Unsigned { seq: c.seq });
            }
            verifier.checkpoints.insert(c.seq, c.hash);
        }
        Ok(verifier)
    }

    /// Starts at `first`, the oldest record left after retention purged the ones before it.
    /// Those are accounted for only by a signed checkpoint at `first - 1`, which the chain
    /// must continue from, and by a later `audit.purged` record that names that position: a
    /// gap at the start without both is deleted events, not a purge.
    pub fn start_at(&mut self, first: i64) -> Result<(), Break> {
        if first <= self.next {
            return Ok(());
        }
        let through = first - 1;
        let Some(hash) = self.checkpoints.get(&through) else {
            return Err(Break::Missing { expected: self.next, found: first });
        };
        self.next = first;
        self.first = first;
        self.prev = *hash;
        self.unexplained_purge = Some(through);
        Ok(())
    }

    /// After the last record: every checkpoint must have been reached, and a purge at the
    /// start explained by its record.
    pub fn finish(&self) -> Result<i64, Break> {
        if let Some(through) = self.unexplained_purge {
            return Err(Break::Missing { expected: 1, found: through + 1 });
        }
        if let Some(&seq) = self.unexplained_erasures.values().min() {
            return Err(Break::UnexplainedErasure { seq });
        }
        match self.checkpoints.keys().next_back() {
            Some(&checkpoint) if checkpoint > self.next - 1 => {
                Err(Break::Truncated { checkpoint, last: self.next - 1 })
            }
            _ => Ok(self.checked()),
        }
    }

    /// Checks the next record: its position, its link to the one before and its own hash.
    pub fn check(&mut self, stored: &StoredRecord) -> Result<(), Break> {
        let r = &stored.record;
        if r.seq != self.next {
            return Err(Break::Missing { expected: self.next, found: r.seq });
        }
        if stored.prev_hash.as_slice() != self.prev.as_slice() {
            return Err(Break::Relinked { seq: r.seq });
        }
        let hash = r.hash_after(&self.prev);
        if stored.hash.as_slice() != hash.as_slice() {
            return Err(Break::Altered { seq: r.seq });
        }
        if self.checkpoints.get(&r.seq).is_some_and(|signed| *signed != hash) {
            return Err(Break::Contradicts { seq: r.seq });
        }
        if r.erased.is_some() {
            match r.erased_as() {
                Some(pseudonym) if r.erasure_well_formed() => {
                    self.unexplained_erasures.entry(pseudonym.to_owned()).or_insert(r.seq);
                }
                _ => return Err(Break::UnexplainedErasure { seq: r.seq }),
            }
        }
        if r.action == Kind::PrivacyErased.name() && r.erased.is_none() {
            if let Some(pseudonym) = detail_value(&r.detail, ERASED_AS) {
                self.unexplained_erasures.remove(pseudonym);
            }
        }
        if self.unexplained_purge.is_some_and(|through| {
            r.action == Kind::AuditPurged.name()
                && detail_value(&r.detail, PURGED_THROUGH) == Some(through.to_string().as_str())
        }) {
            self.unexplained_purge = None;
        }
        self.prev = hash;
        self.next += 1;
        Ok(())
    }

    /// How many records have been checked.
    pub fn checked(&self) -> i64 {
        self.next - self.first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64) -> AuditRecord {
        let event = AuditEvent::new(AuditActor::Operator, Kind::UserAdd).target(format!("user:{seq}"));
        AuditRecord::of(
            &event,
            seq,
            Timestamp::from_millis(seq * 10),
            Some("this PC".into()),
            Some("CLI".into()),
        )
    }

    #[rstest::rstest]
    #[case::seq(|r: &mut AuditRecord| r.seq = 2)]
    #[case::time(|r: &mut AuditRecord| r.occurred_at = Timestamp::from_millis(2))]
    #[case::actor(|r: &mut AuditRecord| r.actor = "system:webhook".into())]
    #[case::action(|r: &mut AuditRecord| r.action = "user.disable".into())]
    #[case::target(|r: &mut AuditRecord| r.target = Some("user:2".into()))]
    #[case::target_dropped(|r: &mut AuditRecord| r.target = None)]
    #[case::detail(|r: &mut AuditRecord| r.detail = "role=owner".into())]
    #[case::outcome(|r: &mut AuditRecord| r.outcome = Some("denied".into()))]
    #[case::risk(|r: &mut AuditRecord| r.risk = Some("low".into()))]
    #[case::risk_stripped(|r: &mut AuditRecord| { r.risk = None; r.outcome = None; r.origin = None; r.device = None; })]
    #[case::origin(|r: &mut AuditRecord| r.origin = Some("10.0.0.9".into()))]
    #[case::device(|r: &mut AuditRecord| r.device = None)]
    #[case::format_downgraded(|r: &mut AuditRecord| r.format = None)]
    #[case::marked_erased_without_digests(|r: &mut AuditRecord| r.erased = Some("target=00;detail=00".into()))]
    fn every_field_changes_the_hash(#[case] edit: fn(&mut AuditRecord)) {
        let original = record(1);
        let mut edited = original.clone();
        edit(&mut edited);
        assert_ne!(edited.hash_after(&GENESIS), original.hash_after(&GENESIS));
        assert_ne!(original.hash_after(&[1u8; 32]), original.hash_after(&GENESIS), "the link is hashed too");
    }

    /// A chain of three records as `store::audit` writes them.
    fn chain() -> Vec<StoredRecord> {
        linked((1..=3).map(record).collect())
    }

    fn linked(records: Vec<AuditRecord>) -> Vec<StoredRecord> {
        let mut prev = GENESIS;
        records
            .into_iter()
            .map(|record| {
                let hash = record.hash_after(&prev);
                let stored = StoredRecord { record, prev_hash: prev.to_vec(), hash: hash.to_vec() };
                prev = hash;
                stored
            })
            .collect()
    }

    fn verify(records: &[StoredRecord]) -> Result<i64, Break> {
        let mut verifier = Verifier::default();
        records.iter().try_for_each(|r| verifier.check(r))?;
        verifier.finish()
    }

    fn signer() -> AuditSigner {
        AuditSigner::from_seed(&[7u8; 32])
    }

    /// The chain checked against a checkpoint signed at event 3.
    fn verify_signed(
        records: &[StoredRecord],
        checkpoint: &Checkpoint,
        key: &VerifyingKey,
    ) -> Result<i64, Break> {
        let mut verifier = Verifier::with_checkpoints(std::slice::from_ref(checkpoint), key)?;
        records.iter().try_for_each(|r| verifier.check(r))?;
        verifier.finish()
    }

    fn checkpoint_at_3(records: &[StoredRecord]) -> Checkpoint {
        let hash: [u8; 32] = records[2].hash.clone().try_into().unwrap();
        signer().checkpoint(3, hash, Timestamp::from_millis(40))
    }

    #[test]
    fn a_signed_checkpoint_catches_a_cut_off_end_and_a_rewritten_chain() {
        let records = chain();
        let checkpoint = checkpoint_at_3(&records);
        let key = signer().verifying_key();
        assert_eq!(verify_signed(&records, &checkpoint, &key), Ok(3));
        // The last event deleted: the chain alone looks whole, the checkpoint says otherwise.
        assert_eq!(verify(&records[..2]), Ok(2));
        assert_eq!(
            verify_signed(&records[..2], &checkpoint, &key),
            Err(Break::Truncated { checkpoint: 3, last: 2 })
        );
        // The whole chain rebuilt with an edit (as someone holding the store could).
        let mut rebuilt = records.clone();
        rebuilt[0].record.target = Some("user:9".into());
        let mut prev = GENESIS;
        for r in &mut rebuilt {
            r.prev_hash = prev.to_vec();
            prev = r.record.hash_after(&prev);
            r.hash = prev.to_vec();
        }
        assert_eq!(verify(&rebuilt), Ok(3), "a rebuilt chain is consistent in itself");
        assert_eq!(verify_signed(&rebuilt, &checkpoint, &key), Err(Break::Contradicts { seq: 3 }));
        // A checkpoint edited, or signed by another key, is refused.
        let mut forged = checkpoint.clone();
        forged.hash = rebuilt[2].hash.clone().try_into().unwrap();
        assert_eq!(verify_signed(&rebuilt, &forged, &key), Err(Break::Unsigned { seq: 3 }));
        let other = AuditSigner::from_seed(&[8u8; 32]).verifying_key();
        assert_eq!(verify_signed(&records, &checkpoint, &other), Err(Break::Unsigned { seq: 3 }));
    }

    #[rstest::rstest]
    #[case::intact(|_: &mut Vec<StoredRecord>| {}, Ok(3))]
    #[case::a_field_edited(|c: &mut Vec<StoredRecord>| c[1].record.target = Some("user:9".into()), Err(Break::Altered { seq: 2 }))]
    #[case::a_time_edited(|c: &mut Vec<StoredRecord>| c[2].record.occurred_at = Timestamp::from_millis(1), Err(Break::Altered { seq: 3 }))]
    #[case::a_record_deleted(|c: &mut Vec<StoredRecord>| { c.remove(1); }, Err(Break::Missing { expected: 2, found: 3 }))]
    #[case::the_first_deleted(|c: &mut Vec<StoredRecord>| { c.remove(0); }, Err(Break::Missing { expected: 1, found: 2 }))]
    #[case::deleted_and_renumbered(|c: &mut Vec<StoredRecord>| { c.remove(1); c[1].record.seq = 2; }, Err(Break::Relinked { seq: 2 }))]
    #[case::two_swapped(|c: &mut Vec<StoredRecord>| { c.swap(1, 2); c[1].record.seq = 2; c[2].record.seq = 3; }, Err(Break::Relinked { seq: 2 }))]
    #[case::rehashed_without_the_chain(|c: &mut Vec<StoredRecord>| { c[1].record.detail = "x=1".into(); c[1].hash = vec![0; 32]; }, Err(Break::Altered { seq: 2 }))]
    fn verification_finds_the_first_break(
        #[case] tamper: fn(&mut Vec<StoredRecord>),
        #[case] expected: Result<i64, Break>,
    ) {
        let mut records = chain();
        tamper(&mut records);
        assert_eq!(verify(&records), expected);
    }

    /// Four records, the second about contact 12 with a reason typed in, the fourth the
    /// erasure of contact 12 under pseudonym `p`, with records 2 (and `also`) blanked.
    fn erased_trail(named: &str, also: &[usize]) -> Vec<StoredRecord> {
        let mut records: Vec<AuditRecord> = (1..=3).map(record).collect();
        records[1].target = Some("contact:12".into());
        records[1].detail = "reason=Ana Souza asked for her card".into();
        let erased = AuditEvent::new(AuditActor::Operator, Kind::PrivacyErased)
            .target("erased:p")
            .detail(ERASED_AS, named);
        records.push(AuditRecord::of(&erased, 4, Timestamp::from_millis(40), None, None));
        let mut stored = linked(records);
        for &i in [1].iter().chain(also) {
            stored[i].record = stored[i].record.erase("p").unwrap();
        }
        stored
    }

    #[rstest::rstest]
    #[case::explained(erased_trail("p", &[]), Ok(4))]
    #[case::another_blanked_by_the_same_erasure(erased_trail("p", &[2]), Ok(4))]
    #[case::no_erasure_names_it(erased_trail("q", &[]), Err(Break::UnexplainedErasure { seq: 2 }))]
    #[case::cut_before_the_erasure(erased_trail("p", &[])[..3].to_vec(), Err(Break::UnexplainedErasure { seq: 2 }))]
    #[case::the_stub_rewritten(
        { let mut t = erased_trail("p", &[]); t[1].record.detail = "erased=p;note=x".into(); t },
        Err(Break::UnexplainedErasure { seq: 2 })
    )]
    #[case::the_digest_swapped(
        { let mut t = erased_trail("p", &[]); t[1].record.erased = Some(format!("target={0};detail={0}", "00".repeat(32))); t },
        Err(Break::Altered { seq: 2 })
    )]
    fn an_erasure_keeps_the_chain_and_must_be_explained(
        #[case] records: Vec<StoredRecord>,
        #[case] expected: Result<i64, Break>,
    ) {
        assert_eq!(verify(&records), expected);
    }

    #[test]
    fn erasing_blanks_target_and_detail_and_keeps_the_hash() {
        let mut original = record(1);
        original.detail = "reason=customer Ana asked".into();
        let erased = original.erase("7f3a").unwrap();
        assert_eq!(erased.hash_after(&GENESIS), original.hash_after(&GENESIS));
        assert_eq!((erased.target.as_deref(), erased.detail.as_str()), (Some("erased:7f3a"), "erased=7f3a"));
        assert!(!format!("{erased:?}").contains("Ana"));
        assert!(erased.erase("other").is_none(), "erased once");
        let legacy = AuditRecord { format: None, ..original };
        assert!(
            legacy.erase("7f3a").is_none(),
            "an older record cannot be blanked without breaking the chain"
        );
    }

    /// Five records, the fifth the purge of the first `through`... as retention writes it.
    fn purged_trail(through: i64, named: &str) -> (Vec<StoredRecord>, Checkpoint) {
        let mut records: Vec<AuditRecord> = (1..=4).map(record).collect();
        let purge = AuditEvent::new(AuditActor::System, Kind::AuditPurged).detail(PURGED_THROUGH, named);
        records.push(AuditRecord::of(&purge, 5, Timestamp::from_millis(50), None, None));
        let mut trail = linked(records);
        let hash: [u8; 32] = trail[through as usize - 1].hash.clone().try_into().unwrap();
        let checkpoint = signer().checkpoint(through, hash, Timestamp::from_millis(through * 10));
        trail.drain(..through as usize);
        (trail, checkpoint)
    }

    fn verify_from(records: &[StoredRecord], checkpoints: &[Checkpoint]) -> Result<i64, Break> {
        let mut verifier = Verifier::with_checkpoints(checkpoints, &signer().verifying_key())?;
        verifier.start_at(records[0].record.seq)?;
        records.iter().try_for_each(|r| verifier.check(r))?;
        verifier.finish()
    }

    #[test]
    fn a_purge_is_accounted_for_by_its_checkpoint_and_its_record() {
        let (trail, checkpoint) = purged_trail(2, "2");
        assert_eq!(verify_from(&trail, std::slice::from_ref(&checkpoint)), Ok(3), "the three left");
        // Without the checkpoint, or with a purge record naming another position, the gap is
        // deleted events.
        assert_eq!(verify_from(&trail, &[]), Err(Break::Missing { expected: 1, found: 3 }));
        let (other, checkpoint) = purged_trail(2, "1");
        assert_eq!(
            verify_from(&other, std::slice::from_ref(&checkpoint)),
            Err(Break::Missing { expected: 1, found: 3 })
        );
        // One more event deleted after the purged ones: the checkpoint no longer joins on.
        let (mut trail, _) = purged_trail(2, "2");
        trail.remove(0);
        let (_, checkpoint) = purged_trail(2, "2");
        assert_eq!(
            verify_from(&trail, std::slice::from_ref(&checkpoint)),
            Err(Break::Missing { expected: 1, found: 4 })
        );
        // The first event left edited, or the purge record removed from the end.
        let (mut trail, checkpoint) = purged_trail(2, "2");
        trail[0].record.detail = "x=1".into();
        assert_eq!(verify_from(&trail, std::slice::from_ref(&checkpoint)), Err(Break::Altered { seq: 3 }));
        let (mut trail, checkpoint) = purged_trail(2, "2");
        trail.pop();
        assert_eq!(
            verify_from(&trail, std::slice::from_ref(&checkpoint)),
            Err(Break::Missing { expected: 1, found: 3 })
        );
    }

    #[rstest::rstest]
    #[case("through=12;events=40", "through", Some("12"))]
    #[case("events=40;through=12", "through", Some("12"))]
    #[case("throughput=1", "through", None)]
    #[case("", "through", None)]
    fn detail_values_are_found_by_their_whole_key(
        #[case] detail: &str,
        #[case] key: &str,
        #[case] value: Option<&str>,
    ) {
        assert_eq!(detail_value(detail, key), value);
    }
}
