//! Single sign-on through the core's API against `oidc-provider` on loopback: the app's
//! loopback listener receives the redirect, people are created from their groups, their role
//! and teams follow the provider at each sign-in and unlock, passwords can be turned off but
//! for a break-glass owner, and every refusal is audited with its reason.

use std::path::Path;

use countersign::api::lock::LockReason;
use countersign::api::operator::AddUser;
use countersign::api::session::{LoginRequest, Origin, SignedIn};
use countersign::api::sso::Answer;
use countersign::api::sso_settings::{SsoMappingRequest, SsoSettingsRequest};
use countersign::api::teams::TeamRequest;
use countersign::api::users::SecuritySettings;
use countersign::auth::loopback::{CallbackAnswer, LoopbackRedirect};
use countersign::domain::sso::SsoRefusal;
use countersign::domain::{TeamId, Username};
use countersign::{Core, Error};
use rstest::rstest;

use crate::sso::{browser_reaches_redirect, provider, Provider};
use crate::support::*;

const OWNER: &str = "olga.owner";
const OWNER_PASSWORD: &str = "quartz meadow harbour lamp";

/// Who exists at the provider: `ana` proved a one-time code there, `ben` a password only.
fn write_users(dir: &Path, ana_groups: &[&str]) {
    let users = serde_json::json!({
        "ana": { "password": "correct horse", "name": "Ana Ruiz", "groups": ana_groups, "amr": ["pwd", "otp"] },
        "ben": { "password": "battery staple", "groups": ["cs-agents"] },
        "cy": { "password": "tulip engine", "groups": ["marketing"] },
        "anna.agent": { "password": "x", "groups": ["cs-agents"] }
    });
    std::fs::write(dir.join("users.json"), users.to_string()).unwrap();
}

struct World {
    site: Site,
    idp: Provider,
    users: tempfile::TempDir,
    york: TeamId,
}

async fn world() -> World {
    let users = tempfile::tempdir().unwrap();
    write_users(users.path(), &["cs-agents", "store-york"]);
    let idp = provider(&users.path().join("users.json"), 3600, 0).await;
    let site = site("http://127.0.0.1:9").await;
    let york = site.core.operator_create_team(TeamRequest { name: "York".to_owned() }).await.unwrap();
    site.core
        .operator_add_user(AddUser {
            username: OWNER.to_owned(),
            role: "owner".to_owned(),
            teams: Vec::new(),
            password: secret(OWNER_PASSWORD),
        })
        .await
        .unwrap();
    let york = TeamId::new(york.id);
    site.core.operator_set_sso_settings(settings(&idp.issuer, "sso_and_passwords", york)).await.unwrap();
    World { site, idp, users, york }
}

fn settings(issuer: &str, mode: &str, york: TeamId) -> SsoSettingsRequest {
    let mapping = |group: &str, role: Option<&str>, team: Option<TeamId>| SsoMappingRequest {
        group: group.to_owned(),
        role: role.map(str::to_owned),
        team: team.map(TeamId::get),
    };
    SsoSettingsRequest {
        mode: mode.to_owned(),
        label: "Test provider".to_owned(),
        issuer: issuer.to_owned(),
        client_id: "countersign-desktop".to_owned(),
        client_secret: None,
        clear_client_secret: false,
        scopes: vec!["profile".to_owned(), "groups".to_owned()],
        username_claim: "preferred_username".to_owned(),
        groups_claim: "groups".to_owned(),
        provision: true,
        break_glass: Some(OWNER.to_owned()),
        mappings: vec![
            mapping("cs-managers", Some("manager"), None),
            mapping("cs-agents", Some("agent"), None),
            mapping("store-york", None, Some(york)),
        ],
    }
}

/// The whole native-app flow: the app listens on loopback and begins; the person signs in at
/// the provider's page; the browser lands on the app's listener, which hands the answer over.
async fn answered(core: &Core, user: &str, password: &str) -> (countersign::auth::oidc::Pending, Answer) {
    let listener = LoopbackRedirect::bind().await.unwrap();
    let redirect = listener.redirect_uri().to_owned();
    let begun = core.begin_sso(&redirect).await.unwrap();
    let waiting = tokio::spawn(listener.wait(std::time::Duration::from_secs(30)));
    let landing = browser_reaches_redirect(&begun.authorize_url, user, password, &redirect).await;
    let page = reqwest::get(landing).await.unwrap();
    assert_eq!(page.status(), 200);
    (begun.pending, waiting.await.unwrap())
}

async fn sso_sign_in(core: &Core, user: &str, password: &str) -> Result<SignedIn, Error> {
    let (pending, answer) = answered(core, user, password).await;
    core.finish_sso(pending, answer, Origin::Desktop, "Countersign desktop").await
}

async fn trail(core: &Core) -> Vec<(String, String, String)> {
    let records = core.store().audit_records().await.unwrap();
    records.into_iter().map(|r| (r.action, r.actor, r.detail)).collect()
}

async fn teams_of(core: &Core, name: &str) -> Vec<TeamId> {
    let user = core.store().find_user_by_name(&Username::parse(name).unwrap()).await.unwrap().unwrap();
    core.store().teams_of(user.id).await.unwrap().into_iter().collect()
}

#[tokio::test]
async fn a_first_sign_in_creates_the_user_from_their_groups() {
    let w = world().await;
    let core = &w.site.core;
    let ana = sso_sign_in(core, "ana", "correct horse").await.unwrap();
    assert_eq!(ana.me.username, "ana");
    assert_eq!(ana.me.role, "agent");
    assert!(!ana.me.second_factor_required, "the provider's one-time code counts");
    assert!(core.list_conversations(&ana.token).await.is_ok(), "the session works");
    assert_eq!(teams_of(core, "ana").await, [w.york]);

    let trail = trail(core).await;
    let made = trail.iter().find(|(a, ..)| a == "user.provisioned").unwrap();
    assert_eq!(made.1, "system:sso");
    assert!(made.2.contains("agent") && made.2.contains(&w.idp.issuer), "{}", made.2);
    assert!(trail.iter().any(|(a, _, d)| a == "team.member_synced" && d.contains("added")));
    assert!(trail.iter().any(|(a, _, d)| a == "session.login" && d.contains("sso")));
}

#[tokio::test]
async fn role_and_teams_follow_the_groups_and_removal_ends_access() {
    let w = world().await;
    let core = &w.site.core;
    let first = sso_sign_in(core, "ana", "correct horse").await.unwrap();

    // Promoted at the provider, and moved out of York.
    write_users(w.users.path(), &["cs-managers", "cs-agents"]);
    let second = sso_sign_in(core, "ana", "correct horse").await.unwrap();
    assert_eq!(second.me.role, "manager", "the first mapping in order wins");
    assert!(teams_of(core, "ana").await.is_empty());
    let trail_now = trail(core).await;
    let synced = trail_now.iter().find(|(a, ..)| a == "user.role_synced").unwrap();
    assert!(synced.2.contains("agent") && synced.2.contains("manager"), "{}", synced.2);
    assert!(trail_now.iter().any(|(a, _, d)| a == "team.member_synced" && d.contains("removed")));

    // Removed from every mapped group: refused, and the sessions already open end.
    write_users(w.users.path(), &["everyone"]);
    let refused = sso_sign_in(core, "ana", "correct horse").await;
    assert!(matches!(refused, Err(Error::SsoFailed(SsoRefusal::NoMappedGroup))), "{refused:?}");
    for token in [&first.token, &second.token] {
        assert!(matches!(core.list_conversations(token).await, Err(Error::Unauthenticated)));
    }
    let trail_now = trail(core).await;
    assert!(trail_now.iter().any(|(a, _, d)| a == "session.sso_failed" && d.contains("no_mapped_group")));
    assert!(trail_now.iter().any(|(a, actor, _)| a == "session.revoked_all" && actor == "system:sso"));
}

#[rstest]
#[case::provider_shows_a_second_factor("ana", "correct horse", false)]
#[case::password_only_at_the_provider("ben", "battery staple", true)]
#[tokio::test]
async fn the_second_factor_policy_applies_when_the_provider_shows_none(
    #[case] user: &str,
    #[case] password: &str,
    #[case] must_enrol: bool,
) {
    let w = world().await;
    let core = &w.site.core;
    let policy =
        SecuritySettings { second_factor_roles: Some(vec!["agent".to_owned()]), ..Default::default() };
    core.operator_set_security_settings(policy).await.unwrap();
    let signed_in = sso_sign_in(core, user, password).await.unwrap();
    assert_eq!(signed_in.me.second_factor_enrolment_required, must_enrol);
    let inbox = core.list_conversations(&signed_in.token).await;
    assert_eq!(matches!(inbox, Err(Error::SecondFactorEnrolmentRequired)), must_enrol, "{inbox:?}");
}

#[tokio::test]
async fn with_single_sign_on_only_passwords_work_for_the_break_glass_owner_alone() {
    let w = world().await;
    let core = &w.site.core;
    let mut without_owner = settings(&w.idp.issuer, "sso_only", w.york);
    without_owner.break_glass = None;
    assert!(matches!(core.operator_set_sso_settings(without_owner).await, Err(Error::Invalid(_))));
    let mut agent_as_owner = settings(&w.idp.issuer, "sso_only", w.york);
    agent_as_owner.break_glass = Some(AGENT.to_owned());
    assert!(matches!(core.operator_set_sso_settings(agent_as_owner).await, Err(Error::Invalid(_))));

    let view = core.operator_set_sso_settings(settings(&w.idp.issuer, "sso_only", w.york)).await.unwrap();
    assert_eq!(view.break_glass.as_deref(), Some(OWNER));
    let offer = core.sso_offer().await.unwrap().unwrap();
    assert!(!offer.passwords);

    let login =
        |name: &str, password: &str| LoginRequest { username: name.to_owned(), password: secret(password) };
    let agent = core.login(login(AGENT, AGENT_PASSWORD), Origin::Desktop, "test").await;
    assert!(matches!(agent, Err(Error::SsoRequired)), "{agent:?}");
    let guess = core.login(login(AGENT, "wrong guess"), Origin::Desktop, "test").await;
    assert!(matches!(guess, Err(Error::InvalidCredentials)), "a wrong password says nothing more");
    core.login(login(OWNER, OWNER_PASSWORD), Origin::Desktop, "test").await.unwrap();
    sso_sign_in(core, "ana", "correct horse").await.unwrap();
    assert!(trail(core).await.iter().any(|(a, ..)| a == "session.sso_required"));
}

#[tokio::test]
async fn refused_sign_ins_say_why_and_are_audited() {
    let w = world().await;
    let core = &w.site.core;
    let cases: Vec<(Answer, SsoRefusal)> = vec![
        (Ok(CallbackAnswer::Refused { error: "access_denied".to_owned() }), SsoRefusal::ProviderRefused),
        (Err(SsoRefusal::TimedOut), SsoRefusal::TimedOut),
    ];
    for (answer, expected) in cases {
        let (pending, _) = answered(core, "ana", "correct horse").await;
        let refused = core.finish_sso(pending, answer, Origin::Desktop, "test").await;
        assert!(matches!(refused, Err(Error::SsoFailed(r)) if r == expected), "{refused:?}");
    }
    // An answer whose state is not this sign-in's (a forged or crossed redirect).
    let (pending, answer) = answered(core, "ana", "correct horse").await;
    let Ok(CallbackAnswer::Code { code, .. }) = answer else { panic!("{answer:?}") };
    let forged = Ok(CallbackAnswer::Code { code, state: "forged".to_owned() });
    let refused = core.finish_sso(pending, forged, Origin::Desktop, "test").await;
    assert!(matches!(refused, Err(Error::SsoFailed(SsoRefusal::Answer))), "{refused:?}");
    // In no group that gives a role.
    let refused = sso_sign_in(core, "cy", "tulip engine").await;
    assert!(matches!(refused, Err(Error::SsoFailed(SsoRefusal::NoMappedGroup))), "{refused:?}");
    // The provider's name belongs to a local user: never taken over.
    let refused = sso_sign_in(core, AGENT, "x").await;
    assert!(matches!(refused, Err(Error::SsoFailed(SsoRefusal::NameTaken))), "{refused:?}");

    let reasons: Vec<String> =
        trail(core).await.into_iter().filter(|(a, ..)| a == "session.sso_failed").map(|(.., d)| d).collect();
    for reason in ["provider_refused", "timed_out", "state_mismatch", "no_mapped_group", "username_taken"] {
        assert!(reasons.iter().any(|d| d.contains(reason)), "{reason} in {reasons:?}");
    }
    assert!(reasons.iter().any(|d| d.contains("access_denied")), "the provider's error code is kept");
}

#[tokio::test]
async fn without_provisioning_only_people_already_here_sign_in() {
    let w = world().await;
    let core = &w.site.core;
    let mut closed = settings(&w.idp.issuer, "sso_and_passwords", w.york);
    closed.provision = false;
    core.operator_set_sso_settings(closed).await.unwrap();
    let refused = sso_sign_in(core, "ben", "battery staple").await;
    assert!(matches!(refused, Err(Error::SsoFailed(SsoRefusal::NotProvisioned))), "{refused:?}");
}

#[tokio::test]
async fn a_locked_session_unlocks_with_the_provider_as_its_own_user_only() {
    let w = world().await;
    let core = &w.site.core;
    let ana = sso_sign_in(core, "ana", "correct horse").await.unwrap();
    sso_sign_in(core, "ben", "battery staple").await.unwrap();
    core.lock(&ana.token, LockReason::Manual).await.unwrap();

    let (pending, answer) = answered(core, "ben", "battery staple").await;
    let someone_else = core.unlock_with_sso(&ana.token, pending, answer).await;
    assert!(matches!(someone_else, Err(Error::SsoFailed(SsoRefusal::WrongPerson))), "{someone_else:?}");
    assert!(matches!(core.list_conversations(&ana.token).await, Err(Error::Locked)));

    let (pending, answer) = answered(core, "ana", "correct horse").await;
    let me = core.unlock_with_sso(&ana.token, pending, answer).await.unwrap();
    assert!(!me.locked);
    assert!(core.list_conversations(&ana.token).await.is_ok());
    let trail = trail(core).await;
    assert!(trail.iter().any(|(a, _, d)| a == "session.unlocked" && d.contains("sso")));
    assert!(trail.iter().any(|(a, _, d)| a == "session.unlock_failed" && d.contains("wrong_person")));
}

#[tokio::test]
async fn the_client_secret_is_write_only_and_never_in_the_trail() {
    let w = world().await;
    let core = &w.site.core;
    let mut with_secret = settings(&w.idp.issuer, "sso_and_passwords", w.york);
    with_secret.client_secret = Some(secret("s3cr3t-client-value"));
    let view = core.operator_set_sso_settings(with_secret).await.unwrap();
    assert!(view.client_secret_set);
    // Saved again without one: kept.
    let view =
        core.operator_set_sso_settings(settings(&w.idp.issuer, "sso_and_passwords", w.york)).await.unwrap();
    assert!(view.client_secret_set);
    let shown = format!("{view:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(!trail(core).await.iter().any(|(.., d)| d.contains("s3cr3t")));
    let mut cleared = settings(&w.idp.issuer, "sso_and_passwords", w.york);
    cleared.clear_client_secret = true;
    assert!(!core.operator_set_sso_settings(cleared).await.unwrap().client_secret_set);
}

#[tokio::test]
async fn a_tool_without_the_desktop_app_signs_in_through_the_http_api() {
    let users = tempfile::tempdir().unwrap();
    write_users(users.path(), &["cs-agents"]);
    let idp = provider(&users.path().join("users.json"), 3600, 0).await;
    let served = Served::new("http://127.0.0.1:9").await;
    let york = TeamId::new(1);
    let mut request = settings(&idp.issuer, "sso_and_passwords", york);
    request.break_glass = None;
    served.site.core.operator_set_sso_settings(request).await.unwrap();
    let offer: serde_json::Value = served.get("/api/v1/sso", None).await.json().await.unwrap();
    assert_eq!(offer["label"], "Test provider");

    // The tool listens on its own loopback port, begins, and sends the person to the provider.
    let listener = LoopbackRedirect::bind().await.unwrap();
    let redirect = listener.redirect_uri().to_owned();
    let begun =
        served.post("/api/v1/sso/sign-ins", None, serde_json::json!({ "redirect_uri": redirect })).await;
    assert_eq!(begun.status(), 201);
    let begun: serde_json::Value = begun.json().await.unwrap();
    let authorize = url::Url::parse(begun["authorize_url"].as_str().unwrap()).unwrap();
    let landing = browser_reaches_redirect(&authorize, "ben", "battery staple", &redirect).await;
    let query = landing.query().unwrap().to_owned();
    let finish = serde_json::json!({ "sign_in": begun["sign_in"], "redirect_query": query });
    let session = served.post("/api/v1/sessions/sso", None, finish.clone()).await;
    assert_eq!(session.status(), 201);
    let session: serde_json::Value = session.json().await.unwrap();
    assert_eq!(session["user"]["username"], "ben");
    let token = session["token"].as_str().unwrap();
    assert_eq!(served.get("/api/v1/conversations", Some(token)).await.status(), 200);

    // The handle is spent: the same answer posted again is refused.
    let again = served.post("/api/v1/sessions/sso", None, finish).await;
    assert_eq!(again.status(), 403);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["code"], "sso_failed");
}

#[tokio::test]
async fn single_sign_on_pinned_by_it_policy_signs_people_in_and_cannot_be_changed_in_the_app() {
    let w = world().await;
    let policy = format!(
        r#"{{ "sso": {{ "mode": "sso_only", "label": "Contoso (IT)", "issuer": "{}", "client_id": "countersign-desktop",
                       "scopes": ["profile", "groups"], "provision": true, "break_glass": "{OWNER}",
                       "mappings": [{{ "group": "cs-agents", "role": "agent" }}, {{ "group": "store-york", "team": "york" }},
                                    {{ "group": "store-leeds", "team": "No such team" }}] }} }}"#,
        w.idp.issuer
    );
    let core = w.site.core.clone().with_policy(countersign::managed::Policy::parse(&policy, "test").unwrap());
    let offer = core.sso_offer().await.unwrap().unwrap();
    assert_eq!(offer.label, "Contoso (IT)");
    assert!(!offer.passwords);
    let ana = sso_sign_in(&core, "ana", "correct horse").await.unwrap();
    assert_eq!(ana.me.role, "agent");
    assert_eq!(teams_of(&core, "ana").await, [w.york], "teams by name; one this store lacks is left out");
    let view = core.operator_set_sso_settings(settings(&w.idp.issuer, "off", w.york)).await;
    assert!(matches!(view, Err(Error::NotAllowed(_))), "{view:?}");
    let login = LoginRequest { username: OWNER.to_owned(), password: secret(OWNER_PASSWORD) };
    core.login(login, Origin::Desktop, "test").await.unwrap();
}

#[tokio::test]
async fn someone_the_provider_made_cannot_sign_in_around_it() {
    let w = world().await;
    let core = &w.site.core;
    sso_sign_in(core, "ana", "correct horse").await.unwrap();
    // An administrator gives her a password; with single sign-on on, it does not let her in:
    // the provider decides whether she may (a key she added here is refused the same way).
    core.operator_reset_password("ana", secret("a temporary passphrase 7")).await.unwrap();
    let login = LoginRequest { username: "ana".to_owned(), password: secret("a temporary passphrase 7") };
    let refused = core.login(login, Origin::Desktop, "test").await;
    assert!(matches!(refused, Err(Error::SsoRequired)), "{refused:?}");
    // The local users who were never bound keep their passwords in this mode.
    let anna = LoginRequest { username: AGENT.to_owned(), password: secret(AGENT_PASSWORD) };
    core.login(anna, Origin::Desktop, "test").await.unwrap();
}
