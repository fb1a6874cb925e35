//! A template as the Graph API lists it (`message_templates`), and the values an agent types:
//! reading it, listing its placeholders, checking, rendering and building the send request must
//! never panic, and a request is built only for values the template accepts. The input is the
//! JSON entry, then the values, separated by NUL bytes (so the seeds are plain JSON files).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let mut parts = input.split('\0');
    let json = parts.next().unwrap_or_default();
    let values: Vec<String> = parts.map(str::to_owned).collect();
    let Ok(entry) = serde_json::from_str::<serde_json::Value>(json) else { return };
    let Some(template) = countersign::domain::Template::from_graph(&entry) else { return };
    let slots = template.slots();
    let _ = template.render(&values);
    if template.check(&values).is_ok() {
        assert_eq!(values.len(), slots.len());
        let request = template.request("15550001000", &values);
        assert_eq!(request["type"], "template");
    }
});
