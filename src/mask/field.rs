//! Masking a contact field's value by the field's class (issue 6, point 2).
//!
//! Rules, per class, for an actor who may not see it:
//! - no class: shown, with the detectors masking what they find in it (a card number typed
//!   into a "Notes" field is masked as a card);
//! - health: hidden whole behind a fixed mask, so not even its length shows;
//! - a date of birth (whatever its class): hidden whole, `**/**/****`: a year or a day alone
//!   narrows down who someone is;
//! - contact, financial, identity: every letter and digit but the last four masked, as the
//!   detectors mask numbers, and whole when the value has fewer than eight.
//!
//! An actor who may see the class sees the value with the detectors still masking the other
//! classes they may not see in it.

use super::{keep_last, DataClass, Policy};
use crate::domain::FieldKind;

/// What a health value is shown as.
pub const HIDDEN: &str = "••••••••";
/// What a date of birth is shown as.
pub const HIDDEN_DATE: &str = "**/**/****";

/// The fewest letters and digits a value needs before its last four may show.
const MIN_TO_KEEP_FOUR: usize = 8;

impl Policy {
    /// A contact field's `value` as this actor sees it, and whether anything was masked.
    pub fn field(&self, value: &str, kind: FieldKind, class: Option<DataClass>) -> (String, bool) {
        if class.is_none_or(|c| self.sees(c)) {
            let shown = self.text(value);
            let masked = shown != value;
            return (shown, masked);
        }
        let shown = match (kind, class) {
            (FieldKind::DateOfBirth, _) => HIDDEN_DATE.to_owned(),
            (FieldKind::Text, Some(DataClass::Health)) => HIDDEN.to_owned(),
            (FieldKind::Text, _) => {
                let letters = value.chars().filter(|c| c.is_alphanumeric()).count();
                keep_last(value, if letters >= MIN_TO_KEEP_FOUR { 4 } else { 0 })
            }
        };
        (shown, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::Detectors;
    use rstest::rstest;

    fn hidden() -> Policy {
        Policy::new(Detectors::default(), |_| false)
    }

    #[rstest]
    #[case::no_class(FieldKind::Text, None, "Prefers the Leeds store", "Prefers the Leeds store", false)]
    #[case::no_class_with_a_card(
        FieldKind::Text,
        None,
        "card 4111 1111 1111 1111",
        "card **** **** **** 1111",
        true
    )]
    #[case::health(FieldKind::Text, Some(DataClass::Health), "Nut allergy", HIDDEN, true)]
    #[case::health_short(FieldKind::Text, Some(DataClass::Health), "No", HIDDEN, true)]
    #[case::financial(FieldKind::Text, Some(DataClass::Financial), "GOLD-00412345", "****-****2345", true)]
    #[case::financial_short(FieldKind::Text, Some(DataClass::Financial), "Gold", "****", true)]
    #[case::identity(FieldKind::Text, Some(DataClass::Identity), "P1234567A", "*****567A", true)]
    #[case::date_of_birth(FieldKind::DateOfBirth, Some(DataClass::Identity), "1990-03-12", HIDDEN_DATE, true)]
    #[case::date_of_birth_no_class(FieldKind::DateOfBirth, None, "1990-03-12", "1990-03-12", false)]
    fn a_field_is_masked_by_its_class(
        #[case] kind: FieldKind,
        #[case] class: Option<DataClass>,
        #[case] value: &str,
        #[case] shown: &str,
        #[case] masked: bool,
    ) {
        assert_eq!(hidden().field(value, kind, class), (shown.to_owned(), masked));
    }

    #[test]
    fn who_may_see_the_class_sees_the_value_but_not_the_other_classes_in_it() {
        let sees_identity = Policy::new(Detectors::default(), |c| c == DataClass::Identity);
        let value = "passport P1234567A, card 4111 1111 1111 1111";
        assert_eq!(
            sees_identity.field(value, FieldKind::Text, Some(DataClass::Identity)),
            ("passport P1234567A, card **** **** **** 1111".to_owned(), true)
        );
        assert!(!sees_identity.field("1990-03-12", FieldKind::DateOfBirth, Some(DataClass::Identity)).1);
    }
}
