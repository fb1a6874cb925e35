//! Quick replies (issue 8 point 6): saved answers for a team, or for everyone, with
//! placeholders filled in for the conversation they are used in. Those who manage them
//! (`quick_replies.manage`) write them for the teams their conversations permission reaches:
//! every team (and everyone's) with scope `all`, otherwise only their own teams'.

use serde::Deserialize;

use super::views::QuickReplyView;
use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::{act, Permission, Scope};
use crate::domain::{ConversationId, TeamId};
use crate::error::{Error, Result};

/// The placeholders a quick reply may hold.
pub const PLACEHOLDERS: [&str; 3] = ["customer_name", "agent_name", "team_name"];

/// A quick reply to keep.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct QuickReplyRequest {
    /// The one to change, or none for a new one.
    #[serde(default)]
    pub id: Option<i64>,
    /// The team it is for; none: everyone.
    #[serde(default)]
    pub team: Option<i64>,
    /// What staff pick it by: 1-30 lower-case letters, digits and dashes (`opening-hours`).
    pub shortcut: String,
    /// The text (1-4096 characters); `{{customer_name}}`, `{{agent_name}}` and
    /// `{{team_name}}` are filled in.
    pub body: String,
}

/// Checks a quick reply's text: only known placeholders, within WhatsApp's length.
pub fn check_body(body: &str) -> Result<()> {
    if body.trim().is_empty() || body.chars().count() > crate::api::inbox::MAX_TEXT_CHARS {
        return Err(Error::Invalid("a quick reply is between 1 and 4096 characters".to_owned()));
    }
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(Error::Invalid("a placeholder is closed with }}".to_owned()));
        };
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(Error::Invalid(format!(
                "{{{{{name}}}}} is not a placeholder: use {{{{customer_name}}}}, {{{{agent_name}}}} or {{{{team_name}}}}"
            )));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

/// `body` with its placeholders filled.
pub fn fill(body: &str, customer: &str, agent: &str, team: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push_str(match after[..end].trim() {
                    "customer_name" => customer,
                    "agent_name" => agent,
                    "team_name" => team,
                    _ => "",
                });
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn check_shortcut(shortcut: &str) -> Result<String> {
    let s = shortcut.trim().trim_start_matches('/').to_owned();
    let ok = (1..=30).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(s)
    } else {
        Err(Error::Invalid(
            "a shortcut is 1 to 30 lower-case letters, digits and dashes (opening-hours)".to_owned(),
        ))
    }
}

impl Core {
    /// The quick replies the actor may manage.
    pub async fn quick_replies(&self, token: &SessionToken) -> Result<Vec<QuickReplyView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageQuickReplies>(&r.actor, ()).await?;
        let reach = self.reply_reach(&r);
        let all = self.store.quick_replies(&proof).await?;
        Ok(all
            .iter()
            .filter(|q| reach.admits(q.team.as_ref().map(|t| t.0)))
            .map(|q| QuickReplyView::build(q, None))
            .collect())
    }

    /// Saves a quick reply (audited).
    pub async fn save_quick_reply(
        &self,
        token: &SessionToken,
        request: QuickReplyRequest,
    ) -> Result<Vec<QuickReplyView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageQuickReplies>(&r.actor, ()).await?;
        let shortcut = check_shortcut(&request.shortcut)?;
        check_body(&request.body)?;
        let team = request.team.map(TeamId::new);
        if let Some(team) = team {
            self.team_exists(team).await?;
        }
        let reach = self.reply_reach(&r);
        if !reach.admits(team) {
            return Err(Error::Forbidden);
        }
        if let Some(id) = request.id {
            let before = self.store.find_quick_reply(id).await?.ok_or(Error::NotFound)?;
            if !reach.admits(before.team.as_ref().map(|t| t.0)) {
                return Err(Error::NotFound);
            }
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let id = tx
            .save_quick_reply(
                &proof,
                &crate::store::quick_replies::SavedReply {
                    id: request.id,
                    team,
                    shortcut: &shortcut,
                    body: request.body.trim(),
                },
                r.user.id,
                now,
            )
            .await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::QuickReplySaved)
            .target(format!("quick_reply:{id}"))
            .detail("shortcut", &shortcut)
            .detail("team", team.map_or_else(|| "everyone".to_owned(), |t| format!("team:{}", t.get())));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.quick_replies(token).await
    }

    /// Deletes a quick reply (audited).
    pub async fn delete_quick_reply(&self, token: &SessionToken, id: i64) -> Result<Vec<QuickReplyView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageQuickReplies>(&r.actor, ()).await?;
        let found = self.store.find_quick_reply(id).await?.ok_or(Error::NotFound)?;
        if !self.reply_reach(&r).admits(found.team.as_ref().map(|t| t.0)) {
            return Err(Error::NotFound);
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.delete_quick_reply(&proof, id).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::QuickReplyDeleted)
            .target(format!("quick_reply:{id}"))
            .detail("shortcut", &found.shortcut);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.quick_replies(token).await
    }

    /// The quick replies offered in a conversation (to those who may reply there), filled in.
    pub async fn conversation_quick_replies(
        &self,
        token: &SessionToken,
        id: ConversationId,
    ) -> Result<Vec<QuickReplyView>> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::SendMessage>(&r.actor, id).await?;
        let conversation = self.store.get_conversation(&proof).await?;
        let customer = conversation.customer.profile_name.clone().unwrap_or_default();
        let agent = r.user.username.as_str().to_owned();
        let replies = self.store.quick_replies_for(&proof).await?;
        Ok(replies
            .iter()
            .map(|q| QuickReplyView::build(q, Some(fill(&q.body, &customer, &agent, &conversation.team.1))))
            .collect())
    }

    fn reply_reach(&self, r: &super::session::Resolved) -> Reach {
        match r.grants.list_scope(Permission::ConversationsView, r.user.id) {
            Some(scope) if scope.scope == Scope::All => Reach::Everything,
            Some(scope) => Reach::Teams(scope.teams),
            None => Reach::Teams(Vec::new()),
        }
    }
}

/// Which quick replies someone manages.
enum Reach {
    Everything,
    Teams(Vec<TeamId>),
}

impl Reach {
    fn admits(&self, team: Option<TeamId>) -> bool {
        match (self, team) {
            (Self::Everything, _) => true,
            (Self::Teams(teams), Some(team)) => teams.contains(&team),
            (Self::Teams(_), None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::all(
        "Hi {{customer_name}}, {{agent_name}} from {{ team_name }} here.",
        "Hi Ana, sam from Leeds here."
    )]
    #[case::none("We open at 9.", "We open at 9.")]
    #[case::unclosed("Hi {{customer_name", "Hi {{customer_name")]
    fn placeholders_are_filled(#[case] body: &str, #[case] expected: &str) {
        assert_eq!(fill(body, "Ana", "sam", "Leeds"), expected);
    }

    #[rstest]
    #[case::unknown("Hi {{first_name}}", "{{first_name}} is not a placeholder")]
    #[case::unclosed("Hi {{customer_name", "closed with }}")]
    #[case::empty("  ", "between 1 and 4096")]
    fn a_reply_that_cannot_be_filled_is_refused(#[case] body: &str, #[case] why: &str) {
        let Err(Error::Invalid(said)) = check_body(body) else { panic!("accepted {body}") };
        assert!(said.contains(why), "{said}");
    }

    #[rstest]
    #[case("/opening-hours", true)]
    #[case("Opening Hours", false)]
    #[case("", false)]
    fn shortcuts_are_short_words(#[case] shortcut: &str, #[case] ok: bool) {
        assert_eq!(check_shortcut(shortcut).is_ok(), ok);
    }
}
