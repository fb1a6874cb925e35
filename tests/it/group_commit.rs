//! Deliveries arriving together are written together (issue 12's group commit): each is
//! answered only once it is stored, none is lost or stored twice (a retry among them included),
//! a delivery that is not a delivery at all is kept without failing the others, and the audit
//! trail, written by one group after another, still verifies link by link.

use countersign_sim::customers::{self, Customer};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_arriving_together_are_each_stored_once_and_the_trail_still_verifies() {
    let site = site("http://127.0.0.1:9").await;
    let core = &site.core;
    let before = core.stats().await.unwrap();
    let body = |n: usize| {
        let customer = Customer { wa_id: format!("4477009{:05}", n % 7), name: format!("Customer {n}") };
        customers::text_webhook(
            &target("127.0.0.1:1".parse().unwrap()),
            &customer,
            &format!("wamid.together.{n}"),
            "Is my order ready?",
            1_700_000_000,
        )
    };
    // 40 deliveries, 10 of them sent twice (Meta retries), and one signed body that is no
    // delivery, all at once.
    let mut bodies: Vec<Vec<u8>> = (0..40).map(body).collect();
    bodies.extend((0..10).map(body));
    bodies.push(b"{\"not\":\"a delivery\"}".to_vec());
    let mut arriving = tokio::task::JoinSet::new();
    for b in bodies {
        let core = core.clone();
        arriving.spawn(async move {
            let signature = customers::sign(APP_SECRET, &b);
            core.receive_webhook(Some(&signature), &b).await
        });
    }
    let answers = arriving.join_all().await;

    let receipts: Vec<_> = answers.into_iter().map(|a| a.expect("every delivery is acknowledged")).collect();
    assert_eq!(receipts.iter().filter(|r| r.duplicate).count(), 10, "each retry is recognised as one");
    assert_eq!(receipts.iter().map(|r| r.messages).sum::<usize>(), 40);
    let after = core.stats().await.unwrap();
    assert_eq!(after.messages - before.messages, 40, "every message stored, none twice");
    assert_eq!(after.deliveries - before.deliveries, 41, "the unparsable body is kept too");
    assert_eq!(after.conversations - before.conversations, 7, "one conversation a customer");
    let checked = core.operator_verify_audit(&[]).await.unwrap();
    assert!(checked.is_ok_and(|n| n > 81), "the trail verifies: {checked:?}");
}
