//! The commands through Tauri's mock runtime: what the web view gets back for each call.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly by design

use countersign::api::operator::AddUser;
use countersign::keys::{KeySource, SecretString};
use countersign::{Core, Error};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

use crate::state::AppState;

const PASSWORD: &str = "a long enough password";

fn app(core: Result<Core, Error>) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_with(AppState::new(core))
}

fn app_with(state: AppState) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = crate::with_commands(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    (app, window)
}

fn core(dir: &std::path::Path) -> Core {
    tauri::async_runtime::block_on(async {
        let core = Core::init(&dir.join("data"), &KeySource::File(dir.join("key"))).await.unwrap();
        let user = AddUser {
            username: "anna".to_owned(),
            role: "agent".to_owned(),
            teams: Vec::new(),
            password: SecretString::from(PASSWORD.to_owned()),
        };
        core.operator_add_user(user).await.unwrap();
        core
    })
}

fn call(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn nothing_but_sign_in_works_before_signing_in() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(Ok(core(dir.path())));
    for (cmd, args) in [
        ("me", json!({})),
        ("list_conversations", json!({})),
        ("conversation_messages", json!({"conversationId": 1})),
    ] {
        let err = call(&window, cmd, args).unwrap_err();
        assert_eq!(err["code"], "unauthenticated", "{cmd}: {err}");
    }
}

#[test]
fn signing_in_and_out_controls_every_later_call() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(Ok(core(dir.path())));
    let me = call(&window, "login", json!({"username": "Anna", "password": PASSWORD})).unwrap();
    assert_eq!(me["username"], "anna");
    assert_eq!(me["role"], "agent");
    assert!(me.get("token").is_none(), "the session token never reaches the web view: {me}");
    assert_eq!(call(&window, "list_conversations", json!({})).unwrap(), json!([]));
    call(&window, "logout", json!({})).unwrap();
    assert_eq!(call(&window, "me", json!({})).unwrap_err()["code"], "unauthenticated");
}

#[test]
fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(Ok(core(dir.path())));
    let err =
        call(&window, "login", json!({"username": "anna", "password": "not the password"})).unwrap_err();
    assert_eq!(
        err,
        json!({"code": "unauthenticated", "message": "the user name or password is not correct"})
    );
}

#[test]
fn a_store_that_could_not_open_is_explained_at_sign_in() {
    let (_app, window) = app(Err(Error::NotInitialized("/srv/countersign".to_owned())));
    let err = call(&window, "login", json!({"username": "anna", "password": PASSWORD})).unwrap_err();
    assert_eq!(err["code"], "setup");
    assert!(err["message"].as_str().unwrap().contains("countersign init"), "{err}");
}

#[test]
fn a_session_ended_elsewhere_fails_on_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let core = core(dir.path());
    let (_app, window) = app(Ok(core.clone()));
    call(&window, "login", json!({"username": "anna", "password": PASSWORD})).unwrap();
    assert!(call(&window, "list_conversations", json!({})).is_ok());
    tauri::async_runtime::block_on(core.operator_end_user_sessions("anna")).unwrap();
    let err = call(&window, "list_conversations", json!({})).unwrap_err();
    assert_eq!(err["code"], "unauthenticated");
}

#[test]
fn a_locked_app_answers_nothing_until_unlocked_or_switched() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(Ok(core(dir.path())));
    call(&window, "login", json!({"username": "anna", "password": PASSWORD})).unwrap();
    let me = call(&window, "lock", json!({"reason": "idle"})).unwrap();
    assert_eq!(me["locked"], true);
    for (cmd, args) in [
        ("list_conversations", json!({})),
        ("conversation_messages", json!({"conversationId": 1})),
        ("my_sessions", json!({})),
    ] {
        assert_eq!(call(&window, cmd, args).unwrap_err()["code"], "locked", "{cmd}");
    }
    let wrong = call(&window, "unlock", json!({"password": "not it"})).unwrap_err();
    assert_eq!(wrong["code"], "invalid");
    let me = call(&window, "unlock", json!({"password": PASSWORD})).unwrap();
    assert_eq!(me["locked"], false);
    assert!(call(&window, "list_conversations", json!({})).is_ok());

    call(&window, "lock", json!({"reason": "manual"})).unwrap();
    call(&window, "switch_user", json!({})).unwrap();
    assert_eq!(call(&window, "me", json!({})).unwrap_err()["code"], "unauthenticated");
    assert_eq!(
        call(&window, "unlock", json!({"password": PASSWORD})).unwrap_err()["code"],
        "unauthenticated"
    );
}

/// The desktop as the WebAuthn client, with the software token as the key.
#[cfg(feature = "demo")]
#[test]
fn a_security_key_signs_in_unlocks_and_replaces_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let keys = std::sync::Arc::new(crate::keys::SoftKey::new().unwrap());
    let (_app, window) = app_with(AppState::with_keys(Ok(core(dir.path())), keys));
    call(&window, "login", json!({"username": "anna", "password": PASSWORD})).unwrap();
    let listed = call(&window, "register_security_key", json!({"name": "Counter key", "pin": null})).unwrap();
    assert_eq!(listed[0]["name"], "Counter key");
    call(&window, "logout", json!({})).unwrap();

    let me = call(&window, "login", json!({"username": "anna", "password": PASSWORD})).unwrap();
    assert_eq!(me["second_factor_required"], true);
    assert_eq!(me["second_factor_methods"], json!(["security_key"]));
    assert_eq!(call(&window, "list_conversations", json!({})).unwrap_err()["code"], "second_factor_required");
    let me = call(&window, "verify_with_security_key", json!({"pin": null})).unwrap();
    assert_eq!(me["second_factor_required"], false);
    assert!(call(&window, "list_conversations", json!({})).is_ok());

    call(&window, "lock", json!({"reason": "manual"})).unwrap();
    let me = call(&window, "verify_with_security_key", json!({"pin": null})).unwrap();
    assert_eq!(me["locked"], false, "the key unlocks");
    call(&window, "logout", json!({})).unwrap();

    let me = call(&window, "sign_in_with_security_key", json!({"username": "anna", "pin": null})).unwrap();
    assert_eq!(
        (me["username"].as_str(), me["second_factor_required"].as_bool()),
        (Some("anna"), Some(false))
    );
    assert!(call(&window, "list_conversations", json!({})).is_ok());
}
