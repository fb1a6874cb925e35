//! Masking personal data. Pure.
//!
//! Customers write card numbers, bank details, identity numbers, phone numbers and e-mail
//! addresses in chat. [`find`] locates them with validation, not bare patterns (a card passes
//! Luhn, an IBAN its country's length and mod-97, an identity number its check digits, a
//! phone number the phone-number library), so order numbers, dates and prices stay readable.
//! [`text`] masks what the actor may not see, class by class ([`DataClass`]): an agent sees
//! `**** **** **** 1234`, enough to confirm "the card ending 1234" with the customer.
//!
//! An organisation adds its own identifiers (loyalty cards, member numbers) as
//! [`CustomPattern`]s; [`matches`] reports what the detectors and those patterns find, and
//! [`text`] masks both the same way.
//!
//! A customer's WhatsApp number itself is masked by [`phone`] unless the actor may reveal
//! contact data.

pub mod accuracy;
pub mod checks;
mod content;
pub mod custom;
mod field;
mod scan;

use std::borrow::Cow;
use std::sync::Arc;

pub use content::Policy;
pub use custom::{CustomPattern, PatternError, PatternSpec};
pub use scan::{find, Found};

/// The sensitivity of a piece of data; a reveal permission exists per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataClass {
    /// Phone numbers and e-mail addresses.
    Contact,
    /// Card and bank numbers.
    Financial,
    /// Identity numbers.
    Identity,
    /// Health information (contact fields only; nothing detects it in free text).
    Health,
}

impl DataClass {
    /// Every class.
    pub const ALL: [Self; 4] = [Self::Contact, Self::Financial, Self::Identity, Self::Health];

    /// Stable name (settings, views, the audit trail).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Financial => "financial",
            Self::Identity => "identity",
            Self::Health => "health",
        }
    }

    /// The class named `name` ([`DataClass::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// A set of data classes (those an actor may reveal, those an organisation has a manager
/// approve); kept in [`DataClass::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ClassSet([bool; 4]);

impl ClassSet {
    /// No class.
    pub const NONE: Self = Self([false; 4]);

    /// The classes for which `f` holds.
    pub fn of(f: impl Fn(DataClass) -> bool) -> Self {
        Self(DataClass::ALL.map(f))
    }

    /// Whether `class` is in the set.
    pub const fn contains(self, class: DataClass) -> bool {
        self.0[class as usize]
    }

    /// Whether no class is in the set.
    pub fn is_empty(self) -> bool {
        self == Self::NONE
    }

    /// The classes in either set.
    pub fn union(self, other: Self) -> Self {
        Self::of(|c| self.contains(c) || other.contains(c))
    }

    /// The classes of this set that are not in `other`.
    pub fn without(self, other: Self) -> Self {
        Self::of(|c| self.contains(c) && !other.contains(c))
    }

    /// The classes, in order.
    pub fn iter(self) -> impl Iterator<Item = DataClass> {
        DataClass::ALL.into_iter().filter(move |&c| self.contains(c))
    }

    /// Their names ([`DataClass::as_str`]).
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(DataClass::as_str).collect()
    }

    /// As settings and the store keep it: `financial,identity`; `""` for none.
    pub fn to_text(self) -> String {
        self.names().join(",")
    }

    /// A list of names, comma-separated or given one by one; an unknown name is an error
    /// (never a wider set), naming it.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut set = [false; 4];
        for name in names.into_iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
            let class = DataClass::parse(name).ok_or_else(|| {
                format!("{name:?} is not a class of data: contact, financial, identity or health")
            })?;
            set[class as usize] = true;
        }
        Ok(Self(set))
    }
}

impl FromIterator<DataClass> for ClassSet {
    fn from_iter<I: IntoIterator<Item = DataClass>>(iter: I) -> Self {
        let mut set = [false; 4];
        for class in iter {
            set[class as usize] = true;
        }
        Self(set)
    }
}

/// What a detector finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A payment card number.
    Card,
    /// An IBAN.
    Iban,
    /// A UK bank account: sort code and account number (`20-00-00 55779911`).
    UkAccount,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A US Social Security number.
    UsSsn,
    /// A UK National Insurance number.
    UkNino,
    /// A Hong Kong identity card number.
    Hkid,
    /// A Singapore NRIC or FIN.
    SgNric,
    /// An Indian Aadhaar number.
    InAadhaar,
    /// A Brazilian CPF.
    BrCpf,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Self; 11] = [
        Self::Card,
        Self::Iban,
        Self::UkAccount,
        Self::Email,
        Self::Phone,
        Self::UsSsn,
        Self::UkNino,
        Self::Hkid,
        Self::SgNric,
        Self::InAadhaar,
        Self::BrCpf,
    ];

    /// Its class.
    pub const fn class(self) -> DataClass {
        match self {
            Self::Card | Self::Iban | Self::UkAccount => DataClass::Financial,
            Self::Email | Self::Phone => DataClass::Contact,
            Self::UsSsn | Self::UkNino | Self::Hkid | Self::SgNric | Self::InAadhaar | Self::BrCpf => {
                DataClass::Identity
            }
        }
    }

    /// Stable name (settings, reports).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Iban => "iban",
            Self::UkAccount => "uk_account",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::UsSsn => "us_ssn",
            Self::UkNino => "uk_nino",
            Self::Hkid => "hk_hkid",
            Self::SgNric => "sg_nric",
            Self::InAadhaar => "in_aadhaar",
            Self::BrCpf => "br_cpf",
        }
    }

    /// The kind named `name` ([`Kind::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Which detectors run, the organisation's country for phone numbers written in national
/// format (without one, only international `+…` numbers are recognised), and its own patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detectors {
    enabled: u16,
    region: Option<phonenumber::country::Id>,
    patterns: Arc<[CustomPattern]>,
}

impl Default for Detectors {
    /// Every detector; international phone numbers only; no custom pattern.
    fn default() -> Self {
        Self::only(&Kind::ALL)
    }
}

impl Detectors {
    /// Only `kinds`.
    pub fn only(kinds: &[Kind]) -> Self {
        Self { enabled: kinds.iter().fold(0, |bits, k| bits | k.bit()), region: None, patterns: Arc::new([]) }
    }

    /// National phone numbers of `region` too.
    pub fn with_region(self, region: phonenumber::country::Id) -> Self {
        Self { region: Some(region), ..self }
    }

    /// The organisation's own patterns too.
    pub fn with_patterns(self, patterns: Arc<[CustomPattern]>) -> Self {
        Self { patterns, ..self }
    }

    /// The organisation's own patterns.
    pub fn patterns(&self) -> &[CustomPattern] {
        &self.patterns
    }

    /// Whether `kind` is looked for.
    pub const fn has(&self, kind: Kind) -> bool {
        self.enabled & kind.bit() != 0
    }
}

/// What a detector or one of the organisation's patterns found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match<'d> {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Its class (who may reveal it).
    pub class: DataClass,
    /// What it is: a [`Kind::as_str`], or a custom pattern's name.
    pub label: &'d str,
    how: How,
}

/// How a match is masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Kind(Kind),
    KeepLast(usize),
}

impl How {
    /// Characters it leaves readable at the end (a built-in kind keeps four).
    fn keeps(self) -> usize {
        match self {
            Self::Kind(_) => 4,
            Self::KeepLast(n) => n,
        }
    }
}

/// Everything the built-in detectors and the organisation's patterns find in `input`, in order
/// of where it starts (pieces may overlap: masking covers them as one).
pub fn matches<'d>(input: &str, detectors: &'d Detectors) -> Vec<Match<'d>> {
    let found = find(input, detectors);
    if found.is_empty() && detectors.patterns.is_empty() {
        return Vec::new(); // most messages: nothing to convert
    }
    let mut all: Vec<Match<'d>> = found
        .into_iter()
        .map(|f| Match {
            start: f.start,
            end: f.end,
            class: f.kind.class(),
            label: f.kind.as_str(),
            how: How::Kind(f.kind),
        })
        .collect();
    if detectors.patterns.is_empty() {
        return all; // in order already
    }
    for p in detectors.patterns.iter() {
        all.extend(p.ranges(input).map(|(start, end)| Match {
            start,
            end,
            class: p.class(),
            label: p.name(),
            how: How::KeepLast(p.keep_last()),
        }));
    }
    all.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    all
}

/// `input` with every piece of data the actor may not see (`may_see` says per class) masked.
/// Borrowed when nothing needed masking.
///
/// Masking keeps the last digits of a value readable, and those may form a new candidate with
/// what follows (a phone number's last four and the digits after it); so the text is masked
/// again until nothing is left to mask. Each further pass only runs when the one before masked
/// something, and each masks at least one more character, so it ends.
pub fn text<'a>(input: &'a str, detectors: &Detectors, may_see: impl Fn(DataClass) -> bool) -> Cow<'a, str> {
    let mut current = match mask_once(input, detectors, &may_see) {
        None => return Cow::Borrowed(input),
        Some(masked) => masked,
    };
    // (Bounded all the same: a text that kept changing would be masked whole.)
    for _ in 0..MAX_PASSES {
        match mask_once(&current, detectors, &may_see) {
            Some(again) => current = again,
            None => return Cow::Owned(current),
        }
    }
    Cow::Owned(current.chars().map(|c| if c.is_ascii_alphanumeric() { '*' } else { c }).collect())
}

const MAX_PASSES: usize = 16;

/// One pass of [`text`]: `None` when nothing needed masking.
fn mask_once(input: &str, detectors: &Detectors, may_see: &impl Fn(DataClass) -> bool) -> Option<String> {
    // Pieces that share characters are one region, masked if any of them is hidden, the way
    // the first of them is masked; where a custom pattern is among them, keeping no more than
    // the strictest of them keeps.
    let mut regions: Vec<(usize, usize, How, bool)> = Vec::new();
    for m in matches(input, detectors) {
        let hidden = !may_see(m.class);
        match regions.last_mut() {
            Some(last) if m.start < last.1 => {
                if m.how != last.2
                    && (matches!(m.how, How::KeepLast(_)) || matches!(last.2, How::KeepLast(_)))
                {
                    last.2 = How::KeepLast(m.how.keeps().min(last.2.keeps()));
                }
                last.1 = last.1.max(m.end);
                last.3 |= hidden;
            }
            _ => regions.push((m.start, m.end, m.how, hidden)),
        }
    }
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    let mut changed = false;
    for (start, end, how, _) in regions.into_iter().filter(|r| r.3) {
        let masked = match how {
            How::Kind(kind) => value(&input[start..end], kind),
            How::KeepLast(keep) => keep_last(&input[start..end], keep),
        };
        changed |= masked != input[start..end];
        out.push_str(&input[at..start]);
        out.push_str(&masked);
        at = end;
    }
    out.push_str(&input[at..]);
    changed.then_some(out)
}

/// One value masked: all but its last four letters and digits become `*` (separators stay, so
/// `4111 1111 1111 1234` reads `**** **** **** 1234`); an IBAN keeps its country; an e-mail
/// address keeps the first letter of its name and domain, and the domain's ending.
pub fn value(found: &str, kind: Kind) -> String {
    if kind == Kind::Email {
        if let Some((local, domain)) = found.split_once('@') {
            let first = |s: &str| s.chars().next().unwrap_or('*');
            let tld = domain.rsplit('.').next().unwrap_or_default();
            return format!("{}***@{}***.{tld}", first(local), first(domain));
        }
    }
    let keep_head = if kind == Kind::Iban { 2 } else { 0 };
    mask_but(found, keep_head, 4, char::is_ascii_alphanumeric)
}

/// `found` with every letter and digit but its last `keep` masked (any script: a custom
/// pattern may match letters beyond ASCII).
fn keep_last(found: &str, keep: usize) -> String {
    mask_but(found, 0, keep, |c| c.is_alphanumeric())
}

/// `found` with each character that `counts` but the first `head` and the last `tail` of them
/// masked; the others (separators) stay.
fn mask_but(found: &str, head: usize, tail: usize, counts: fn(&char) -> bool) -> String {
    let total = found.chars().filter(counts).count();
    let keep_from = total.saturating_sub(tail);
    let mut seen = 0;
    found
        .chars()
        .map(|c| {
            if !counts(&c) {
                return c;
            }
            seen += 1;
            if seen <= head || seen > keep_from {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// A customer's WhatsApp number with only the last four digits shown: `16505551234` →
/// `+*******1234`.
pub fn phone(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().filter(char::is_ascii_digit).collect();
    let keep = chars.len().saturating_sub(4);
    let tail: String = chars[keep..].iter().collect();
    format!("+{}{}", "*".repeat(keep), tail)
}

#[cfg(test)]
mod tests {
    #[test]
    fn class_sets_keep_one_order_and_refuse_unknown_names() {
        let set = ClassSet::parse(["identity, financial", "identity"]).unwrap();
        assert_eq!(set.to_text(), "financial,identity");
        assert_eq!(ClassSet::parse([set.to_text().as_str()]).unwrap(), set);
        assert_eq!(ClassSet::parse([""]).unwrap(), ClassSet::NONE);
        let refused = ClassSet::parse(["financial,everything"]).unwrap_err();
        assert!(refused.contains("\"everything\""), "{refused}");
        let contact: ClassSet = [DataClass::Contact].into_iter().collect();
        assert_eq!(set.union(contact).without(set), contact);
    }

    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn masked(input: &str) -> String {
        let detectors = Detectors::default().with_region(phonenumber::country::Id::GB);
        text(input, &detectors, |_| false).into_owned()
    }

    #[rstest]
    #[case::card("my card is 4111 1111 1111 1111 exp 12/27", "my card is **** **** **** 1111 exp 12/27")]
    #[case::card_dashes("4111-1111-1111-1111", "****-****-****-1111")]
    #[case::card_plain("pay with 5555555555554444.", "pay with ************4444.")]
    #[case::iban("IBAN: GB82 WEST 1234 5698 7654 32 thanks", "IBAN: GB** **** **** **** **54 32 thanks")]
    #[case::email("write to ana.souza@example.com!", "write to a***@e***.com!")]
    #[case::phone_international("call +44 7400 123456 after 5", "call +** **** **3456 after 5")]
    #[case::phone_national("or 07400 123456", "or ***** **3456")]
    #[case::phone_us("text +1 650-555-0101", "text +* ***-***-0101")]
    #[case::uk_account("sort code and account 20-00-00 55779911", "sort code and account **-**-** ****9911")]
    #[case::uk_account_spaced("pay 40 47 84 70872490 today", "pay ** ** ** ****2490 today")]
    #[case::ssn("SSN 123-45-6789", "SSN ***-**-6789")]
    #[case::nino("NI AB 12 34 56 C", "NI ** ** *4 56 C")]
    #[case::hkid("HKID A123456(3)", "HKID ****456(3)")]
    #[case::nric("NRIC S1234567D", "NRIC *****567D")]
    #[case::aadhaar("aadhaar 2341 2341 2346", "aadhaar **** **** 2346")]
    #[case::cpf("CPF 529.982.247-25", "CPF ***.***.*47-25")]
    #[case::two_numbers("4111111111111111 07400123456", "************1111 *******3456")]
    #[case::sharing_digits("07400 12 4111 1111 1111654 32", "***** ** **** **** *****54 32")]
    #[case::card_glued_to_an_address("4111 1111 1111 1111@example.com", "**** **** **** ****@******e.com")]
    fn personal_data_is_masked(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(masked(input), expected);
    }

    // Near-misses that must stay as written.
    #[rstest]
    #[case::order_number("Order #4471 and order 100234")]
    #[case::long_order_number("order 123456789012 shipped")]
    #[case::date("I'll come on 12/03/2024 at 10:30")]
    #[case::dotted_date("born 12.03.1990")]
    #[case::price("it was £1,299.99 or 1299.00")]
    #[case::almost_a_card("4111 1111 1111 1112")]
    #[case::postcode("LS1 6HD and SW1A 1AA")]
    #[case::word_with_digits("size 39, model AB12, ticket A12")]
    #[case::glued("4111111111111111abc")]
    #[case::at_sign_alone("see you @ 5")]
    #[case::masked_email_followed_by_another("1***@e***.comuza@example.com")]
    #[case::id_glued_to_a_masked_one("A123456(3)****456(3)")]
    #[case::product_code("SKU GB82WEST")]
    #[case::date_and_order("on 12-03-24 order 55779911")]
    #[case::sort_code_alone("sort code 20-00-00")]
    fn near_misses_stay_readable(#[case] input: &str) {
        assert_eq!(masked(input), input);
    }

    #[test]
    fn an_address_with_a_name_longer_than_allowed_is_masked_in_its_last_64() {
        let input = format!("{}@example.com", "a".repeat(70));
        assert_eq!(masked(&input), format!("{}a***@e***.com", "a".repeat(6)));
    }

    #[test]
    fn only_the_classes_the_actor_may_not_see_are_masked() {
        let input = "card 4111 1111 1111 1111, mail ana@example.com";
        let shown = text(input, &Detectors::default(), |class| class == DataClass::Contact);
        assert_eq!(shown, "card **** **** **** 1111, mail ana@example.com");
        assert!(matches!(text("nothing here", &Detectors::default(), |_| false), Cow::Borrowed(_)));
    }

    #[test]
    fn a_detector_left_out_finds_nothing() {
        let input = "NRIC S1234567D";
        assert_eq!(text(input, &Detectors::only(&[Kind::Card]), |_| false), input);
    }

    fn with_pattern(pattern: &str, class: DataClass, keep_last: u8) -> Detectors {
        let spec = PatternSpec { name: "Ours".to_owned(), pattern: pattern.to_owned(), class, keep_last };
        Detectors::default().with_patterns(CustomPattern::compile_all(vec![spec]).unwrap())
    }

    #[rstest]
    #[case::keeps_what_it_says(r"\bLOY-?\d{8}\b", 2, "points on LOY-12345678!", "points on ***-******78!")]
    #[case::keeps_nothing(r"\bM\d{7}[A-Z]\b", 0, "member M1234567X here", "member ********* here")]
    #[case::letters_beyond_ascii(r"Ключ-\d{6}", 1, "Ключ-123456", "****-*****6")]
    #[case::the_strictest_wins_over_a_card(
        r"\d{4} \d{4} \d{4} \d{4}",
        0,
        "4111 1111 1111 1111",
        "**** **** **** ****"
    )]
    #[case::a_card_is_still_masked_inside_a_loose_pattern(
        r"\d{6,}",
        4,
        "4111111111111111",
        "************1111"
    )]
    #[case::no_match_no_change(r"\bLOY-?\d{8}\b", 4, "order LOY-1234", "order LOY-1234")]
    fn an_organisations_own_pattern_is_masked(
        #[case] pattern: &str,
        #[case] keep: u8,
        #[case] input: &str,
        #[case] expected: &str,
    ) {
        let detectors = with_pattern(pattern, DataClass::Financial, keep);
        let once = text(input, &detectors, |_| false).into_owned();
        assert_eq!(once, expected);
        assert_eq!(text(&once, &detectors, |_| false), once, "idempotent");
        assert!(matches(&once, &detectors).is_empty(), "nothing left to mask in {once}");
    }

    #[test]
    fn a_patterns_class_decides_who_sees_it() {
        let detectors = with_pattern(r"\bPX-\d{6}\b", DataClass::Health, 4);
        let input = "prescription PX-123456, card 4111 1111 1111 1111";
        let found: Vec<_> = matches(input, &detectors).iter().map(|m| (m.label, m.class)).collect();
        assert_eq!(found, [("Ours", DataClass::Health), ("card", DataClass::Financial)]);
        let health_only = text(input, &detectors, |c| c == DataClass::Health);
        assert_eq!(health_only, "prescription PX-123456, card **** **** **** 1111");
        assert_eq!(
            text(input, &detectors, |c| c != DataClass::Health),
            "prescription **-**3456, card 4111 1111 1111 1111"
        );
    }

    #[rstest]
    #[case::us_number("16505551234", "+*******1234")]
    #[case::with_plus("+447700900123", "+********0123")]
    #[case::short("123", "+123")]
    #[case::empty("", "+")]
    fn whatsapp_number(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(phone(input), expected);
    }

    /// A valid card number from 15 random digits and its Luhn check digit.
    fn card_number() -> impl Strategy<Value = String> {
        "[1-9][0-9]{14}".prop_map(|body| {
            (0..10u8).map(|d| format!("{body}{d}")).find(|n| checks::luhn(n.as_bytes())).unwrap()
        })
    }

    proptest! {
        #[test]
        fn masking_is_idempotent(text_in in "[ -~]{0,80}", card in card_number()) {
            let input = format!("{text_in} {card} {text_in}");
            let once = masked(&input);
            prop_assert_eq!(masked(&once), once.clone());
        }

        #[test]
        fn no_output_holds_a_full_card_number(before in "[a-z ]{0,20}", card in card_number(), sep in "[ -]?") {
            let grouped: String = card.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(&sep);
            let out = masked(&format!("{before} {grouped} ok"));
            let digits: String = out.chars().filter(char::is_ascii_digit).collect();
            prop_assert!(!digits.contains(&card), "{out}");
        }

        #[test]
        fn masking_never_shows_more(input in "[ -~]{0,120}") {
            let out = masked(&input);
            let visible = |s: &str| s.chars().filter(|c| *c != '*').count();
            prop_assert!(visible(&out) <= visible(&input));
        }

        #[test]
        fn never_more_than_four_digits_of_a_whatsapp_number(digits in "[0-9]{5,20}") {
            let shown = phone(&digits);
            prop_assert_eq!(shown.chars().filter(char::is_ascii_digit).count(), 4);
        }
    }
}
