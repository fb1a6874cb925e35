//! A contacts file comes from anywhere (a spreadsheet, a till system's export): reading it must
//! never panic, keep every good row's number as E.164 digits, report at most the capped number
//! of problems, and never repeat a value in a problem's message.
#![no_main]

use countersign::domain::import::{read, Known, MAX_PROBLEMS};
use countersign::domain::{ContactFieldId, FieldKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let known = Known {
        fields: vec![
            (ContactFieldId::new(1), "Tier".to_owned(), FieldKind::Text),
            (ContactFieldId::new(2), "Date of birth".to_owned(), FieldKind::DateOfBirth),
        ],
        labels: vec![(7, "VIP".to_owned())],
        teams: vec![(2, "Leeds".to_owned())],
        region: Some(phonenumber::country::Id::GB),
        today: chrono::NaiveDate::from_ymd_opt(2026, 12, 4),
    };
    let sheet = read(text, &known);
    assert!(sheet.problems.len() <= MAX_PROBLEMS);
    assert!(sheet.bad_lines >= sheet.problems.iter().filter(|p| p.line.is_some()).count());
    for row in &sheet.rows {
        assert!((5..=15).contains(&row.wa_id.len()) && row.wa_id.bytes().all(|b| b.is_ascii_digit()), "{row:?}");
        for p in &sheet.problems {
            assert!(!p.message.contains(&row.wa_id), "{p:?}");
        }
    }
});
