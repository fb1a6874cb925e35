//! What contact labels let staff send (issue 4, point 5). Pure, like [`super::decide`]:
//! the caller loads the contact's labels and the template's audience, these rules answer.
//!
//! Two rules, each from the side that owns it:
//! - a **label** may limit the files sent to the contacts carrying it ([`Files`]): the
//!   strictest label on a contact wins;
//! - a **template** may be meant for contacts carrying one of a set of labels (its audience):
//!   a dealer price list for dealers only. An empty audience means every contact.

use crate::domain::{LabelId, MediaKind};

/// Which files may be sent to the contacts carrying a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Files {
    /// Every kind WhatsApp takes (the default).
    Any,
    /// Photos, videos and audio, but no documents.
    NoDocuments,
    /// None at all.
    None,
}

impl Files {
    /// Every policy, from the most open.
    pub const ALL: [Self; 3] = [Self::Any, Self::NoDocuments, Self::None];

    /// Stable name (store and views).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::NoDocuments => "no_documents",
            Self::None => "none",
        }
    }

    /// The policy named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether a file of `kind` passes.
    pub const fn lets(self, kind: MediaKind) -> bool {
        match self {
            Self::Any => true,
            Self::NoDocuments => !matches!(kind, MediaKind::Document),
            Self::None => false,
        }
    }
}

/// A label on the contact, as these rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRule {
    /// The label.
    pub id: LabelId,
    /// Its name (the refusal names the label that decided it).
    pub name: String,
    /// Which files it lets through.
    pub files: Files,
}

/// Why something may not be sent to this contact. The text is safe to show: it names only
/// labels on a contact the actor can see.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The template is meant for contacts with other labels.
    #[error("this template is only for contacts with certain labels, and this contact has none of them")]
    NotInAudience,
    /// A label on the contact limits files.
    #[error("{}", files_message(label, *files))]
    FilesLimited {
        /// The label that decided it.
        label: String,
        /// What it allows.
        files: Files,
    },
}

fn files_message(label: &str, files: Files) -> String {
    match files {
        Files::None => format!("no files may be sent to contacts labelled {label}"),
        _ => format!("documents may not be sent to contacts labelled {label}; photos, videos and audio may"),
    }
}

/// The strictest file policy among the contact's labels, and the label that sets it.
pub fn files_for(contact: &[LabelRule]) -> (Files, Option<&LabelRule>) {
    contact.iter().max_by_key(|l| l.files).map_or((Files::Any, None), |l| (l.files, Some(l)))
}

/// May a file of `kind` be sent to a contact carrying `contact`'s labels?
pub fn may_send_file(contact: &[LabelRule], kind: MediaKind) -> Result<(), Refusal> {
    match files_for(contact) {
        (files, Some(label)) if !files.lets(kind) => {
            Err(Refusal::FilesLimited { label: label.name.clone(), files })
        }
        _ => Ok(()),
    }
}

/// May a template with `audience` be sent to a contact carrying `contact`'s labels?
pub fn may_send_template(contact: &[LabelRule], audience: &[LabelId]) -> Result<(), Refusal> {
    if audience.is_empty() || contact.iter().any(|l| audience.contains(&l.id)) {
        Ok(())
    } else {
        Err(Refusal::NotInAudience)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn label(id: i64, files: Files) -> LabelRule {
        LabelRule { id: LabelId::new(id), name: format!("L{id}"), files }
    }

    #[rstest]
    #[case::no_labels(&[], MediaKind::Document, true)]
    #[case::open_label(&[(1, Files::Any)], MediaKind::Document, true)]
    #[case::photos_pass_no_documents(&[(1, Files::NoDocuments)], MediaKind::Image, true)]
    #[case::documents_stopped(&[(1, Files::NoDocuments)], MediaKind::Document, false)]
    #[case::nothing_passes_none(&[(1, Files::None)], MediaKind::Voice, false)]
    #[case::strictest_label_wins(&[(1, Files::Any), (2, Files::None), (3, Files::NoDocuments)], MediaKind::Image, false)]
    fn a_label_limits_the_files_sent_to_its_contacts(
        #[case] labels: &[(i64, Files)],
        #[case] kind: MediaKind,
        #[case] allowed: bool,
    ) {
        let contact: Vec<LabelRule> = labels.iter().map(|&(id, f)| label(id, f)).collect();
        assert_eq!(may_send_file(&contact, kind).is_ok(), allowed);
    }

    #[test]
    fn the_refusal_names_the_label_that_decided_it() {
        let contact = [label(1, Files::NoDocuments), label(2, Files::None)];
        let refusal = may_send_file(&contact, MediaKind::Image).unwrap_err();
        assert_eq!(refusal.to_string(), "no files may be sent to contacts labelled L2");
    }

    #[rstest]
    #[case::open_template(&[], &[], true)]
    #[case::contact_in_audience(&[1, 2], &[2], true)]
    #[case::contact_without_labels(&[], &[2], false)]
    #[case::contact_with_other_labels(&[1, 3], &[2], false)]
    fn a_template_goes_only_to_its_audience(
        #[case] contact: &[i64],
        #[case] audience: &[i64],
        #[case] allowed: bool,
    ) {
        let contact: Vec<LabelRule> = contact.iter().map(|&id| label(id, Files::Any)).collect();
        let audience: Vec<LabelId> = audience.iter().copied().map(LabelId::new).collect();
        assert_eq!(may_send_template(&contact, &audience).is_ok(), allowed);
    }

    #[test]
    fn policies_round_trip_by_name() {
        for files in Files::ALL {
            assert_eq!(Files::parse(files.as_str()), Some(files));
        }
        assert_eq!(Files::parse("some"), None);
    }

    proptest! {
        /// Adding a label to a contact never lets more files through.
        #[test]
        fn more_labels_never_open_more(
            base in proptest::collection::vec(0usize..3, 0..4),
            extra in 0usize..3,
            kind in proptest::sample::select(vec![MediaKind::Image, MediaKind::Video, MediaKind::Audio, MediaKind::Document]),
        ) {
            let mut contact: Vec<LabelRule> =
                base.iter().enumerate().map(|(i, &f)| label(i as i64, Files::ALL[f])).collect();
            let before = may_send_file(&contact, kind).is_ok();
            contact.push(label(99, Files::ALL[extra]));
            prop_assert!(before || may_send_file(&contact, kind).is_err());
        }
    }
}
