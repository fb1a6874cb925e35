//! Routing rules (issue 8 point 2): administrators write them, the intake applies them to
//! inbound messages in the delivery's own transaction, and anyone who may see them can try a
//! message against them first.

use serde::Deserialize;
use serde_json::json;

use super::compose::{request as compose_request, OutboundMessage};
use super::views::{RoutingRuleRef, RoutingRuleView, RoutingTrialView, RoutingView, TeamRefView};
use super::Core;
use crate::audit::{AuditEvent, Kind};
use crate::auth::session::SessionToken;
use crate::authz::{act, authorize, sending, Actor, Authorized};
use crate::channel::whatsapp::client::text_request;
use crate::channel::whatsapp::webhook::ChatMessage;
use crate::clock::Timestamp;
use crate::domain::hours::BusinessHours;
use crate::domain::{Content, Context, ConversationId, LabelId, MessageKind, Priority, TeamId};
use crate::error::{Error, Result};
use crate::routing::{first_match, language_of, AutoReply, Inbound, Rule, RuleSpec, MAX_RULES};
use crate::store::WriteTx;

/// A rule to keep.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SaveRuleRequest {
    /// The rule to change, or none for a new one.
    #[serde(default)]
    pub id: Option<i64>,
    /// Where it goes in the order (lower first); a new rule goes last without one.
    #[serde(default)]
    pub position: Option<i64>,
    /// `name`, `enabled`, `when` and `then`, as the admin screen writes them.
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
}

/// Where unmatched chats go.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DefaultTeamRequest {
    /// A team, or none (each new chat stays with its contact's team).
    pub team: Option<i64>,
}

/// A message to try against the rules; nothing is stored or sent.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RoutingTrialRequest {
    /// What the customer writes.
    #[serde(default)]
    pub text: String,
    /// The business number written to (phone number id); the channel's when left out.
    #[serde(default)]
    pub business_number: Option<String>,
    /// The customer's number with country code (`447700900123`).
    #[serde(default)]
    pub customer_number: Option<String>,
    /// Labels on the customer's contact.
    #[serde(default)]
    pub labels: Vec<i64>,
    /// They came from an ad.
    #[serde(default)]
    pub from_ad: bool,
    /// The answer they picked from a list or buttons.
    #[serde(default)]
    pub answer: Option<String>,
    /// The conversation was routed before (only rules on answers apply then).
    #[serde(default)]
    pub placed: bool,
    /// Values of the contact's custom fields.
    #[serde(default)]
    pub fields: Vec<TrialField>,
    /// When it arrives (milliseconds since the epoch), for rules on business hours; now when
    /// left out.
    #[serde(default)]
    pub at: Option<i64>,
}

/// A custom field's value in a trial.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TrialField {
    /// The field's id.
    pub field: i64,
    /// Its value.
    pub value: String,
}

impl Core {
    /// The routing rules in order, and the default team.
    pub async fn routing_rules(&self, token: &SessionToken) -> Result<RoutingView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewRouting>(&r.actor, ()).await?;
        self.routing_view().await
    }

    async fn routing_view(&self) -> Result<RoutingView> {
        let rules = self.store.routing_rules().await?;
        let default_team = match self.store.default_team().await? {
            Some(id) => self
                .store
                .list_teams()
                .await?
                .into_iter()
                .find(|t| t.id == id)
                .map(|t| TeamRefView::build(&(t.id, t.name))),
            None => None,
        };
        Ok(RoutingView { rules: rules.iter().map(RoutingRuleView::build).collect(), default_team })
    }

    /// Saves a rule (new, or a new version of one), after checking that everything it names
    /// exists. Audited with what it said before and after.
    pub async fn save_routing_rule(
        &self,
        token: &SessionToken,
        request: SaveRuleRequest,
    ) -> Result<RoutingView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::EditRouting>(&r.actor, ()).await?;
        self.save_rule_as(proof, Some(r.user.id), request).await
    }

    /// Saves a rule as IT on this machine (the `countersign` CLI, the demo).
    pub async fn operator_save_routing_rule(&self, request: SaveRuleRequest) -> Result<RoutingView> {
        let proof = self.allow::<act::EditRouting>(&Actor::Operator, ()).await?;
        self.save_rule_as(proof, None, request).await
    }

    async fn save_rule_as(
        &self,
        proof: Authorized<act::EditRouting>,
        by: Option<crate::domain::UserId>,
        request: SaveRuleRequest,
    ) -> Result<RoutingView> {
        let spec = RuleSpec::parse(&request.rule)?;
        self.check_names(&spec).await?;
        let rules = self.store.routing_rules().await?;
        if request.id.is_none() && rules.len() >= MAX_RULES {
            return Err(Error::Invalid(format!("an organisation keeps at most {MAX_RULES} rules")));
        }
        let position =
            request.position.unwrap_or_else(|| rules.iter().map(|r| r.position).max().unwrap_or(0) + 1);
        let saved = request.rule.to_string();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let (id, version, before) = tx.save_rule(&proof, request.id, position, &saved, by, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::RoutingRuleSaved)
            .target(format!("routing_rule:{id}"))
            .detail("version", version)
            .detail("position", position)
            .detail("before", before.unwrap_or_default())
            .detail("after", saved);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.routing_view().await
    }

    /// Deletes a rule (its versions stay, for the trail).
    pub async fn delete_routing_rule(&self, token: &SessionToken, id: i64) -> Result<RoutingView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::EditRouting>(&r.actor, ()).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let (version, before) = tx.delete_rule(&proof, id, Some(r.user.id), now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::RoutingRuleDeleted)
            .target(format!("routing_rule:{id}"))
            .detail("version", version)
            .detail("before", before);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.routing_view().await
    }

    /// Chooses where new chats that no rule takes go.
    pub async fn set_default_team(
        &self,
        token: &SessionToken,
        request: DefaultTeamRequest,
    ) -> Result<RoutingView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::EditRouting>(&r.actor, ()).await?;
        self.set_default_team_as(proof, request).await
    }

    /// Chooses the default team as IT on this machine.
    pub async fn operator_set_default_team(&self, request: DefaultTeamRequest) -> Result<RoutingView> {
        let proof = self.allow::<act::EditRouting>(&Actor::Operator, ()).await?;
        self.set_default_team_as(proof, request).await
    }

    async fn set_default_team_as(
        &self,
        proof: Authorized<act::EditRouting>,
        request: DefaultTeamRequest,
    ) -> Result<RoutingView> {
        let team = request.team.map(TeamId::new);
        if let Some(team) = team {
            self.team_exists(team).await?;
        }
        let before = self.store.default_team().await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_default_team(&proof, team).await?;
        let name = |t: Option<TeamId>| t.map_or_else(|| "none".to_owned(), |t| format!("team:{}", t.get()));
        let event = AuditEvent::new(proof.actor().clone(), Kind::RoutingDefaultTeam)
            .detail("before", name(before))
            .detail("after", name(team));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        self.routing_view().await
    }

    /// Which rule a message would fire, and what it would do. Nothing is stored or sent.
    pub async fn test_routing(
        &self,
        token: &SessionToken,
        request: RoutingTrialRequest,
    ) -> Result<RoutingTrialView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewRouting>(&r.actor, ()).await?;
        let rules = self.parsed_rules().await?;
        let channel_number = self.channel_in_force().await?.map(|c| c.phone_number_id).unwrap_or_default();
        let labels: Vec<LabelId> = request.labels.iter().copied().map(LabelId::new).collect();
        let at = request.at.map_or_else(|| self.clock.now(), Timestamp::from_millis);
        let closed = self.closed_teams(&rules, at).await?;
        let fields: Vec<(i64, &str)> = request.fields.iter().map(|f| (f.field, f.value.as_str())).collect();
        let language = language_of(&request.text);
        let inbound = Inbound {
            business_number: request.business_number.as_deref().unwrap_or(&channel_number),
            text: &request.text,
            customer_number: request.customer_number.as_deref(),
            labels: &labels,
            from_ad: request.from_ad,
            answer: request.answer.as_deref().map(|a| (None, a)),
            language,
            fields: &fields,
            closed_teams: &closed,
        };
        let teams = self.store.list_teams().await?;
        let team_name = |id: i64| {
            teams
                .iter()
                .find(|t| t.id.get() == id)
                .map_or_else(|| format!("team {id} (deleted)"), |t| t.name.clone())
        };
        let Some(rule) = first_match(&rules, &inbound, request.placed) else {
            let outcome = match (request.placed, self.store.default_team().await?) {
                (true, _) => "No rule applies: it stays where it is.".to_owned(),
                (false, Some(team)) => {
                    format!("No rule applies: it goes to the default team, {}.", team_name(team.get()))
                }
                (false, None) => "No rule applies: it stays with its contact's team.".to_owned(),
            };
            return Ok(RoutingTrialView { rule: None, outcome: vec![outcome] });
        };
        let labels = self.store.list_labels().await?;
        let then = &rule.spec.then;
        let mut outcome = Vec::new();
        if !rule.spec.when.languages.is_empty() {
            if let Some(lang) = language.and_then(whatlang::Lang::from_code) {
                outcome.push(format!("Written in {}.", lang.eng_name()));
            }
        }
        if let (Some(open), Some(team)) = (rule.spec.when.open, then.team) {
            let state = if open { "open" } else { "closed" };
            outcome.push(format!("{} is {state} then.", team_name(team)));
        }
        if let Some(team) = then.team {
            outcome.push(format!("Goes to {}.", team_name(team)));
        }
        match then.agent {
            Some(crate::routing::AgentPick::RoundRobin) => {
                outcome.push("Given to the team's members in turn.".to_owned())
            }
            Some(crate::routing::AgentPick::LeastBusy) => {
                outcome.push("Given to the team member with the fewest open conversations.".to_owned())
            }
            None => {}
        }
        if let Some(label) = then.label {
            let name =
                labels.iter().find(|l| l.id.get() == label).map_or("a deleted label", |l| l.name.as_str());
            outcome.push(format!("The contact is labelled {name}."));
        }
        if let Some(p) = &then.priority {
            outcome.push(format!("Priority {p}."));
        }
        match &then.reply {
            Some(AutoReply::Text { body }) => outcome.push(format!("Answered: \"{body}\"")),
            Some(AutoReply::List { body, rows, .. }) => {
                outcome.push(format!("Asked \"{body}\" with the answers {}.", rows.join(", ")))
            }
            Some(AutoReply::Template { name, language }) => {
                outcome.push(format!("Answered with the template {name} ({language})."))
            }
            None => {}
        }
        Ok(RoutingTrialView {
            rule: Some(RoutingRuleRef { id: rule.id, name: rule.spec.name.clone() }),
            outcome,
        })
    }

    /// The teams closed at `at` by their business hours, if any rule asks (none otherwise:
    /// the common case costs nothing per message).
    async fn closed_teams(&self, rules: &[Rule], at: Timestamp) -> Result<Vec<TeamId>> {
        if !rules.iter().any(|r| r.spec.when.open.is_some()) {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .list_teams()
            .await?
            .into_iter()
            .filter(|t| {
                t.hours.as_deref().and_then(|h| BusinessHours::parse(h).ok()).is_some_and(|h| !h.is_open(at))
            })
            .map(|t| t.id)
            .collect())
    }

    /// The teams, labels and fields a rule names exist, and the fields may be read by rules.
    async fn check_names(&self, spec: &RuleSpec) -> Result<()> {
        if let Some(team) = spec.team() {
            self.team_exists(team).await?;
        }
        if let Some(AutoReply::Template { name, language }) = &spec.then.reply {
            let record = self.store.find_template(name.trim(), language.trim()).await?.ok_or_else(|| {
                Error::Invalid(
                    "there is no such template in the catalog: sync it from WhatsApp first".to_owned(),
                )
            })?;
            if record.template.category.eq_ignore_ascii_case("MARKETING") {
                return Err(Error::Invalid(
                    "an automatic answer may not be a marketing template: use a utility one".to_owned(),
                ));
            }
            let blanks = record.template.slots().len();
            if blanks > 0 {
                return Err(Error::Invalid(format!(
                    "an automatic answer needs a template with nothing to fill in; this one has {blanks} blank(s)"
                )));
            }
            record
                .template
                .check(&[])
                .map_err(|e| Error::Invalid(format!("this template cannot be sent automatically: {e}")))?;
        }
        if !spec.when.fields.is_empty() {
            let known = self.store.list_contact_fields().await?;
            for f in &spec.when.fields {
                match known.iter().find(|k| k.id.get() == f.field) {
                    None => return Err(Error::Invalid(format!("there is no contact field {}", f.field))),
                    Some(k) if k.class.is_some() => {
                        return Err(Error::Invalid(format!(
                            "\"{}\" holds {} data, so a rule may not look at it: rules are read by everyone who may view routing",
                            k.name,
                            k.class.map_or("", |c| c.as_str())
                        )))
                    }
                    Some(_) => {}
                }
            }
        }
        let labels = self.store.list_labels().await?;
        let named = spec.when.labels.iter().chain(spec.then.label.iter());
        if let Some(missing) = named.into_iter().find(|l| !labels.iter().any(|k| k.id.get() == **l)) {
            return Err(Error::Invalid(format!("there is no label {missing}")));
        }
        Ok(())
    }

    /// The stored rules that can be read, in order (one that cannot is skipped and logged).
    pub(super) async fn parsed_rules(&self) -> Result<Vec<Rule>> {
        let mut rules = Vec::new();
        for record in self.store.routing_rules().await? {
            let spec = serde_json::from_str(&record.spec)
                .map_err(|_| Error::Invalid(String::new()))
                .and_then(|v| RuleSpec::parse(&v));
            match spec {
                Ok(spec) => rules.push(Rule { id: record.id, version: record.version, spec }),
                Err(_) => tracing::warn!(rule = record.id, "a routing rule cannot be read and is skipped"),
            }
        }
        Ok(rules)
    }

    /// Routes the conversation of inbound message `m` in the delivery's transaction: the
    /// first rule that fires places it, labels its contact, sets its priority and answers the
    /// customer; a new conversation no rule takes goes to the default team. `rules` are
    /// [`Core::routing_rules`], read once for a group of deliveries.
    pub(super) async fn route(
        &self,
        tx: &mut WriteTx,
        proof: &Authorized<act::IngestDelivery>,
        rules: &[Rule],
        conversation: ConversationId,
        m: &ChatMessage,
        now: Timestamp,
    ) -> Result<()> {
        let facts = tx
            .routing_facts(proof, conversation, rules.iter().any(|r| !r.spec.when.fields.is_empty()))
            .await?;
        let fields: Vec<(i64, &str)> = facts.fields.iter().map(|(id, v)| (*id, v.as_str())).collect();
        let closed = self.closed_teams(rules, now).await?;
        let text = m.text.as_deref().unwrap_or_default();
        let language =
            if rules.iter().any(|r| !r.spec.when.languages.is_empty()) { language_of(text) } else { None };
        let content = Content::read(m.kind.as_str(), &m.raw, m.text.as_deref());
        let answer = match &content {
            Content::Choice { id, title } => Some((id.as_deref(), title.as_str())),
            _ => None,
        };
        let inbound = Inbound {
            business_number: &m.business.phone_number_id,
            text,
            customer_number: m.customer.wa_id.as_deref(),
            labels: &facts.labels,
            from_ad: Context::read(&m.raw).referral.is_some(),
            answer,
            language,
            fields: &fields,
            closed_teams: &closed,
        };
        let Some(rule) = first_match(rules, &inbound, facts.placed) else {
            if !facts.placed {
                let team = self.store.default_team().await?;
                tx.route_conversation(proof, conversation, team, None, None, now).await?;
            }
            return Ok(());
        };
        let then = &rule.spec.then;
        let team = match rule.spec.team() {
            Some(team) if tx.team_exists(proof, team).await? => Some(team),
            Some(_) => {
                tracing::warn!(rule = rule.id, "a routing rule names a team that no longer exists");
                None
            }
            None => None,
        };
        // A rule that only answers or labels leaves a new chat where unmatched ones go.
        let team = match team {
            None if !facts.placed => self.store.default_team().await?,
            placed => placed,
        };
        let agent = match (team, then.agent) {
            (Some(team), Some(pick)) => tx.pick_agent(proof, team, pick).await?,
            _ => None,
        };
        let priority = then.priority.as_deref().and_then(Priority::parse);
        tx.route_conversation(proof, conversation, team, agent, priority, now).await?;
        let labelled = match then.label {
            Some(label) => tx.label_by_rule(proof, facts.contact, LabelId::new(label)).await?,
            None => false,
        };
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::ConversationRouted)
            .target(format!("conversation:{}", conversation.get()))
            .detail("rule", format!("routing_rule:{}", rule.id))
            .detail("version", rule.version);
        if let Some(team) = team {
            event = event.detail("team", format!("team:{}", team.get()));
        }
        if let Some(agent) = agent {
            event = event.detail("agent", format!("user:{}", agent.get()));
        }
        if let Some(p) = priority {
            event = event.detail("priority", p.as_str());
        }
        if labelled {
            event = event.detail("label", format!("label:{}", then.label.unwrap_or_default()));
        }
        tx.audit(&event, now).await?;
        if let Some(reply) = &then.reply {
            self.auto_reply(tx, conversation, m, reply, rule, now).await?;
        }
        Ok(())
    }

    /// Queues a rule's answer to the customer (they just wrote, so the window is open).
    async fn auto_reply(
        &self,
        tx: &mut WriteTx,
        conversation: ConversationId,
        m: &ChatMessage,
        reply: &AutoReply,
        rule: &Rule,
        now: Timestamp,
    ) -> Result<()> {
        let Some(to) = m.customer.wa_id.as_deref().or(m.customer.user_id.as_deref()) else { return Ok(()) };
        let proof = authorize::<act::AutoReply>(&Actor::VerifiedWebhook, conversation)
            .map_err(|_| Error::Internal("the intake may not answer".to_owned()))?;
        let (graph, kind, summary) = match reply {
            AutoReply::Text { body } => (text_request(to, body, false), "text", body.clone()),
            AutoReply::List { body, button, rows } => {
                let question =
                    OutboundMessage::List { body: body.clone(), button: button.clone(), rows: rows.clone() };
                let (mut graph, kind) = compose_request(&question, None)?;
                graph["messaging_product"] = json!("whatsapp");
                graph["recipient_type"] = json!("individual");
                graph["to"] = json!(to);
                let summary = Content::read(kind, &graph, None).summary();
                (graph, kind, summary)
            }
            AutoReply::Template { name, language } => {
                // Checked when the rule was saved; Meta may have paused or re-categorised it
                // since, and a label may keep it from this contact: then nothing is sent.
                let Some(record) = self.store.find_template(name, language).await? else {
                    tracing::warn!(rule = rule.id, "a routing rule's template is no longer in the catalog");
                    return Ok(());
                };
                let labels = self.store.conversation_label_rules(conversation).await?;
                let sendable = !record.template.category.eq_ignore_ascii_case("MARKETING")
                    && record.template.check(&[]).is_ok()
                    && sending::may_send_template(&labels, &record.audience).is_ok();
                if !sendable {
                    tracing::warn!(
                        rule = rule.id,
                        "a routing rule's template cannot be sent to this contact now"
                    );
                    return Ok(());
                }
                let summary = record.template.render(&[]);
                (record.template.request(to, &[]), "template", summary)
            }
        };
        let id =
            tx.enqueue_reply(&proof, to, &MessageKind::from_wire(Some(kind)), &summary, graph, now).await?;
        let mut event = AuditEvent::new(proof.actor().clone(), Kind::MessageSent)
            .target(format!("conversation:{}", conversation.get()))
            .detail("message", id.get())
            .detail("kind", kind)
            .detail("rule", format!("routing_rule:{}", rule.id));
        if let AutoReply::Template { name, language } = reply {
            event = event.detail("template", format!("{name}/{language}"));
        }
        tx.audit(&event, now).await
    }
}
