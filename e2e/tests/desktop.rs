//! The real desktop app, driven through tauri-driver and WebKitWebDriver (a real WebKitGTK
//! engine) under Xvfb: sign in, see a simulated customer's message arrive, reply, and check
//! that the simulated Cloud API received the reply. Saves screenshots to `e2e/screenshots/`.
//!
//! Needs: `COUNTERSIGN_DESKTOP_BIN` (a `countersign-desktop` built with `--features demo`),
//! `tauri-driver` and `WebKitWebDriver` on PATH, and a display. `scripts/test` provides all
//! of them; a missing one fails the test with what to do, never skips it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failing loudly is the point

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::time::Instant;

#[path = "desktop/accessibility.rs"]
mod accessibility;
#[path = "desktop/idp.rs"]
mod idp;
use accessibility::assert_accessible;

use countersign_e2e::{free_port, launch, require_env};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

const PASSWORD: &str = "silver harbour night train";

/// The environment for the app in demo mode.
fn demo_env(sim_port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("COUNTERSIGN_DEMO", "1".to_owned()),
        ("COUNTERSIGN_DEMO_PASSWORD", PASSWORD.to_owned()),
        ("COUNTERSIGN_DEMO_SIM_PORT", sim_port.to_string()),
        ("COUNTERSIGN_DEMO_INTERVAL_MS", "700".to_owned()),
    ]
}

/// Waits until an element matching `css` contains `text`, and returns it.
async fn wait_for_text(
    client: &Client,
    css: &str,
    text: &str,
    timeout: Duration,
) -> fantoccini::elements::Element {
    let deadline = Instant::now() + timeout;
    loop {
        for element in client.find_all(Locator::Css(css)).await.unwrap_or_default() {
            if element.text().await.is_ok_and(|t| t.contains(text)) {
                return element;
            }
        }
        if Instant::now() > deadline {
            let page = client.source().await.unwrap_or_default();
            panic!("no {css} containing {text:?} after {timeout:?}; page:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits up to `seconds` for the element matching `css`.
async fn element(client: &Client, css: &str, seconds: u64) -> Element {
    client.wait().at_most(Duration::from_secs(seconds)).for_element(Locator::Css(css)).await.unwrap()
}

/// Something that can find elements inside it: the whole page or one element. A control the
/// screen shows after an answer from the core may take a moment to appear: it is looked for
/// for up to ten seconds.
trait Scope {
    async fn find_now(&self, css: &str) -> Result<Element, fantoccini::error::CmdError>;

    async fn child(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.find_now(css).await {
                Ok(found) => return found,
                Err(e) if Instant::now() >= deadline => panic!("no {css}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

impl Scope for Client {
    async fn find_now(&self, css: &str) -> Result<Element, fantoccini::error::CmdError> {
        self.find(Locator::Css(css)).await
    }
}

impl Scope for Element {
    async fn find_now(&self, css: &str) -> Result<Element, fantoccini::error::CmdError> {
        self.find(Locator::Css(css)).await
    }
}

/// Types `text` into the field matching `css` inside `scope`.
async fn type_into(scope: &impl Scope, css: &str, text: &str) {
    scope.child(css).await.send_keys(text).await.unwrap();
}

/// Clicks the element matching `css` inside `scope`.
async fn click(scope: &impl Scope, css: &str) {
    scope.child(css).await.click().await.unwrap();
}

/// Clicks a control whose action takes it away (a form that closes once the core answered).
/// The core answers in milliseconds, so WebKitWebDriver may find the control gone when it
/// finishes the click and call it stale: that is the click having worked. The caller checks
/// the outcome.
async fn click_closing(scope: &impl Scope, css: &str) {
    match scope.child(css).await.click().await {
        Ok(_)
        | Err(fantoccini::error::CmdError::Standard(fantoccini::error::WebDriver {
            error: fantoccini::error::ErrorStatus::StaleElementReference,
            ..
        })) => {}
        Err(e) => panic!("clicking {css}: {e}"),
    }
}

/// Waits until at least one element matches `css` and every one's text passes `check`.
/// The list may re-render while it is read (a search answering, a poll refreshing): a row
/// gone stale means "read again", not failure.
async fn wait_all_rows(client: &Client, css: &str, check: impl Fn(&str) -> bool, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let rows = client.find_all(Locator::Css(css)).await.unwrap_or_default();
        let mut texts = Vec::with_capacity(rows.len());
        for row in &rows {
            match row.text().await {
                Ok(text) => texts.push(text),
                Err(_) => break,
            }
        }
        if !rows.is_empty() && texts.len() == rows.len() && texts.iter().all(|t| check(t)) {
            return;
        }
        if Instant::now() > deadline {
            panic!("{css}: not every row passed after {timeout:?}: {texts:#?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until nothing matches `css` any more.
async fn wait_gone(client: &Client, css: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while !client.find_all(Locator::Css(css)).await.unwrap_or_default().is_empty() {
        if Instant::now() > deadline {
            let page = client.source().await.unwrap_or_default();
            panic!("{css} still there after {timeout:?}; page:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the sign-in form and submits it.
async fn sign_in(client: &Client, username: &str, password: &str) {
    let form = element(client, "[data-testid=login-form]", 30).await;
    form.child("input[name=username]").await.clear().await.unwrap();
    form.child("input[name=password]").await.clear().await.unwrap();
    type_into(&form, "input[name=username]", username).await;
    type_into(&form, "input[name=password]", password).await;
    click(&form, "button[type=submit]").await;
}

async fn screenshot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(name), png).unwrap();
}

/// Saves a screenshot of the screen as it is now and checks it with axe-core: what a journey
/// shows a person is what is checked for accessibility.
async fn seen(client: &Client, name: &str) {
    screenshot(client, name).await;
    assert_accessible(client, name).await;
}

async fn sim_received(sim_port: u16) -> Vec<Value> {
    reqwest::get(format!("http://127.0.0.1:{sim_port}/sim/received")).await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_signs_in_sees_a_customer_and_replies() {
    let sim_port = free_port();
    let (_driver, client) = launch(demo_env(sim_port)).await;

    element(&client, "[data-testid=login-form]", 30).await;
    seen(&client, "01-login.png").await;

    // A wrong password is refused with a message that does not say which part was wrong.
    sign_in(&client, "demo.agent", "wrong password!").await;
    let refusal = "user name or password is not correct";
    wait_for_text(&client, "[data-testid=login-error]", refusal, Duration::from_secs(10)).await;

    sign_in(&client, "demo.agent", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.agent", Duration::from_secs(15)).await;

    let conversation =
        wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(30)).await;
    let listed = conversation.text().await.unwrap();
    assert!(listed.contains("+*******0101"), "an agent sees the customer's number masked: {listed}");
    conversation.click().await.unwrap();
    wait_for_text(&client, "[data-testid=message]", "blue trail runners", Duration::from_secs(10)).await;

    let reply = "Yes! Size 39 is in stock at Main Street.";
    type_into(&client, "textarea#reply", reply).await;
    click(&client, ".composer button[type=submit]").await;
    wait_for_text(&client, "[data-testid=message].outbound", reply, Duration::from_secs(10)).await;
    seen(&client, "02-inbox-reply.png").await;

    // The reply is committed to the outbox first; the sender delivers it within moments.
    let mut received = Vec::new();
    for _ in 0..100 {
        received = sim_received(sim_port).await;
        if received.iter().any(|r| r["to"] == "16505550101" && r["text"]["body"] == reply) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        received.iter().any(|r| r["to"] == "16505550101" && r["text"]["body"] == reply),
        "the simulated Cloud API received the reply: {received:?}"
    );
    let mut status = String::new();
    for _ in 0..50 {
        let shown = element(&client, "[data-testid=message].outbound [data-testid=status]", 10).await;
        status = shown.text().await.unwrap();
        if !status.is_empty() && status != "Waiting to send" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        ["Sent to WhatsApp", "Sent", "Delivered", "Read"].contains(&status.as_str()),
        "the inbox shows it went out: {status:?}"
    );

    // Other message types show as what they are: Ana's photo with its caption, Ben's location
    // (tags are upper-cased by CSS, so WebDriver reads them so).
    let photo =
        wait_for_text(&client, "[data-testid=message]", "These ones, in blue", Duration::from_secs(20)).await;
    assert!(photo.text().await.unwrap().to_lowercase().contains("photo"), "a photo is named as one");
    // The photo itself: fetched from the simulated Graph API, checked, kept, and decoded by WebKit.
    element(&client, "[data-testid=message] img.media-preview", 20).await;
    let mut width = Value::Null;
    for _ in 0..50 {
        width = client
            .execute(
                "return document.querySelector('[data-testid=message] img.media-preview').naturalWidth",
                vec![],
            )
            .await
            .unwrap();
        if width.as_u64().is_some_and(|w| w > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(width, 320, "the customer's photo is shown");
    screenshot(&client, "03-photo.png").await;
    wait_for_text(&client, "[data-testid=conversation]", "Ben Okafor", Duration::from_secs(5))
        .await
        .click()
        .await
        .unwrap();
    let place = wait_for_text(&client, "[data-testid=message]", "14 Park Row", Duration::from_secs(20)).await;
    assert!(place.text().await.unwrap().to_lowercase().contains("location"), "a location is named as one");
    // The card number he sent is masked, and an agent has no way to reveal it.
    let card =
        wait_for_text(&client, "[data-testid=message]", "**** **** **** 1111", Duration::from_secs(20)).await;
    assert!(card.find(Locator::Css("[data-testid=reveal]")).await.is_err(), "no Reveal for an agent");
    assert!(!visible_text(&client).await.contains("4111 1111"), "nowhere in full");
    screenshot(&client, "03-message-types.png").await;

    // A private note for colleagues: marked as such in the thread, never sent to Ben.
    click(&client, "[data-testid=mode-note]").await;
    let note = "Ben read his card out, call him back to take it by phone";
    type_into(&client, "textarea#note", note).await;
    click(&client, "[data-testid=note-form] button[type=submit]").await;
    let shown = wait_for_text(&client, "[data-testid=note]", note, Duration::from_secs(10)).await;
    // (The label is upper-cased by CSS, so WebDriver reads it so.)
    assert!(shown.text().await.unwrap().to_lowercase().contains("not sent to the customer"));
    // Done with Ben: resolved, he leaves the list of what needs us and waits under Resolved.
    click(&client, "[data-testid=resolve]").await;
    wait_for_text(&client, "[data-testid=status-badge]", "Resolved", Duration::from_secs(10)).await;
    seen(&client, "03-note-and-resolved.png").await;
    let gone = Instant::now() + Duration::from_secs(10);
    while visible_text_of(&client, "nav.list").await.contains("Ben Okafor") {
        assert!(Instant::now() < gone, "Ben's resolved conversation left the working list");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    click(&client, "[data-testid=view-resolved]").await;
    wait_for_text(&client, "[data-testid=conversation]", "Ben Okafor", Duration::from_secs(5)).await;
    click(&client, "[data-testid=view-active]").await;
    assert!(
        !sim_received(sim_port).await.iter().any(|r| r.to_string().contains("call him back")),
        "the note never reached WhatsApp"
    );
    // Search finds Ana's words; Ben's card number finds nothing, though he wrote it.
    type_into(&client, "input#search", "runners").await;
    click(&client, "[data-testid=search-form] button[type=submit]").await;
    let hit =
        wait_for_text(&client, "[data-testid=search-hit]", "blue trail runners", Duration::from_secs(10))
            .await;
    assert!(hit.text().await.unwrap().contains("Ana Souza"));
    seen(&client, "03-search.png").await;
    client.find(Locator::Css("input#search")).await.unwrap().clear().await.unwrap();
    type_into(&client, "input#search", "4111").await;
    click(&client, "[data-testid=search-form] button[type=submit]").await;
    wait_for_text(&client, "[data-testid=search-results]", "Nothing found.", Duration::from_secs(10)).await;
    click(&client, "[data-testid=search-results] button.link").await;

    // Dana wrote two days ago: no free text, only an approved template, filled and previewed.
    wait_for_text(&client, "[data-testid=conversation]", "Dana Whitfield", Duration::from_secs(5))
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "[data-testid=window-closed]", "More than 24 hours", Duration::from_secs(10))
        .await;
    assert!(client.find(Locator::Css("textarea#reply")).await.is_err(), "no free text outside the window");
    let composer = element(&client, "[data-testid=template-composer]", 10).await;
    composer.child("select[name=template]").await.select_by_value("we_are_here/en_GB").await.unwrap();
    type_into(&composer, "input[name=slot-0]", "Dana").await;
    let preview = composer.child("[data-testid=template-preview]").await.text().await.unwrap();
    assert!(preview.starts_with("Hello Dana, we saw your message"), "{preview}");
    seen(&client, "04-template.png").await;
    click(&composer, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=message].outbound", "Hello Dana", Duration::from_secs(10)).await;
    let received = sim_received(sim_port).await;
    assert!(
        received.iter().any(|r| r["type"] == "template" && r["template"]["name"] == "we_are_here"),
        "the simulated Cloud API received the template: {received:?}"
    );

    // Back to Ana: a photo sent from the PC, with the typed text as its caption.
    wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(5))
        .await
        .click()
        .await
        .unwrap();
    type_into(&client, "textarea#reply", "Here they are in 39").await;
    element(&client, "input#attach", 10).await; // offered once the labels' rules are known
                                                // WebKitWebDriver does not fill file inputs; the page is handed the file as a user's
                                                // choice would (a File in the input, then its change event), and the app does the rest.
    let photo = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/assets/blue-runners.png"),
    )
    .unwrap();
    let choose = "const bytes = new Uint8Array(arguments[0]);
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'blue-runners.png', { type: 'image/png' }));
        const input = document.querySelector('input#attach');
        input.files = transfer.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        return input.files.length;";
    assert_eq!(client.execute(choose, vec![serde_json::json!(photo)]).await.unwrap(), 1);
    wait_for_text(&client, "[data-testid=message].outbound", "Here they are in 39", Duration::from_secs(15))
        .await;
    element(&client, "[data-testid=message].outbound img.media-preview", 10).await;
    let received = sim_received(sim_port).await;
    assert!(
        received.iter().any(|r| r["type"] == "image" && r["image"]["caption"] == "Here they are in 39"),
        "the simulated Cloud API received the photo: {received:?}"
    );
    screenshot(&client, "05-photo-sent.png").await;

    // A question with reply buttons: "Which store?".
    click(&client, "[data-testid=ask]").await;
    let form = element(&client, "[data-testid=ask-question]", 5).await;
    type_into(&form, "input[name=question]", "Which store suits you?").await;
    type_into(&form, "input[name=answer-0]", "Main Street").await;
    type_into(&form, "input[name=answer-1]", "Station Road").await;
    screenshot(&client, "06-ask-form.png").await;
    click(&form, "button[type=submit]").await;
    let asked = wait_for_text(
        &client,
        "[data-testid=message].outbound",
        "Which store suits you?",
        Duration::from_secs(10),
    )
    .await;
    assert!(asked.text().await.unwrap().contains("Station Road"), "the answers offered are shown");
    let received = sim_received(sim_port).await;
    assert!(
        received.iter().any(|r| r["interactive"]["action"]["buttons"][1]["reply"]["title"] == "Station Road"),
        "the simulated Cloud API received the buttons: {received:?}"
    );
    screenshot(&client, "07-question.png").await;

    // The store's place, as a map pin: coordinates pasted from a map app.
    click(&client, "[data-testid=share-open]").await;
    let form = element(&client, "[data-testid=share]", 5).await;
    type_into(&form, "input[name=share-name]", "Main Street store").await;
    type_into(&form, "input[name=share-address]", "12 Main Street, Leeds").await;
    type_into(&form, "input[name=share-coordinates]", "53.7997, -1.5492").await;
    wait_for_text(&client, "#share-coordinates-hint", "Paste them", Duration::from_secs(5)).await;
    screenshot(&client, "07b-share-form.png").await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=message].outbound", "Main Street store", Duration::from_secs(10))
        .await;
    let received = sim_received(sim_port).await;
    assert!(
        received.iter().any(|r| r["type"] == "location" && r["location"]["name"] == "Main Street store"),
        "the simulated Cloud API received the place: {received:?}"
    );
    // And a colleague's contact card.
    click(&client, "[data-testid=share-open]").await;
    let form = element(&client, "[data-testid=share]", 5).await;
    click(&form, "input[name=share-what][value=contact]").await;
    type_into(&form, "input[name=share-name]", "Priya, Main Street").await;
    type_into(&form, "input[name=share-phone]", "+44 113 496 0000").await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=message].outbound", "Priya, Main Street", Duration::from_secs(10))
        .await;
    screenshot(&client, "07c-place-and-card.png").await;
    client.close().await.unwrap();
}

/// Runs the `countersign` CLI built beside the app.
fn cli(args: &[&str], stdin: &str) {
    use std::io::Write;
    let bin = require_env("COUNTERSIGN_CLI_BIN", "path to the countersign CLI");
    let mut child = Command::new(bin).args(args).stdin(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "countersign {args:?}");
}

/// A long conversation opens on its latest 50 messages; "Show earlier messages" reads the 50
/// before them in above, and the message the reader was looking at stays where it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_conversation_opens_on_its_latest_messages_and_reads_back_in_place() {
    let store = TempStore::new();
    let loc = store.loc();
    let generate = ["bench", "generate", "--teams", "1", "--conversations", "1", "--messages-each", "120"];
    cli(&[&generate[..], &loc[..]].concat(), "");
    store.add_user("ada.admin", "admin", "quiet copper meadow nine\n");
    let (_driver, client) = launch(store.env()).await;
    sign_in(&client, "ada.admin", "quiet copper meadow nine").await;
    // Generated conversations have every status: "All" holds it whatever its own.
    click(&client, "[data-testid=view-all]").await;
    element(&client, "[data-testid=conversation]", 20).await.click().await.unwrap();
    element(&client, "[data-testid=show-earlier]", 20).await;
    let shown = || async { client.find_all(Locator::Css("[data-testid=message]")).await.unwrap().len() };
    assert_eq!(shown().await, 50, "the latest 50 first");
    // The reader scrolls to the top of what is read and asks for more: the message that was
    // first stays where it is on screen, with the earlier ones above it.
    let place = r#"
        const list = document.querySelector("[data-testid=messages]");
        list.scrollTop = 0;
        const first = document.querySelectorAll("[data-testid=message]")[0];
        first.dataset.anchor = "1";
        return first.getBoundingClientRect().top - list.getBoundingClientRect().top;
    "#;
    let before = client.execute(place, vec![]).await.unwrap().as_f64().unwrap();
    click(&client, "[data-testid=show-earlier]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while shown().await < 100 {
        assert!(Instant::now() < deadline, "the earlier 50 were not read in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = r#"
        const list = document.querySelector("[data-testid=messages]");
        return document.querySelector("[data-anchor]").getBoundingClientRect().top - list.getBoundingClientRect().top;
    "#;
    let after = client.execute(after, vec![]).await.unwrap().as_f64().unwrap();
    assert!((after - before).abs() < 2.0, "the message read stays in place: {before} then {after}");
    // At the top of what is read now: the 20 first messages are still to read.
    client.execute("document.querySelector('[data-testid=messages]').scrollTop = 0", vec![]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await; // painted before the screenshot
    seen(&client, "25-earlier-messages.png").await;
    element(&client, "[data-testid=show-earlier]", 5).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn after_an_admin_reset_the_app_asks_for_a_new_password_first() {
    let store = TempStore::new();
    let loc = store.loc();
    store.add_user("rita", "manager", "first granite lantern\n");
    cli(
        &[&["user", "reset-password", "--username", "rita", "--password-stdin"], &loc[..]].concat(),
        "amber kettle forest drum\n",
    );

    let (_driver, client) = launch(store.env()).await;
    sign_in(&client, "rita", "amber kettle forest drum").await;

    let change = element(&client, "[data-testid=change-password-form]", 10).await;
    screenshot(&client, "03-change-password.png").await;
    type_into(&change, "input[name=current]", "amber kettle forest drum").await;
    type_into(&change, "input[name=new]", "password1234").await;
    type_into(&change, "input[name=repeat]", "password1234").await;
    click(&change, "button[type=submit]").await;
    wait_for_text(&client, "[role=alert]", "easy to guess", Duration::from_secs(10)).await;

    let fresh = "violet tractor under seven lamps";
    type_into(&change, "input[name=current]", "amber kettle forest drum").await;
    type_into(&change, "input[name=new]", fresh).await;
    type_into(&change, "input[name=repeat]", fresh).await;
    click(&change, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "rita", Duration::from_secs(15)).await;
    wait_for_text(&client, ".list .empty", "No conversations yet", Duration::from_secs(10)).await;
    screenshot(&client, "04-inbox-after-change.png").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_sign_in_with_the_identity_provider_and_unlock_with_it() {
    let store = TempStore::new();
    let loc = store.loc();
    let owner_password = "quartz meadow harbour lamp";
    store.add_user("olga", "owner", &format!("{owner_password}\n"));
    let people = json!({ "ana": { "password": "correct horse", "name": "Ana Ruiz", "groups": ["cs-agents"], "amr": ["pwd", "otp"] } });
    let users = store.dir.join("idp-users.json");
    std::fs::write(&users, people.to_string()).unwrap();
    let idp = idp::start(&users).await;
    let settings = json!({
        "mode": "sso_and_passwords", "label": "Contoso ID", "issuer": idp.issuer,
        "client_id": "countersign-desktop", "scopes": ["profile", "groups"],
        "username_claim": "preferred_username", "groups_claim": "groups", "provision": true,
        "break_glass": "olga", "mappings": [{ "group": "cs-agents", "role": "agent", "team": null }],
    });
    let file = store.dir.join("sso.json");
    std::fs::write(&file, settings.to_string()).unwrap();
    cli(&[&["settings", "sso", "--file", &file.display().to_string()], &loc[..]].concat(), "");
    let (browser, opened) = idp::browser_script(&store.dir);
    let mut env = store.env();
    env.push(("BROWSER", browser.display().to_string()));
    let (_driver, client) = launch(env).await;

    // The sign-in screen offers the provider; pressing it opens the system browser and says so.
    let button = wait_for_text(
        &client,
        "[data-testid=sso-sign-in]",
        "Sign in with Contoso ID",
        Duration::from_secs(30),
    )
    .await;
    seen(&client, "50-sso-sign-in.png").await;
    button.click().await.unwrap();
    wait_for_text(&client, "[data-testid=sso-waiting]", "Sign in there", Duration::from_secs(10)).await;
    seen(&client, "51-sso-waiting.png").await;
    let authorize = idp::opened_url(&opened, 1).await;
    assert_eq!(authorize.query_pairs().find(|(k, _)| k == "code_challenge_method").unwrap().1, "S256");
    idp::sign_in_at_provider(&authorize, "ana", "correct horse").await;
    // Created at the first sign-in, as an agent, and signed in.
    wait_for_text(&client, "[data-testid=signed-in-as]", "ana", Duration::from_secs(15)).await;
    seen(&client, "52-sso-signed-in.png").await;

    // Locked on the shared PC: unlocked by signing in at the provider again.
    click(&client, "[data-testid=lock]").await;
    let unlock = wait_for_text(
        &client,
        "[data-testid=sso-sign-in]",
        "Unlock with Contoso ID",
        Duration::from_secs(10),
    )
    .await;
    seen(&client, "53-sso-locked.png").await;
    unlock.click().await.unwrap();
    idp::sign_in_at_provider(&idp::opened_url(&opened, 2).await, "ana", "correct horse").await;
    wait_gone(&client, "[data-testid=lock-screen]", Duration::from_secs(15)).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "ana", Duration::from_secs(5)).await;

    // The owner (the break-glass account) signs in with a password and sees the settings.
    click(&client, "[data-testid=lock]").await;
    click(&client, "[data-testid=switch-user]").await;
    sign_in(&client, "olga", owner_password).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "olga", Duration::from_secs(15)).await;
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-sso]").await;
    let issuer = element(&client, "input[name=sso-issuer]", 10).await;
    assert_eq!(issuer.prop("value").await.unwrap().as_deref(), Some(idp.issuer.as_str()));
    seen(&client, "54-sso-settings.png").await;
    client.execute("document.querySelector('table.mappings').scrollIntoView()", vec![]).await.unwrap();
    let group = element(&client, "[data-testid=sso-mapping] input", 5).await;
    assert_eq!(group.prop("value").await.unwrap().as_deref(), Some("cs-agents"));
    seen(&client, "55-sso-groups.png").await;
    client.close().await.unwrap();
}

/// Writes an IT policy file as IT would deploy it (readable by all, writable by its owner).
fn deploy_policy(store: &TempStore, text: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = store.dir.join("policy.json");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_it_policy_locks_its_settings_and_a_broken_one_stops_the_app() {
    let store = TempStore::new();
    let owner_password = "quartz meadow harbour lamp";
    store.add_user("olga", "owner", &format!("{owner_password}\n"));

    // A policy with a mistake: the app says what is wrong and opens nothing.
    let broken = deploy_policy(&store, r#"{ "lock_after_minutes": 90, "log_level": "loud" }"#);
    let mut env = store.env();
    env.push(("COUNTERSIGN_POLICY", broken));
    let (driver, client) = launch(env).await;
    let shown =
        wait_for_text(&client, "[data-testid=startup-error]", "lock_after_minutes", Duration::from_secs(30))
            .await;
    let text = shown.text().await.unwrap();
    assert!(text.contains("log_level") && text.contains("1 to 60"), "{text}");
    assert!(
        client.find_all(Locator::Css("input[name=password]")).await.unwrap().is_empty(),
        "no sign-in offered"
    );
    seen(&client, "56-policy-broken.png").await;
    client.close().await.unwrap();
    drop(driver);

    // A good one: what it sets is in force and shown locked.
    let good = deploy_policy(
        &store,
        r#"{ "lock_after_minutes": 2, "second_factor_roles": ["manager"], "content_protection": true,
             "ip_allowlist": [{ "cidr": "0.0.0.0/0" }, { "cidr": "::/0" }],
             "sso": { "mode": "sso_and_passwords", "label": "Contoso (IT)", "issuer": "https://login.contoso.example/v2.0",
                      "client_id": "countersign", "mappings": [{ "group": "cs-agents", "role": "agent" }] } }"#,
    );
    let mut env = store.env();
    env.push(("COUNTERSIGN_POLICY", good));
    let (_driver, client) = launch(env).await;
    wait_for_text(&client, "[data-testid=sso-sign-in]", "Sign in with Contoso (IT)", Duration::from_secs(30))
        .await;
    sign_in(&client, "olga", owner_password).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "olga", Duration::from_secs(15)).await;
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-security]").await;
    let lock_after = element(&client, "select[name=lock_after_seconds]", 10).await;
    assert_eq!(lock_after.prop("disabled").await.unwrap().as_deref(), Some("true"));
    assert_eq!(lock_after.prop("value").await.unwrap().as_deref(), Some("120"));
    wait_for_text(&client, "[data-testid=allowlist-pinned]", "only IT can change it", Duration::from_secs(5))
        .await;
    seen(&client, "57-policy-security.png").await;
    click(&client, "[data-testid=admin-sso]").await;
    wait_for_text(&client, "[data-testid=sso-pinned]", "only IT can change it", Duration::from_secs(10))
        .await;
    seen(&client, "58-policy-sso.png").await;
    client.close().await.unwrap();
}

/// A store made by the CLI in a temporary directory, removed at the end of the test.
struct TempStore {
    dir: PathBuf,
    data: String,
    key: String,
}

impl TempStore {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("countersign-e2e-{}", free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("data").display().to_string();
        let key = dir.join("data.key").display().to_string();
        let store = Self { dir, data, key };
        cli(&[&["init"], &store.loc()[..]].concat(), "");
        store
    }
    fn add_user(&self, username: &str, role: &str, password_line: &str) {
        let args = ["user", "add", "--username", username, "--role", role, "--password-stdin"];
        cli(&[&args[..], &self.loc()[..]].concat(), password_line);
    }
    fn loc(&self) -> [&str; 4] {
        ["--data-dir", &self.data, "--key-file", &self.key]
    }
    /// The app's environment for this store: the production start-up path, no demo.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![("COUNTERSIGN_DATA_DIR", self.data.clone()), ("COUNTERSIGN_KEY_FILE", self.key.clone())]
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `countersign serve` on a store, for preparing what only the HTTP API offers yet.
struct Served(Child, u16);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(loc: &[&str]) -> Served {
    let port = free_port();
    let bin = require_env("COUNTERSIGN_CLI_BIN", "path to the countersign CLI");
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(bin)
        .args(["serve", "--listen", &listen])
        .args(loc)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "countersign serve did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Served(child, port)
}

/// Signs `username` in over the HTTP API of `countersign serve` at `base` and sets up their
/// authenticator (the enrolment screens are tested on their own); its secret.
async fn enrol_authenticator(
    base: &str,
    username: &str,
    password: &str,
) -> countersign::auth::totp::TotpSecret {
    use countersign::auth::totp::TotpSecret;
    use countersign::clock::{Clock, SystemClock};
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let started: Value = http
        .post(format!("{base}/api/v1/me/totp"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = TotpSecret::from_base32(started["secret"].as_str().unwrap()).unwrap();
    let code = secret.code_at(SystemClock.now()).unwrap();
    let confirmed = http
        .post(format!("{base}/api/v1/me/totp/confirm"))
        .bearer_auth(token)
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    secret
}

#[tokio::test(flavor = "multi_thread")]
async fn with_an_authenticator_the_app_asks_for_a_code_after_the_password() {
    use countersign::clock::{Clock, SystemClock};

    let store = TempStore::new();
    let loc = store.loc();
    store.add_user("tom", "agent", "copper meadow silent river\n");

    // Enrol tom's authenticator over the HTTP API (the enrolment screens come later).
    let secret = {
        let served = serve(&loc).await;
        let base = format!("http://127.0.0.1:{}", served.1);
        enrol_authenticator(&base, "tom", "copper meadow silent river").await
    };

    let (_driver, client) = launch(store.env()).await;
    sign_in(&client, "tom", "copper meadow silent river").await;
    let form = element(&client, "[data-testid=second-factor-form]", 10).await;
    seen(&client, "05-second-factor.png").await;

    type_into(&form, "input[name=code]", "123 456").await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[role=alert]", "not correct", Duration::from_secs(10)).await;

    // The next step's code: the one used at enrolment cannot be used again.
    let code = secret.code_at(SystemClock.now().plus_millis(30_000)).unwrap();
    type_into(&form, "input[name=code]", &code).await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "tom", Duration::from_secs(15)).await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn when_policy_requires_it_the_app_sets_up_an_authenticator_first() {
    use countersign::auth::totp::TotpSecret;
    use countersign::clock::{Clock, SystemClock};

    let store = TempStore::new();
    let loc = store.loc();
    cli(&[&["settings", "security", "--second-factor-roles", "agent"], &loc[..]].concat(), "");
    store.add_user("una", "agent", "quiet orchard paper moon\n");

    let (_driver, client) = launch(store.env()).await;
    sign_in(&client, "una", "quiet orchard paper moon").await;
    let secret = element(&client, "[data-testid=totp-secret]", 10).await;
    let secret = TotpSecret::from_base32(&secret.text().await.unwrap()).unwrap();
    element(&client, "img.qr", 10).await;
    seen(&client, "06-enrol-authenticator.png").await;

    let code = secret.code_at(SystemClock.now()).unwrap();
    type_into(&client, "input[name=code]", &code).await;
    click(&client, "[data-testid=enrol-totp-form] button[type=submit]").await;
    let codes = element(&client, "[data-testid=recovery-codes]", 10).await;
    assert_eq!(codes.find_all(Locator::Css("li")).await.unwrap().len(), 10);
    screenshot(&client, "07-recovery-codes.png").await;
    click(&codes, "button").await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "una", Duration::from_secs(15)).await;
    client.close().await.unwrap();
}

/// An owner keeps message content for 90 days and files for 30, holds a disputed customer's
/// conversations from the customer's panel, and removes what is past the limits from the
/// retention screen: the old message of the other customer says it was removed; the held
/// one's is whole. Then that other customer asks for her data (a zip in Downloads) and to be
/// erased (her name typed): she leaves the inbox.
#[tokio::test(flavor = "multi_thread")]
async fn an_owner_sets_retention_holds_a_customer_purges_the_rest_and_erases_one_on_request() {
    use countersign::clock::{Clock, SystemClock};
    use countersign_sim::customers::{deliver, inbound, message_webhook, sign};
    use countersign_sim::{Customer, WebhookTarget};

    const OWNER_PASSWORD: &str = "north quay lantern seven";
    let store = TempStore::new();
    let loc = store.loc();
    store.add_user("olga.owner", "owner", &format!("{OWNER_PASSWORD}\n"));
    let app_secret = "e2e-app-secret-0123456789";
    cli(
        &[
            &["channel", "set", "--phone-number-id", "100200300400500", "--verify-token", "verify-e2e"][..],
            &["--graph-base-url", "http://127.0.0.1:9", "--app-secret-stdin", "--access-token-stdin"][..],
            &loc[..],
        ]
        .concat(),
        &format!("{app_secret}\ne2e-access-token\n"),
    );

    // Two customers wrote 200 days ago, one of them again today; olga enrols her authenticator.
    let secret = {
        let served = serve(&loc).await;
        let base = format!("http://127.0.0.1:{}", served.1);
        let target = WebhookTarget {
            url: format!("{base}/webhook"),
            app_secret: app_secret.to_owned(),
            phone_number_id: "100200300400500".to_owned(),
            display_phone_number: "15550001000".to_owned(),
        };
        let long_ago = SystemClock.now().as_millis() / 1000 - 200 * 24 * 3600;
        let ana = Customer { wa_id: "447700900101".to_owned(), name: "Ana Souza".to_owned() };
        let ben = Customer { wa_id: "447700900102".to_owned(), name: "Ben Okafor".to_owned() };
        let now = SystemClock.now().as_millis() / 1000;
        for (customer, wamid, text, at) in [
            (&ana, "wamid.e2e.1", "The trainers I bought in May, size 39", long_ago),
            (&ben, "wamid.e2e.2", "My parcel never came and I was charged twice", long_ago),
            (&ana, "wamid.e2e.3", "Hello again, do you have them in 40?", now),
        ] {
            let body = message_webhook(&target, customer, wamid, inbound::text(text), at);
            let status =
                deliver(&reqwest::Client::new(), &target.url, &sign(app_secret, &body), body).await.unwrap();
            assert_eq!(status, 200);
        }
        enrol_authenticator(&base, "olga.owner", OWNER_PASSWORD).await
    };

    let (_driver, client) = launch(store.env()).await;
    sign_in(&client, "olga.owner", OWNER_PASSWORD).await;
    let form = element(&client, "[data-testid=second-factor-form]", 10).await;
    let code = secret.code_at(SystemClock.now().plus_millis(30_000)).unwrap();
    type_into(&form, "input[name=code]", &code).await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "olga.owner", Duration::from_secs(15)).await;

    // Ben disputes a charge: his conversations are held from his panel, with the case.
    let ben =
        wait_for_text(&client, "[data-testid=conversation]", "Ben Okafor", Duration::from_secs(20)).await;
    ben.click().await.unwrap();
    click(&client, "[data-testid=contact-panel] summary").await;
    element(&client, "[data-testid=hold-open]", 10).await.click().await.unwrap();
    let hold = element(&client, "[data-testid=hold-form]", 10).await;
    type_into(&hold, "input[name=hold-reason]", "Case 2291: chargeback dispute").await;
    click(&hold, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=hold-placed]", "legal hold", Duration::from_secs(10)).await;
    screenshot(&client, "60-legal-hold.png").await;

    // The limits: content 90 days, files 30; shortening is confirmed first.
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-retention]").await;
    let screen = element(&client, "[data-testid=retention-settings]", 10).await;
    type_into(&screen, "input[name=retention-message-days]", "90").await;
    type_into(&screen, "input[name=retention-media-days]", "30").await;
    click(&screen, "form button[type=submit]").await;
    click(&client, "[aria-label='Confirm the shorter limits'] button.danger").await;
    wait_for_text(&client, "[role=status]", "Retention limits saved", Duration::from_secs(10)).await;
    // Ana's old message only: Ben's is held, and both arrived today (their raw deliveries are new).
    wait_for_text(
        &client,
        "[data-testid=retention-due]",
        "1 message, 0 files, 0 raw",
        Duration::from_secs(10),
    )
    .await;
    assert!(visible_text(&client).await.contains("Case 2291"), "the hold is listed");
    seen(&client, "61-retention.png").await;

    // Remove now: the purge runs in the background and the screen follows it to the end.
    click(&client, "[data-testid=retention-purge] button.danger").await;
    wait_for_text(
        &client,
        "[data-testid=retention-due]",
        "Nothing is past the limits",
        Duration::from_secs(20),
    )
    .await;
    let run = element(&client, "[data-testid=retention-run]", 10).await.text().await.unwrap();
    assert!(run.contains("1 message") && run.contains("finished"), "{run}");
    screenshot(&client, "62-retention-purged.png").await;

    // Ana's old message says it was removed; her new one and Ben's held one are whole.
    click(&client, "[data-testid=tab-inbox]").await;
    let ana =
        wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(10)).await;
    ana.click().await.unwrap();
    wait_for_text(
        &client,
        "[data-testid=content-removed]",
        "Removed under the retention policy",
        Duration::from_secs(10),
    )
    .await;
    let thread = visible_text_of(&client, ".thread").await;
    assert!(!thread.contains("size 39") && thread.contains("do you have them in 40"), "{thread}");
    seen(&client, "63-message-removed.png").await;

    // Ana asks for a copy of what the shop holds about her, then to be forgotten.
    click(&client, "[data-testid=contact-panel] summary").await;
    element(&client, "[data-testid=privacy-open]", 10).await.click().await.unwrap();
    click(&client, "[data-testid=privacy-export]").await;
    let done =
        wait_for_text(&client, "[data-testid=privacy-done]", "Saved to", Duration::from_secs(15)).await;
    let said = done.text().await.unwrap();
    let file = said.trim_start_matches("Saved to ").split(": ").next().unwrap().to_owned();
    let zip = std::fs::read(&file).unwrap();
    assert!(
        zip.starts_with(b"PK\x03\x04") && zip.windows(12).any(|w| w == b"contact.json"),
        "a zip with contact.json"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    std::fs::remove_file(&file).unwrap();
    click(&client, "[data-testid=erase-open]").await;
    let form = element(&client, "[data-testid=erase-form]", 10).await;
    type_into(&form, "input[name=erase-name]", "Ana Souza").await;
    seen(&client, "64-privacy-erase.png").await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=erased-notice]", "erased:", Duration::from_secs(15)).await;
    wait_gone_text(&client, "nav.list", "Ana Souza", Duration::from_secs(10)).await;
    screenshot(&client, "65-erased.png").await;

    // The quarter's access review: Olga starts it, reviews her own access (nobody else can),
    // keeps her role, and closes it with its report.
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-access-reviews]").await;
    let start = element(&client, "[data-testid=access-reviews] form", 10).await;
    type_into(&start, "input[name=review-name]", " (e2e)").await;
    click(&start, "button[type=submit]").await;
    wait_for_text(&client, "[role=status]", "Review started", Duration::from_secs(10)).await;
    wait_for_text(&client, "[data-testid=reviewer-progress]", "olga.owner0 of", Duration::from_secs(10))
        .await;
    seen(&client, "66-access-reviews.png").await;
    element(&client, "[data-testid=tab-reviews]", 10).await.click().await.unwrap();
    let role = element(&client, "[data-testid=review-item] button.secondary", 10).await;
    role.click().await.unwrap();
    wait_for_text(&client, "[data-testid=decided]", "Kept", Duration::from_secs(10)).await;
    seen(&client, "67-my-review.png").await;
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-access-reviews]").await;
    wait_for_text(&client, "[data-testid=reviewer-progress]", "olga.owner1 of", Duration::from_secs(10))
        .await;
    let review = element(&client, "[data-testid=access-review]", 10).await;
    let buttons = review.find_all(Locator::Css("button.secondary")).await.unwrap();
    buttons[1].click().await.unwrap();
    click(&client, "[data-testid=access-review] .confirm button.danger").await;
    wait_for_text(&client, "[data-testid=access-review] h2", "closed", Duration::from_secs(10)).await;
    click(&client, "[data-testid=access-review] button.secondary").await;
    let saved = wait_for_text(&client, "[role=status]", "Report saved to", Duration::from_secs(10)).await;
    let said = saved.text().await.unwrap();
    let file = said.trim_start_matches("Report saved to ").split(" (").next().unwrap().to_owned();
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with("review,due,person,kind,access") && csv.contains("olga.owner,role"), "{csv}");
    std::fs::remove_file(&file).unwrap();
    screenshot(&client, "68-access-review-closed.png").await;
    click(&client, "[data-testid=tab-inbox]").await;

    // Ben's conversation, under the hold, is whole.
    let ben =
        wait_for_text(&client, "[data-testid=conversation]", "Ben Okafor", Duration::from_secs(10)).await;
    ben.click().await.unwrap();
    wait_for_text(&client, "[data-testid=message]", "charged twice", Duration::from_secs(10)).await;
    client.close().await.unwrap();
}

/// Waits until the element matching `css` no longer shows `text`.
async fn wait_gone_text(client: &Client, css: &str, text: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while visible_text_of(client, css).await.contains(text) {
        assert!(Instant::now() < deadline, "{css} still shows {text:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The page's visible text, for checking what a passer-by could read.
async fn visible_text(client: &Client) -> String {
    visible_text_of(client, "body").await
}

/// What a person sees inside the element matching `css` (empty while it re-renders).
async fn visible_text_of(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(found) => found.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn left_alone_the_app_locks_and_shows_nothing_until_unlocked_or_switched() {
    let sim_port = free_port();
    let mut env = demo_env(sim_port);
    env.push(("COUNTERSIGN_DEMO_LOCK_SECONDS", "8".to_owned()));
    let (_driver, client) = launch(env).await;

    sign_in(&client, "demo.agent", PASSWORD).await;
    let conversation =
        wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(30)).await;
    conversation.click().await.unwrap();
    wait_for_text(&client, "[data-testid=message]", "blue trail runners", Duration::from_secs(10)).await;
    type_into(&client, "textarea#reply", "Draft for Ana").await;

    // No input for the lock time: the lock screen, and none of the inbox, even though the
    // inbox kept refreshing in the background.
    let lock = element(&client, "[data-testid=lock-screen]", 20).await;
    seen(&client, "08-locked.png").await;
    let shown = visible_text(&client).await;
    for private in ["Ana Souza", "blue trail runners", "Draft for Ana", "+*******0101"] {
        assert!(!shown.contains(private), "{private:?} is on the lock screen: {shown}");
    }
    assert!(shown.contains("demo.agent"), "the lock screen says whose session it is: {shown}");
    assert!(
        !client.source().await.unwrap().contains("blue trail runners"),
        "the locked page holds no message content at all"
    );

    // The same user unlocks with the password and carries on.
    type_into(&lock, "input[name=password]", "not the password").await;
    click(&lock, "button[type=submit]").await;
    wait_for_text(&client, "[role=alert]", "not correct", Duration::from_secs(10)).await;
    type_into(&lock, "input[name=password]", PASSWORD).await;
    click(&lock, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(15)).await;

    // Locked by hand, then someone else takes the PC.
    click(&client, "[data-testid=lock]").await;
    element(&client, "[data-testid=lock-screen]", 10).await;
    click(&client, "[data-testid=switch-user]").await;
    sign_in(&client, "demo.admin", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.admin", Duration::from_secs(15)).await;
    let shown = visible_text(&client).await;
    assert!(!shown.contains("Draft for Ana"), "nothing of the previous user's work: {shown}");
    assert!(!shown.contains("blue trail runners"), "no conversation left open: {shown}");
    screenshot(&client, "09-switched-user.png").await;

    // The administrator's own sessions, and the security settings with the desktop's caveat.
    click(&client, "[data-testid=tab-account]").await;
    wait_for_text(&client, "[data-testid=session]", "This device", Duration::from_secs(10)).await;
    seen(&client, "10-my-account.png").await;
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-security]").await;
    wait_for_text(&client, ".note", "weaker control", Duration::from_secs(10)).await;
    let lock_after = element(&client, "select[name=lock_after_seconds]", 5).await;
    assert_eq!(lock_after.prop("value").await.unwrap().as_deref(), Some("8"));
    seen(&client, "11-security-settings.png").await;
    // Masking: every national identity number by default; the country for local numbers.
    let masking = element(&client, "[data-testid=masking-settings]", 5).await;
    let ticked = client
        .execute("return document.querySelectorAll('input[name=masking-identity]:checked').length", vec![])
        .await
        .unwrap();
    assert_eq!(ticked, 6, "every identity number is masked by default");
    client
        .execute("arguments[0].scrollIntoView()", vec![serde_json::to_value(&masking).unwrap()])
        .await
        .unwrap();
    screenshot(&client, "11b-masking-settings.png").await;
    // The organisation's own pattern, tried on a message in the real core before saving.
    let patterns = element(&client, "[data-testid=masking-patterns]", 5).await;
    click(&patterns, "[data-testid=add-pattern]").await;
    type_into(&patterns, "input[aria-label='Name of pattern 1']", "Loyalty card").await;
    type_into(&patterns, "input[aria-label='Pattern 1']", r"\bLOY-?\d{8}\b").await;
    type_into(
        &patterns,
        "textarea[name=masking-sample]",
        "Points on LOY-12345678, refund to 20-00-00 55779911",
    )
    .await;
    click(&patterns, "[data-testid=try-masking]").await;
    wait_for_text(&client, "[data-testid=masking-trial]", "***-****5678", Duration::from_secs(10)).await;
    let trial = element(&client, "[data-testid=masking-trial]", 5).await.text().await.unwrap();
    assert!(trial.contains("**-**-** ****9911"), "a UK bank account is masked too: {trial}");
    assert!(trial.contains("Found: Loyalty card (financial), UK bank account (financial)."), "{trial}");
    client
        .execute("arguments[0].scrollIntoView()", vec![serde_json::to_value(&patterns).unwrap()])
        .await
        .unwrap();
    screenshot(&client, "11c-masking-pattern-tried.png").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_security_key_added_in_the_app_unlocks_it_and_signs_in_alone() {
    // The demo build's key is webauthn-authenticator-rs's software token, driven by the same
    // shell code (the core's challenge in, the key's answer back) as a USB key.
    let (_driver, client) = launch(demo_env(free_port())).await;
    sign_in(&client, "demo.agent", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.agent", Duration::from_secs(15)).await;

    add_security_key(&client, "Counter key").await;
    screenshot(&client, "12-security-key-added.png").await;

    click(&client, "[data-testid=lock]").await;
    let lock = element(&client, "[data-testid=lock-screen]", 10).await;
    screenshot(&client, "13-lock-screen-with-key.png").await;
    click(&lock, "[data-testid=use-security-key]").await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.agent", Duration::from_secs(15)).await;

    // Signed out, the key alone signs in again (it checks its own PIN or fingerprint).
    click(&client, "[data-testid=sign-out]").await;
    let form = element(&client, "[data-testid=login-form]", 10).await;
    type_into(&form, "input[name=username]", "demo.agent").await;
    click(&form, "[data-testid=use-security-key]").await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.agent", Duration::from_secs(15)).await;
    client.close().await.unwrap();
}

/// Adds a security key (the demo build's software key) on My account.
async fn add_security_key(client: &Client, name: &str) {
    click(client, "[data-testid=tab-account]").await;
    let keys = element(client, "[data-testid=security-keys]", 10).await;
    type_into(&keys, "input[name=key-name]", name).await;
    click(&keys, "[data-testid=use-security-key]").await;
    wait_for_text(client, "[data-testid=security-key]", name, Duration::from_secs(15)).await;
}

/// Waits for the success notice of an administration screen.
async fn notice(client: &Client, text: &str) {
    wait_for_text(client, "[role=status]", text, Duration::from_secs(15)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_role_built_in_the_admin_screen_takes_effect_on_the_next_call() {
    let (_driver, client) = launch(demo_env(free_port())).await;
    sign_in(&client, "demo.admin", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.admin · Admin", Duration::from_secs(15)).await;
    // Changing roles needs a recent second factor: the administrator brings a security key.
    add_security_key(&client, "Admin key").await;

    click(&client, "[data-testid=tab-admin]").await;
    wait_for_text(&client, "[data-testid=user]", "demo.agent", Duration::from_secs(10)).await;
    seen(&client, "14-admin-people.png").await;

    // Clone the Support agent template into a role that reads but does not reply.
    click(&client, "[data-testid=admin-roles]").await;
    wait_for_text(&client, "[data-testid=role]", "Support agent", Duration::from_secs(10))
        .await
        .click()
        .await
        .unwrap();
    click(&client, "[data-testid=clone-role]").await;
    let editor = element(&client, "[data-testid=role-editor]", 5).await;
    editor.child("input[name=role-name]").await.clear().await.unwrap();
    type_into(&editor, "input[name=role-name]", "Counter trainee").await;
    click(&editor, "input[data-permission='conversations.reply']").await;
    // (The key was just used, so the step-up window is still open.)
    click(&editor, "[data-testid=save-role]").await;
    notice(&client, "from their next action").await;
    wait_for_text(&client, "[data-testid=role]", "Counter trainee", Duration::from_secs(5)).await;
    client.execute("document.querySelector('.admin-body').scrollTo(0, 0)", vec![]).await.unwrap();
    seen(&client, "15-admin-roles.png").await;

    // Give it to the agent.
    click(&client, "[data-testid=admin-people]").await;
    let role = element(&client, "select[aria-label='Role of demo.agent']", 10).await;
    role.select_by_value("counter_trainee").await.unwrap();
    notice(&client, "demo.agent is now Counter trainee").await;

    // A team for a store, with the agent in it, and a label only the trainees see.
    click(&client, "[data-testid=admin-teams]").await;
    type_into(&client, "input[name=team-name]", "Store 12, Leeds").await;
    click(&client, "form.inline-form button[type=submit]").await;
    notice(&client, "Store 12, Leeds").await;
    let add = element(&client, "select[aria-label='Add someone to Store 12, Leeds']", 5).await;
    add.select_by_value("demo.agent").await.unwrap();
    let team = wait_for_text(&client, "[data-testid=team]", "Store 12, Leeds", Duration::from_secs(5)).await;
    click(&team, ".inline-form button").await;
    notice(&client, "demo.agent joined Store 12, Leeds").await;
    seen(&client, "16-admin-teams.png").await;

    click(&client, "[data-testid=admin-labels]").await;
    click(&client, "[data-testid=new-label]").await;
    let form = element(&client, "[data-testid=label-form]", 5).await;
    type_into(&form, "input[name=label-name]", "Dealer").await;
    form.child("select[name=label-colour]").await.select_by_value("blue").await.unwrap();
    // Dealers get photos but no documents.
    form.child("select[name=label-files]").await.select_by_value("no_documents").await.unwrap();
    click(&form, "input[name=label-restricted]").await;
    let trainee = wait_for_text(
        &client,
        "[data-testid=label-form] fieldset label",
        "Counter trainee",
        Duration::from_secs(5),
    )
    .await;
    trainee.click().await.unwrap();
    click(&form, "button[type=submit]").await;
    let dealer =
        wait_for_text(&client, "[data-testid=label]", "Counter trainee", Duration::from_secs(10)).await;
    let files = dealer.find(Locator::Css("[data-testid=label-files]")).await.unwrap().text().await.unwrap();
    assert_eq!(files, "Photos, videos and audio, no documents");
    screenshot(&client, "17-admin-labels.png").await;

    // Fields kept about customers, with who may reveal them: a health note for no one but
    // those who may reveal health data.
    click(&client, "[data-testid=admin-fields]").await;
    let fields = element(&client, "[data-testid=contact-fields]", 10).await;
    type_into(&fields, "input[name=field-name]", "Date of birth").await;
    fields.child("select[name=field-kind]").await.select_by_value("date_of_birth").await.unwrap();
    let class = fields.child("select[name=field-class]").await;
    assert_eq!(class.prop("value").await.unwrap().as_deref(), Some("identity"), "suggested for a birth date");
    click(&fields, "form button[type=submit]").await;
    notice(&client, "Field “Date of birth” added.").await;
    type_into(&fields, "input[name=field-name]", "Allergies").await;
    fields.child("select[name=field-class]").await.select_by_value("health").await.unwrap();
    click(&fields, "form button[type=submit]").await;
    notice(&client, "Field “Allergies” added.").await;
    wait_for_text(&client, "[data-testid=contact-field-row]", "Health", Duration::from_secs(5)).await;
    screenshot(&client, "17b-admin-contact-fields.png").await;

    // The WhatsApp channel: every secret is set and none is shown, not even in the page.
    click(&client, "[data-testid=admin-channel]").await;
    let token = element(&client, "[data-testid=secret-access_token]", 10).await;
    assert_eq!(token.attr("type").await.unwrap().as_deref(), Some("password"));
    assert_eq!(token.prop("value").await.unwrap().as_deref(), Some(""), "the stored token is not filled in");
    let placeholder = token.attr("placeholder").await.unwrap().unwrap_or_default();
    assert!(placeholder.contains("leave blank to keep it"), "{placeholder}");
    seen(&client, "19-admin-channel.png").await;

    // The template catalog the demo synchronised from the simulated account, with its reviews.
    click(&client, "[data-testid=admin-templates]").await;
    wait_for_text(&client, "[data-testid=template]", "winter_sale", Duration::from_secs(10)).await;
    let rows = client.find_all(Locator::Css("[data-testid=template]")).await.unwrap();
    assert_eq!(rows.len(), 6, "the simulated account's six templates");
    // The trade price list is for dealers only.
    click(&client, "button[aria-label='Change who trade_prices is for']").await;
    let audience = element(&client, "[data-testid=audience-form]", 5).await;
    wait_for_text(&client, "[data-testid=audience-form] label", "Dealer", Duration::from_secs(5))
        .await
        .click()
        .await
        .unwrap();
    click(&audience, "button[type=submit]").await;
    notice(&client, "only for the labels chosen").await;
    wait_for_text(
        &client,
        "[data-testid=template-audience]",
        "Contacts labelled Dealer",
        Duration::from_secs(5),
    )
    .await;
    screenshot(&client, "20-admin-templates.png").await;

    // Dana (no label, window closed) is not offered the dealers' template, and is told so.
    click(&client, "[data-testid=tab-inbox]").await;
    wait_for_text(&client, "[data-testid=conversation]", "Dana Whitfield", Duration::from_secs(30))
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(
        &client,
        "[data-testid=templates-withheld]",
        "1 more template is only for contacts with other labels",
        Duration::from_secs(10),
    )
    .await;
    let offered = element(&client, "select[name=template]", 5).await.text().await.unwrap();
    assert!(offered.contains("we_are_here") && !offered.contains("trade_prices"), "{offered}");
    screenshot(&client, "21-template-for-other-labels.png").await;

    // An administrator may reveal Ben's card number, for a minute, saying why.
    wait_for_text(&client, "[data-testid=conversation]", "Ben Okafor", Duration::from_secs(5))
        .await
        .click()
        .await
        .unwrap();
    let card =
        wait_for_text(&client, "[data-testid=message]", "**** **** **** 1111", Duration::from_secs(20)).await;
    click(&card, "[data-testid=reveal]").await;
    let form = element(&client, "[data-testid=reveal-form]", 5).await;
    type_into(&form, "input[name=reveal-reason]", "Ben asked to confirm the card he used").await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=message]", "4111 1111 1111 1111", Duration::from_secs(10)).await;
    wait_for_text(&client, "[data-testid=revealed]", "then masked again", Duration::from_secs(5)).await;
    screenshot(&client, "22-revealed.png").await;

    // Ben's details: the allergy the administrator records is masked for them too, until
    // they reveal it with a reason.
    let panel = element(&client, "[data-testid=contact-panel]", 5).await;
    click(&panel, "summary").await;
    element(&client, "button[aria-label='Edit Allergies']", 10).await.click().await.unwrap();
    type_into(&client, "input[aria-label='Allergies of Ben Okafor']", "Penicillin").await;
    click_closing(&client, ".inline-edit button[type=submit]").await;
    wait_for_text(&client, "[data-testid=contact-field]", "••••••••", Duration::from_secs(10)).await;
    assert!(!visible_text(&client).await.contains("Penicillin"), "masked once saved");
    click(&client, "[data-testid=contact-reveal]").await;
    type_into(&client, "input[name=contact-reveal-reason]", "Ben asked which allergy we have on file").await;
    click_closing(&client, ".contact-panel .reveal button[type=submit]").await;
    wait_for_text(&client, "[data-testid=contact-field]", "Penicillin", Duration::from_secs(10)).await;
    wait_for_text(&client, "[data-testid=contact-revealed]", "then masked again", Duration::from_secs(5))
        .await;
    screenshot(&client, "22b-contact-revealed.png").await;

    // York's agent leaves: offboarded in one step, their work back to York's queue.
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-people]").await;
    let york = wait_for_text(&client, "[data-testid=user]", "demo.york", Duration::from_secs(10)).await;
    york.find(Locator::XPath(".//button[contains(., 'Offboard')]")).await.unwrap().click().await.unwrap();
    let form = element(&client, "[data-testid=offboard-form]", 5).await;
    seen(&client, "23a-offboard-confirm.png").await;
    click(&form, "button[type=submit]").await;
    let report = wait_for_text(
        &client,
        "[data-testid=offboard-report]",
        "demo.york is offboarded",
        Duration::from_secs(15),
    )
    .await;
    let said = report.text().await.unwrap();
    assert!(said.contains("Left York") && said.contains("handed to the team queues"), "{said}");
    wait_for_text(&client, "[data-testid=user]", "Disabled", Duration::from_secs(5)).await;
    seen(&client, "23b-offboard-report.png").await;

    // The agent's next session works under the new role: reads, does not reply.
    click(&client, "[data-testid=lock]").await;
    element(&client, "[data-testid=lock-screen]", 10).await;
    click(&client, "[data-testid=switch-user]").await;
    sign_in(&client, "demo.agent", PASSWORD).await;
    wait_for_text(
        &client,
        "[data-testid=signed-in-as]",
        "demo.agent · Counter trainee",
        Duration::from_secs(15),
    )
    .await;
    wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(30))
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "[data-testid=message]", "blue trail runners", Duration::from_secs(10)).await;
    wait_for_text(&client, "[data-testid=read-only]", "not reply", Duration::from_secs(5)).await;
    assert!(client.find(Locator::Css("textarea#reply")).await.is_err(), "no reply box for a trainee");
    let tabs = client.find(Locator::Css("nav.tabs")).await.unwrap().text().await.unwrap();
    assert!(!tabs.contains("Admin"), "a trainee has no administration: {tabs}");
    screenshot(&client, "18-trainee-reads-only.png").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_asks_a_manager_to_reveal_a_card_number_and_reveals_it_once_approved() {
    // The organisation has approvals last one minute, so the journey sees one end.
    let mut env = demo_env(free_port());
    env.push(("COUNTERSIGN_DEMO_APPROVAL_MINUTES", "1".to_owned()));
    let (_driver, client) = launch(env).await;
    let open_ben = || async {
        wait_for_text(&client, "[data-testid=conversation]", "Ben Okafor", Duration::from_secs(30))
            .await
            .click()
            .await
            .unwrap();
        wait_for_text(&client, "[data-testid=message]", "**** **** **** 1111", Duration::from_secs(20)).await
    };
    let switch_to = |username: &'static str| {
        let client = &client;
        async move {
            click(client, "[data-testid=lock]").await;
            element(client, "[data-testid=lock-screen]", 10).await;
            click(client, "[data-testid=switch-user]").await;
            sign_in(client, username, PASSWORD).await;
            wait_for_text(client, "[data-testid=signed-in-as]", username, Duration::from_secs(15)).await;
        }
    };

    // The agent may not reveal Ben's card number, but may ask a manager, saying why.
    sign_in(&client, "demo.agent", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.agent", Duration::from_secs(15)).await;
    let card = open_ben().await;
    assert!(card.find(Locator::Css("[data-testid=reveal]")).await.is_err(), "no Reveal for an agent");
    click(&client, "[data-testid=ask-manager-open]").await;
    let form = element(&client, "[data-testid=ask-form]", 5).await;
    click(&form, "input[name=ask-class][value=financial]").await;
    type_into(&form, "input[name=ask-reason]", "Ben disputes a card payment and asks which card").await;
    screenshot(&client, "23-ask-a-manager.png").await;
    click_closing(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=ask-pending]", "You asked a manager", Duration::from_secs(10)).await;

    // Leeds' store lead (a manager, in a custom role that may see card numbers) finds it in
    // Approvals and approves it.
    switch_to("demo.lead").await;
    click(&client, "[data-testid=tab-approvals]").await;
    let request =
        wait_for_text(&client, "[data-testid=request]", "demo.agent", Duration::from_secs(10)).await;
    let text = request.text().await.unwrap();
    assert!(text.contains("Reveal financial data") && text.contains("Ben Okafor"), "{text}");
    assert_eq!(element(&client, "[data-testid=queue-count]", 5).await.text().await.unwrap(), "1");
    seen(&client, "24-approvals-queue.png").await;
    type_into(&request, "input[name=decision-note]", "Go ahead; tell him only the last four digits").await;
    click_closing(&request, ".actions button:first-child").await;
    wait_for_text(&client, ".empty", "Nothing waits for you", Duration::from_secs(10)).await;

    // Back at the counter, the agent sees the approval and reveals the card, with a reason.
    switch_to("demo.agent").await;
    let card = open_ben().await;
    wait_for_text(
        &client,
        "[data-testid=approved]",
        "approved revealing financial data",
        Duration::from_secs(10),
    )
    .await;
    click(&card, "[data-testid=reveal]").await;
    let form = element(&client, "[data-testid=reveal-form]", 5).await;
    type_into(&form, "input[name=reveal-reason]", "Reading the card ending to Ben").await;
    click(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=message]", "4111 1111 1111 1111", Duration::from_secs(10)).await;
    screenshot(&client, "25-approved-reveal.png").await;
    click(&client, "[data-testid=tab-approvals]").await;
    wait_for_text(
        &client,
        "[data-testid=my-request]",
        "Approved by demo.lead, until",
        Duration::from_secs(10),
    )
    .await;
    screenshot(&client, "26-my-requests.png").await;

    // A minute after the approval it has ended: the card is masked again, Reveal is gone, and
    // the agent is told so and may ask again.
    click(&client, "[data-testid=tab-inbox]").await;
    open_ben().await;
    let ended =
        wait_for_text(&client, "[data-testid=approval-ended]", "ended at", Duration::from_secs(75)).await;
    assert!(ended.text().await.unwrap().contains("demo.lead's approval to reveal financial data"));
    wait_gone(&client, "[data-testid=approved]", Duration::from_secs(5)).await;
    let card = open_ben().await;
    assert!(card.find(Locator::Css("[data-testid=reveal]")).await.is_err(), "no Reveal once it ended");
    assert!(!visible_text(&client).await.contains("4111 1111 1111 1111"), "masked again");
    element(&client, "[data-testid=ask-manager-open]", 5).await;
    seen(&client, "26b-approval-ended.png").await;

    // Ben now shops in York: the agent, who may not move conversations, asks; the lead's
    // approval moves him, and York's agent has him.
    click(&client, "[data-testid=ask-manager-open]").await;
    let form = element(&client, "[data-testid=ask-form]", 5).await;
    form.find(Locator::Css("select[name=ask-move]")).await.unwrap().select_by_label("York").await.unwrap();
    type_into(&form, "input[name=ask-reason]", "Ben moved to York and collects there now").await;
    click_closing(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=ask-pending]", "You asked a manager", Duration::from_secs(10)).await;
    switch_to("demo.lead").await;
    click(&client, "[data-testid=tab-approvals]").await;
    let request =
        wait_for_text(&client, "[data-testid=request]", "Move to York", Duration::from_secs(10)).await;
    screenshot(&client, "36-approve-a-move.png").await;
    click_closing(&request, ".actions button:first-child").await;
    wait_for_text(&client, ".empty", "Nothing waits for you", Duration::from_secs(10)).await;
    switch_to("demo.york").await;
    let ben =
        wait_for_text(&client, "[data-testid=conversation]", "Ben Okafor", Duration::from_secs(20)).await;
    ben.click().await.unwrap();
    let heading = element(&client, ".thread h2", 5).await.text().await.unwrap();
    assert!(heading.contains("York"), "with York now: {heading}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn when_the_os_session_locks_the_app_locks_too() {
    require_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "a D-Bus session bus (scripts/test runs this under dbus-run-session)",
    );
    let (_driver, client) = launch(demo_env(free_port())).await;
    sign_in(&client, "demo.agent", PASSWORD).await;
    wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(30)).await;

    // What GNOME's screen saver says when the screen locks (KDE and others use the
    // org.freedesktop name; logind's Lock arrives on the system bus).
    let sent = Command::new("dbus-send")
        .args(["--session", "--type=signal", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged"])
        .arg("boolean:true")
        .status()
        .expect("dbus-send (package dbus-bin)");
    assert!(sent.success());
    element(&client, "[data-testid=lock-screen]", 10).await;
    let shown = visible_text(&client).await;
    assert!(!shown.contains("Ana Souza"), "nothing of the inbox after the OS lock: {shown}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_searches_the_audit_trail_opens_an_event_and_exports_it() {
    let (_driver, client) = launch(demo_env(free_port())).await;
    // Someone at the counter guesses at names: five refusals in a few minutes are unusual.
    for n in 0..5 {
        sign_in(&client, &format!("guess{n}"), "not the password").await;
        // Each attempt is answered (the button is back) before the next.
        wait_for_text(
            &client,
            "[data-testid=login-form] button[type=submit]",
            "Sign in",
            Duration::from_secs(15),
        )
        .await;
        element(&client, "[data-testid=login-error]", 15).await;
    }
    sign_in(&client, "demo.admin", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.admin · Admin", Duration::from_secs(15)).await;
    // The Audit tab says there is something to look at; the panel names it; acknowledging
    // takes it off everyone's list.
    wait_for_text(&client, "[data-testid=alert-count]", "1", Duration::from_secs(10)).await;
    click(&client, "[data-testid=tab-audit]").await;
    let alert =
        wait_for_text(&client, "[data-testid=alert]", "Repeated refusals", Duration::from_secs(10)).await;
    let said = alert.text().await.unwrap();
    assert!(said.contains("this PC"), "{said}");
    let retention = element(&client, "[data-testid=retention]", 5).await;
    let said = retention.text().await.unwrap();
    assert!(said.contains("365 days"), "{said}");
    assert!(retention.find(Locator::Css("input[name=retention-days]")).await.is_err(), "owners only");
    screenshot(&client, "30-audit-alert.png").await;
    click(&alert, "button.secondary").await;
    wait_gone(&client, "[data-testid=alerts]", Duration::from_secs(10)).await;
    wait_gone(&client, "[data-testid=alert-count]", Duration::from_secs(5)).await;
    // An export needs a recent second factor: the administrator brings a security key.
    add_security_key(&client, "Admin key").await;

    // The trail, newest first: their own search at the top, the key they added below it.
    click(&client, "[data-testid=tab-audit]").await;
    wait_for_text(&client, "[data-testid=audit-event]", "Audit trail searched", Duration::from_secs(10))
        .await;
    let added =
        wait_for_text(&client, "[data-testid=audit-event]", "Security key added", Duration::from_secs(5))
            .await;
    let row = added.text().await.unwrap();
    assert!(row.contains("demo.admin") && row.contains("this PC"), "{row}");
    seen(&client, "27-audit-trail.png").await;

    // High risk only, for one person: each row says so; one opens with its details.
    let filters = element(&client, "form.audit-filters", 5).await;
    filters.find(Locator::Css("select[name=risk]")).await.unwrap().select_by_value("medium").await.unwrap();
    type_into(&filters, "input[name=actor]", "demo.admin").await;
    click(&filters, "button[type=submit]").await;
    wait_all_rows(
        &client,
        "[data-testid=audit-event]",
        |text| text.contains("demo.admin") && (text.contains("Medium") || text.contains("High")),
        Duration::from_secs(10),
    )
    .await;
    let key =
        wait_for_text(&client, "[data-testid=audit-event]", "Security key added", Duration::from_secs(5))
            .await;
    click(&key, "button.link").await;
    let detail = element(&client, "[data-testid=audit-detail]", 5).await;
    let said = detail.text().await.unwrap();
    assert!(said.contains("mfa.security_key_added") && said.contains("Countersign desktop"), "{said}");
    screenshot(&client, "28-audit-event.png").await;

    // Export what was searched; the file is where the notice says, readable by its owner only.
    click(&client, "[data-testid=export-csv]").await;
    let done = wait_for_text(&client, "[role=status]", "Exported", Duration::from_secs(15)).await;
    let said = done.text().await.unwrap();
    let file = said.split(" to ").nth(1).unwrap().trim_end_matches('.').to_owned();
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with("seq,time,actor_id,actor,action"), "{csv}");
    assert!(csv.contains("mfa.security_key_added") && csv.contains("audit.exported"), "{csv}");
    assert!(!csv.contains("session.login,"), "only what was searched (medium risk and up): {csv}");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    std::fs::remove_file(&file).unwrap();
    screenshot(&client, "29-audit-exported.png").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_writes_a_routing_rule_and_tests_a_message_against_it() {
    let (_driver, client) = launch(demo_env(free_port())).await;
    sign_in(&client, "demo.admin", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.admin", Duration::from_secs(15)).await;
    click(&client, "[data-testid=tab-admin]").await;

    // Leeds keeps shop hours on London time.
    click(&client, "[data-testid=admin-teams]").await;
    let leeds = wait_for_text(&client, "[data-testid=team]", "Leeds", Duration::from_secs(10)).await;
    click(&leeds, "[data-testid=team-hours] button").await;
    let hours = element(&client, "[data-testid=hours-form]", 5).await;
    let zone = hours.find(Locator::Css("input[name=hours-zone]")).await.unwrap();
    zone.clear().await.unwrap();
    zone.send_keys("Europe/London").await.unwrap();
    click_closing(&hours, "button[type=submit]").await;
    notice(&client, "Business hours of Leeds saved.").await;
    let shown = leeds.find(Locator::Css("[data-testid=team-hours]")).await.unwrap().text().await.unwrap();
    assert!(
        shown.contains("now") && shown.contains("Mon 09:00–17:30") && shown.contains("(Europe/London)"),
        "{shown}"
    );
    screenshot(&client, "37-team-hours.png").await;

    // A store's customer list, from a spreadsheet: checked first, then imported.
    click(&client, "[data-testid=admin-import]").await;
    let file = std::env::temp_dir().join(format!("countersign-e2e-{}.csv", std::process::id()));
    std::fs::write(
        &file,
        "phone,name,team\n+44 7911 123456,Ana Pereira,Leeds\n+44 7911 123457,Bo Lin,Hull\n",
    )
    .unwrap();
    let input = element(&client, "input[name=import-file]", 10).await;
    input.send_keys(&file.display().to_string()).await.unwrap();
    wait_for_text(&client, "[data-testid=import-contacts]", "KB", Duration::from_secs(5)).await;
    click(&client, "[data-testid=import-contacts] button.secondary").await;
    let report =
        wait_for_text(&client, "[data-testid=import-report]", "If imported", Duration::from_secs(10)).await;
    let said = report.text().await.unwrap();
    assert!(
        said.contains("1 new contact would be created")
            && said.contains("Line 3: there is no team of that name"),
        "{said}"
    );
    click(&client, "[data-testid=import-run]").await;
    wait_for_text(
        &client,
        "[data-testid=import-report]",
        "Imported: 1 new contact created",
        Duration::from_secs(10),
    )
    .await;
    seen(&client, "39-import-contacts.png").await;
    std::fs::remove_file(&file).ok();

    click(&client, "[data-testid=admin-routing]").await;
    // Spanish speakers who pick Leeds while it is closed are told, in Spanish, when it opens.
    element(&client, "[data-testid=new-rule]", 10).await.click().await.unwrap();
    let form = element(&client, "[data-testid=rule-form]", 5).await;
    type_into(&form, "input[name=rule-name]", "Leeds closed, in Spanish").await;
    type_into(&form, "input[name=rule-languages]", "Spanish").await;
    form.child("select[name=rule-team]").await.select_by_label("Leeds").await.unwrap();
    form.child("select[name=rule-open]").await.select_by_value("closed").await.unwrap();
    form.child("select[name=rule-reply]").await.select_by_value("text").await.unwrap();
    type_into(&form, "textarea[name=rule-reply-body]", "Leeds abre a las nueve; le contestamos entonces.")
        .await;
    click_closing(&form, "button[type=submit]").await;
    let rule =
        wait_for_text(&client, "[data-testid=rule]", "Leeds closed, in Spanish", Duration::from_secs(10))
            .await;
    let said = rule.text().await.unwrap();
    assert!(said.contains("When they write in Spanish and Leeds is closed: send to Leeds"), "{said}");
    // Tried for a Saturday lunchtime, when Leeds is shut.
    let trial = element(&client, "[data-testid=routing-trial]", 5).await;
    type_into(&trial, "input[name=trial-text]", "Hola, ¿dónde está mi pedido de la semana pasada?").await;
    client
        .execute(
            "const at = document.querySelector('input[name=trial-at]');
             at.value = '2026-01-10T12:00';
             at.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
    click(&trial, "button[type=submit]").await;
    let result = wait_for_text(&client, "[data-testid=trial-result]", "fires", Duration::from_secs(10)).await;
    let said = result.text().await.unwrap();
    assert!(
        said.contains("“Leeds closed, in Spanish” fires.")
            && said.contains("Written in Spanish.")
            && said.contains("Leeds is closed then."),
        "{said}"
    );
    screenshot(&client, "38-routing-out-of-hours.png").await;
    // Back to a plain message, now: the screen opened afresh.
    click(&client, "[data-testid=admin-teams]").await;
    click(&client, "[data-testid=admin-routing]").await;

    // Every new customer is asked which store they mean, with a list to pick from.
    element(&client, "[data-testid=new-rule]", 10).await.click().await.unwrap();
    let form = element(&client, "[data-testid=rule-form]", 5).await;
    type_into(&form, "input[name=rule-name]", "Ask everyone").await;
    form.child("select[name=rule-reply]").await.select_by_value("list").await.unwrap();
    type_into(&form, "textarea[name=rule-reply-body]", "Which store?").await;
    type_into(&form, "input[name=rule-reply-rows]", "Leeds, York").await;
    click_closing(&form, "button[type=submit]").await;
    let rule = wait_for_text(&client, "[data-testid=rule]", "Ask everyone", Duration::from_secs(10)).await;
    let said = rule.text().await.unwrap();
    assert!(
        said.contains("Every new chat: ask “Which store?”") && said.contains("Version 1, by demo.admin"),
        "{said}"
    );

    // The demo's own rules come first (a pick of Leeds or York, a question about a store); a
    // plain first "hello" reaches the new one.
    let trial = element(&client, "[data-testid=routing-trial]", 5).await;
    type_into(&trial, "input[name=trial-text]", "hello, is my order ready?").await;
    click(&trial, "button[type=submit]").await;
    let result = wait_for_text(
        &client,
        "[data-testid=trial-result]",
        "“Ask everyone” fires.",
        Duration::from_secs(10),
    )
    .await;
    let said = result.text().await.unwrap();
    assert!(said.contains("Leeds, York"), "{said}");
    seen(&client, "31-routing.png").await;

    // A saved answer for everyone: agents insert it, filled in, from the composer.
    click(&client, "[data-testid=admin-quick-replies]").await;
    element(&client, "[data-testid=new-quick-reply]", 10).await.click().await.unwrap();
    let form = element(&client, "[data-testid=quick-form]", 5).await;
    type_into(&form, "input[name=quick-shortcut]", "hours").await;
    form.child("select[name=quick-team]").await.select_by_value("").await.unwrap();
    type_into(&form, "textarea[name=quick-body]", "Hi {{customer_name}}, we open 9 to 6 every day.").await;
    click_closing(&form, "button[type=submit]").await;
    wait_for_text(&client, "[data-testid=quick-reply-row]", "/hours", Duration::from_secs(10)).await;
    screenshot(&client, "32-quick-replies.png").await;
    click(&client, "[data-testid=tab-inbox]").await;
    wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(30))
        .await
        .click()
        .await
        .unwrap();
    element(&client, "[data-testid=quick-reply]", 10).await.select_by_label("/hours").await.unwrap();
    let draft = client.find(Locator::Css("textarea#reply")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(draft.as_deref(), Some("Hi Ana Souza, we open 9 to 6 every day."));
    screenshot(&client, "33-quick-reply-inserted.png").await;

    // The administrator may merge a duplicate contact into Ana: the form lists the others.
    click(&client, "[data-testid=contact-panel] summary").await;
    element(&client, "[data-testid=merge-open]", 10).await.click().await.unwrap();
    let form = element(&client, "[data-testid=merge-form]", 10).await;
    let offered =
        form.find(Locator::Css("select[name=merge-duplicate]")).await.unwrap().text().await.unwrap();
    assert!(offered.contains("Ben Okafor") && !offered.contains("Ana Souza"), "{offered}");
    screenshot(&client, "40-merge-form.png").await;
    click_closing(&form, "button.secondary").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_who_picks_a_store_lands_with_that_stores_agents_only() {
    let sim_port = free_port();
    let (_driver, client) = launch(demo_env(sim_port)).await;
    // York's agent: Erin asked about a store, was asked which, picked York, and is theirs alone.
    sign_in(&client, "demo.york", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.york", Duration::from_secs(15)).await;
    let erin =
        wait_for_text(&client, "[data-testid=conversation]", "Erin Walsh", Duration::from_secs(40)).await;
    assert!(erin.text().await.unwrap().contains("demo.york"), "given to York's agent");
    erin.click().await.unwrap();
    wait_for_text(
        &client,
        "[data-testid=message].outbound",
        "Which store would you like?",
        Duration::from_secs(10),
    )
    .await;
    wait_for_text(&client, "[data-testid=message]", "York", Duration::from_secs(10)).await;
    let heading = element(&client, ".thread h2", 5).await.text().await.unwrap();
    assert!(heading.contains("York"), "{heading}");
    let listed = client.find_all(Locator::Css("[data-testid=conversation]")).await.unwrap();
    assert_eq!(listed.len(), 1, "York's agent sees York's customers only");
    seen(&client, "34-york-agent.png").await;
    // Her details: she becomes a customer; nobody has asked her about offers yet.
    click(&client, "[data-testid=contact-panel] summary").await;
    let state = element(&client, "[data-testid=contact-state]", 10).await;
    state.child("select[name=lifecycle]").await.select_by_value("customer").await.unwrap();
    wait_for_text(&client, "[data-testid=consent]", "not asked", Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let chosen =
        client.find(Locator::Css("select[name=lifecycle]")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some("customer"));
    screenshot(&client, "35-contact-stage.png").await;
    let asked = sim_received(sim_port).await;
    assert!(
        asked.iter().any(|r| r["to"] == "447700900505" && r["interactive"]["type"] == "list"),
        "WhatsApp was asked to show Erin the list: {asked:?}"
    );

    // Leeds' agent: everyone else, and not Erin.
    click(&client, "[data-testid=lock]").await;
    element(&client, "[data-testid=lock-screen]", 10).await;
    click(&client, "[data-testid=switch-user]").await;
    sign_in(&client, "demo.agent", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.agent", Duration::from_secs(15)).await;
    wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(20)).await;
    click(&client, "[data-testid=view-all]").await;
    assert!(
        !visible_text_of(&client, "nav.list").await.contains("Erin Walsh"),
        "Leeds does not see York's customer"
    );

    // Leeds' store lead hands Ana to the agent, goes to the next conversation from the keyboard,
    // and moves Dana, who shops in York now, to York with a note: she leaves Leeds' list.
    click(&client, "[data-testid=lock]").await;
    element(&client, "[data-testid=lock-screen]", 10).await;
    click(&client, "[data-testid=switch-user]").await;
    sign_in(&client, "demo.lead", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.lead", Duration::from_secs(15)).await;
    click(&client, "[data-testid=view-all]").await;
    wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(20))
        .await
        .click()
        .await
        .unwrap();
    let handover = element(&client, "[data-testid=handover]", 10).await;
    handover
        .find(Locator::Css("select[name=assignee]"))
        .await
        .unwrap()
        .select_by_value("demo.agent")
        .await
        .unwrap();
    wait_for_text(&client, "[data-testid=conversation]", "demo.agent", Duration::from_secs(10)).await;
    let heading = element(&client, ".thread h2", 5).await.text().await.unwrap();
    assert!(heading.contains("Ana Souza") && heading.contains("demo.agent"), "{heading}");
    seen(&client, "47-handover.png").await;
    let dana =
        wait_for_text(&client, "[data-testid=conversation]", "Dana Whitfield", Duration::from_secs(10)).await;
    dana.click().await.unwrap();
    click(&client, "[data-testid=move-open]").await;
    let form = element(&client, "[data-testid=move-form]", 5).await;
    form.find(Locator::Css("select[name=move-team]")).await.unwrap().select_by_label("York").await.unwrap();
    type_into(&form, "input[name=move-note]", "Dana collects in York from now on").await;
    screenshot(&client, "48-move-to-york.png").await;
    click_closing(&form, "button[type=submit]").await;
    wait_all_rows(
        &client,
        "[data-testid=conversation]",
        |row| !row.contains("Dana Whitfield"),
        Duration::from_secs(10),
    )
    .await;
    // Alt+↓ from the top of the list opens the first conversation, and the next one after it.
    let first = client.find_all(Locator::Css("[data-testid=conversation] .name")).await.unwrap();
    let names: Vec<String> = texts_of(&first).await;
    client.execute("document.activeElement?.blur()", vec![]).await.unwrap();
    let alt_down =
        r#"window.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", altKey: true }))"#;
    client.execute(alt_down, vec![]).await.unwrap();
    client.execute(alt_down, vec![]).await.unwrap();
    wait_for_text(&client, ".thread h2", &names[1], Duration::from_secs(5)).await;

    // The lead finds Ben among the store's customers by the last digits of his number.
    click(&client, "[data-testid=tab-contacts]").await;
    element(&client, "[data-testid=contact-row]", 10).await;
    type_into(&client, "input[name=contact-query]", "0202").await;
    wait_all_rows(
        &client,
        "[data-testid=contact-row]",
        |row| row.contains("Ben Okafor"),
        Duration::from_secs(5),
    )
    .await;
    click(&client, "[data-testid=contact-row]").await;
    element(&client, "[data-testid=contact-state]", 10).await;
    seen(&client, "49-contacts.png").await;
    client.close().await.unwrap();
}

/// The text of each element.
async fn texts_of(elements: &[Element]) -> Vec<String> {
    let mut names = Vec::with_capacity(elements.len());
    for e in elements {
        names.push(e.text().await.unwrap());
    }
    names
}

/// With the OS in its dark theme the app follows it, and every screen keeps its contrast: the
/// sign-in, an agent's inbox with a conversation and a private note, the lock screen, and an
/// administrator's security settings, roles and audit trail.
#[tokio::test(flavor = "multi_thread")]
async fn in_the_os_dark_theme_every_screen_is_dark_and_readable() {
    let mut env = demo_env(free_port());
    // GTK's own way of choosing the dark variant; WebKitGTK reports it to the page as
    // `prefers-color-scheme: dark`.
    env.push(("GTK_THEME", "Adwaita:dark".to_owned()));
    let (_driver, client) = launch(env).await;
    element(&client, "[data-testid=login-form]", 30).await;
    let dark = client.execute("return matchMedia('(prefers-color-scheme: dark)').matches", vec![]).await;
    assert_eq!(dark.unwrap(), Value::Bool(true), "the web view reports the OS's dark theme");
    let background = client
        .execute("return getComputedStyle(document.documentElement).backgroundColor", vec![])
        .await
        .unwrap();
    assert_eq!(background, json!("rgb(18, 23, 29)"), "the page is dark");
    seen(&client, "41-dark-login.png").await;

    sign_in(&client, "demo.agent", PASSWORD).await;
    let ana =
        wait_for_text(&client, "[data-testid=conversation]", "Ana Souza", Duration::from_secs(30)).await;
    ana.click().await.unwrap();
    wait_for_text(&client, "[data-testid=message]", "blue trail runners", Duration::from_secs(10)).await;
    click(&client, "[data-testid=mode-note]").await;
    type_into(&client, "textarea#note", "Checked the stock room: two pairs left").await;
    click(&client, "[data-testid=note-form] button[type=submit]").await;
    wait_for_text(&client, "[data-testid=note]", "two pairs left", Duration::from_secs(10)).await;
    seen(&client, "42-dark-inbox.png").await;
    click(&client, "[data-testid=lock]").await;
    element(&client, "[data-testid=lock-screen]", 10).await;
    seen(&client, "43-dark-locked.png").await;

    click(&client, "[data-testid=switch-user]").await;
    sign_in(&client, "demo.admin", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.admin", Duration::from_secs(15)).await;
    click(&client, "[data-testid=tab-admin]").await;
    click(&client, "[data-testid=admin-security]").await;
    element(&client, "[data-testid=reveal-approval]", 10).await;
    seen(&client, "44-dark-security.png").await;
    click(&client, "[data-testid=admin-roles]").await;
    let role = wait_for_text(&client, "[data-testid=role]", "Support agent", Duration::from_secs(10)).await;
    role.click().await.unwrap();
    element(&client, "[data-testid=role-editor]", 10).await;
    seen(&client, "45-dark-roles.png").await;
    click(&client, "[data-testid=tab-audit]").await;
    element(&client, "[data-testid=audit-event]", 10).await;
    seen(&client, "46-dark-audit.png").await;
    client.close().await.unwrap();
}

/// The demo organisations' directories now in the temporary directory.
fn demo_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("countersign-demo-"))
        .collect();
    dirs.sort();
    dirs
}

/// Starting the app again on a shared PC brings the running window forward: the second start
/// ends at once, before opening or creating anything, and the first carries on.
#[tokio::test(flavor = "multi_thread")]
async fn starting_the_app_again_starts_no_second_one() {
    let env = demo_env(free_port());
    let (_driver, client) = launch(env.clone()).await;
    element(&client, "[data-testid=login-form]", 30).await;
    let before = demo_dirs();
    let app =
        require_env("COUNTERSIGN_DESKTOP_BIN", "path to countersign-desktop built with --features demo");
    let mut second =
        Command::new(&app).envs(env).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second app kept running beside the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second start ends quietly: {status}");
    assert_eq!(demo_dirs(), before, "the second start opened and created nothing");
    sign_in(&client, "demo.agent", PASSWORD).await;
    wait_for_text(&client, "[data-testid=signed-in-as]", "demo.agent", Duration::from_secs(15)).await;
    client.close().await.unwrap();
}
