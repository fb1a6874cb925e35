fn main() {
    // Generates allow-/deny- permissions for exactly these commands; the capability file
    // grants them to the main window, so nothing else is invocable from the webview.
    let commands = &[
        "login",
        "logout",
        "me",
        "list_conversations",
        "conversation_messages",
        "send_text",
        "change_password",
        "verify_second_factor",
        "begin_totp_enrolment",
        "confirm_totp_enrolment",
        "lock",
        "unlock",
        "switch_user",
        "step_up",
        "my_sessions",
        "end_session",
        "end_other_sessions",
        "security_settings",
        "set_security_settings",
        "allowlist",
        "set_allowlist",
        "register_security_key",
        "security_keys",
        "remove_security_key",
        "verify_with_security_key",
        "sign_in_with_security_key",
        "regenerate_recovery_codes",
        "remove_totp",
    ];
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands));
    tauri_build::try_build(attributes).unwrap_or_else(|e| {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1)
    });
}
