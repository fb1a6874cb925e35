//! Tauri commands: thin wrappers over `countersign::api` (DESIGN §2). Each one takes the
//! session the shell holds, calls the core, and returns a View or an `ErrorView`. The session
//! token never crosses into the webview: the UI only learns who is signed in.

use countersign::api::channel::ChannelUpdate;
use countersign::api::compose::OutboundMessage;
use countersign::api::inbox::{MarkReadRequest, SendTextRequest};
use countersign::api::keys::{KeyAnswer, PasswordlessRequest, RegisterKeyRequest};
use countersign::api::lock::{LockReason, UnlockRequest};
use countersign::api::masking::MaskingTrial;
use countersign::api::media::SendMediaRequest;
use countersign::api::mfa::CodeRequest;
use countersign::api::network::{AllowEntryRequest, SetAllowlistRequest};
use countersign::api::reveal::RevealRequest;
use countersign::api::session::{ChangePasswordRequest, LoginRequest, Origin};
use countersign::api::templates::{SendTemplateRequest, TemplateAudienceRequest, TemplateRequest};
use countersign::api::users::SecuritySettings;
use countersign::api::views::ChannelView;
use countersign::api::views::{
    AllowlistView, ConversationSummaryView, ErrorView, KeyChallengeView, MeView, MessageView,
    RecoveryCodesView, SecurityKeyView, SecuritySettingsView, SessionView, TotpEnrolmentView,
};
use countersign::api::views::{
    ConversationPageView, HandoverView, MaskingTrialView, RevealView, SendingOptionsView, TemplateView,
    ThreadPageView,
};
use countersign::domain::{ConversationId, MessageId};
use countersign::keys::SecretString;
use countersign::Error;
use tauri::State;
use webauthn_authenticator_rs::prelude::Url;

use crate::keys::Ceremony;
use crate::state::AppState;
use countersign::api::contacts::{AssignContactRequest, MergeContactRequest};
use countersign::api::import::ImportContactsRequest;
use countersign::api::inbox::{AssignRequest, QueueRequest, ThreadRequest, TransferRequest};
use countersign::api::labels::{ApplyLabelRequest, LabelRequest};
use countersign::api::people::{CreateUserRequest, SetDisabledRequest, SetRoleRequest};
use countersign::api::roles::{DeleteRoleRequest, RoleRequest};
use countersign::api::teams::{MemberRequest, TeamHoursRequest, TeamRequest};
use countersign::api::users::ResetPasswordRequest;
use countersign::api::views::{
    ContactView, ImportReportView, LabelView, RoleView, RolesView, TeamView, UserView,
};

pub(crate) type Reply<T> = Result<T, ErrorView>;

/// How this app appears in a user's list of sessions.
pub(crate) fn device() -> String {
    format!("Countersign desktop {} ({})", env!("CARGO_PKG_VERSION"), std::env::consts::OS)
}

#[tauri::command]
pub async fn login(state: State<'_, AppState>, username: String, password: SecretString) -> Reply<MeView> {
    let request = LoginRequest { username, password };
    let signed_in =
        state.core()?.login(request, Origin::Desktop, &device()).await.map_err(|e| ErrorView::from(&e))?;
    state.set_session(Some(signed_in.token));
    Ok(signed_in.me)
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>) -> Reply<()> {
    let token = state.take_session();
    match token {
        Some(token) => state.core()?.logout(&token).await.map_err(|e| ErrorView::from(&e)),
        None => Ok(()),
    }
}

#[tauri::command]
pub async fn me(state: State<'_, AppState>) -> Reply<MeView> {
    state.core()?.me(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn list_conversations(state: State<'_, AppState>) -> Reply<Vec<ConversationSummaryView>> {
    state.core()?.list_conversations(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn conversation_page(
    state: State<'_, AppState>,
    request: QueueRequest,
) -> Reply<ConversationPageView> {
    state.core()?.conversation_page(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn conversation_summary(
    state: State<'_, AppState>,
    conversation_id: i64,
) -> Reply<ConversationSummaryView> {
    let id = ConversationId::new(conversation_id);
    state.core()?.conversation_summary(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

/// Sends a file: the bytes are the raw request body (no JSON encoding of megabytes); the
/// conversation, name, type (`File-Type`: the IPC fixes `Content-Type` for raw bodies) and
/// caption come as headers (name and caption percent-encoded).
#[tauri::command]
pub async fn send_media(state: State<'_, AppState>, request: tauri::ipc::Request<'_>) -> Reply<MessageView> {
    let invalid = |m: &str| ErrorView::from(&Error::Invalid(m.to_owned()));
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(invalid("the file did not arrive as bytes"));
    };
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let decoded = |name: &str| {
        header(name).map(|v| percent_encoding::percent_decode_str(&v).decode_utf8_lossy().into_owned())
    };
    let conversation_id: i64 = header("conversation-id")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| invalid("which conversation?"))?;
    let media = SendMediaRequest {
        filename: decoded("file-name").unwrap_or_default(),
        mime_type: header("file-type").unwrap_or_default(),
        caption: decoded("caption"),
        bytes: bytes.clone(),
    };
    let id = ConversationId::new(conversation_id);
    state.core()?.send_media(&*state.session()?, id, media).await.map_err(|e| ErrorView::from(&e))
}

/// The file a media message carries, as raw bytes (an `ArrayBuffer` in the web view).
#[tauri::command]
pub async fn message_media(state: State<'_, AppState>, message_id: i64) -> Reply<tauri::ipc::Response> {
    let file = state
        .core()?
        .message_media(&*state.session()?, MessageId::new(message_id))
        .await
        .map_err(|e| ErrorView::from(&e))?;
    Ok(tauri::ipc::Response::new(file.bytes))
}

#[tauri::command]
pub async fn conversation_messages(
    state: State<'_, AppState>,
    conversation_id: i64,
    request: Option<ThreadRequest>,
) -> Reply<ThreadPageView> {
    let id = ConversationId::new(conversation_id);
    state
        .core()?
        .conversation_messages(&*state.session()?, id, request.unwrap_or_default())
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn send_text(
    state: State<'_, AppState>,
    conversation_id: i64,
    text: String,
    reply_to: Option<i64>,
    preview_url: Option<bool>,
) -> Reply<MessageView> {
    let id = ConversationId::new(conversation_id);
    let request = SendTextRequest { text, preview_url: preview_url.unwrap_or(false), reply_to };
    state.core()?.send_text(&*state.session()?, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn change_password(
    state: State<'_, AppState>,
    current_password: SecretString,
    new_password: SecretString,
) -> Reply<MeView> {
    let request = ChangePasswordRequest { current_password, new_password };
    state.core()?.change_password(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn verify_second_factor(state: State<'_, AppState>, code: String) -> Reply<MeView> {
    let request = CodeRequest { code };
    state.core()?.verify_second_factor(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn begin_totp_enrolment(state: State<'_, AppState>) -> Reply<TotpEnrolmentView> {
    state.core()?.begin_totp_enrolment(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn confirm_totp_enrolment(state: State<'_, AppState>, code: String) -> Reply<RecoveryCodesView> {
    let request = CodeRequest { code };
    state.core()?.confirm_totp_enrolment(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn lock(state: State<'_, AppState>, reason: LockReason) -> Reply<MeView> {
    state.core()?.lock(&*state.session()?, reason).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, password: SecretString) -> Reply<MeView> {
    let request = UnlockRequest { password };
    state.core()?.unlock(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

/// From the lock screen: ends the locked session so that someone else can sign in. Nothing of
/// it stays in the app (the web view dropped its views when it locked).
#[tauri::command]
pub async fn switch_user(state: State<'_, AppState>) -> Reply<()> {
    logout(state).await
}

#[tauri::command]
pub async fn step_up(state: State<'_, AppState>, code: String) -> Reply<()> {
    let request = CodeRequest { code };
    state.core()?.step_up(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn my_sessions(state: State<'_, AppState>) -> Reply<Vec<SessionView>> {
    state.core()?.my_sessions(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn end_session(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.core()?.end_my_session(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn end_other_sessions(state: State<'_, AppState>) -> Reply<()> {
    state.core()?.end_my_other_sessions(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn security_settings(state: State<'_, AppState>) -> Reply<SecuritySettingsView> {
    state.core()?.security_settings(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_security_settings<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    settings: SecuritySettings,
) -> Reply<()> {
    let core = state.core()?;
    core.set_security_settings(&*state.session()?, settings).await.map_err(|e| ErrorView::from(&e))?;
    // This window follows a change of content protection at once.
    let on = core.content_protection().await.unwrap_or(true);
    crate::window::set_content_protected(&app, on);
    Ok(())
}

#[tauri::command]
pub async fn try_masking(state: State<'_, AppState>, trial: MaskingTrial) -> Reply<MaskingTrialView> {
    state.core()?.try_masking(&*state.session()?, trial).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn mark_read(state: State<'_, AppState>, conversation_id: i64, typing: bool) -> Reply<()> {
    let id = ConversationId::new(conversation_id);
    state
        .core()?
        .mark_read(&*state.session()?, id, MarkReadRequest { typing })
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn send_message(
    state: State<'_, AppState>,
    conversation_id: i64,
    message: OutboundMessage,
) -> Reply<MessageView> {
    let id = ConversationId::new(conversation_id);
    state.core()?.send_message(&*state.session()?, id, message).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn templates(state: State<'_, AppState>) -> Reply<Vec<TemplateView>> {
    state.core()?.templates(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn sync_templates(state: State<'_, AppState>) -> Reply<Vec<TemplateView>> {
    state.core()?.sync_templates(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn save_template(state: State<'_, AppState>, request: TemplateRequest) -> Reply<TemplateView> {
    state.core()?.save_template(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn send_template(
    state: State<'_, AppState>,
    conversation_id: i64,
    request: SendTemplateRequest,
) -> Reply<MessageView> {
    let id = ConversationId::new(conversation_id);
    state.core()?.send_template(&*state.session()?, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_template_audience(
    state: State<'_, AppState>,
    name: String,
    language: String,
    request: TemplateAudienceRequest,
) -> Reply<TemplateView> {
    let core = state.core()?;
    core.set_template_audience(&*state.session()?, &name, &language, request)
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn sending_options(state: State<'_, AppState>, conversation_id: i64) -> Reply<SendingOptionsView> {
    let id = ConversationId::new(conversation_id);
    state.core()?.sending_options(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn reveal_message(
    state: State<'_, AppState>,
    message_id: i64,
    request: RevealRequest,
) -> Reply<RevealView> {
    let id = MessageId::new(message_id);
    state.core()?.reveal_message(&*state.session()?, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn channel_settings(state: State<'_, AppState>) -> Reply<ChannelView> {
    state.core()?.channel_settings(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_channel_settings(state: State<'_, AppState>, update: ChannelUpdate) -> Reply<ChannelView> {
    state.core()?.set_channel_settings(&*state.session()?, update).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn allowlist(state: State<'_, AppState>) -> Reply<AllowlistView> {
    state.core()?.allowlist(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_allowlist(
    state: State<'_, AppState>,
    entries: Vec<AllowEntryRequest>,
    confirm_lockout: bool,
) -> Reply<AllowlistView> {
    let request = SetAllowlistRequest { entries, confirm_lockout };
    state.core()?.set_allowlist(&*state.session()?, request).await.map_err(|e| ErrorView::from(&e))
}

/// Puts the core's challenge to a security key (on a blocking thread: the key waits for a touch).
async fn ask_key(
    state: &AppState,
    challenge: KeyChallengeView,
    pin: Option<String>,
) -> Reply<serde_json::Value> {
    let invalid =
        || ErrorView::from(&Error::Invalid("the security-key request was not understood".to_owned()));
    let origin = Url::parse(&challenge.origin).map_err(|_| invalid())?;
    let ceremony = match challenge.options.get("publicKey").and_then(|k| k.get("user")) {
        Some(_) => Ceremony::Register(serde_json::from_value(challenge.options).map_err(|_| invalid())?),
        None => Ceremony::Authenticate(serde_json::from_value(challenge.options).map_err(|_| invalid())?),
    };
    let keys = state.keys();
    tauri::async_runtime::spawn_blocking(move || keys.run(origin, ceremony, pin))
        .await
        .map_err(|_| ErrorView::from(&Error::Internal("the security-key thread failed".to_owned())))?
}

#[tauri::command]
pub async fn register_security_key(
    state: State<'_, AppState>,
    name: String,
    pin: Option<String>,
) -> Reply<Vec<SecurityKeyView>> {
    let core = state.core()?;
    let token = state.session()?;
    let challenge = core
        .begin_security_key_registration(&token, RegisterKeyRequest { name })
        .await
        .map_err(|e| ErrorView::from(&e))?;
    let ceremony = challenge.ceremony.clone();
    let credential = ask_key(&state, challenge, pin).await?;
    core.finish_security_key_registration(&token, KeyAnswer { ceremony, credential })
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn security_keys(state: State<'_, AppState>) -> Reply<Vec<SecurityKeyView>> {
    state.core()?.security_keys(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn remove_security_key(state: State<'_, AppState>, id: i64) -> Reply<Vec<SecurityKeyView>> {
    state.core()?.remove_security_key(&*state.session()?, id).await.map_err(|e| ErrorView::from(&e))
}

/// The session's user proves a security key: the second sign-in step, unlocking, or step-up.
#[tauri::command]
pub async fn verify_with_security_key(state: State<'_, AppState>, pin: Option<String>) -> Reply<MeView> {
    let core = state.core()?;
    let token = state.session()?;
    let challenge = core.begin_security_key_check(&token).await.map_err(|e| ErrorView::from(&e))?;
    let ceremony = challenge.ceremony.clone();
    let credential = ask_key(&state, challenge, pin).await?;
    core.finish_security_key_check(&token, KeyAnswer { ceremony, credential })
        .await
        .map_err(|e| ErrorView::from(&e))
}

/// Signs in with a security key alone (it checks its own PIN or fingerprint).
#[tauri::command]
pub async fn sign_in_with_security_key(
    state: State<'_, AppState>,
    username: String,
    pin: Option<String>,
) -> Reply<MeView> {
    let core = state.core()?;
    let challenge = core
        .begin_passwordless(PasswordlessRequest { username }, Origin::Desktop)
        .await
        .map_err(|e| ErrorView::from(&e))?;
    let ceremony = challenge.ceremony.clone();
    let credential = ask_key(&state, challenge, pin).await?;
    let signed_in = core
        .finish_passwordless(KeyAnswer { ceremony, credential }, Origin::Desktop, &device())
        .await
        .map_err(|e| ErrorView::from(&e))?;
    state.set_session(Some(signed_in.token));
    Ok(signed_in.me)
}

#[tauri::command]
pub async fn regenerate_recovery_codes(state: State<'_, AppState>) -> Reply<RecoveryCodesView> {
    state.core()?.regenerate_recovery_codes(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn remove_totp(state: State<'_, AppState>) -> Reply<MeView> {
    state.core()?.remove_totp(&*state.session()?).await.map_err(|e| ErrorView::from(&e))
}

/// The OS session locked: lock the signed-in session in the core, then tell the web view to
/// drop what it shows.
pub async fn lock_for_os<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    use tauri::{Emitter, Manager};
    let state = app.state::<AppState>();
    let (Ok(core), Ok(token)) = (state.core(), state.session()) else { return };
    match core.lock(&token, LockReason::System).await {
        Ok(_) => {
            if let Err(e) = app.emit("session-locked", ()) {
                tracing::error!(error = %e, "cannot tell the window that the session locked");
            }
        }
        Err(e) => tracing::info!(error = %e, "the OS locked, but there was no session to lock"),
    }
}

// Administration and the authorization model (issue 4): one command per `api/` call.

#[tauri::command]
pub async fn assign_conversation(
    state: State<'_, AppState>,
    conversation_id: i64,
    request: AssignRequest,
) -> Reply<()> {
    let token = state.session()?;
    state
        .core()?
        .assign_conversation(&token, ConversationId::new(conversation_id), request)
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn handover_options(state: State<'_, AppState>, conversation_id: i64) -> Reply<HandoverView> {
    let token = state.session()?;
    let core = state.core()?;
    core.handover_options(&token, ConversationId::new(conversation_id)).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn transfer_conversation(
    state: State<'_, AppState>,
    conversation_id: i64,
    request: TransferRequest,
) -> Reply<()> {
    let token = state.session()?;
    state
        .core()?
        .transfer_conversation(&token, ConversationId::new(conversation_id), request)
        .await
        .map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn contacts(state: State<'_, AppState>) -> Reply<Vec<ContactView>> {
    let token = state.session()?;
    state.core()?.contacts(&token).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn import_contacts(
    state: State<'_, AppState>,
    request: ImportContactsRequest,
) -> Reply<ImportReportView> {
    let token = state.session()?;
    state.core()?.import_contacts(&token, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn contact(state: State<'_, AppState>, id: i64) -> Reply<ContactView> {
    let token = state.session()?;
    state.core()?.contact(&token, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn merge_contacts(
    state: State<'_, AppState>,
    id: i64,
    request: MergeContactRequest,
) -> Reply<ContactView> {
    let token = state.session()?;
    state.core()?.merge_contacts(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn assign_contact(state: State<'_, AppState>, id: i64, request: AssignContactRequest) -> Reply<()> {
    let token = state.session()?;
    state.core()?.assign_contact(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn label_contact(
    state: State<'_, AppState>,
    id: i64,
    request: ApplyLabelRequest,
) -> Reply<ContactView> {
    let token = state.session()?;
    state.core()?.label_contact(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn unlabel_contact(state: State<'_, AppState>, id: i64, label: i64) -> Reply<ContactView> {
    let token = state.session()?;
    state.core()?.unlabel_contact(&token, id, label).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn labels(state: State<'_, AppState>) -> Reply<Vec<LabelView>> {
    let token = state.session()?;
    state.core()?.labels(&token).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn create_label(state: State<'_, AppState>, request: LabelRequest) -> Reply<LabelView> {
    let token = state.session()?;
    state.core()?.create_label(&token, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn update_label(state: State<'_, AppState>, id: i64, request: LabelRequest) -> Reply<LabelView> {
    let token = state.session()?;
    state.core()?.update_label(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn delete_label(state: State<'_, AppState>, id: i64) -> Reply<()> {
    let token = state.session()?;
    state.core()?.delete_label(&token, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn teams(state: State<'_, AppState>) -> Reply<Vec<TeamView>> {
    let token = state.session()?;
    state.core()?.teams(&token).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn create_team(state: State<'_, AppState>, request: TeamRequest) -> Reply<TeamView> {
    let token = state.session()?;
    state.core()?.create_team(&token, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn rename_team(state: State<'_, AppState>, id: i64, request: TeamRequest) -> Reply<TeamView> {
    let token = state.session()?;
    state.core()?.rename_team(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_team_hours(
    state: State<'_, AppState>,
    id: i64,
    request: TeamHoursRequest,
) -> Reply<TeamView> {
    let token = state.session()?;
    state.core()?.set_team_hours(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn delete_team(state: State<'_, AppState>, id: i64) -> Reply<()> {
    let token = state.session()?;
    state.core()?.delete_team(&token, id).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn add_team_member(state: State<'_, AppState>, id: i64, request: MemberRequest) -> Reply<TeamView> {
    let token = state.session()?;
    state.core()?.add_team_member(&token, id, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn remove_team_member(state: State<'_, AppState>, id: i64, username: String) -> Reply<TeamView> {
    let token = state.session()?;
    state.core()?.remove_team_member(&token, id, &username).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn roles(state: State<'_, AppState>) -> Reply<RolesView> {
    let token = state.session()?;
    state.core()?.roles(&token).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn create_role(state: State<'_, AppState>, request: RoleRequest) -> Reply<RoleView> {
    let token = state.session()?;
    state.core()?.create_role(&token, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn update_role(state: State<'_, AppState>, slug: String, request: RoleRequest) -> Reply<RoleView> {
    let token = state.session()?;
    state.core()?.update_role(&token, &slug, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn delete_role(state: State<'_, AppState>, slug: String, request: DeleteRoleRequest) -> Reply<()> {
    let token = state.session()?;
    state.core()?.delete_role(&token, &slug, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn users(state: State<'_, AppState>) -> Reply<Vec<UserView>> {
    let token = state.session()?;
    state.core()?.users(&token).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn create_user(state: State<'_, AppState>, request: CreateUserRequest) -> Reply<UserView> {
    let token = state.session()?;
    state.core()?.create_user(&token, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_user_role(
    state: State<'_, AppState>,
    username: String,
    request: SetRoleRequest,
) -> Reply<UserView> {
    let token = state.session()?;
    state.core()?.set_user_role(&token, &username, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn set_user_disabled(
    state: State<'_, AppState>,
    username: String,
    request: SetDisabledRequest,
) -> Reply<UserView> {
    let token = state.session()?;
    state.core()?.set_user_disabled(&token, &username, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn offboard_user(
    state: State<'_, AppState>,
    username: String,
    request: countersign::api::offboard::OffboardRequest,
) -> Reply<countersign::api::views::OffboardReportView> {
    let token = state.session()?;
    state.core()?.offboard_user(&token, &username, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn end_user_sessions(state: State<'_, AppState>, username: String) -> Reply<()> {
    let token = state.session()?;
    state.core()?.end_user_sessions(&token, &username).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn reset_password(
    state: State<'_, AppState>,
    username: String,
    request: ResetPasswordRequest,
) -> Reply<()> {
    let token = state.session()?;
    state.core()?.reset_password(&token, &username, request).await.map_err(|e| ErrorView::from(&e))
}

#[tauri::command]
pub async fn unlock_user(state: State<'_, AppState>, username: String) -> Reply<bool> {
    let token = state.session()?;
    state.core()?.unlock_user(&token, &username).await.map_err(|e| ErrorView::from(&e))
}
