//! Where a conversation stands in the team's work, and what private notes mention.

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationStatus {
    /// Someone here has to act.
    Open,
    /// Waiting: on the customer, on stock, on a manager.
    Pending,
    /// Done. The customer's next message opens it again.
    Resolved,
}

/// A conversation's place in the team's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// After everything else.
    Low,
    /// The default.
    Normal,
    /// Before normal ones.
    High,
    /// First.
    Urgent,
}

macro_rules! named {
    ($ty:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $ty {
            /// Every value, in order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];
            /// The stable name in the store, the API and the audit trail.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }
            /// Parses a stable name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

named!(ConversationStatus { Open = "open", Pending = "pending", Resolved = "resolved" });
named!(Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" });

/// The longest a private note may be (WhatsApp's own limit for a text, so a note pasted into
/// a reply, or the other way round, always fits).
pub const MAX_NOTE_CHARS: usize = 4096;

/// The user names a note mentions: `@name` at the start or after a space or opening
/// punctuation, in the order first written, each once. An e-mail address (`anna@example.com`)
/// mentions nobody. Names are compared as the store keeps them (lowercase).
pub fn mentions(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        let starts = c == '@' && previous.is_none_or(|p| p.is_whitespace() || "([{\"'".contains(p));
        previous = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[at + 1..];
        let end = rest.find(|ch: char| !is_name_char(ch)).unwrap_or(rest.len());
        // A name ends with a letter or digit: "@anna." at the end of a sentence is "anna".
        let name = rest[..end].trim_end_matches(['.', '-', '_']).to_lowercase();
        if !name.is_empty() && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-' | '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case::one("@maria.manager please look", &["maria.manager"])]
    #[case::end_of_sentence("Thanks @anna.", &["anna"])]
    #[case::several_once("@a and @b, then @a again", &["a", "b"])]
    #[case::in_brackets("(@sam) said so", &["sam"])]
    #[case::email_is_not_a_mention("write to anna@example.com", &[])]
    #[case::bare_at("meet @ 5pm", &[])]
    #[case::case_folded("@Maria", &["maria"])]
    fn finds_mentions(#[case] text: &str, #[case] expected: &[&str]) {
        assert_eq!(mentions(text), expected);
    }

    #[rstest]
    fn names_round_trip() {
        for s in ConversationStatus::ALL {
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(*s));
        }
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(*p));
        }
        assert_eq!(Priority::parse("URGENT"), None);
    }

    proptest! {
        /// Whatever is typed, each mention is a non-empty name written in the text after an @.
        #[test]
        fn mentions_are_names_written_after_an_at(text in "[a-zA-Z0-9@._ ()'-]{0,120}") {
            let lower = text.to_lowercase();
            for name in mentions(&text) {
                let written = format!("@{name}");
                prop_assert!(!name.is_empty());
                prop_assert!(lower.contains(&written), "{} not in {}", written, text);
            }
        }
    }
}
