//! Chat-like text for the masking figures (shared by `benches/masking.rs` and the load
//! harness): everyday lines with prices, dates, sizes and order numbers that must stay
//! readable, and lines carrying one piece of personal data each, all different.

use countersign::mask::{self, CustomPattern, DataClass, Detectors, PatternSpec};

pub const PLAIN: &[&str] = &[
    "Hi! Do you have the blue trail runners in size 39?",
    "My order #4471 hasn't arrived yet, can you check?",
    "The tracking page says 'label created' since Monday.",
    "Bonjour, est-ce que la boutique est ouverte dimanche ? 🙂",
    "Can I pick them up at the Main Street store on 12/03 at 10:30?",
    "It was £89.99 last week, is the price still the same?",
    "Thanks so much, see you Saturday!",
    "Order 100234 was two pairs, I only got one.",
    "Ok great, thank you!",
    "Is there parking near the Leeds store (LS1 6HD)?",
];

/// A line with one piece of personal data, different for every `n`.
pub fn personal(n: usize) -> String {
    let luhn_card = |n: usize| {
        let body = format!("4{:014}", 11_111_111_111_111 + n as u64 * 7919);
        (0..10).map(|d| format!("{body}{d}")).find(|c| mask::checks::luhn(c.as_bytes())).unwrap_or(body)
    };
    match n % 5 {
        0 => format!("Sure, my card is {}, expiry 09/27.", luhn_card(n)),
        1 => format!("You can reach me on +44 7400 {:06} after 5pm.", 100_000 + n % 900_000),
        2 => format!("Send the invoice to customer{n}@example.com please"),
        3 => "Refund to GB82 WEST 1234 5698 7654 32 if that's easier.".to_owned(),
        _ => format!("My HKID is A{:06}(3), do you need it?", 123_456),
    }
}

/// About `bytes` of chat in which every `every`-th line carries personal data.
pub fn chat(bytes: usize, every: usize) -> String {
    let mut text = String::with_capacity(bytes + 128);
    let mut i = 0;
    while text.len() < bytes {
        if every > 0 && i % every == every - 1 {
            text.push_str(&personal(i));
        } else {
            text.push_str(PLAIN[i % PLAIN.len()]);
        }
        text.push('\n');
        i += 1;
    }
    text
}

/// The default detectors with two custom patterns.
pub fn with_patterns() -> Detectors {
    let spec = |name: &str, pattern: &str| PatternSpec {
        name: name.to_owned(),
        pattern: pattern.to_owned(),
        class: DataClass::Financial,
        keep_last: 4,
    };
    let patterns = CustomPattern::compile_all(vec![
        spec("Loyalty card", r"\bLOY-?\d{8}\b"),
        spec("Member number", r"\bM[0-9]{7}[A-Z]\b"),
    ]);
    match patterns {
        Ok(patterns) => Detectors::default().with_patterns(patterns),
        Err(e) => {
            eprintln!("the benchmark's patterns do not compile: {e}");
            std::process::exit(1)
        }
    }
}
