//! Filling a new store with made-up conversations to measure it (IT at the machine:
//! `countersign bench generate`; issues 9 and 12). Only the operator may, only into a store
//! without conversations (the store refuses otherwise), and it is audited with the sizes.

use crate::audit::{AuditEvent, Kind};
use crate::authz::{act, Actor};

use super::Core;
use crate::error::{Error, Result};
use crate::store::load::LoadSpec;

/// The most conversations and messages each a load may make.
const MAX_CONVERSATIONS: u32 = 2_000_000;
const MAX_MESSAGES_EACH: u32 = 1_000;

impl Core {
    /// Makes `teams` teams, `conversations` customers with a conversation each, and
    /// `messages_each` messages in each, the newest now.
    pub async fn operator_generate_load(
        &self,
        teams: u32,
        conversations: u32,
        messages_each: u32,
    ) -> Result<()> {
        if !(1..=100).contains(&teams)
            || !(1..=MAX_CONVERSATIONS).contains(&conversations)
            || messages_each > MAX_MESSAGES_EACH
        {
            return Err(Error::Invalid(format!(
                "a load has 1 to 100 teams, 1 to {MAX_CONVERSATIONS} conversations and 0 to {MAX_MESSAGES_EACH} messages in each"
            )));
        }
        let proof = self.allow::<act::GenerateLoad>(&Actor::Operator, ()).await?;
        let now = self.clock.now();
        let spec = LoadSpec { teams, conversations, messages_each, until: now };
        let mut tx = self.store.write().await?;
        tx.generate_load(&proof, spec).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::LoadGenerated)
            .detail("teams", teams)
            .detail("conversations", conversations)
            .detail("messages_each", messages_each);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(teams, conversations, messages_each, "load generated");
        Ok(())
    }
}
