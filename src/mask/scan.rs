//! Finding personal data in text: one pass over the bytes. Most bytes of a chat are letters
//! and spaces that can start nothing, so the loop looks only at a byte that can begin a
//! candidate (a digit, `+` or `(` after a non-word character; an upper-case letter followed by
//! a digit within two places; `@`), reads the candidate's shape, and then asks the check of
//! each identifier it could be ([`super::checks`]). A phone number is asked of the
//! phone-number library only when its shape is right (an international `+`, or the
//! organisation's national format), which keeps the library off the hot path.

use super::checks;
use super::{Detectors, Kind};

/// A piece of personal data in a text: its byte range and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: Kind,
}

/// The longest run of digits and separators read as one candidate.
const MAX_RUN: usize = 48;

/// The fewest digits of anything looked for (an international phone number).
const MIN_DIGITS: usize = 8;

/// Every piece of personal data in `text` the `detectors` look for, in order of where they
/// start (two may share digits: masking covers both).
pub fn find(text: &str, detectors: &Detectors) -> Vec<Found> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let after_word = i > 0 && is_word(b[i - 1]);
        let start_len = found.len();
        let next = match c {
            b'0'..=b'9' | b'+' | b'(' if !after_word => digits_at(b, i, detectors, &mut found),
            b'A'..=b'Z' | b'a'..=b'z' if !after_word && may_start_id(b, i) => {
                letters_at(b, i, detectors, &mut found)
            }
            b'@' => email_at(b, i, detectors, &mut found),
            _ => None,
        };
        match next {
            Some(end) if end > i => i = end,
            _ => {
                debug_assert_eq!(found.len(), start_len);
                i += 1;
            }
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

/// Part of a word: an identifier glued to one is something else. A mask's `*` counts, so
/// masked text is never read again differently.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'*' || c >= 0x80
}

/// A letter followed by a digit within two places (`S1234567D`, `AB123456C`, `AB 12 34 56 C`,
/// `GB82 …`): the only words an identifier can start.
fn may_start_id(b: &[u8], i: usize) -> bool {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    at(1).is_ascii_digit()
        || (at(1).is_ascii_alphabetic()
            && (at(2).is_ascii_digit() || (at(2) == b' ' && at(3).is_ascii_digit())))
}

/// A run of digit groups joined by single separators, from `i`; pushes what it holds and
/// returns where the run ends.
fn digits_at(b: &[u8], i: usize, d: &Detectors, found: &mut Vec<Found>) -> Option<usize> {
    let plus = b[i] == b'+';
    let mut k = i + usize::from(plus);
    // (start, end) of each group of digits; a '(' may open the first group or one after it.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut separators: Vec<u8> = Vec::new();
    loop {
        let open = b.get(k) == Some(&b'(');
        let from = k + usize::from(open);
        let mut to = from;
        while to < b.len() && b[to].is_ascii_digit() && to - i < MAX_RUN {
            to += 1;
        }
        if to == from {
            break;
        }
        let close = open && b.get(to) == Some(&b')');
        groups.push((from, to));
        k = to + usize::from(close);
        let sep = b.get(k).copied().unwrap_or(0);
        let continues = matches!(sep, b' ' | b'-' | b'.')
            && b.get(k + 1).is_some_and(|n| n.is_ascii_digit() || *n == b'(')
            && k - i < MAX_RUN;
        if close && b.get(k).is_some_and(u8::is_ascii_digit) {
            separators.push(b')');
            continue;
        }
        if !continues {
            break;
        }
        separators.push(sep);
        k += 1;
    }
    let &(_, last_end) = groups.last()?;
    let run_end = if b.get(last_end) == Some(&b')') { last_end + 1 } else { last_end };
    // A number glued to a word ("4471abc") is part of something else; and nothing looked for
    // has fewer than eight digits (prices, times, dates and most order numbers stop here).
    let total: usize = groups.iter().map(|&(s, e)| e - s).sum();
    if total < MIN_DIGITS || b.get(run_end).is_some_and(|&c| is_word(c)) {
        return Some(run_end);
    }
    let mut s = 0;
    while s < groups.len() {
        let mut matched = None;
        for e in (s..groups.len()).rev() {
            let start = if s == 0 { i } else { groups[s].0 };
            let end = groups[e].1;
            if let Some(kind) = classify(b, start, end, &groups[s..=e], &separators[s..e], plus && s == 0, d)
            {
                matched = Some((e, Found { start, end, kind }));
                break;
            }
        }
        // The next candidate may start at the last group of this one: masking keeps the last
        // digits readable, and they must not form a number with what follows that was never
        // looked at (masked text is never read differently the second time). Overlapping
        // pieces are masked as one.
        match matched {
            Some((e, f)) => {
                if found.last().is_none_or(|last| f.end > last.end) {
                    found.push(f);
                }
                s = if e > s { e } else { s + 1 };
            }
            None => s += 1,
        }
    }
    Some(run_end)
}

/// What the digit groups `groups` (joined by `separators`) between `start` and `end` are.
fn classify(
    b: &[u8],
    start: usize,
    end: usize,
    groups: &[(usize, usize)],
    separators: &[u8],
    plus: bool,
    d: &Detectors,
) -> Option<Kind> {
    let digits: Vec<u8> = groups.iter().flat_map(|&(s, e)| b[s..e].iter().copied()).collect();
    let sizes: Vec<usize> = groups.iter().map(|&(s, e)| e - s).collect();
    let only = |allowed: &[u8]| separators.iter().all(|s| allowed.contains(s));
    let raw = &b[start..end];
    if plus {
        return (d.has(Kind::Phone) && (8..=15).contains(&digits.len()) && phone(raw, None))
            .then_some(Kind::Phone);
    }
    // A UK sort code written in pairs followed by an eight-digit account number: the shape is
    // distinctive (no check digits are public: the banks' modulus tables are licensed). Before cards: a
    // card is never written in pairs, and some of these pass Luhn.
    if d.has(Kind::UkAccount)
        && sizes == [2, 2, 2, 8]
        && separators[0] == separators[1]
        && matches!(separators[0], b'-' | b' ')
        && matches!(separators[2], b' ' | b'-')
    {
        return Some(Kind::UkAccount);
    }
    if d.has(Kind::Card) && only(b" -") && checks::card(&digits) {
        return Some(Kind::Card);
    }
    if d.has(Kind::InAadhaar)
        && only(b" -")
        && (sizes == [12] || sizes == [4, 4, 4])
        && checks::aadhaar(&digits)
    {
        return Some(Kind::InAadhaar);
    }
    if d.has(Kind::BrCpf)
        && (sizes == [11] || (sizes == [3, 3, 3, 2] && separators == b"..-"))
        && checks::cpf(&digits)
    {
        return Some(Kind::BrCpf);
    }
    if d.has(Kind::UsSsn)
        && sizes == [3, 2, 4]
        && (separators == b"--" || separators == b"  ")
        && checks::ssn(&digits)
    {
        return Some(Kind::UsSsn);
    }
    let national = raw.first().is_some_and(|&c| c == b'0' || c == b'(');
    if d.has(Kind::Phone) && national && (9..=12).contains(&digits.len()) {
        if let Some(region) = d.region {
            if phone(raw, Some(region)) {
                return Some(Kind::Phone);
            }
        }
    }
    None
}

/// Whether the phone-number library takes `raw` as a valid number (international, or national
/// in `region`).
fn phone(raw: &[u8], region: Option<phonenumber::country::Id>) -> bool {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| phonenumber::parse(region, s).ok())
        .is_some_and(|n| phonenumber::is_valid(&n))
}

/// An identifier that starts with letters, from `i`: an IBAN, a UK NINO, a Hong Kong HKID or a
/// Singapore NRIC/FIN.
fn letters_at(b: &[u8], i: usize, d: &Detectors, found: &mut Vec<Found>) -> Option<usize> {
    // Read letters and digits, allowing single spaces between groups, and "(x)" for an HKID.
    let mut chars: Vec<u8> = Vec::with_capacity(34);
    let mut ends: Vec<usize> = Vec::with_capacity(34);
    let mut k = i;
    while k < b.len() && chars.len() < 34 {
        let c = b[k];
        if c.is_ascii_alphanumeric() {
            chars.push(c.to_ascii_uppercase());
            ends.push(k + 1);
            k += 1;
        } else if c == b' ' && b.get(k + 1).is_some_and(u8::is_ascii_alphanumeric) && !chars.is_empty() {
            k += 1;
        } else if c == b'('
            && b.get(k + 2) == Some(&b')')
            && b.get(k + 1).is_some_and(u8::is_ascii_alphanumeric)
        {
            chars.push(b[k + 1].to_ascii_uppercase());
            ends.push(k + 3);
            k += 3;
        } else {
            break;
        }
    }
    // The longest prefix that is one of them, and ends at a word boundary.
    for n in (8..=chars.len()).rev() {
        let end = ends[n - 1];
        if b.get(end).is_some_and(|&c| is_word(c)) {
            continue;
        }
        let candidate = &chars[..n];
        let upper_as_typed = b[i..end].iter().filter(|c| c.is_ascii_alphabetic()).all(u8::is_ascii_uppercase);
        let kind = if d.has(Kind::Iban) && n >= 15 && checks::iban(candidate) {
            Some(Kind::Iban)
        } else if d.has(Kind::UkNino) && n == 9 && checks::nino(candidate) {
            Some(Kind::UkNino)
        } else if d.has(Kind::SgNric) && n == 9 && upper_as_typed && checks::nric(candidate) {
            Some(Kind::SgNric)
        } else if d.has(Kind::Hkid) && (8..=9).contains(&n) && upper_as_typed && checks::hkid(candidate) {
            Some(Kind::Hkid)
        } else {
            None
        };
        if let Some(kind) = kind {
            found.push(Found { start: i, end, kind });
            return Some(end);
        }
    }
    None
}

/// An e-mail address around the `@` at `at`. Its name may reach back into something found
/// before it (`4111 1111 1111 1111@example.com`); masking covers both as one.
fn email_at(b: &[u8], at: usize, d: &Detectors, found: &mut Vec<Found>) -> Option<usize> {
    if !d.has(Kind::Email) {
        return None;
    }
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    // An address's name has at most 64 characters and its domain 255 (RFC 5321): longer runs
    // are masked in their last 64, and a long run of "@" is not read back over and over.
    let mut start = at;
    while start > 0 && at - start < 64 && local(b[start - 1]) {
        start -= 1;
    }
    // The name must start at a boundary: not after another "@", a mask's "*" or a dot.
    let glued = start > 0 && matches!(b[start - 1], b'@' | b'*');
    if start == at || b[start] == b'.' || glued {
        return None;
    }
    let mut end = at + 1;
    while end < b.len()
        && end - at <= 255
        && (b[end].is_ascii_alphanumeric() || b[end] == b'-' || b[end] == b'.')
    {
        end += 1;
    }
    while end > at + 1 && b[end - 1] == b'.' {
        end -= 1;
    }
    let domain = &b[at + 1..end];
    let tld = domain.rsplit(|&c| c == b'.').next().unwrap_or_default();
    let dotted =
        domain.contains(&b'.') && !domain.starts_with(b".") && !domain.windows(2).any(|w| w == b"..");
    if !dotted || tld.len() < 2 || !tld.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    found.push(Found { start, end, kind: Kind::Email });
    Some(end)
}
