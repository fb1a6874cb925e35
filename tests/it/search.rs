//! Issue 8 point 7: full-text search over messages, notes and contacts, in what the actor may
//! see, masked, and never confirming a value masking hides; a property test checks that no
//! placement of conversations and no scope lets a search reach past what the list shows.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::access::two_stores;
use crate::matrix::{add_user, customer, signed_in, stepped_up, Caller, PASSWORD};
use crate::support::{graph_sim, Served};

async fn found(who: &Caller<'_>, query: &str) -> Value {
    who.json("GET", &format!("/api/v1/search?{query}"), None).await
}

fn customers_of(page: &Value) -> Vec<String> {
    page["hits"].as_array().unwrap().iter().map(|h| h["customer_name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_agent_finds_their_stores_words_masked_and_nothing_that_masking_hides() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let (root, [mine, theirs, _, _, store_b]) = two_stores(&served).await;
    served.customer_writes(&customer(1), "wamid.s1", "the blue runners, paid with 4111 1111 1111 1111").await;
    served.customer_writes(&customer(3), "wamid.s3", "a blue jacket please").await;
    let agent = signed_in(&served, "actor.agent").await;

    let page = found(&agent, "q=blue").await;
    assert_eq!(customers_of(&page), ["Customer 1"], "only their own store: {page}");
    assert_eq!(page["hits"][0]["conversation"], mine);
    assert_eq!(page["hits"][0]["snippet"], "the blue runners, paid with **** **** **** 1111");
    assert_eq!(customers_of(&found(&root, "q=blue").await).len(), 2, "the owner sees both stores");
    // Typing the hidden digits finds nothing: the search does not confirm them.
    for hidden in ["4111", "4111 1111 1111 1111"] {
        assert_eq!(found(&agent, &format!("q={hidden}")).await["hits"], json!([]), "{hidden}");
    }
    // A word's start finds it; accents and case do not matter.
    assert_eq!(customers_of(&found(&agent, "q=RUNN").await), ["Customer 1"]);
    // Filters: another store's team, a status it is not in, a time before it.
    assert_eq!(found(&agent, &format!("q=blue&team={store_b}")).await["hits"], json!([]));
    assert_eq!(found(&agent, "q=blue&status=resolved").await["hits"], json!([]));
    assert_eq!(found(&agent, "q=blue&until=1000").await["hits"], json!([]));
    // A search of nothing, or of an unknown kind, says what to do.
    for bad in ["q=%20!!", "q=blue&kind=everything"] {
        let refused = agent.call("GET", &format!("/api/v1/search?{bad}"), None).await;
        assert_eq!(refused.status(), 422, "{bad}");
    }

    // Notes and contacts, in the same scope.
    root.json(
        "POST",
        &format!("/api/v1/conversations/{mine}/notes"),
        Some(json!({ "text": "blue ones are on the way" })),
    )
    .await;
    root.json(
        "POST",
        &format!("/api/v1/conversations/{theirs}/notes"),
        Some(json!({ "text": "blue ones sold out" })),
    )
    .await;
    let notes = found(&agent, "q=blue&kind=notes").await;
    assert_eq!(notes["hits"].as_array().unwrap().len(), 1, "{notes}");
    assert_eq!(notes["hits"][0]["snippet"], "blue ones are on the way");
    assert_eq!(customers_of(&found(&agent, "q=customer&kind=contacts").await), ["Customer 1"]);
}

#[tokio::test]
async fn results_come_a_page_at_a_time_newest_first_without_repeats() {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    let token = served.login().await;
    for n in 0..23 {
        served
            .customer_writes(&customer(1), &format!("wamid.p{n}"), &format!("order number {n} please"))
            .await;
    }
    let agent = Caller { served: &served, token };
    let (mut seen, mut before, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let page = found(&agent, &format!("q=order&limit=10{before}")).await;
        pages += 1;
        seen.extend(page["hits"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()));
        match page["next_before"].as_i64() {
            Some(cursor) => before = format!("&before={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 23);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, each once: {seen:?}");
}

/// How far the actor's conversations permission reaches, in the property below.
#[derive(Debug, Clone, Copy)]
enum Reach {
    Own,
    Team,
    All,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever the placement of conversations (store A or B, assigned to the actor or not)
    /// and however far the actor's permission reaches, a search finds exactly the messages of
    /// the conversations their list shows: nothing more, nothing less.
    #[test]
    fn a_search_never_reaches_past_the_actors_scope(
        placed in proptest::collection::vec((any::<bool>(), any::<bool>()), 1..6),
        reach in prop_oneof![Just(Reach::Own), Just(Reach::Team), Just(Reach::All)],
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(check_scope(placed, reach));
    }
}

async fn check_scope(placed: Vec<(bool, bool)>, reach: Reach) {
    let sim = graph_sim().await;
    let served = Served::new(&sim.base_url()).await;
    add_user(&served, "root.owner", "owner", &[]).await;
    let (root, _) = stepped_up(&served, "root.owner", PASSWORD).await;
    let mut teams = Vec::new();
    for name in ["Store A", "Store B"] {
        teams.push(
            root.json("POST", "/api/v1/teams", Some(json!({ "name": name }))).await["id"].as_i64().unwrap(),
        );
    }
    let scope = match reach {
        Reach::Own => "own",
        Reach::Team => "team",
        Reach::All => "all",
    };
    let role = json!({ "name": "Prop", "grants": [{ "permission": "conversations.view", "scope": scope },
                                                  { "permission": "conversations.assign", "scope": "team" }] });
    let slug = root.json("POST", "/api/v1/roles", Some(role)).await["slug"].as_str().unwrap().to_owned();
    add_user(&served, "prop.actor", &slug, &["Store A"]).await;
    for (n, (in_a, assigned)) in placed.iter().enumerate() {
        let who = customer(u32::try_from(n).unwrap() + 1);
        served.customer_writes(&who, &format!("wamid.prop{n}"), "where is my parcel").await;
        let list = root.json("GET", "/api/v1/conversations", None).await;
        let id = list.as_array().unwrap().iter().find(|c| c["customer_name"] == who.name).unwrap()["id"]
            .as_i64()
            .unwrap();
        let team = if *in_a { teams[0] } else { teams[1] };
        root.json("POST", &format!("/api/v1/conversations/{id}/team"), Some(json!({ "team": team }))).await;
        if *in_a && *assigned {
            root.json(
                "POST",
                &format!("/api/v1/conversations/{id}/assignee"),
                Some(json!({ "agent": "prop.actor" })),
            )
            .await;
        }
    }
    let actor = signed_in(&served, "prop.actor").await;
    let listed: BTreeSet<i64> = actor
        .json("GET", "/api/v1/conversations", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let searched: BTreeSet<i64> = found(&actor, "q=parcel&limit=100").await["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["conversation"].as_i64().unwrap())
        .collect();
    assert_eq!(searched, listed, "{placed:?} with {reach:?}");
    // And the list is what the placement says the scope reaches.
    let expected = placed
        .iter()
        .filter(|(in_a, assigned)| match reach {
            Reach::Own => *in_a && *assigned,
            Reach::Team => *in_a,
            Reach::All => true,
        })
        .count();
    assert_eq!(listed.len(), expected, "{placed:?} with {reach:?}");
}
