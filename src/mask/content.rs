//! Masking a message's content: every field a customer (or staff) wrote freely is masked by
//! the detectors; phone numbers on a shared contact card and numbers in WhatsApp's notices are
//! masked as what they are. The match is exhaustive, so a new kind of content does not
//! compile until it is masked here.

use super::{text, value, DataClass, Detectors, Kind};
use crate::domain::{Content, Media, SharedContact};

/// What an actor may see, class by class, and which detectors run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The detectors.
    pub detectors: Detectors,
    visible: [bool; 4],
}

impl Policy {
    /// `may_see` says per class whether the actor sees it unmasked.
    pub fn new(detectors: Detectors, may_see: impl Fn(DataClass) -> bool) -> Self {
        Self { detectors, visible: DataClass::ALL.map(may_see) }
    }

    /// Whether the actor sees `class` unmasked.
    pub fn sees(&self, class: DataClass) -> bool {
        self.visible[class as usize]
    }

    /// `input` masked for this actor.
    pub fn text(&self, input: &str) -> String {
        text(input, &self.detectors, |c| self.sees(c)).into_owned()
    }

    fn opt(&self, input: Option<&String>) -> Option<String> {
        input.map(|s| self.text(s))
    }

    /// A phone number as such (a contact card's), masked unless contact data is visible.
    fn phone(&self, number: &str) -> String {
        if self.sees(DataClass::Contact) {
            number.to_owned()
        } else {
            value(number, Kind::Phone)
        }
    }

    /// `content` with what the actor may not see masked.
    pub fn content(&self, content: &Content) -> Content {
        match content {
            Content::Text { body } => Content::Text { body: self.text(body) },
            Content::Media(m) => Content::Media(Media {
                caption: self.opt(m.caption.as_ref()),
                filename: self.opt(m.filename.as_ref()),
                ..m.clone()
            }),
            Content::Location { latitude, longitude, name, address } => Content::Location {
                latitude: *latitude,
                longitude: *longitude,
                name: self.opt(name.as_ref()),
                address: self.opt(address.as_ref()),
            },
            Content::Contacts(cards) => Content::Contacts(
                cards
                    .iter()
                    .map(|c| SharedContact {
                        name: self.text(&c.name),
                        phones: c.phones.iter().map(|p| self.phone(p)).collect(),
                        company: self.opt(c.company.as_ref()),
                    })
                    .collect(),
            ),
            Content::Choice { id, title } => Content::Choice { id: id.clone(), title: self.text(title) },
            Content::Question { body, options } => Content::Question {
                body: self.text(body),
                options: options.iter().map(|o| self.text(o)).collect(),
            },
            Content::FormReply { body, answers } => Content::FormReply {
                body: self.opt(body.as_ref()),
                answers: answers.iter().map(|(k, v)| (k.clone(), self.text(v))).collect(),
            },
            Content::Reaction { target, emoji } => {
                Content::Reaction { target: target.clone(), emoji: emoji.clone() }
            }
            Content::Order { note, lines } => {
                Content::Order { note: self.opt(note.as_ref()), lines: lines.clone() }
            }
            // WhatsApp's notices name numbers without a "+": mask every long run of digits.
            Content::System { body } => Content::System {
                body: if self.sees(DataClass::Contact) {
                    self.text(body)
                } else {
                    digit_runs(&self.text(body))
                },
            },
            Content::Edit { target, content } => {
                Content::Edit { target: target.clone(), content: Box::new(self.content(content)) }
            }
            Content::Revoke { target } => Content::Revoke { target: target.clone() },
            Content::Unsupported { kind, reason } => {
                Content::Unsupported { kind: kind.clone(), reason: self.opt(reason.as_ref()) }
            }
        }
    }
}

/// Every run of seven or more digits with all but its last four masked.
fn digit_runs(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 7 {
            out.push_str(&value(run, Kind::Phone));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in input.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden() -> Policy {
        Policy::new(Detectors::default(), |_| false)
    }

    #[test]
    fn every_free_text_field_is_masked() {
        let card = "4111 1111 1111 1111";
        let cases = [
            Content::Text { body: format!("card {card}") },
            Content::Location {
                latitude: None,
                longitude: None,
                name: Some(card.to_owned()),
                address: Some(card.to_owned()),
            },
            Content::Question { body: card.to_owned(), options: vec![card.to_owned()] },
            Content::FormReply {
                body: Some(card.to_owned()),
                answers: vec![("card".to_owned(), card.to_owned())],
            },
            Content::Order { note: Some(card.to_owned()), lines: Vec::new() },
            Content::Choice { id: None, title: card.to_owned() },
            Content::Edit {
                target: "w".to_owned(),
                content: Box::new(Content::Text { body: card.to_owned() }),
            },
        ];
        for content in cases {
            let shown = format!("{:?}", hidden().content(&content));
            assert!(!shown.contains("1111 1111 1111 1111"), "{shown}");
            assert!(shown.contains("**** **** **** 1111"), "{shown}");
        }
    }

    #[test]
    fn a_contact_cards_numbers_and_whatsapps_notices_are_masked_as_numbers() {
        let card = Content::Contacts(vec![SharedContact {
            name: "Priya".to_owned(),
            phones: vec!["650-555-1234".to_owned()],
            company: None,
        }]);
        let Content::Contacts(cards) = hidden().content(&card) else { panic!() };
        assert_eq!(cards[0].phones, ["***-***-1234"]);
        let notice = Content::System { body: "User A changed from 16505551234 to 16505559876".to_owned() };
        assert_eq!(
            hidden().content(&notice),
            Content::System { body: "User A changed from *******1234 to *******9876".to_owned() }
        );
        let seen = Policy::new(Detectors::default(), |c| c == DataClass::Contact);
        assert_eq!(seen.content(&card), card);
    }
}
