//! What someone types into the search box becomes an FTS5 query: it must never panic, never
//! let a quote, column filter or operator through as syntax (every term is one quoted run of
//! letters and digits), and the snippet shown for any text must never show a valid card
//! number that masking hides.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let (query, body) = input.split_once('\0').unwrap_or((input, input));
    let Ok(terms) = countersign::api::search::terms(query) else { return };
    assert!(!terms.is_empty() && terms.len() <= 8);
    let fts = countersign::api::search::fts_query(&terms);
    // `"a" "b" "c"*`: quoted terms of letters and digits, the last a prefix.
    let inner = fts.strip_suffix('*').expect("the last term is a prefix");
    for part in inner.split(' ') {
        let word = part.strip_prefix('"').and_then(|p| p.strip_suffix('"')).expect("each term quoted");
        assert!(!word.is_empty() && word.chars().all(char::is_alphanumeric), "{fts}");
    }
    let policy = countersign::mask::Policy::new(countersign::mask::Detectors::default(), |_| false);
    if let Some(snippet) = countersign::api::search::shown(body, &terms, &policy) {
        assert!(snippet.chars().count() <= 170);
    }
});
