//! The organisation's own masking patterns (issue 6, point 1): an administrator tries a pattern
//! on a sample, saves it (step-up, audited), and from the next call its numbers are masked in
//! every response an agent gets, like the built-in detectors' — and revealed the same way.

use countersign_sim::Customer;
use serde_json::{json, Value};

use crate::support::*;

const LOYALTY: &str = "LOY-12345678";
const UK_ACCOUNT: &str = "20-00-00 55779911";

fn loyalty_pattern() -> Value {
    json!({ "name": "Loyalty card", "pattern": r"\bLOY-?\d{8}\b", "class": "financial", "keep_last": 4 })
}

#[tokio::test]
async fn an_administrator_tries_then_saves_a_pattern_and_agents_see_its_numbers_masked() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let ana = Customer { wa_id: "16505550101".to_owned(), name: "Ana Souza".to_owned() };
    let text = format!("my loyalty card {LOYALTY}, refund to {UK_ACCOUNT} please, order 4471");
    assert_eq!(served.customer_writes(&ana, "wamid.loy", &text).await, 200);
    let agent = served.login().await;
    let thread = || served.first_message_text(&agent);
    assert_eq!(
        thread().await,
        "my loyalty card LOY-12345678, refund to **-**-** ****9911 please, order 4471",
        "a UK bank account is masked by default; the loyalty number is not known yet"
    );

    let (admin, _) = served.admin_stepped_up(&served.http).await;
    let served_ref = &served;
    let try_it = |token: String, body: Value| async move {
        served_ref.post("/api/v1/settings/masking/trial", Some(&token), body).await
    };
    let tried: Value = try_it(admin.clone(), json!({ "sample": text, "patterns": [loyalty_pattern()] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tried["masked"],
        "my loyalty card ***-****5678, refund to **-**-** ****9911 please, order 4471"
    );
    assert_eq!(
        tried["found"],
        json!([{ "what": "Loyalty card", "class": "financial" }, { "what": "uk_account", "class": "financial" }])
    );
    let broken = json!({ "sample": "x", "patterns": [{ "name": "Broken", "pattern": r"LOY(\d", "class": "financial", "keep_last": 4 }] });
    let refused = try_it(admin.clone(), broken).await;
    assert_eq!(refused.status(), 422);
    let why: Value = refused.json().await.unwrap();
    assert!(why["message"].as_str().unwrap().starts_with("the pattern of \"Broken\" is not valid"), "{why}");
    assert_eq!(try_it(agent.clone(), json!({ "sample": "x" })).await.status(), 403, "administrators only");
    assert_eq!(thread().await.matches("LOY-12345678").count(), 1, "trying saves nothing");

    let saved = served
        .request_json(
            reqwest::Method::PATCH,
            "/api/v1/settings/security",
            &admin,
            json!({ "masking_patterns": [loyalty_pattern()] }),
        )
        .await;
    assert_eq!(saved.status(), 204);
    assert_eq!(
        thread().await,
        "my loyalty card ***-****5678, refund to **-**-** ****9911 please, order 4471",
        "masked from the next call on"
    );
    for path in ["/api/v1/conversations", "/api/v1/conversations/1/messages", "/api/v1/contacts"] {
        let body = served.get(path, Some(&agent)).await.text().await.unwrap();
        assert!(!body.contains(LOYALTY) && !body.contains(UK_ACCOUNT), "{path}: {body}");
    }
    let settings: Value = served.get("/api/v1/settings/security", Some(&admin)).await.json().await.unwrap();
    assert_eq!(settings["masking_patterns"], json!([loyalty_pattern()]));

    // A reveal shows it to those who may reveal financial data, with a reason, like a card.
    let reveal = json!({ "reason": "checking her points balance" });
    let shown: Value =
        served.post("/api/v1/messages/1/reveal", Some(&admin), reveal).await.json().await.unwrap();
    assert_eq!(shown["message"]["text"], text);
    let trail = served.site.core.store().audit_records().await.unwrap();
    let change =
        trail.iter().find(|r| r.action == "settings.security" && r.detail.starts_with("masking.patterns="));
    assert!(change.is_some_and(|r| r.detail.contains("Loyalty card")), "audited with the list: {trail:?}");
    assert!(trail.iter().any(|r| r.action == "data.reveal" && r.detail.contains("classes=financial")));
    let trail = format!("{trail:?}");
    assert!(!trail.contains(LOYALTY) && !trail.contains("55779911"), "no raw value in the trail");
}
