//! The message-template catalog and sending templates: the only way to write to a customer
//! whose 24-hour window has closed. The catalog is synchronised from the Graph API (the
//! account's approved and pending templates) or, in standalone mode, entered by an
//! administrator as Meta approved them; Meta's status webhooks keep statuses current.

use crate::audit::Kind;
use serde::Deserialize;

use super::channel::BUSINESS_ACCOUNT_ID;
use super::views::{MessageView, TemplateView};
use super::Core;
use crate::audit::AuditEvent;
use crate::auth::session::SessionToken;
use crate::authz::{act, sending, Action, Actor};
use crate::domain::{ConversationId, LabelId, MessageKind, Template, TemplateButton};
use crate::error::{Error, Result};

/// A template entered by hand (standalone mode), as approved in Meta's WhatsApp Manager.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TemplateRequest {
    /// Its name (lower case letters, digits, underscores).
    pub name: String,
    /// Its language code (`en_GB`).
    pub language: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// Header text.
    pub header: Option<String>,
    /// Body text with `{{1}}`-style placeholders.
    pub body: String,
    /// Footer text.
    pub footer: Option<String>,
    /// Meta's status for it (`APPROVED` by default).
    pub status: Option<String>,
    /// Its buttons, in order (at most ten).
    #[serde(default)]
    pub buttons: Vec<TemplateButtonRequest>,
}

/// A button of a template entered by hand.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TemplateButtonRequest {
    /// `QUICK_REPLY`, `URL`, `PHONE_NUMBER` or `COPY_CODE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its label (at most 25 characters).
    pub text: String,
    /// The link of a `URL` button (which may end in `{{1}}`), or the number of a
    /// `PHONE_NUMBER` button.
    pub target: Option<String>,
}

const BUTTON_KINDS: &[&str] = &["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE"];

fn checked_button(request: TemplateButtonRequest) -> Result<TemplateButton> {
    let invalid = |m: &str| Err(Error::Invalid(m.to_owned()));
    let kind = request.kind.trim().to_ascii_uppercase();
    if !BUTTON_KINDS.contains(&kind.as_str()) {
        return invalid("a button is QUICK_REPLY, URL, PHONE_NUMBER or COPY_CODE");
    }
    let text = request.text.trim().to_owned();
    if !(1..=25).contains(&text.chars().count()) {
        return invalid("a button's label has 1 to 25 characters");
    }
    let target = request.target.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    match (kind.as_str(), target.as_deref()) {
        ("URL", Some(url)) => {
            let names = crate::domain::placeholders(url);
            let at_end = names.first().is_none_or(|n| url.ends_with(&format!("{{{{{n}}}}}")));
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.len() > 2000
                || names.len() > 1
                || !at_end
            {
                return invalid("a link button's address starts with https:// and may end in one placeholder, such as {{1}}");
            }
        }
        ("URL", None) => return invalid("a link button needs its address"),
        ("PHONE_NUMBER", Some(number))
            if number.chars().filter(char::is_ascii_digit).count() >= 6
                && number.chars().all(|c| c.is_ascii_digit() || "+ -()".contains(c)) => {}
        ("PHONE_NUMBER", _) => return invalid("a call button needs a phone number"),
        _ => {}
    }
    Ok(TemplateButton { kind, text, target })
}

/// Which labels a template is meant for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TemplateAudienceRequest {
    /// Label ids; empty for every contact.
    #[serde(default)]
    pub labels: Vec<i64>,
}

/// A template to send.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SendTemplateRequest {
    /// Its name.
    pub name: String,
    /// Its language code.
    pub language: String,
    /// A value per placeholder, in the order the catalog lists them.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `label:1+label:4`, for the audit trail.
fn label_list(labels: &[LabelId]) -> String {
    labels.iter().map(|l| format!("label:{}", l.get())).collect::<Vec<_>>().join("+")
}

const STATUSES: &[&str] = &["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"];
const CATEGORIES: &[&str] = &["MARKETING", "UTILITY", "AUTHENTICATION"];

fn checked(request: TemplateRequest) -> Result<Template> {
    let invalid = |m: &str| Err(Error::Invalid(m.to_owned()));
    let name = request.name.trim().to_owned();
    if name.is_empty()
        || name.len() > 512
        || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return invalid(
            "a template name is lower-case letters, digits and underscores, as in WhatsApp Manager",
        );
    }
    let language = request.language.trim().to_owned();
    let (lang, region) = language.split_once('_').unwrap_or((&language, ""));
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
    let region_ok =
        region.is_empty() || (region.len() == 2 && region.chars().all(|c| c.is_ascii_uppercase()));
    if !(lang_ok && region_ok) {
        return invalid("the language is a code such as en, en_GB or pt_BR");
    }
    let body = request.body.trim().to_owned();
    if body.is_empty() || body.chars().count() > 1024 {
        return invalid("the body is between 1 and 1024 characters");
    }
    let category = request.category.trim().to_ascii_uppercase();
    if !CATEGORIES.contains(&category.as_str()) {
        return invalid("the category is MARKETING, UTILITY or AUTHENTICATION");
    }
    let status = request.status.map_or_else(|| "APPROVED".to_owned(), |s| s.trim().to_ascii_uppercase());
    if !STATUSES.contains(&status.as_str()) {
        return invalid("the status is APPROVED, PENDING, REJECTED, PAUSED or DISABLED");
    }
    let text = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if request.buttons.len() > 10 {
        return invalid("a template has at most ten buttons");
    }
    let buttons = request.buttons.into_iter().map(checked_button).collect::<Result<Vec<_>>>()?;
    Ok(Template {
        name,
        language,
        status,
        category,
        header: text(request.header),
        body,
        footer: text(request.footer),
        buttons,
        media_header: None,
    })
}

impl Core {
    /// The catalog.
    pub async fn templates(&self, token: &SessionToken) -> Result<Vec<TemplateView>> {
        let r = self.resolve(token).await?;
        self.allow::<act::ViewTemplates>(&r.actor, ()).await?;
        let visible = self.visible_labels(&r.actor).await?;
        Ok(self.store.list_templates().await?.iter().map(|t| TemplateView::build(t, &visible)).collect())
    }

    /// Limits a template to contacts carrying one of `labels` (none: every contact).
    pub async fn set_template_audience(
        &self,
        token: &SessionToken,
        name: &str,
        language: &str,
        request: TemplateAudienceRequest,
    ) -> Result<TemplateView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageTemplates>(&r.actor, ()).await?;
        let visible = self.visible_labels(&r.actor).await?;
        let mut audience = Vec::with_capacity(request.labels.len());
        for id in request.labels {
            // A label the actor does not see does not exist for them.
            let label = visible.iter().find(|l| l.id.get() == id).ok_or(Error::NotFound)?;
            audience.push(label.id);
        }
        audience.sort();
        audience.dedup();
        let before = self.store.find_template(name, language).await?.ok_or(Error::NotFound)?;
        // Labels the actor cannot see stay as they were: they may not be taken off unseen.
        audience.extend(before.audience.iter().filter(|id| !visible.iter().any(|l| l.id == **id)));
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.set_template_audience(&proof, name, language, &audience).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::TemplateAudience)
            .target(format!("template:{name}/{language}"))
            .detail("before", label_list(&before.audience))
            .detail("labels", label_list(&audience));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        let saved = self.store.find_template(name, language).await?.ok_or(Error::NotFound)?;
        Ok(TemplateView::build(&saved, &visible))
    }

    /// Replaces the synchronised part of the catalog with what the Graph API lists now.
    pub async fn sync_templates(&self, token: &SessionToken) -> Result<Vec<TemplateView>> {
        let r = self.resolve(token).await?;
        self.sync_templates_as(&r.actor).await?;
        self.templates(token).await
    }

    /// The same for IT at the machine (and the demo): records the WhatsApp Business Account id
    /// and synchronises its templates. Returns how many are listed.
    pub async fn operator_sync_templates(&self, business_account_id: &str) -> Result<usize> {
        let proof = self.allow::<act::ConfigureChannel>(&Actor::Operator, ()).await?;
        if business_account_id.is_empty() || !business_account_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::Invalid("the WhatsApp Business Account id is digits only".to_owned()));
        }
        let mut tx = self.store.write().await?;
        tx.set_channel_setting(&proof, BUSINESS_ACCOUNT_ID, Some(business_account_id)).await?;
        tx.commit().await?;
        self.sync_templates_as(&Actor::Operator).await
    }

    async fn sync_templates_as(&self, actor: &Actor) -> Result<usize> {
        let proof = self.allow::<act::ManageTemplates>(actor, ()).await?;
        let channel = self.store.find_channel().await?.ok_or(Error::ChannelNotConfigured)?;
        let waba = self.store.find_setting(BUSINESS_ACCOUNT_ID).await?.ok_or_else(|| {
            Error::Invalid("enter the WhatsApp Business Account id in the channel settings first".to_owned())
        })?;
        let listed =
            self.cloud.list_templates(&channel, &waba).await.map_err(|f| Error::Channel(f.reason))?;
        let templates: Vec<Template> = listed.iter().filter_map(Template::from_graph).collect();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        for t in &templates {
            tx.put_template(&proof, t, "graph", now).await?;
        }
        let keep: Vec<(String, String)> =
            templates.iter().map(|t| (t.name.clone(), t.language.clone())).collect();
        let dropped = tx.drop_graph_templates_except(&proof, &keep).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::TemplatesSynced)
            .detail("listed", templates.len())
            .detail("removed", dropped);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(templates = templates.len(), removed = dropped, "template catalog synchronised");
        Ok(templates.len())
    }

    /// Adds or changes a template by hand (standalone mode).
    pub async fn save_template(
        &self,
        token: &SessionToken,
        request: TemplateRequest,
    ) -> Result<TemplateView> {
        let r = self.resolve(token).await?;
        let proof = self.allow::<act::ManageTemplates>(&r.actor, ()).await?;
        let template = checked(request)?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.put_template(&proof, &template, "admin", now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::TemplateSaved)
            .target(format!("template:{}/{}", template.name, template.language))
            .detail("status", &template.status);
        tx.audit(&event, now).await?;
        tx.commit().await?;
        let saved =
            self.store.find_template(&template.name, &template.language).await?.ok_or(Error::NotFound)?;
        Ok(TemplateView::build(&saved, &self.visible_labels(&r.actor).await?))
    }

    /// Sends an approved template in a conversation (also outside the 24-hour window).
    pub async fn send_template(
        &self,
        token: &SessionToken,
        id: ConversationId,
        request: SendTemplateRequest,
    ) -> Result<MessageView> {
        let r = self.resolve(token).await?;
        let proof = self.allow_on_conversation::<act::SendTemplate>(&r.actor, id).await?;
        let record = self
            .store
            .find_template(&request.name, &request.language)
            .await?
            .ok_or_else(|| Error::Invalid("there is no such template in the catalog".to_owned()))?;
        let labels = self.store.conversation_label_rules(id).await?;
        if let Err(refusal) = sending::may_send_template(&labels, &record.audience) {
            return Err(self.refused_by_label(&r.actor, Action::SendTemplate, id, &refusal).await);
        }
        // WhatsApp's rules and the customer's word: no marketing to someone who said no.
        if record.template.category.eq_ignore_ascii_case("MARKETING")
            && self.store.conversation_consent(&proof).await? == "opted_out"
        {
            return Err(Error::Invalid(
                "this customer opted out of marketing messages: send a utility template or wait for them to write".to_owned(),
            ));
        }
        let template = record.template;
        let values: Vec<String> = request.values.iter().map(|v| v.trim().to_owned()).collect();
        template.check(&values).map_err(|e| Error::Invalid(e.to_string()))?;
        let recipient = self.recipient(&proof, false).await?;
        let recipient = recipient.as_str();
        let now = self.clock.now();
        let text = template.render(&values);
        let mut tx = self.store.write().await?;
        let graph_request = template.request(recipient, &values);
        let kind = MessageKind::from_wire(Some("template"));
        let message_id = tx.enqueue_reply(&proof, recipient, &kind, &text, graph_request, now).await?;
        let event = AuditEvent::new(proof.actor().clone(), Kind::MessageSent)
            .target(format!("conversation:{}", id.get()))
            .detail("message", message_id.get())
            .detail("template", format!("{}/{}", template.name, template.language));
        tx.audit(&event, now).await?;
        tx.commit().await?;
        tracing::info!(conversation = id.get(), message = message_id.get(), "template queued");
        self.queued_view(&r, id, message_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn request(name: &str, language: &str, category: &str) -> TemplateRequest {
        TemplateRequest {
            name: name.to_owned(),
            language: language.to_owned(),
            category: category.to_owned(),
            header: Some("  ".to_owned()),
            body: "Hi {{1}}".to_owned(),
            footer: None,
            status: None,
            buttons: Vec::new(),
        }
    }

    fn button(kind: &str, text: &str, target: Option<&str>) -> TemplateButtonRequest {
        TemplateButtonRequest {
            kind: kind.to_owned(),
            text: text.to_owned(),
            target: target.map(str::to_owned),
        }
    }

    #[rstest]
    #[case::quick_reply(button("quick_reply", "Call me back", None), true)]
    #[case::tracking_link(button("URL", "Track parcel", Some("https://track.example/parcel/{{1}}")), true)]
    #[case::fixed_link(button("URL", "Our shop", Some("https://shop.example")), true)]
    #[case::placeholder_in_the_middle(
        button("URL", "Track", Some("https://track.example/{{1}}/status")),
        false
    )]
    #[case::not_a_web_link(button("URL", "Open", Some("javascript:alert(1)")), false)]
    #[case::call(button("PHONE_NUMBER", "Call the store", Some("+44 113 496 0000")), true)]
    #[case::call_without_number(button("PHONE_NUMBER", "Call", Some("the store")), false)]
    #[case::label_too_long(button("QUICK_REPLY", "Please call me back tomorrow", None), false)]
    #[case::unknown_kind(button("CATALOG", "Shop", None), false)]
    fn a_hand_entered_button_is_checked_like_whatsapp_manager(
        #[case] b: TemplateButtonRequest,
        #[case] ok: bool,
    ) {
        let result =
            checked(TemplateRequest { buttons: vec![b], ..request("order_shipped", "en_GB", "UTILITY") });
        assert_eq!(result.is_ok(), ok, "{result:?}");
    }

    #[rstest]
    #[case::fine("order_ready", "en_GB", "utility", true)]
    #[case::spaces_in_name("Order ready", "en_GB", "UTILITY", false)]
    #[case::bad_language("order_ready", "english", "UTILITY", false)]
    #[case::bad_category("order_ready", "en", "PROMO", false)]
    fn a_hand_entered_template_is_checked_like_whatsapp_manager(
        #[case] name: &str,
        #[case] language: &str,
        #[case] category: &str,
        #[case] ok: bool,
    ) {
        let result = checked(request(name, language, category));
        assert_eq!(result.is_ok(), ok, "{result:?}");
        if let Ok(t) = result {
            assert_eq!((t.status.as_str(), t.category.as_str(), t.header), ("APPROVED", "UTILITY", None));
        }
    }
}
