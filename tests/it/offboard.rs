//! Offboarding in one action (issue 11): the person leaving is disabled and signed out, their
//! open conversations and contacts go to a colleague (or back to the team's queue where that
//! colleague is not a member), and the report lists their high-risk actions.

use countersign::api::contacts::AssignContactRequest;
use countersign::api::inbox::AssignRequest;
use countersign::api::offboard::OffboardRequest;
use countersign::api::operator::AddUser;
use countersign::api::reveal::RevealRequest;
use countersign::api::session::{LoginRequest, Origin};
use countersign::api::teams::TeamRequest;
use countersign::api::workflow::SetStatusRequest;
use countersign::domain::{ConversationId, MessageId};
use countersign::{Core, Error};
use countersign_sim::customers::{self, Customer};
use rstest::rstest;

use crate::support::*;

const LEAVER: &str = "mia.manager";
const PASSWORD: &str = "harbour lantern copper seven";

async fn add(core: &Core, name: &str, role: &str, teams: &[&str]) {
    let teams = teams.iter().map(|t| (*t).to_owned()).collect();
    core.operator_add_user(AddUser {
        username: name.to_owned(),
        role: role.to_owned(),
        teams,
        password: secret(PASSWORD),
    })
    .await
    .unwrap();
}

async fn customer_writes(core: &Core, wa_id: &str, wamid: &str) {
    let customer = Customer { wa_id: wa_id.to_owned(), name: format!("Customer {wa_id}") };
    let body = customers::text_webhook(
        &target("127.0.0.1:1".parse().unwrap()),
        &customer,
        wamid,
        "Card 4111 1111 1111 1111",
        1_700_000_000,
    );
    core.receive_webhook(Some(&customers::sign(APP_SECRET, &body)), &body).await.unwrap();
}

async fn sign_in(core: &Core, name: &str) -> countersign::api::session::SignedIn {
    let request = LoginRequest { username: name.to_owned(), password: secret(PASSWORD) };
    core.login(request, Origin::Desktop, "test").await.unwrap()
}

#[rstest]
#[case::to_a_colleague_of_the_team("bea.agent", Some("bea.agent"), 0)]
#[case::to_someone_outside_the_team_goes_to_the_queue("carl.agent", None, 2)]
#[case::back_to_the_queue_when_no_one_is_named("", None, 2)]
#[tokio::test]
async fn one_action_disables_signs_out_hands_work_on_and_reports(
    #[case] reassign_to: &str,
    #[case] new_assignee: Option<&str>,
    #[case] to_queue: u64,
) {
    let site = site("http://127.0.0.1:9").await;
    let core = &site.core;
    core.operator_create_team(TeamRequest { name: "York".to_owned() }).await.unwrap();
    add(core, LEAVER, "manager", &["General"]).await;
    add(core, "bea.agent", "agent", &["General"]).await;
    add(core, "carl.agent", "agent", &["York"]).await;
    customer_writes(core, "447700900001", "wamid.1").await;
    customer_writes(core, "447700900002", "wamid.2").await;
    customer_writes(core, "447700900003", "wamid.3").await;

    // Mia works: two open conversations and one resolved are hers, and a contact; she reveals a card.
    let mia = sign_in(core, LEAVER).await;
    for id in 1..=3 {
        let mine = AssignRequest { agent: Some(LEAVER.to_owned()) };
        core.assign_conversation(&mia.token, ConversationId::new(id), mine).await.unwrap();
    }
    let resolved = SetStatusRequest { status: "resolved".to_owned(), snooze_until: None };
    core.set_conversation_status(&mia.token, ConversationId::new(3), resolved).await.unwrap();
    let own = AssignContactRequest { team: 1, owner: Some(LEAVER.to_owned()) };
    core.assign_contact(&mia.token, 1, own).await.unwrap();
    let reason = RevealRequest { reason: "customer asked which card was on file".to_owned() };
    core.reveal_message(&mia.token, MessageId::new(1), reason).await.unwrap();

    let who = (!reassign_to.is_empty()).then(|| reassign_to.to_owned());
    let report = core.operator_offboard_user(LEAVER, OffboardRequest { reassign_to: who }).await.unwrap();
    assert_eq!(report.sessions_ended, 1);
    assert_eq!(report.teams_left.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["General"]);
    assert_eq!(report.conversations_reassigned, 2, "the open ones; the resolved one keeps its history");
    assert_eq!(report.conversations_to_queue, to_queue);
    assert_eq!(report.contacts_reassigned, 1);
    assert!(report.high_risk.iter().any(|e| e.action == "data.reveal"), "{:?}", report.high_risk);
    assert!(report.high_risk.iter().all(|e| e.risk.as_deref() == Some("high")));

    // She is out: her session ended, her password no longer works.
    assert!(matches!(core.list_conversations(&mia.token).await, Err(Error::Unauthenticated)));
    let again = core
        .login(LoginRequest { username: LEAVER.to_owned(), password: secret(PASSWORD) }, Origin::Desktop, "t")
        .await;
    assert!(matches!(again, Err(Error::InvalidCredentials)));
    // Nothing is left with her: an admin sees who has each conversation now.
    let admin = core
        .login(
            LoginRequest { username: ADMIN.to_owned(), password: secret(ADMIN_PASSWORD) },
            Origin::Desktop,
            "t",
        )
        .await
        .unwrap();
    let list = core.list_conversations(&admin.token).await.unwrap();
    for c in list.iter().filter(|c| c.id != 3) {
        assert_eq!(c.assignee.as_deref(), new_assignee, "conversation {}", c.id);
    }
    assert_eq!(list.iter().find(|c| c.id == 3).unwrap().assignee.as_deref(), Some(LEAVER));
    assert_eq!(core.contact(&admin.token, 1).await.unwrap().owner.as_deref(), new_assignee);
    let trail = core.store().audit_records().await.unwrap();
    let event = trail.iter().find(|r| r.action == "user.offboarded").unwrap();
    assert!(event.detail.contains("conversations_reassigned"), "{}", event.detail);
}

#[tokio::test]
async fn nobody_offboards_the_last_owner_or_hands_work_to_the_one_leaving() {
    let site = site("http://127.0.0.1:9").await;
    let core = &site.core;
    add(core, "olga.owner", "owner", &[]).await;
    let refused = core.operator_offboard_user("olga.owner", OffboardRequest::default()).await;
    assert!(matches!(refused, Err(Error::NotAllowed(_))), "{refused:?}");
    let to_self = OffboardRequest { reassign_to: Some(AGENT.to_owned()) };
    assert!(matches!(core.operator_offboard_user(AGENT, to_self).await, Err(Error::Invalid(_))));
    assert!(matches!(
        core.operator_offboard_user("nobody.here", OffboardRequest::default()).await,
        Err(Error::NotFound)
    ));
}
