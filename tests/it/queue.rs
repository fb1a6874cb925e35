//! The inbox's queue a page at a time (issue 9: a store of 100,000 conversations is read a
//! page at a time). Walking the pages of every view, for every choice of whose and of team,
//! as an owner (everything) and as a store's agent (their store), gives exactly the
//! conversations the whole list holds there, in the counter's order (most urgent first, then
//! the most recent, ties by the newest), each once; the counts agree with the list; a page
//! marker that is not one is refused, and so is a page too large.

use std::sync::Arc;

use countersign::clock::{Clock, ManualClock, SystemClock};
use serde_json::{json, Value};

use crate::access::two_stores;
use crate::matrix::{customer, signed_in, Caller};
use crate::support::{graph_sim, Served};

const VIEWS: [&str; 4] = ["active", "waiting", "resolved", "all"];

fn rank(priority: &str) -> i64 {
    match priority {
        "urgent" => 0,
        "high" => 1,
        "normal" => 2,
        _ => 3,
    }
}

/// Whether the list's line `c` belongs to `view` at `now`, as the inbox's tabs say.
fn in_view(c: &Value, view: &str, now: i64) -> bool {
    let snoozed = c["snoozed_until"].as_i64().is_some_and(|until| until > now);
    match view {
        "active" => c["status"] == "open" && !snoozed,
        "waiting" => c["status"] != "resolved" && (c["status"] == "pending" || snoozed),
        "resolved" => c["status"] == "resolved",
        _ => true,
    }
}

/// Every page of the queue as `who` reads them with `query`, `limit` at a time.
async fn walk(who: &Caller<'_>, query: &str, limit: u32) -> (Vec<i64>, Value) {
    let (mut ids, mut after) = (Vec::new(), String::new());
    loop {
        let path = format!("/api/v1/conversations/queue?{query}&limit={limit}&after={after}");
        let page = who.json("GET", &path, None).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize, "{path}");
        ids.extend(items.iter().map(|c| c["id"].as_i64().unwrap()));
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => return (ids, page["counts"].clone()),
        }
    }
}

#[tokio::test]
async fn pages_of_the_queue_hold_exactly_the_list_in_the_counters_order() {
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let sim = graph_sim().await;
    let served = Served::on_clock(&sim.base_url(), clock.clone()).await;
    let (root, [.., store_b]) = two_stores(&served).await;
    for n in 10..46 {
        assert_eq!(served.customer_writes(&customer(n), &format!("wamid.q{n}"), "Hello").await, 200);
    }
    // Every mix of priority, status, snooze, team and assignee.
    let all = root.json("GET", "/api/v1/conversations", None).await;
    let store_a = all.as_array().unwrap().iter().find(|c| c["customer_name"] == "Customer 1").unwrap()
        ["team"]["id"]
        .clone();
    let later = clock.now().as_millis() + 3_600_000;
    for (i, c) in all.as_array().unwrap().iter().enumerate() {
        let id = c["id"].as_i64().unwrap();
        let at = |rest: &str| format!("/api/v1/conversations/{id}{rest}");
        let priority = ["urgent", "high", "normal", "low"][i % 4];
        root.call("PUT", &at("/priority"), Some(json!({ "priority": priority }))).await;
        let status = match i % 5 {
            0 => json!({ "status": "pending" }),
            1 => json!({ "status": "resolved" }),
            2 => json!({ "status": "open", "snooze_until": later }),
            _ => json!({ "status": "open" }),
        };
        root.call("PUT", &at("/status"), Some(status)).await;
        match i % 3 {
            0 => root.call("POST", &at("/team"), Some(json!({ "team": store_b }))).await,
            1 => root.call("POST", &at("/team"), Some(json!({ "team": store_a }))).await,
            _ => root.call("POST", &at("/assignee"), Some(json!({ "agent": "root.owner" }))).await,
        };
        if i % 3 == 1 && i % 2 == 0 {
            root.call("POST", &at("/assignee"), Some(json!({ "agent": "actor.agent" }))).await;
        }
    }
    let agent = signed_in(&served, "actor.agent").await;
    let now = clock.now().as_millis();
    for (who, name) in [(&root, "root.owner"), (&agent, "actor.agent")] {
        let list = who.json("GET", "/api/v1/conversations", None).await;
        let list = list.as_array().unwrap();
        for team in [None, Some(store_b)] {
            for assigned in ["anyone", "mine", "unassigned"] {
                let chosen: Vec<&Value> = list
                    .iter()
                    .filter(|c| team.is_none_or(|t| c["team"]["id"] == t))
                    .filter(|c| match assigned {
                        "mine" => c["assignee"] == name,
                        "unassigned" => c["assignee"].is_null(),
                        _ => true,
                    })
                    .collect();
                for view in VIEWS {
                    let mut expected: Vec<&Value> =
                        chosen.iter().copied().filter(|c| in_view(c, view, now)).collect();
                    expected.sort_by_key(|c| {
                        let (last, id) = (c["last_message_at"].as_i64().unwrap(), c["id"].as_i64().unwrap());
                        (rank(c["priority"].as_str().unwrap()), -last, -id)
                    });
                    let expected: Vec<i64> = expected.iter().map(|c| c["id"].as_i64().unwrap()).collect();
                    let team_q = team.map(|t| format!("&team={t}")).unwrap_or_default();
                    let query = format!("view={view}&assigned={assigned}{team_q}");
                    let (ids, counts) = walk(who, &query, 7).await;
                    assert_eq!(ids, expected, "{name}: {query}");
                    let counted = |v: &str| chosen.iter().filter(|c| in_view(c, v, now)).count() as i64;
                    let expected_counts = json!({
                        "active": counted("active"), "waiting": counted("waiting"),
                        "resolved": counted("resolved"), "all": counted("all"),
                    });
                    assert_eq!(counts, expected_counts, "{name}: {query}");
                }
            }
        }
    }
    // The owner reads all 38; the agent their store's 13, some of them theirs.
    assert_eq!(walk(&root, "view=all", 50).await.0.len(), 38);
    assert_eq!(walk(&agent, "view=all", 50).await.0.len(), 13);
    assert_eq!(walk(&agent, "view=all&assigned=mine", 50).await.0.len(), 6);

    // A single line, for a conversation opened from a search: the same as in the list.
    let first = all[0]["id"].as_i64().unwrap();
    let line = root.json("GET", &format!("/api/v1/conversations/{first}"), None).await;
    assert_eq!(line["id"], first);
    assert_eq!(line["customer_name"], all[0]["customer_name"]);
}

#[rstest::rstest]
#[case::not_a_marker("after=drop%20table", "page marker")]
#[case::marker_with_words("after=1.2.x", "page marker")]
#[case::no_such_view("view=everything", "view is one of")]
#[case::no_such_choice("assigned=theirs", "assigned is one of")]
#[case::too_large("limit=500", "1 to 200")]
#[case::empty_page("limit=0", "1 to 200")]
#[case::not_a_number("limit=many", "not valid")]
#[tokio::test]
async fn a_page_that_cannot_be_is_refused_saying_why(#[case] query: &str, #[case] why: &str) {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, _) = two_stores(&served).await;
    let response = root.call("GET", &format!("/api/v1/conversations/queue?{query}"), None).await;
    assert_eq!(response.status(), 422, "{query}");
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains(why), "{body}");
}
