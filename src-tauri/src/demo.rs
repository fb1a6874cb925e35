//! Demo mode: a throw-away organisation in a fresh temporary directory, the WhatsApp simulator
//! in-process, and simulated customers writing in, all through the production code paths
//! (signed webhooks into the real intake, replies through the real Cloud API client).
//!
//! Credentials are printed to the terminal. `COUNTERSIGN_DEMO_PASSWORD` fixes the password and
//! `COUNTERSIGN_DEMO_SIM_PORT` the simulator's port (the end-to-end test uses both);
//! `COUNTERSIGN_DEMO_INTERVAL_MS` sets the pace of the customers and
//! `COUNTERSIGN_DEMO_LOCK_SECONDS` the idle lock, `COUNTERSIGN_DEMO_APPROVAL_MINUTES` how long a
//! manager's approval to reveal lasts. There are four users with that password: an
//! agent in each of two stores (`demo.agent` in Leeds, `demo.york` in York), Leeds' store lead
//! (`demo.lead`, a custom role: a manager who may also reveal card numbers, so they can approve
//! an agent's request to see one) and an administrator (`demo.admin`); routing rules ask a
//! customer who mentions a store which one they mean, and send them to its team.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use countersign::api::operator::{AddUser, ChannelSettings};
use countersign::api::roles::{GrantRequest, RoleRequest};
use countersign::api::routing::{DefaultTeamRequest, SaveRuleRequest};
use countersign::api::teams::TeamRequest;
use countersign::api::users::SecuritySettings;
use countersign::clock::{random_bytes, OsRandom};
use countersign::keys::{KeySource, SecretString};
use countersign::Core;
use countersign_sim::customers::{demo_script, run_script};
use countersign_sim::{GraphSim, SimConfig, WebhookTarget};

const PHONE_NUMBER_ID: &str = "100200300400500";
/// Two stores, Leeds and York, each with an agent; the administrator sees both.
const TEAMS: [&str; 2] = ["Leeds", "York"];
const USERS: [(&str, &str, &str); 4] = [
    ("demo.agent", "agent", "Leeds"),
    ("demo.york", "agent", "York"),
    ("demo.lead", STORE_LEAD, "Leeds"),
    ("demo.admin", "admin", "Leeds"),
];
/// The slug of the demo's custom role for a store's manager.
pub(crate) const STORE_LEAD: &str = "store_lead";
/// What a store lead may do: run their store's inbox, approve their agents' requests, and see
/// contact details and card numbers when they must (each reveal audited).
const STORE_LEAD_GRANTS: [(&str, &str); 16] = [
    ("conversations.view", "team"),
    ("conversations.reply", "team"),
    ("conversations.assign", "team"),
    ("conversations.transfer", "team"),
    ("conversations.close", "team"),
    ("notes.view", "all"),
    ("notes.write", "all"),
    ("escalations.request", "all"),
    ("escalations.approve", "all"),
    ("contacts.view", "team"),
    ("contacts.edit", "team"),
    ("labels.apply", "all"),
    ("sensitive.reveal_contact", "all"),
    ("sensitive.reveal_financial", "all"),
    ("templates.view", "all"),
    ("quick_replies.manage", "all"),
];

fn random_hex() -> String {
    hex_encode(&random_bytes::<16>(&OsRandom))
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A number from the environment, if set; a value that is not one stops the demo.
fn env_setting(name: &str) -> anyhow::Result<Option<i64>> {
    std::env::var(name).ok().map(|v| v.parse().with_context(|| format!("{name} is not a number"))).transpose()
}

/// Sets up the demo; returns the core the app runs on and the temporary directory to delete
/// when the app exits.
pub async fn start() -> anyhow::Result<(Core, PathBuf)> {
    let dir = std::env::temp_dir().join(format!("countersign-demo-{}", random_hex()));
    let core = Core::init(&dir.join("data"), &KeySource::File(dir.join("demo.key"))).await?;
    let password = std::env::var("COUNTERSIGN_DEMO_PASSWORD").unwrap_or_else(|_| random_hex());
    let mut teams = Vec::new();
    for name in TEAMS {
        teams.push(core.operator_create_team(TeamRequest { name: name.to_owned() }).await?.id);
    }
    let lead = core
        .operator_create_role(RoleRequest {
            name: "Store lead".to_owned(),
            description: "Runs one store's inbox and approves its agents' requests".to_owned(),
            grants: STORE_LEAD_GRANTS
                .iter()
                .map(|(p, scope)| GrantRequest {
                    permission: (*p).to_owned(),
                    scope: Some((*scope).to_owned()),
                })
                .collect(),
            labels: Vec::new(),
        })
        .await?;
    anyhow::ensure!(lead.slug == STORE_LEAD, "the store lead role is {}", lead.slug);
    for (username, role, team) in USERS {
        let password = SecretString::from(password.clone());
        core.operator_add_user(AddUser {
            username: username.to_owned(),
            role: role.to_owned(),
            teams: vec![team.to_owned()],
            password,
        })
        .await?;
    }
    routing(&core, teams[0], teams[1]).await?;
    // Tests shorten the idle lock and how long an approval to reveal lasts, to see both end.
    core.operator_set_security_settings(SecuritySettings {
        lock_after_seconds: env_setting("COUNTERSIGN_DEMO_LOCK_SECONDS")?,
        reveal_approval_minutes: env_setting("COUNTERSIGN_DEMO_APPROVAL_MINUTES")?,
        ..Default::default()
    })
    .await?;

    let access_token = random_hex();
    let sim_port: u16 = env_or("COUNTERSIGN_DEMO_SIM_PORT", 0);
    let sim = GraphSim::start(
        SimConfig { phone_number_id: PHONE_NUMBER_ID.to_owned(), access_token: access_token.clone() },
        ([127, 0, 0, 1], sim_port).into(),
    )
    .await
    .context("cannot start the WhatsApp simulator")?;
    let sim_url = sim.base_url();
    let app_secret = random_hex();
    core.operator_set_channel(ChannelSettings {
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        verify_token: SecretString::from(random_hex()),
        graph_base_url: sim_url.clone(),
        api_version: None,
        app_secret: SecretString::from(app_secret.clone()),
        access_token: SecretString::from(access_token),
    })
    .await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let webhook_url = format!("http://{}/webhook", listener.local_addr()?);
    tauri::async_runtime::spawn(countersign::server::serve_webhooks(
        core.clone(),
        listener,
        std::future::pending(),
    ));
    let target = WebhookTarget {
        url: webhook_url.clone(),
        app_secret,
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        display_phone_number: "15550001000".to_owned(),
    };
    // The account's templates, as the simulator lists them.
    core.operator_sync_templates("102290129340398").await?;
    // Replies get `sent` and `delivered` webhooks back, as from Meta.
    sim.report_statuses_to(target.clone());
    let photo = sim.add_media("image/png", countersign_sim::customers::DEMO_PHOTO.to_vec());
    let interval = Duration::from_millis(env_or("COUNTERSIGN_DEMO_INTERVAL_MS", 4000));
    tauri::async_runtime::spawn(async move {
        run_script(target, demo_script(Some(&photo)), interval, 1, Some(&sim)).await;
        // Keep the simulator alive for replies after the script ends.
        std::future::pending::<()>().await;
        drop(sim);
    });

    println!("\n  Countersign demo is running.");
    println!("  Sign in as   demo.agent (Leeds), demo.york (York), demo.lead (Leeds' store lead)");
    println!("               or demo.admin (an administrator)");
    println!("  Password     {password}");
    println!("  Data (encrypted, deleted when the app closes): {}", dir.display());
    println!("  Webhooks: {webhook_url}   WhatsApp simulator: {sim_url}\n");
    Ok((core, dir))
}

/// The demo's routing: new chats go to Leeds; a customer who asks about a store is asked which,
/// and their pick sends them to that store's team.
async fn routing(core: &Core, leeds: i64, york: i64) -> anyhow::Result<()> {
    core.operator_set_default_team(DefaultTeamRequest { team: Some(leeds) }).await?;
    let rules = [
        serde_json::json!({ "name": "Leeds picked", "when": { "answers": ["Leeds"] }, "then": { "team": leeds, "agent": "round_robin" } }),
        serde_json::json!({ "name": "York picked", "when": { "answers": ["York"] }, "then": { "team": york, "agent": "round_robin" } }),
        serde_json::json!({ "name": "Ask which store", "when": { "keywords": ["which store", "which shop"] },
            "then": { "reply": { "type": "list", "body": "Which store would you like?", "button": "Stores", "rows": ["Leeds", "York"] } } }),
    ];
    for rule in rules {
        core.operator_save_routing_rule(SaveRuleRequest { id: None, position: None, rule }).await?;
    }
    Ok(())
}
