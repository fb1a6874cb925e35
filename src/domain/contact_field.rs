//! The fields an organisation keeps about its contacts, and what a value of one may be.
//!
//! A field carries a sensitivity class ([`DataClass`], or none): it decides who may reveal
//! the field's values, as a class of data found in a message does. A date of birth is a kind
//! of its own, stored as an ISO date (`1990-03-12`) so that it is checked, not guessed at, and
//! masked whole.

use crate::mask::DataClass;

use super::ContactFieldId;

/// The longest name of a field.
pub const MAX_FIELD_NAME: usize = 40;
/// The longest value of a text field.
pub const MAX_FIELD_VALUE: usize = 500;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A date of birth (`YYYY-MM-DD`).
    DateOfBirth,
}

impl FieldKind {
    /// Stable name (storage, views).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::DateOfBirth => "date_of_birth",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Text, Self::DateOfBirth].into_iter().find(|k| k.as_str() == name)
    }
}

/// A field the organisation keeps about its contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactField {
    /// Its id.
    pub id: ContactFieldId,
    /// Its name, as staff read it ("Loyalty tier").
    pub name: String,
    /// What it holds.
    pub kind: FieldKind,
    /// Who may reveal its values (`None`: anyone who sees the contact; the detectors still
    /// mask what they find in a text).
    pub class: Option<DataClass>,
}

/// The stored name of a field class.
pub const fn class_name(class: Option<DataClass>) -> &'static str {
    match class {
        None => "none",
        Some(c) => c.as_str(),
    }
}

/// The field class named `name` (`"none"` or a [`DataClass::as_str`]).
pub fn parse_class(name: &str) -> Result<Option<DataClass>, String> {
    match name {
        "none" => Ok(None),
        other => DataClass::parse(other)
            .map(Some)
            .ok_or_else(|| "a field's class is one of none, contact, financial, identity, health".to_owned()),
    }
}

/// A field name checked: trimmed, 1 to [`MAX_FIELD_NAME`] characters, no control characters.
pub fn checked_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_FIELD_NAME || name.chars().any(char::is_control) {
        return Err(format!("a field needs a name of 1 to {MAX_FIELD_NAME} characters"));
    }
    Ok(name.to_owned())
}

/// `raw` as a value of a field of `kind`, checked; `today` bounds a date of birth. An empty
/// value is `None` (the field is cleared). The error says what is wrong without repeating the
/// value (it may be personal).
pub fn checked_value(kind: FieldKind, raw: &str, today: chrono::NaiveDate) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match kind {
        FieldKind::Text if value.chars().count() > MAX_FIELD_VALUE || value.chars().any(char::is_control) => {
            Err(format!("a value may have at most {MAX_FIELD_VALUE} characters, on one line"))
        }
        FieldKind::Text => Ok(Some(value.to_owned())),
        FieldKind::DateOfBirth => {
            let date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| "a date of birth is written as year-month-day, such as 1990-03-12".to_owned())?;
            let earliest = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(chrono::NaiveDate::MIN);
            if date > today || date < earliest {
                return Err("a date of birth lies between 1900 and today".to_owned());
            }
            Ok(Some(date.format("%Y-%m-%d").to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    #[rstest]
    #[case::text(FieldKind::Text, "  Gold  ", Ok(Some("Gold")))]
    #[case::cleared(FieldKind::Text, "   ", Ok(None))]
    #[case::two_lines(FieldKind::Text, "a\nb", Err("on one line"))]
    #[case::too_long(FieldKind::Text, &"x".repeat(501), Err("at most 500"))]
    #[case::date(FieldKind::DateOfBirth, "1990-03-12", Ok(Some("1990-03-12")))]
    #[case::date_unpadded(FieldKind::DateOfBirth, "1990-3-2", Ok(Some("1990-03-02")))]
    #[case::not_a_date(FieldKind::DateOfBirth, "12/03/1990", Err("year-month-day"))]
    #[case::no_such_day(FieldKind::DateOfBirth, "1990-02-30", Err("year-month-day"))]
    #[case::future(FieldKind::DateOfBirth, "2027-01-01", Err("between 1900 and today"))]
    #[case::too_old(FieldKind::DateOfBirth, "1899-12-31", Err("between 1900 and today"))]
    fn a_value_is_checked_for_its_kind(
        #[case] kind: FieldKind,
        #[case] raw: &str,
        #[case] expected: Result<Option<&str>, &str>,
    ) {
        match (checked_value(kind, raw, today()), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got.as_deref(), want),
            (Err(got), Err(want)) => {
                assert!(got.contains(want), "{got}");
                assert!(
                    !got.contains(raw.trim()) || raw.trim().is_empty(),
                    "the value is not repeated: {got}"
                );
            }
            (got, want) => panic!("{got:?} but expected {want:?}"),
        }
    }

    #[test]
    fn names_and_classes_read_back() {
        assert_eq!(checked_name("  Loyalty tier "), Ok("Loyalty tier".to_owned()));
        assert!(checked_name("").is_err());
        for class in [None, Some(DataClass::Health), Some(DataClass::Identity)] {
            assert_eq!(parse_class(class_name(class)), Ok(class));
        }
        assert!(parse_class("secret").is_err());
        assert_eq!(FieldKind::parse("date_of_birth"), Some(FieldKind::DateOfBirth));
    }
}
