//! Message templates: the only messages WhatsApp delivers outside the 24-hour window. A
//! template is approved by Meta with placeholders (`{{1}}` or `{{name}}`) in its header and
//! body, and its buttons may need one (a link ending in `{{1}}`, a code to copy); sending one
//! names it, its language, and a value per placeholder. Pure.

use serde_json::{json, Value};

/// A template as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its name (lower case, digits and underscores).
    pub name: String,
    /// Its language code (`en_US`).
    pub language: String,
    /// Meta's review status (`APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`).
    pub status: String,
    /// `MARKETING`, `UTILITY` or `AUTHENTICATION`.
    pub category: String,
    /// The header's text, when the header is text.
    pub header: Option<String>,
    /// The header's kind when it is not text (`IMAGE`, `VIDEO`, `DOCUMENT`, `LOCATION`):
    /// Countersign cannot fill those yet, so such a template is not offered for sending.
    pub media_header: Option<String>,
    /// The body's text.
    pub body: String,
    /// The footer's text.
    pub footer: Option<String>,
    /// Its buttons, in order.
    pub buttons: Vec<TemplateButton>,
}

/// A button of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateButton {
    /// Meta's type: `QUICK_REPLY`, `URL`, `PHONE_NUMBER`, `COPY_CODE`, `OTP`, `FLOW` …
    pub kind: String,
    /// Its label.
    pub text: String,
    /// The link of a `URL` button (it may end in a placeholder), or the number of a
    /// `PHONE_NUMBER` button.
    pub target: Option<String>,
}

impl TemplateButton {
    /// The placeholder this button needs a value for when sent: the one a link ends in, or
    /// the code of a copy-code button.
    pub fn slot(&self) -> Option<String> {
        match self.kind.as_str() {
            "URL" => self.target.as_deref().and_then(|url| placeholders(url).into_iter().next()),
            "COPY_CODE" => Some("code".to_owned()),
            _ => None,
        }
    }

    /// Graph's `sub_type` for its parameter.
    fn sub_type(&self) -> &'static str {
        if self.kind == "COPY_CODE" {
            "copy_code"
        } else {
            "url"
        }
    }

    fn render(&self, value: Option<&String>) -> String {
        match (self.kind.as_str(), &self.target, value) {
            ("URL", Some(url), value) => {
                let url = match (value, self.slot()) {
                    (Some(v), Some(name)) => url.replace(&format!("{{{{{name}}}}}"), v),
                    _ => url.clone(),
                };
                format!("[{}: {url}]", self.text)
            }
            ("PHONE_NUMBER", Some(number), _) => format!("[{}: {number}]", self.text),
            ("COPY_CODE", _, Some(code)) => format!("[{}: {code}]", self.text),
            _ => format!("[{}]", self.text),
        }
    }
}

/// Why a template cannot be sent as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Not approved by Meta.
    #[error("this template is not approved by WhatsApp (status {0}); only approved templates can be sent")]
    NotApproved(String),
    /// Wrong number of values.
    #[error("this template needs {needed} value(s) for its placeholders, {given} given")]
    WrongValueCount {
        /// Placeholders.
        needed: usize,
        /// Values given.
        given: usize,
    },
    /// A value is empty or too long.
    #[error("every placeholder needs a value of at most 1024 characters, without line breaks")]
    BadValue,
    /// Its header is a photo, video, document or place, which Countersign cannot fill yet.
    #[error("this template's header is a {0}, which Countersign cannot fill yet; choose another template")]
    MediaHeader(String),
}

/// The placeholders in `text`: numbered ones in number order, named ones in order of first
/// appearance.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid && !found.iter().any(|f| f == name) {
            found.push(name.to_owned());
        }
        rest = &after[end + 2..];
    }
    // Positional values are sent in number order: the first fills {{1}}, whatever comes first.
    if found.iter().all(|n| n.chars().all(|c| c.is_ascii_digit())) {
        found.sort_by_key(|n| n.parse::<u32>().unwrap_or(u32::MAX));
    }
    found
}

fn substitute(text: &str, names: &[String], values: &[String]) -> String {
    names
        .iter()
        .zip(values)
        .fold(text.to_owned(), |out, (name, value)| out.replace(&format!("{{{{{name}}}}}"), value))
}

fn parameters(names: &[String], values: &[String]) -> Vec<Value> {
    let positional = names.iter().all(|n| n.chars().all(|c| c.is_ascii_digit()));
    names
        .iter()
        .zip(values)
        .map(|(name, value)| {
            if positional {
                json!({ "type": "text", "text": value })
            } else {
                json!({ "type": "text", "parameter_name": name, "text": value })
            }
        })
        .collect()
}

impl Template {
    /// Reads one entry of Graph's `message_templates` list; `None` if it has no name, language
    /// or body.
    pub fn from_graph(entry: &Value) -> Option<Self> {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let components = entry.get("components").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let part = |kind: &str| {
            components
                .iter()
                .find(|c| c.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(kind)))
        };
        let buttons = part("BUTTONS")
            .and_then(|b| b.get("buttons"))
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|b| {
                let kind = text(b, "type")?.to_ascii_uppercase();
                let target = text(b, "url").or_else(|| text(b, "phone_number"));
                Some(TemplateButton { text: text(b, "text").unwrap_or_else(|| kind.clone()), kind, target })
            })
            .collect();
        let format = part("HEADER")
            .map(|h| h.get("format").and_then(Value::as_str).unwrap_or("TEXT").to_ascii_uppercase());
        let media_header = format.clone().filter(|f| f != "TEXT");
        let header = part("HEADER").filter(|_| media_header.is_none()).and_then(|h| text(h, "text"));
        Some(Self {
            name: text(entry, "name")?,
            language: text(entry, "language")?,
            status: text(entry, "status").unwrap_or_else(|| "PENDING".to_owned()).to_ascii_uppercase(),
            category: text(entry, "category").unwrap_or_else(|| "UTILITY".to_owned()).to_ascii_uppercase(),
            header,
            media_header,
            body: part("BODY").and_then(|b| text(b, "text"))?,
            footer: part("FOOTER").and_then(|f| text(f, "text")),
            buttons,
        })
    }

    /// The placeholders to fill, as (`header`, `body` or `button`, name): header first, then
    /// body, then buttons in order.
    pub fn slots(&self) -> Vec<(&'static str, String)> {
        let header = self.header.as_deref().map(placeholders).unwrap_or_default();
        let header = header.into_iter().map(|n| ("header", n));
        let body = placeholders(&self.body).into_iter().map(|n| ("body", n));
        let buttons = self.buttons.iter().filter_map(TemplateButton::slot).map(|n| ("button", n));
        header.chain(body).chain(buttons).collect()
    }

    /// The values for the header, the body and the buttons.
    fn split<'v>(&self, values: &'v [String]) -> (&'v [String], &'v [String], &'v [String]) {
        let header = self.header.as_deref().map_or(0, |h| placeholders(h).len()).min(values.len());
        let (head, rest) = values.split_at(header);
        let (body, buttons) = rest.split_at(placeholders(&self.body).len().min(rest.len()));
        (head, body, buttons)
    }

    /// Each button with the value it takes, if any.
    fn buttons_with<'a>(
        &'a self,
        values: &'a [String],
    ) -> impl Iterator<Item = (usize, &'a TemplateButton, Option<&'a String>)> {
        let mut values = values.iter();
        self.buttons.iter().enumerate().map(move |(i, b)| (i, b, b.slot().and_then(|_| values.next())))
    }

    /// Checks the values for sending (one per slot, each a single line).
    pub fn check(&self, values: &[String]) -> Result<(), TemplateError> {
        if self.status != "APPROVED" {
            return Err(TemplateError::NotApproved(self.status.clone()));
        }
        if let Some(kind) = &self.media_header {
            let words = match kind.as_str() {
                "IMAGE" => "photo".to_owned(),
                "LOCATION" => "place".to_owned(),
                other => other.to_ascii_lowercase(),
            };
            return Err(TemplateError::MediaHeader(words));
        }
        let needed = self.slots().len();
        if values.len() != needed {
            return Err(TemplateError::WrongValueCount { needed, given: values.len() });
        }
        if values.iter().any(|v| v.trim().is_empty() || v.chars().count() > 1024 || v.contains(['\n', '\t']))
        {
            return Err(TemplateError::BadValue);
        }
        Ok(())
    }

    /// The text the customer reads, with `values` in place.
    pub fn render(&self, values: &[String]) -> String {
        let (head, body, buttons) = self.split(values);
        let mut out = String::new();
        if let Some(header) = &self.header {
            out.push_str(&substitute(header, &placeholders(header), head));
            out.push('\n');
        }
        out.push_str(&substitute(&self.body, &placeholders(&self.body), body));
        if let Some(footer) = &self.footer {
            out.push('\n');
            out.push_str(footer);
        }
        for (_, button, value) in self.buttons_with(buttons) {
            out.push('\n');
            out.push_str(&button.render(value));
        }
        out
    }

    /// The Graph send request for this template to `to` with `values`.
    pub fn request(&self, to: &str, values: &[String]) -> Value {
        let (head, body, buttons) = self.split(values);
        let mut components = Vec::new();
        if let Some(header) = &self.header {
            let names = placeholders(header);
            if !names.is_empty() {
                components.push(json!({ "type": "header", "parameters": parameters(&names, head) }));
            }
        }
        let names = placeholders(&self.body);
        if !names.is_empty() {
            components.push(json!({ "type": "body", "parameters": parameters(&names, body) }));
        }
        for (index, button, value) in self.buttons_with(buttons) {
            let Some(value) = value else { continue };
            let parameter = if button.kind == "COPY_CODE" {
                json!({ "type": "coupon_code", "coupon_code": value })
            } else {
                json!({ "type": "text", "text": value })
            };
            components.push(json!({
                "type": "button", "sub_type": button.sub_type(), "index": index.to_string(), "parameters": [parameter],
            }));
        }
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": { "name": self.name, "language": { "code": self.language }, "components": components },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn order_ready() -> Template {
        Template::from_graph(&json!({
            "name": "order_ready", "language": "en_GB", "status": "APPROVED", "category": "UTILITY",
            "components": [
                { "type": "HEADER", "format": "TEXT", "text": "Order {{1}}" },
                { "type": "BODY", "text": "Hi {{2}}, order {{1}} is ready at {{3}}." },
                { "type": "FOOTER", "text": "Reply STOP to opt out" }
            ]
        }))
        .unwrap()
    }

    #[rstest]
    #[case::positional("Hi {{2}}, order {{1}} {{2}}", &["1", "2"])]
    #[case::named("Hi {{customer_name}}, {{ order_number }}", &["customer_name", "order_number"])]
    #[case::unclosed("Hi {{1", &[])]
    #[case::not_a_placeholder("{{a b}} {{}}", &[])]
    fn placeholders_are_found_once_in_order(#[case] text: &str, #[case] expected: &[&str]) {
        assert_eq!(placeholders(text), expected);
    }

    #[test]
    fn a_template_renders_and_builds_the_request_meta_documents() {
        let t = order_ready();
        let values: Vec<String> = ["4471", "4471", "Ana", "Leeds"].map(str::to_owned).to_vec();
        assert_eq!(
            t.slots(),
            [("header", "1"), ("body", "1"), ("body", "2"), ("body", "3")].map(|(p, n)| (p, n.to_owned()))
        );
        assert_eq!(t.check(&values), Ok(()));
        assert_eq!(
            t.render(&values),
            "Order 4471\nHi Ana, order 4471 is ready at Leeds.\nReply STOP to opt out"
        );
        let request = t.request("447700900202", &values);
        assert_eq!(
            request["template"]["components"][0]["parameters"],
            json!([{ "type": "text", "text": "4471" }])
        );
        assert_eq!(
            request["template"]["components"][1]["parameters"][1],
            json!({ "type": "text", "text": "Ana" })
        );
        assert_eq!(request["template"]["language"]["code"], "en_GB");
    }

    #[test]
    fn a_link_buttons_placeholder_is_filled_and_sent_as_meta_documents() {
        let t = Template::from_graph(&json!({
            "name": "order_shipped", "language": "en_GB", "status": "APPROVED", "category": "UTILITY",
            "components": [
                { "type": "BODY", "text": "Your order {{1}} is on its way." },
                { "type": "BUTTONS", "buttons": [
                    { "type": "QUICK_REPLY", "text": "Call me back" },
                    { "type": "URL", "text": "Track parcel", "url": "https://track.example/parcel/{{1}}" },
                    { "type": "COPY_CODE", "text": "Copy discount", "example": ["SAVE10"] } ] }
            ]
        }))
        .unwrap();
        assert_eq!(
            t.slots(),
            [("body", "1"), ("button", "1"), ("button", "code")].map(|(p, n)| (p, n.to_owned()))
        );
        let values: Vec<String> = ["4471", "JD0142", "THANKS10"].map(str::to_owned).to_vec();
        assert_eq!(t.check(&values), Ok(()));
        assert_eq!(
            t.render(&values),
            "Your order 4471 is on its way.\n[Call me back]\n[Track parcel: https://track.example/parcel/JD0142]\n[Copy discount: THANKS10]"
        );
        let components = &t.request("447700900202", &values)["template"]["components"];
        assert_eq!(
            components[1],
            json!({ "type": "button", "sub_type": "url", "index": "1", "parameters": [{ "type": "text", "text": "JD0142" }] })
        );
        assert_eq!(
            components[2],
            json!({ "type": "button", "sub_type": "copy_code", "index": "2", "parameters": [{ "type": "coupon_code", "coupon_code": "THANKS10" }] })
        );
        assert_eq!(components.as_array().unwrap().len(), 3, "a quick reply needs no parameter");
    }

    #[test]
    fn named_placeholders_are_sent_by_name() {
        let t = Template { header: None, ..order_ready() };
        let t = Template { body: "Hi {{customer_name}}".to_owned(), ..t };
        let request = t.request("1", &["Jane".to_owned()]);
        assert_eq!(
            request["template"]["components"][0]["parameters"][0],
            json!({ "type": "text", "parameter_name": "customer_name", "text": "Jane" })
        );
    }

    #[rstest]
    #[case::too_few(&["4471"], TemplateError::WrongValueCount { needed: 4, given: 1 })]
    #[case::empty(&["4471", "4471", " ", "Leeds"], TemplateError::BadValue)]
    #[case::line_break(&["4471", "4471", "Ana\nSTOP", "Leeds"], TemplateError::BadValue)]
    fn wrong_values_are_refused_before_whatsapp_sees_them(
        #[case] values: &[&str],
        #[case] error: TemplateError,
    ) {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        assert_eq!(order_ready().check(&values), Err(error));
    }

    #[test]
    fn a_template_with_a_photo_header_is_refused_with_the_reason_not_sent_without_it() {
        let t = Template::from_graph(&json!({
            "name": "new_arrivals", "language": "en_GB", "status": "APPROVED", "category": "MARKETING",
            "components": [
                { "type": "HEADER", "format": "IMAGE", "example": { "header_handle": ["4::aW1h"] } },
                { "type": "BODY", "text": "New this week, {{1}}!" }
            ]
        }))
        .unwrap();
        assert_eq!((t.header.as_deref(), t.media_header.as_deref()), (None, Some("IMAGE")));
        assert_eq!(t.check(&["Ana".to_owned()]), Err(TemplateError::MediaHeader("photo".to_owned())));
    }

    #[test]
    fn only_approved_templates_are_sent() {
        let t = Template { status: "PENDING".to_owned(), ..order_ready() };
        assert!(matches!(t.check(&[]), Err(TemplateError::NotApproved(_))));
    }
}
