//! Accessibility of what the app shows, checked in the real web view with axe-core (the same
//! engine the component tests use, from `ui/node_modules`): here WebKit lays the page out, so
//! colour contrast (WCAG AA) is checked too, and whole pages, so landmarks are.
//!
//! axe-core is put into the page through WebDriver, as the test's own script: the app ships
//! without it and its content security policy is unchanged.

use std::sync::OnceLock;

use fantoccini::Client;
use serde_json::Value;

/// axe-core's source, read once.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup: it installs the UI's packages)"))
    })
}

/// Runs axe-core on the page as it is now and fails with one line per problem, naming
/// `screen`.
pub async fn assert_accessible(client: &Client, screen: &str) {
    let loaded = client.execute("return typeof window.axe === 'object'", vec![]).await.unwrap();
    if loaded != Value::Bool(true) {
        client.execute(&format!("{};\nreturn true;", axe_source()), vec![]).await.unwrap();
    }
    let script = r#"
        const done = arguments[arguments.length - 1];
        window.axe
          .run(document, { resultTypes: ["violations"] })
          .then((r) => done(r.violations.flatMap((v) =>
            v.nodes.map((n) => `${v.id}: ${v.help} — ${n.target.join(" ")}: ${n.failureSummary ?? ""}`))))
          .catch((e) => done([`axe could not run: ${e}`]));
    "#;
    let problems = client.execute_async(script, vec![]).await.unwrap();
    let problems: Vec<String> = serde_json::from_value(problems).unwrap();
    assert!(
        problems.is_empty(),
        "{screen}: {} accessibility problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
