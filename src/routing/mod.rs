//! Routing rules (issue 8 point 2), pure: no I/O. An administrator writes rules, in order;
//! for an inbound message the first enabled rule whose conditions all hold decides where its
//! conversation goes and what happens to it. Within one condition any listed value will do;
//! a condition left empty does not constrain; a rule with no conditions catches everything
//! that reaches it.
//!
//! Rules are checked for a conversation's first message (before anyone has placed it), and
//! for every answer a customer picks from a list or buttons: the customer choosing "Store B"
//! is the clearest signal of where they belong, whenever it comes.

use serde::Deserialize;

use crate::domain::{LabelId, Priority, TeamId};
use crate::error::{Error, Result};

/// The most rules an organisation keeps (each message is checked against all of them).
pub const MAX_RULES: usize = 200;
/// The most values one condition lists.
const MAX_VALUES: usize = 100;
/// The longest a rule's name is.
const MAX_NAME_CHARS: usize = 80;

/// A rule as an administrator writes it (and as it is stored).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// What it is for, in words ("Leeds customers to the Leeds store").
    pub name: String,
    /// Off: kept, never fires.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When it fires.
    #[serde(default)]
    pub when: Conditions,
    /// What it does.
    #[serde(default)]
    pub then: Actions,
}

fn yes() -> bool {
    true
}

/// When a rule fires: every condition that lists something must hold.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The business number written to (its phone number id).
    #[serde(default)]
    pub business_numbers: Vec<String>,
    /// Words or phrases in the message (case and accents as written are ignored for case).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The customer's country calling code (`44`, `852`).
    #[serde(default)]
    pub country_codes: Vec<String>,
    /// A label on the customer's contact.
    #[serde(default)]
    pub labels: Vec<i64>,
    /// The customer came from an ad (click-to-WhatsApp): `true` only those, `false` only the
    /// others.
    #[serde(default)]
    pub from_ad: Option<bool>,
    /// The answer the customer picked from a list or buttons (its title or its id).
    #[serde(default)]
    pub answers: Vec<String>,
    /// The language the message is written in, by its ISO 639-3 code (`eng`, `spa`, `cmn`)
    /// or English name (`Spanish`). A message too short to tell matches none.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Custom fields of the customer's contact: each listed field holds one of its values
    /// (case ignored). Only fields without a sensitivity class: rules are read by everyone
    /// who may view routing.
    #[serde(default)]
    pub fields: Vec<FieldIs>,
    /// The rule's team is open (`true`) or closed (`false`) now, by its business hours. A
    /// team without business hours is always open.
    #[serde(default)]
    pub open: Option<bool>,
}

/// A custom field's value a rule looks for.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldIs {
    /// The field's id.
    pub field: i64,
    /// The values any of which will do.
    pub is: Vec<String>,
}

/// What a rule does.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Actions {
    /// The team that takes the conversation (and the contact).
    #[serde(default)]
    pub team: Option<i64>,
    /// Give it to one of the team's active members.
    #[serde(default)]
    pub agent: Option<AgentPick>,
    /// Put a label on the contact.
    #[serde(default)]
    pub label: Option<i64>,
    /// Set the conversation's priority (`low`, `normal`, `high`, `urgent`).
    #[serde(default)]
    pub priority: Option<String>,
    /// Answer the customer at once.
    #[serde(default)]
    pub reply: Option<AutoReply>,
}

/// How a rule picks the member who gets a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentPick {
    /// Each member in turn: the one who was given one longest ago.
    RoundRobin,
    /// The member with the fewest open conversations in the team.
    LeastBusy,
}

/// An automatic answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AutoReply {
    /// A text.
    Text {
        /// What it says.
        body: String,
    },
    /// A question with a list to choose from ("Which store?"); the answer comes back as a choice
    /// a rule can route on.
    List {
        /// The question.
        body: String,
        /// The label of the button that opens the list.
        button: String,
        /// The answers.
        rows: Vec<String>,
    },
    /// An approved template with nothing to fill in (a utility "thanks, we will answer
    /// within the hour"), in the customer's language, as Meta approved it.
    Template {
        /// Its name in the catalog.
        name: String,
        /// Its language code (`en_GB`).
        language: String,
    },
}

/// What is known of an inbound message when it is routed.
#[derive(Debug, Clone, Default)]
pub struct Inbound<'a> {
    /// The business number's phone number id.
    pub business_number: &'a str,
    /// The message in words.
    pub text: &'a str,
    /// The customer's WhatsApp number (digits, with country code), if known.
    pub customer_number: Option<&'a str>,
    /// The labels on the customer's contact.
    pub labels: &'a [LabelId],
    /// The customer came from an ad.
    pub from_ad: bool,
    /// The answer picked from a list or buttons: (id, title).
    pub answer: Option<(Option<&'a str>, &'a str)>,
    /// The language the message is written in (ISO 639-3), when it can be told ([`language_of`]).
    pub language: Option<&'a str>,
    /// The contact's values of fields without a sensitivity class: (field id, value).
    pub fields: &'a [(i64, &'a str)],
    /// The teams closed now by their business hours.
    pub closed_teams: &'a [TeamId],
}

/// How sure the detector must be before a rule may act on a message's language. whatlang's
/// own `is_reliable` refuses most chat-length messages; measured on short chat lines, real
/// ones score 0.2 and above, and two-letter replies ("ok") under 0.05.
const LANGUAGE_CONFIDENCE: f64 = 0.15;

/// The language `text` is written in (ISO 639-3), if it is long enough to tell.
pub fn language_of(text: &str) -> Option<&'static str> {
    if text.trim().chars().count() < 10 {
        return None;
    }
    whatlang::detect(text)
        .filter(|info| info.confidence() >= LANGUAGE_CONFIDENCE)
        .map(|info| info.lang().code())
}

/// The language named `name`: its ISO 639-3 code or its English name.
fn language_named(name: &str) -> Option<whatlang::Lang> {
    let name = name.trim();
    whatlang::Lang::from_code(name.to_ascii_lowercase())
        .or_else(|| whatlang::Lang::all().iter().copied().find(|l| l.eng_name().eq_ignore_ascii_case(name)))
}

/// A stored rule, in order.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its id.
    pub id: i64,
    /// Its version (each save is one).
    pub version: i64,
    /// What it says.
    pub spec: RuleSpec,
}

impl RuleSpec {
    /// Reads and checks a rule: everything it names must make sense before it is kept.
    pub fn parse(value: &serde_json::Value) -> Result<Self> {
        let spec: Self = serde_json::from_value(value.clone())
            .map_err(|e| Error::Invalid(format!("the rule cannot be read: {e}")))?;
        spec.check()?;
        Ok(spec)
    }

    fn check(&self) -> Result<()> {
        let invalid = |m: &str| Err(Error::Invalid(m.to_owned()));
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return invalid("a rule's name is between 1 and 80 characters");
        }
        let w = &self.when;
        let lists = [&w.business_numbers, &w.keywords, &w.country_codes, &w.answers, &w.languages];
        if lists.iter().any(|l| l.len() > MAX_VALUES) || w.labels.len() > MAX_VALUES {
            return invalid("a condition lists at most 100 values");
        }
        if lists.iter().any(|l| l.iter().any(|v| v.trim().is_empty() || v.chars().count() > 200)) {
            return invalid("each value of a condition is between 1 and 200 characters");
        }
        if w.fields.len() > MAX_VALUES || w.fields.iter().any(|f| f.is.is_empty() || f.is.len() > MAX_VALUES)
        {
            return invalid("a field condition lists 1 to 100 values");
        }
        if w.fields.iter().any(|f| f.is.iter().any(|v| v.trim().is_empty() || v.chars().count() > 200)) {
            return invalid("each value of a condition is between 1 and 200 characters");
        }
        if let Some(unknown) = w.languages.iter().find(|l| language_named(l).is_none()) {
            return Err(Error::Invalid(format!(
                "\"{}\" is not a language: use its three-letter code (eng, spa, cmn) or its English name",
                unknown.chars().take(40).collect::<String>()
            )));
        }
        if w.country_codes
            .iter()
            .any(|c| !(1..=4).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_digit()))
        {
            return invalid("a country calling code is 1 to 4 digits, without + (44, 852)");
        }
        let t = &self.then;
        if w.open.is_some() && t.team.is_none() {
            return invalid("a rule on business hours names the team whose hours count");
        }
        if t.agent.is_some() && t.team.is_none() {
            return invalid("a rule that gives the conversation to someone also names the team they are in");
        }
        if let Some(p) = &t.priority {
            if Priority::parse(p).is_none() {
                return invalid("the priority is low, normal, high or urgent");
            }
        }
        match &t.reply {
            Some(AutoReply::Text { body }) if body.trim().is_empty() || body.chars().count() > 4096 => {
                return invalid("an automatic answer is between 1 and 4096 characters")
            }
            Some(AutoReply::List { rows, .. }) if rows.is_empty() || rows.len() > 10 => {
                return invalid("a list offers one to ten answers")
            }
            Some(AutoReply::Template { name, language })
                if name.trim().is_empty() || language.trim().is_empty() =>
            {
                return invalid("an automatic template is named with its language")
            }
            _ => {}
        }
        if t == &Actions::default() {
            return invalid("a rule does something: a team, a label, a priority or an answer");
        }
        Ok(())
    }

    /// The team it sends conversations to.
    pub fn team(&self) -> Option<TeamId> {
        self.then.team.map(TeamId::new)
    }

    /// Whether its conditions all hold for `m`.
    pub fn matches(&self, m: &Inbound<'_>) -> bool {
        let w = &self.when;
        let any =
            |list: &[String], holds: &dyn Fn(&str) -> bool| list.is_empty() || list.iter().any(|v| holds(v));
        let text = m.text.to_lowercase();
        self.enabled
            && any(&w.business_numbers, &|n| n.trim() == m.business_number)
            && any(&w.keywords, &|k| has_phrase(&text, &k.trim().to_lowercase()))
            && any(&w.country_codes, &|c| {
                m.customer_number.is_some_and(|n| n.trim_start_matches('+').starts_with(c))
            })
            && (w.labels.is_empty() || w.labels.iter().any(|l| m.labels.contains(&LabelId::new(*l))))
            && w.from_ad.is_none_or(|want| want == m.from_ad)
            && any(&w.answers, &|a| {
                m.answer.is_some_and(|(id, title)| {
                    let a = a.trim();
                    title.trim().eq_ignore_ascii_case(a) || id.is_some_and(|id| id.eq_ignore_ascii_case(a))
                })
            })
            && any(&w.languages, &|l| {
                m.language.is_some_and(|code| language_named(l).is_some_and(|l| l.code() == code))
            })
            && w.fields.iter().all(|f| {
                m.fields.iter().any(|(id, value)| {
                    *id == f.field
                        && f.is.iter().any(|v| v.trim().to_lowercase() == value.trim().to_lowercase())
                })
            })
            && w.open.is_none_or(|want| self.team().is_some_and(|t| want != m.closed_teams.contains(&t)))
    }

    /// Whether it routes on the customer's answer (such rules apply to conversations already
    /// placed, too).
    pub fn on_answer(&self) -> bool {
        !self.when.answers.is_empty()
    }
}

/// `phrase` in `text` as whole words ("size" is not in "oversized"). Both lower case.
fn has_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The first rule that fires for `m`, of those in `rules` (in order). `placed`: the
/// conversation has been routed before, so only rules on the customer's answer apply.
pub fn first_match<'r>(rules: &'r [Rule], m: &Inbound<'_>, placed: bool) -> Option<&'r Rule> {
    rules.iter().find(|r| (!placed || r.spec.on_answer()) && r.spec.matches(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn rule(id: i64, spec: serde_json::Value) -> Rule {
        Rule { id, version: 1, spec: RuleSpec::parse(&spec).unwrap() }
    }

    /// The table an organisation of two stores might keep, in order.
    fn table() -> Vec<Rule> {
        vec![
            rule(
                1,
                json!({ "name": "Leeds picked", "when": { "answers": ["Leeds"] }, "then": { "team": 2, "agent": "round_robin" } }),
            ),
            rule(2, json!({ "name": "York picked", "when": { "answers": ["york"] }, "then": { "team": 3 } })),
            rule(
                3,
                json!({ "name": "Refunds are urgent", "when": { "keywords": ["refund", "money back"] }, "then": { "priority": "urgent", "team": 4 } }),
            ),
            rule(
                4,
                json!({ "name": "Hong Kong", "when": { "country_codes": ["852"] }, "then": { "team": 5 } }),
            ),
            rule(
                5,
                json!({ "name": "Ads, second number", "when": { "from_ad": true, "business_numbers": ["222"] }, "then": { "label": 9 } }),
            ),
            rule(6, json!({ "name": "VIP", "when": { "labels": [7] }, "then": { "priority": "high" } })),
            rule(7, json!({ "name": "Off", "enabled": false, "when": {}, "then": { "team": 99 } })),
            rule(
                9,
                json!({ "name": "Spanish", "when": { "languages": ["Spanish", "cat"] }, "then": { "team": 6 } }),
            ),
            rule(
                10,
                json!({ "name": "Gold tier", "when": { "fields": [{ "field": 4, "is": ["gold", "Platinum"] }] }, "then": { "priority": "high" } }),
            ),
            rule(
                11,
                json!({ "name": "York closed", "when": { "keywords": ["york"], "open": false }, "then": { "team": 3, "reply": { "type": "text", "body": "York opens at nine." } } }),
            ),
            rule(
                8,
                json!({ "name": "Ask which store", "then": { "reply": { "type": "list", "body": "Which store?", "button": "Stores", "rows": ["Leeds", "York"] } } }),
            ),
        ]
    }

    const VIP: &[LabelId] = &[LabelId::new(7)];
    const YORK_CLOSED: &[TeamId] = &[TeamId::new(3)];

    const GOLD: &[(i64, &str)] = &[(4, " Gold "), (5, "Leeds")];
    const SILVER: &[(i64, &str)] = &[(4, "Silver")];

    #[rstest]
    #[case::picked_leeds(Inbound { answer: Some((Some("r1"), "Leeds")), ..Default::default() }, false, Some(1))]
    #[case::answer_by_id_any_case(Inbound { answer: Some((Some("YORK"), "York Minster")), ..Default::default() }, false, Some(2))]
    #[case::answers_apply_once_placed(Inbound { answer: Some((None, "leeds")), ..Default::default() }, true, Some(1))]
    #[case::keyword_as_a_word(Inbound { text: "I want a REFUND please", ..Default::default() }, false, Some(3))]
    #[case::phrase(Inbound { text: "can I get my money back?", ..Default::default() }, false, Some(3))]
    #[case::not_inside_a_word(Inbound { text: "refunded already, thanks", ..Default::default() }, false, Some(8))]
    #[case::country(Inbound { customer_number: Some("85291234567"), ..Default::default() }, false, Some(4))]
    #[case::country_is_a_prefix_only(Inbound { customer_number: Some("44852123"), ..Default::default() }, false, Some(8))]
    #[case::ad_on_second_number(Inbound { from_ad: true, business_number: "222", ..Default::default() }, false, Some(5))]
    #[case::ad_on_first_number(Inbound { from_ad: true, business_number: "111", ..Default::default() }, false, Some(8))]
    #[case::label(Inbound { labels: VIP, ..Default::default() }, false, Some(6))]
    #[case::first_in_order_wins(Inbound { text: "refund", customer_number: Some("852"), ..Default::default() }, false, Some(3))]
    #[case::catch_all(Inbound { text: "hello", ..Default::default() }, false, Some(8))]
    #[case::language_by_name(Inbound { language: Some("spa"), ..Default::default() }, false, Some(9))]
    #[case::language_by_code(Inbound { language: Some("cat"), ..Default::default() }, false, Some(9))]
    #[case::another_language(Inbound { language: Some("eng"), ..Default::default() }, false, Some(8))]
    #[case::field_value_any_case(Inbound { fields: GOLD, ..Default::default() }, false, Some(10))]
    #[case::another_field_value(Inbound { fields: SILVER, ..Default::default() }, false, Some(8))]
    #[case::out_of_hours(Inbound { text: "Is York open?", closed_teams: YORK_CLOSED, ..Default::default() }, false, Some(11))]
    #[case::in_hours(Inbound { text: "Is York open?", ..Default::default() }, false, Some(8))]
    #[case::placed_conversations_keep_their_team(Inbound { text: "refund", ..Default::default() }, true, None)]
    fn the_first_rule_that_holds_fires(
        #[case] m: Inbound<'static>,
        #[case] placed: bool,
        #[case] fired: Option<i64>,
    ) {
        assert_eq!(first_match(&table(), &m, placed).map(|r| r.id), fired);
    }

    #[rstest]
    #[case::no_name(json!({ "name": " ", "then": { "team": 1 } }), "name")]
    #[case::does_nothing(json!({ "name": "x" }), "does something")]
    #[case::agent_without_team(json!({ "name": "x", "then": { "agent": "least_busy" } }), "names the team")]
    #[case::bad_country(json!({ "name": "x", "when": { "country_codes": ["+44"] }, "then": { "team": 1 } }), "calling code")]
    #[case::bad_priority(json!({ "name": "x", "then": { "priority": "asap" } }), "priority")]
    #[case::unknown_condition(json!({ "name": "x", "when": { "weather": "rain" }, "then": { "team": 1 } }), "weather")]
    #[case::empty_list(json!({ "name": "x", "then": { "reply": { "type": "list", "body": "?", "button": "b", "rows": [] } } }), "one to ten")]
    #[case::unknown_language(json!({ "name": "x", "when": { "languages": ["en"] }, "then": { "team": 1 } }), "three-letter code")]
    #[case::field_without_values(json!({ "name": "x", "when": { "fields": [{ "field": 1, "is": [] }] }, "then": { "team": 1 } }), "1 to 100 values")]
    #[case::hours_without_team(json!({ "name": "x", "when": { "open": false }, "then": { "priority": "low" } }), "whose hours count")]
    #[case::template_without_language(json!({ "name": "x", "then": { "reply": { "type": "template", "name": "thanks", "language": "" } } }), "with its language")]
    #[case::blank_keyword(json!({ "name": "x", "when": { "keywords": [""] }, "then": { "team": 1 } }), "between 1 and 200")]
    fn a_rule_that_cannot_work_is_refused_and_says_why(#[case] spec: serde_json::Value, #[case] why: &str) {
        let Err(Error::Invalid(said)) = RuleSpec::parse(&spec) else { panic!("accepted {spec}") };
        assert!(said.contains(why), "{said}");
    }

    #[rstest]
    #[case::english("Hello, I ordered a jacket last week and it still has not arrived", Some("eng"))]
    #[case::spanish("Hola, pedí una chaqueta la semana pasada y todavía no ha llegado", Some("spa"))]
    #[case::german("Hallo, ich habe letzte Woche eine Jacke bestellt und sie ist noch nicht da", Some("deu"))]
    #[case::short_question("¿Dónde está mi pedido?", Some("spa"))]
    #[case::too_short_to_tell("ok", None)]
    fn the_language_of_a_message(#[case] text: &str, #[case] code: Option<&str>) {
        assert_eq!(language_of(text), code);
    }
}
