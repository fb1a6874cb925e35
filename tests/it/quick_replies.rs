//! Issue 8 point 6: quick replies per team, filled in for the conversation, managed by those
//! who may for the teams they reach.

use serde_json::{json, Value};

use crate::access::two_stores;
use crate::matrix::{add_user, signed_in};
use crate::support::{graph_sim, Served};

#[tokio::test]
async fn a_store_manager_saves_answers_for_their_store_and_agents_use_them_filled_in() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, theirs, _, _, store_b]) = two_stores(&served).await;
    let store_a = root.json("GET", &format!("/api/v1/conversations/{mine}/quick-replies"), None).await;
    assert_eq!(store_a, json!([]), "none yet");
    let store_a_id = root
        .json("GET", "/api/v1/conversations", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == mine)
        .unwrap()["team"]["id"]
        .as_i64()
        .unwrap();
    add_user(&served, "mia.manager", "manager", &["Store A"]).await;
    let mia = signed_in(&served, "mia.manager").await;
    let path = "/api/v1/quick-replies";
    let hours = json!({ "team": store_a_id, "shortcut": "/hours", "body": "Hi {{customer_name}}, {{agent_name}} at {{team_name}} here: we open at 9." });
    let saved = mia.json("POST", path, Some(hours.clone())).await;
    assert_eq!(saved[0]["shortcut"], "hours", "the slash is how staff type it, not part of it");

    // Not for another store, nor for everyone: that is for those who reach every team.
    for (team, status) in [(json!(store_b), 403), (Value::Null, 403)] {
        let body = json!({ "team": team, "shortcut": "x", "body": "x" });
        assert_eq!(mia.call("POST", path, Some(body)).await.status(), status, "{team}");
    }
    root.json("POST", path, Some(json!({ "shortcut": "thanks", "body": "Thank you for shopping with us!" })))
        .await;
    assert_eq!(
        mia.json("GET", path, None).await.as_array().unwrap().len(),
        1,
        "she manages her store's only"
    );

    // Refused with the reason: the same shortcut twice, a placeholder that does not exist.
    for (body, status, why) in [
        (hours, 409, "already a quick reply /hours"),
        (
            json!({ "team": store_a_id, "shortcut": "hi", "body": "Hi {{first_name}}" }),
            422,
            "{{first_name}} is not a placeholder",
        ),
    ] {
        let refused = mia.call("POST", path, Some(body)).await;
        assert_eq!(refused.status(), status);
        let said = refused.json::<Value>().await.unwrap();
        assert!(said["message"].as_str().unwrap().contains(why), "{said}");
    }

    // The agent of Store A is offered both, filled in for this customer; another store's
    // conversation is not theirs.
    let agent = signed_in(&served, "actor.agent").await;
    let offered = agent.json("GET", &format!("/api/v1/conversations/{mine}/quick-replies"), None).await;
    let shortcuts: Vec<&str> =
        offered.as_array().unwrap().iter().map(|q| q["shortcut"].as_str().unwrap()).collect();
    assert_eq!(shortcuts, ["hours", "thanks"]);
    assert_eq!(offered[0]["filled"], "Hi Customer 1, actor.agent at Store A here: we open at 9.");
    assert_eq!(
        agent.call("GET", &format!("/api/v1/conversations/{theirs}/quick-replies"), None).await.status(),
        404
    );
    assert_eq!(agent.call("GET", path, None).await.status(), 403, "agents use them, managers write them");

    let trail = served.site.core.store().audit_records().await.unwrap();
    assert_eq!(trail.iter().filter(|r| r.action == "quick_reply.saved").count(), 2);
}
