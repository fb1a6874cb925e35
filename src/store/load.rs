//! Made-up conversations to measure the store with (issues 9 and 12: a chain's store of
//! 100,000 conversations and 2,000,000 messages over 20 teams). Written by SQL alone, in one
//! transaction, so 2,000,000 messages take seconds rather than an hour of webhooks; the
//! search index fills through its triggers as it does for real messages.
//!
//! Only into a store without conversations: made-up customers beside real ones would be a
//! mess no one could tidy. The customers' numbers are in the UK's range reserved for drama
//! (+44 7700 900…), some messages carry a test card number and an e-mail address, so masking
//! works on the load as on real chat.

use super::WriteTx;
use crate::authz::{act, Authorized};
use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// How much to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadSpec {
    /// Teams the conversations are spread over ("Load store 01" …).
    pub teams: u32,
    /// Conversations, one customer each.
    pub conversations: u32,
    /// Messages per conversation.
    pub messages_each: u32,
    /// The newest message's time; older ones a minute apart before it.
    pub until: Timestamp,
}

/// What people write, in turn (some with a test card number or an e-mail address).
const LINES: [&str; 8] = [
    "Hi! Do you have the blue trail runners in size 39?",
    "Yes, we have two pairs left at the store.",
    "Great, can you keep one for me until Saturday?",
    "Of course. Your order number is 4471, see you then.",
    "I paid with my card 4111 1111 1111 1111 but got no receipt",
    "Sorry about that: we sent it again to the address on file.",
    "Please use ana.souza@example.com from now on",
    "Thanks, noted. Anything else we can help with?",
];

impl WriteTx {
    /// Fills an empty store with `spec`'s teams, customers, conversations and messages.
    pub async fn generate_load(
        &mut self,
        _proof: &Authorized<act::GenerateLoad>,
        spec: LoadSpec,
    ) -> Result<()> {
        let existing: i64 =
            sqlx::query_scalar("SELECT count(*) FROM conversations").fetch_one(self.conn()).await?;
        if existing > 0 {
            return Err(Error::Conflict(
                "this store already holds conversations: generate a load only into a new, empty store"
                    .to_owned(),
            ));
        }
        let until = spec.until.as_millis();
        let start = until - i64::from(spec.conversations) * 1000 - i64::from(spec.messages_each) * 60_000;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO teams (name, created_at) SELECT printf('Load store %02d', i), ?2 FROM n",
        )
        .bind(i64::from(spec.teams))
        .bind(start)
        .execute(self.conn())
        .await?;
        let first_team: i64 = sqlx::query_scalar("SELECT id FROM teams WHERE name = 'Load store 01'")
            .fetch_one(self.conn())
            .await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO contacts (wa_id, profile_name, team_id, created_at, updated_at)
             SELECT printf('447700%07d', i), 'Customer ' || i, ?2 + i % ?3, ?4, ?4 FROM n",
        )
        .bind(i64::from(spec.conversations))
        .bind(first_team)
        .bind(i64::from(spec.teams))
        .bind(start)
        .execute(self.conn())
        .await?;
        // The newest conversations last written to; in every team a tenth resolved, a tenth
        // waiting, a few urgent, high or low (counted within the team: the teams take the
        // customers in turn, so counting over all of them would give one team only resolved).
        sqlx::query(
            "INSERT INTO conversations (contact_id, business_phone_number_id, last_message_at, last_inbound_at,
                                        created_at, team_id, status, priority)
             SELECT id, 'load', ?1 + id * 1000, ?1 + id * 1000, ?2, team_id,
                    CASE (id / ?3) % 10 WHEN 0 THEN 'resolved' WHEN 1 THEN 'pending' ELSE 'open' END,
                    CASE (id / ?3) % 50 WHEN 0 THEN 'urgent' WHEN 1 THEN 'high' WHEN 2 THEN 'low' ELSE 'normal' END
             FROM contacts WHERE wa_id LIKE '447700%'",
        )
        .bind(until - i64::from(spec.conversations) * 1000)
        .bind(start)
        .bind(i64::from(spec.teams))
        .execute(self.conn())
        .await?;
        let lines = serde_json::to_string(&LINES).map_err(|e| Error::Internal(e.to_string()))?;
        sqlx::query(
            "WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < ?1)
             INSERT INTO messages (conversation_id, wa_message_id, direction, kind, body, sent_at, stored_at)
             SELECT c.id, printf('wamid.load.%d.%d', c.id, k.j), CASE k.j % 2 WHEN 1 THEN 'inbound' ELSE 'outbound' END,
                    'text', json_extract(?2, printf('$[%d]', (c.id + k.j) % 8)),
                    c.last_message_at - (?1 - k.j) * 60000, c.last_message_at - (?1 - k.j) * 60000
             FROM conversations c, k",
        )
        .bind(i64::from(spec.messages_each))
        .bind(lines)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
