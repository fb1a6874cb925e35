//! Masking personal data in views. Pure.
//!
//! A customer's phone number is shown only to actors whose grants include
//! `contacts.view_phone`; everyone else sees the last four digits, enough to confirm "the
//! customer ending 1234" at the counter without being able to copy the number.

/// Shows only the last four digits: `16505551234` → `+*******1234`.
pub fn phone(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().filter(char::is_ascii_digit).collect();
    let keep = chars.len().saturating_sub(4);
    let tail: String = chars[keep..].iter().collect();
    format!("+{}{}", "*".repeat(keep), tail)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    #[rstest]
    #[case::us_number("16505551234", "+*******1234")]
    #[case::with_plus("+447700900123", "+********0123")]
    #[case::short("123", "+123")]
    #[case::empty("", "+")]
    fn phone(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(super::phone(input), expected);
    }

    proptest::proptest! {
        #[test]
        fn never_shows_more_than_four_digits(digits in "[0-9]{5,20}") {
            let shown = super::phone(&digits);
            proptest::prop_assert_eq!(shown.chars().filter(char::is_ascii_digit).count(), 4);
        }
    }
}
