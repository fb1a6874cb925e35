//! Importing contacts from a CSV file (issue 8 point 5): a dry run reports exactly what the
//! import then does, line by line and without repeating values; rows go only where the
//! importer could edit them; a number already known is left as it is; a file with a column
//! that names nothing is refused whole rather than losing that column.

use serde_json::{json, Value};

use crate::matrix::{add_user, signed_in, Caller};
use crate::support::{graph_sim, Served};

const FILE: &str = "\
Phone,Name,Team,Labels,Tier,Marketing consent
+44 7911 123456,Ana Souza,Store A,VIP,Gold,opted in

+44 7911 123457,Bo Lin,Store B,,,
07911 123458,Cy Park,Store A,,,
";

async fn import(who: &Caller<'_>, csv: &str, dry_run: bool) -> Value {
    who.json("POST", "/api/v1/contacts/import", Some(json!({ "csv": csv, "dry_run": dry_run }))).await
}

fn lines(report: &Value) -> Vec<(Option<i64>, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].as_i64(), p["message"].as_str().unwrap().to_owned()))
        .collect()
}

async fn names(who: &Caller<'_>) -> Vec<String> {
    let list = who.json("GET", "/api/v1/contacts", None).await;
    let mut names: Vec<String> =
        list.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_dry_run_reports_what_the_import_then_does_and_rows_go_only_where_the_importer_may() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, _) = crate::access::two_stores(&served).await;
    root.json("POST", "/api/v1/contact-fields", Some(json!({ "name": "Tier", "class": "none" }))).await;
    root.json("POST", "/api/v1/labels", Some(json!({ "name": "VIP" }))).await;
    // Store A's agent imports a file the store was given.
    let agent = signed_in(&served, "actor.agent").await;
    let before = names(&agent).await;

    let tried = import(&agent, FILE, true).await;
    let expected_problems = [
        (Some(4), "you may not add contacts to Store B".to_owned()),
        (
            Some(5),
            "the phone number needs its country code (+44 …): the organisation has no country set".to_owned(),
        ),
    ];
    assert_eq!((tried["dry_run"].as_bool(), tried["created"].as_i64()), (Some(true), Some(1)));
    assert_eq!((tried["existing"].as_i64(), tried["rejected"].as_i64()), (Some(0), Some(2)));
    assert_eq!(lines(&tried), expected_problems);
    assert_eq!(names(&agent).await, before, "a dry run keeps nothing");

    let done = import(&agent, FILE, false).await;
    assert_eq!(
        (done["created"].clone(), done["rejected"].clone(), done["problems"].clone()),
        (tried["created"].clone(), tried["rejected"].clone(), tried["problems"].clone()),
        "as the dry run said"
    );
    let contacts = agent.json("GET", "/api/v1/contacts", None).await;
    let ana = contacts.as_array().unwrap().iter().find(|c| c["name"] == "Ana Souza").expect("imported");
    assert_eq!(ana["team"]["name"], "Store A");
    assert_eq!(ana["labels"][0]["name"], "VIP");
    assert_eq!(ana["fields"][0]["value"], "Gold");
    assert_eq!(ana["consent"]["state"], "opted_in");
    assert_eq!(ana["consent"]["source"], "imported from a contacts file");
    assert_eq!(ana["consent"]["by"], "actor.agent");
    assert!(!ana["handle"].as_str().unwrap().contains("123456"), "the number is masked for the agent: {ana}");

    // Again: Ana is known now and left as she is.
    let again = import(&agent, FILE, false).await;
    assert_eq!((again["created"].as_i64(), again["existing"].as_i64()), (Some(0), Some(1)));
    assert_eq!(
        lines(&again)[0],
        (Some(2), "this number is a contact already; it was left as it is".to_owned())
    );

    // A column that names nothing would lose its values: the whole file is refused.
    let refused = import(&agent, "phone,shoe size\n+44 7911 123459,9\n", false).await;
    assert_eq!(refused["created"], 0);
    assert_eq!(lines(&refused)[0].0, None);
    assert!(lines(&refused)[0].1.contains("\"shoe size\""), "{refused}");

    // The trail has each import that read rows, the dry run too (it tells which numbers are
    // known), with counts and no numbers or names; the refused file changed and told nothing.
    let trail = served.site.core.store().audit_records().await.unwrap();
    let imports: Vec<&str> =
        trail.iter().filter(|r| r.action == "contacts.import").map(|r| r.detail.as_str()).collect();
    assert_eq!(imports.len(), 3, "{imports:?}");
    assert!(imports[0].contains("dry_run=true") && imports[0].contains("created=1"), "{}", imports[0]);
    assert!(trail.iter().all(|r| !r.detail.contains("7911") && !r.detail.contains("Ana")));

    // Who may not create contacts may not import them.
    add_user(&served, "avery.auditor", "auditor", &[]).await;
    let auditor = signed_in(&served, "avery.auditor").await;
    let denied = auditor.call("POST", "/api/v1/contacts/import", Some(json!({ "csv": FILE }))).await;
    assert_eq!(denied.status(), 403);
}
