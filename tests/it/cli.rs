//! The `countersign` CLI as IT uses it: init, add a user, connect the channel, serve; and a
//! served webhook endpoint that accepts Meta's signature and rejects anything else.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use countersign::keys::KeySource;
use countersign::Core;
use countersign_sim::customers::{self, Customer};
use rstest::rstest;

use crate::support::*;

pub(crate) fn countersign(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(args)
        .env_remove("COUNTERSIGN_DATA_DIR")
        .env_remove("COUNTERSIGN_KEY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str], stdin: &str) -> String {
    let out = countersign(args, stdin);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn set_up(dir: &Path) -> [String; 4] {
    let data = dir.join("data").display().to_string();
    let key = dir.join("data.key").display().to_string();
    let loc = ["--data-dir".to_owned(), data, "--key-file".to_owned(), key];
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let out = ok(&[&["init"], &l[..]].concat(), "");
    assert!(out.contains("Created an encrypted store"), "{out}");
    let out = ok(
        &[&["user", "add", "--username", "Rita", "--role", "manager", "--password-stdin"], &l[..]].concat(),
        "a long enough password\n",
    );
    assert!(out.contains("Added user rita"), "{out}");
    let secrets = format!("{APP_SECRET}\n{ACCESS_TOKEN}\n");
    let args = [
        &["channel", "set", "--phone-number-id", PHONE_NUMBER_ID, "--verify-token", VERIFY_TOKEN][..],
        &["--graph-base-url", "http://127.0.0.1:9", "--app-secret-stdin", "--access-token-stdin"],
        &l[..],
    ]
    .concat();
    let out = ok(&args, &secrets);
    assert!(!out.contains(APP_SECRET) && !out.contains(ACCESS_TOKEN), "secrets must never be printed: {out}");
    loc
}

#[tokio::test]
async fn serve_accepts_metas_signature_and_rejects_a_wrong_one() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(&loc)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let served = Served(child);
    let addr =
        line.split("http://").nth(1).and_then(|s| s.split_whitespace().next()).unwrap().parse().unwrap();

    let http = reqwest::Client::new();
    let customer = Customer { wa_id: "16505551234".to_owned(), name: "Sheena".to_owned() };
    let good = customers::send_text(&http, &target(addr), &customer, "wamid.cli1", "hello").await.unwrap();
    assert_eq!(good, 200);
    let body = customers::text_webhook(&target(addr), &customer, "wamid.cli2", "forged", 1_700_000_000);
    let forged = customers::deliver(&http, &target(addr).url, &customers::sign("wrong-secret", &body), body)
        .await
        .unwrap();
    assert_eq!(forged, 401);
    drop(served);

    let core =
        Core::open(&dir.path().join("data"), &KeySource::File(dir.path().join("data.key"))).await.unwrap();
    let stats = core.stats().await.unwrap();
    assert_eq!((stats.deliveries, stats.messages), (1, 1), "only the signed delivery is stored");
}

#[rstest]
#[case::no_data_dir(&["user", "add", "--username", "x1y", "--role", "agent", "--password-stdin"], "pw long enough\n", "--data-dir")]
#[case::not_initialized(&["serve", "--data-dir", "/nonexistent/cs", "--key-file", "/nonexistent/k"], "", "countersign init")]
#[case::empty_password_stdin(&["user", "add", "--data-dir", "/nonexistent", "--username", "x1y", "--role", "agent", "--password-stdin"], "", "password on standard input")]
fn mistakes_get_one_clear_line_and_a_failing_exit(
    #[case] args: &[&str],
    #[case] stdin: &str,
    #[case] says: &str,
) {
    let out = countersign(args, stdin);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(says), "{err}");
    assert!(err.trim().lines().count() <= 4, "one clear message, not a dump: {err}");
}

#[test]
fn init_refuses_to_overwrite_an_existing_store() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let out = countersign(&[&["init"], &l[..]].concat(), "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"));
}

#[test]
fn a_weak_password_is_refused_with_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let out = countersign(
        &[&["user", "add", "--username", "bob", "--role", "agent", "--password-stdin"], &l[..]].concat(),
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
}

#[test]
fn it_can_reset_a_password_unlock_a_user_and_tighten_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let reset = ok(
        &[&["user", "reset-password", "--username", "rita", "--password-stdin"], &l[..]].concat(),
        "amber kettle forest drum\n",
    );
    assert!(reset.contains("must choose a new one"), "{reset}");
    let unlock = ok(&[&["user", "unlock", "--username", "rita"], &l[..]].concat(), "");
    assert!(unlock.contains("was not locked"), "{unlock}");
    let missing = countersign(&[&["user", "unlock", "--username", "nobody"], &l[..]].concat(), "");
    assert!(!missing.status.success());
    ok(&[&["settings", "security", "--password-min-length", "24"], &l[..]].concat(), "");
    let short = countersign(
        &[&["user", "add", "--username", "bob", "--role", "agent", "--password-stdin"], &l[..]].concat(),
        "amber kettle forest dr\n", // 22 characters
    );
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 24 characters"));
}

#[test]
fn it_can_set_and_clear_the_allowlist() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let set = ok(
        &[&["settings", "allowlist", "--allow", "10.1.0.0/16", "--allow", "192.168.5.0/24=manager"], &l[..]]
            .concat(),
        "",
    );
    assert!(set.contains("2 listed network(s)"), "{set}");
    let typo = countersign(&[&["settings", "allowlist", "--allow", "10.1.0/16"], &l[..]].concat(), "");
    assert!(String::from_utf8_lossy(&typo.stderr).contains("write it like 10.1.0.0/16"));
    let bad_role =
        countersign(&[&["settings", "allowlist", "--allow", "10.0.0.0/8=boss"], &l[..]].concat(), "");
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("no role called \"boss\""));
    let bad_user_role = countersign(
        &[&["user", "add", "--username", "x1y", "--role", "boss", "--password-stdin"], &l[..]].concat(),
        "a long enough password\n",
    );
    assert!(!bad_user_role.status.success());
    assert!(String::from_utf8_lossy(&bad_user_role.stderr).contains("no role called \"boss\""));
    let cleared = ok(&[&["settings", "allowlist", "--clear"], &l[..]].concat(), "");
    assert!(cleared.contains("any network"), "{cleared}");
}

#[tokio::test(flavor = "multi_thread")]
async fn it_sets_the_organisations_masking_patterns_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let file = dir.path().join("patterns.json");
    let save = |json: &str| {
        std::fs::write(&file, json).unwrap();
        let file = file.display().to_string();
        countersign(&[&["settings", "security", "--masking-patterns", &file], &l[..]].concat(), "")
    };
    let not_json = save("Loyalty card = LOY\\d{8}");
    assert!(String::from_utf8_lossy(&not_json.stderr).contains("is not a JSON list of"), "{not_json:?}");
    let broken =
        save(r#"[{"name": "Loyalty card", "pattern": "LOY(\\d{8}", "class": "financial", "keep_last": 4}]"#);
    let why = String::from_utf8_lossy(&broken.stderr);
    assert!(
        !broken.status.success() && why.contains("the pattern of \"Loyalty card\" is not valid"),
        "{why}"
    );
    let saved = save(
        r#"[{"name": "Loyalty card", "pattern": "\\bLOY-?\\d{8}\\b", "class": "financial", "keep_last": 2}]"#,
    );
    assert!(String::from_utf8_lossy(&saved.stdout).contains("Security settings saved."), "{saved:?}");

    let core =
        Core::open(&dir.path().join("data"), &KeySource::File(dir.path().join("data.key"))).await.unwrap();
    let stored = core.store().find_setting("masking.patterns").await.unwrap().unwrap();
    assert!(stored.contains(r#""name":"Loyalty card""#) && stored.contains(r#""keep_last":2"#), "{stored}");
    let trail = core.store().audit_records().await.unwrap();
    assert!(trail
        .iter()
        .any(|r| r.action == "settings.security" && r.detail.starts_with("masking.patterns=")));
    core.close().await;
}

#[rstest::rstest]
#[case::two_classes(
    "--reveal-approval",
    "identity,financial",
    "masking.reveal_approval",
    Ok("financial,identity")
)]
#[case::no_class_at_all("--reveal-approval", "none", "masking.reveal_approval", Ok(""))]
#[case::unknown_class(
    "--reveal-approval",
    "financial,secrets",
    "masking.reveal_approval",
    Err("\"secrets\" is not a class of data")
)]
#[case::approval_minutes("--reveal-approval-minutes", "5", "masking.approval_minutes", Ok("5"))]
#[case::approval_too_long(
    "--reveal-approval-minutes",
    "600",
    "masking.approval_minutes",
    Err("an approval to reveal lasts")
)]
#[case::capture_allowed("--content-protection", "off", "desktop.content_protection", Ok("false"))]
#[case::capture_blocked("--content-protection", "on", "desktop.content_protection", Ok("true"))]
#[case::capture_unclear(
    "--content-protection",
    "maybe",
    "desktop.content_protection",
    Err("expected on or off")
)]
#[tokio::test(flavor = "multi_thread")]
async fn it_sets_the_security_settings_it_is_given(
    #[case] flag: &str,
    #[case] given: &str,
    #[case] key: &str,
    #[case] stored: Result<&str, &str>,
) {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let out = countersign(&[&["settings", "security", flag, given], &l[..]].concat(), "");
    match stored {
        Ok(_) => {
            assert!(String::from_utf8_lossy(&out.stdout).contains("Security settings saved."), "{out:?}")
        }
        Err(reason) => {
            let why = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success() && why.contains(reason), "{why}");
        }
    }
    let core =
        Core::open(&dir.path().join("data"), &KeySource::File(dir.path().join("data.key"))).await.unwrap();
    let saved = core.store().find_setting(key).await.unwrap();
    assert_eq!(saved.as_deref(), stored.ok(), "nothing saved from a wrong value");
    core.close().await;
}

#[test]
fn it_can_sign_a_user_out_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let out = ok(&[&["user", "sign-out-everywhere", "--username", "rita"], &l[..]].concat(), "");
    assert!(out.contains("Every session of rita has ended"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn it_synchronises_the_message_templates() {
    let sim = graph_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let base = sim.base_url();
    let args = [
        &["channel", "set", "--phone-number-id", PHONE_NUMBER_ID, "--verify-token", VERIFY_TOKEN][..],
        &["--graph-base-url", &base, "--app-secret-stdin", "--access-token-stdin"],
        &l[..],
    ]
    .concat();
    ok(&args, &format!("{APP_SECRET}\n{ACCESS_TOKEN}\n"));
    let out =
        ok(&[&["channel", "templates", "--business-account-id", "102290129340398"], &l[..]].concat(), "");
    assert!(out.contains("6 message templates synchronised"), "{out}");
    let refused =
        countersign(&[&["channel", "templates", "--business-account-id", "WABA-1"], &l[..]].concat(), "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("digits only"));
}

#[test]
fn it_reports_the_accuracy_of_masking_on_a_labelled_corpus() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/masking/corpus.txt");
    let out = ok(&["masking", "report", corpus, "--region", "gb"], "");
    assert!(out.contains("precision") && out.lines().any(|l| l.starts_with("all ")), "{out}");
    let refused = countersign(&["masking", "report", corpus, "--region", "Narnia"], "");
    assert!(!refused.status.success());
}

#[rstest]
#[case::intact("", Ok("The audit trail is intact: 5 events"))]
#[case::an_event_edited(
    "UPDATE audit_events SET detail = detail || ';role=owner' WHERE seq = 3",
    Err("audit event #3 was changed after it was written")
)]
#[case::an_event_deleted("DELETE FROM audit_events WHERE seq = 2", Err("audit event #2 is missing"))]
#[case::two_events_swapped(
    "UPDATE audit_events SET seq = -seq WHERE seq IN (2, 3);
     UPDATE audit_events SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq < 0;",
    Err("audit event #2 does not follow the one before it")
)]
#[case::deleted_and_renumbered(
    "DELETE FROM audit_events WHERE seq = 2; UPDATE audit_events SET seq = seq - 1 WHERE seq > 2;",
    Err("audit event #2 does not follow the one before it")
)]
#[tokio::test(flavor = "multi_thread")]
async fn audit_verify_finds_the_first_event_tampered_with(
    #[case] sql: &str,
    #[case] expected: Result<&str, &str>,
) {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    for name in ["sam", "tia"] {
        let add =
            [&["user", "add", "--username", name, "--role", "agent", "--password-stdin"], &l[..]].concat();
        ok(&add, "a long enough password\n");
    }
    if !sql.is_empty() {
        tamper(dir.path(), sql).await;
    }
    let out = countersign(&[&["audit", "verify"], &l[..]].concat(), "");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match expected {
        Ok(says) => assert!(out.status.success() && stdout.contains(says), "{stdout} {stderr}"),
        Err(says) => assert!(!out.status.success() && stderr.contains(says), "{stdout} {stderr}"),
    }
}

#[test]
fn it_sets_how_long_the_audit_trail_is_kept_and_purges_what_is_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let refused = countersign(&[&["audit", "retention", "--days", "7"], &l[..]].concat(), "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("between 30 and 3650 days"));
    let out = ok(&[&["audit", "retention", "--days", "730"], &l[..]].concat(), "");
    assert!(out.contains("kept for 730 days"), "{out}");
    let out = ok(&[&["audit", "purge"], &l[..]].concat(), "");
    assert!(out.contains("No audit events are past retention."), "{out}");
    let out = ok(&[&["audit", "verify"], &l[..]].concat(), "");
    assert!(out.contains("is intact"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_checkpoints_catch_a_trail_cut_short_even_when_their_table_is_emptied_too() {
    let site = site("http://127.0.0.1:9").await;
    // Enough changes for a checkpoint (one is signed every 100 events).
    while site.core.store().audit_records().await.unwrap().len() < 120 {
        let change =
            countersign::api::users::SecuritySettings { step_up_minutes: Some(5), ..Default::default() };
        site.core.operator_set_security_settings(change).await.unwrap();
    }
    site.core.clone().close().await;
    let dir = site.dir.path();
    let loc = [
        "--data-dir",
        &dir.join("data").display().to_string(),
        "--key-file",
        &dir.join("data.key").display().to_string(),
    ]
    .map(str::to_owned);
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let kept = dir.join("checkpoints.jsonl").display().to_string();
    let exported = ok(&[&["audit", "checkpoints", "--out", &kept], &l[..]].concat(), "");
    assert!(exported.contains("Wrote 2 signed checkpoints"), "{exported}");
    let verify = |with: &[&str]| {
        let out = countersign(&[&["audit", "verify"], with, &l[..]].concat(), "");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (fine, says) = verify(&[]);
    assert!(fine && says.contains("intact: 1"), "{says}");

    // The end of the trail cut off, back past the checkpoint: the chain alone looks whole.
    tamper(dir, "DELETE FROM audit_events WHERE seq >= 95").await;
    let (fine, says) = verify(&[]);
    assert!(!fine && says.contains("covers audit event #100, but the trail ends at #94"), "{says}");
    // The checkpoints deleted too: only the copy kept elsewhere tells.
    tamper(dir, "DELETE FROM audit_checkpoints").await;
    let (fine, says) = verify(&[]);
    assert!(fine && says.contains("intact: 94 events"), "{says}");
    let (fine, says) = verify(&["--checkpoints", &kept]);
    assert!(!fine && says.contains("covers audit event #100, but the trail ends at #94"), "{says}");
    // A checkpoint file edited by hand is not taken on trust.
    let edited = std::fs::read_to_string(&kept).unwrap().replace("\"seq\":100", "\"seq\":90");
    std::fs::write(&kept, edited).unwrap();
    let (fine, says) = verify(&["--checkpoints", &kept]);
    assert!(!fine && says.contains("checkpoint at audit event #90 is not signed"), "{says}");
    std::fs::write(&kept, "not a checkpoint\n").unwrap();
    let (fine, says) = verify(&["--checkpoints", &kept]);
    assert!(!fine && says.contains("line 1 of"), "{says}");
}

#[test]
fn it_exports_the_trail_for_a_filter_to_a_file_only_it_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let add = [&["user", "add", "--username", "sam", "--role", "agent", "--password-stdin"], &l[..]].concat();
    ok(&add, "a long enough password\n");
    let file = dir.path().join("audit.csv");
    let out_path = file.display().to_string();
    let export =
        |extra: &[&str]| countersign(&[&["audit", "export", "--out", &out_path], extra, &l[..]].concat(), "");

    let out = export(&["--risk", "high", "--from", "2000-01-01"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut reader = csv::Reader::from_path(&file).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(said.contains(&format!("Wrote {} audit events", rows.len())), "{said}");
    let actions: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
    // set_up added an administrator and the channel; this test, sam.
    assert_eq!(
        actions,
        ["user.add", "channel.set", "user.add", "audit.exported"],
        "high risk only, oldest first"
    );
    assert!(rows.iter().all(|r| &r[7] == "high" && &r[9] == "this PC"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // JSON Lines for one actor; a mistake says which and leaves no file behind.
    let out = export(&["--format", "jsonl", "--actor", "operator:cli"]);
    assert!(out.status.success());
    let lines = std::fs::read_to_string(&file).unwrap();
    assert!(lines
        .lines()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["actor_id"] == "operator:cli"));
    for (args, says) in [
        (&["--risk", "severe"][..], "risk must be low, medium or high"),
        (&["--actor", "nobody"][..], "no user has that name"),
        (&["--from", "last tuesday"][..], "expected a day such as 2026-01-31"),
    ] {
        let out = export(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(!file.exists(), "a failed export leaves nothing to mistake for the whole");
}

/// IT measures a new store at a chain's size: `bench generate` fills it with made-up
/// customers, conversations and messages (the queue reads them in order, the search index
/// holds them), once: a store that already has conversations is refused, and so is a load
/// out of bounds. Audited.
#[tokio::test(flavor = "multi_thread")]
async fn it_fills_a_new_store_with_a_load_to_measure_once() {
    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    let generate = |teams: &str| {
        let args = [
            &["bench", "generate", "--teams", teams, "--conversations", "30", "--messages-each", "4"],
            &l[..],
        ]
        .concat();
        countersign(&args, "")
    };
    let out = generate("0");
    let why = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && why.contains("1 to 100 teams"), "no teams is no load: {why}");
    let out = generate("3");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("30 customers, 30 conversations and 120 messages"),
        "{said}"
    );
    let again = generate("3");
    let why = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success() && why.contains("already holds conversations"), "{why}");

    let core =
        Core::open(&dir.path().join("data"), &KeySource::File(dir.path().join("data.key"))).await.unwrap();
    let trail = core.store().audit_records().await.unwrap();
    let generated: Vec<_> = trail.iter().filter(|r| r.action == "load.generated").collect();
    assert_eq!(generated.len(), 1, "audited once");
    assert!(generated[0].detail.contains("conversations=30"), "{:?}", generated[0]);
    core.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn it_sets_retention_purges_with_progress_and_answers_a_privacy_request() {
    use std::sync::Arc;

    use countersign::clock::{Clock, ManualClock, OsRandom, SystemClock};

    let dir = tempfile::tempdir().unwrap();
    let loc = set_up(dir.path());
    let l: Vec<&str> = loc.iter().map(String::as_str).collect();
    // Ana wrote 400 days ago, and again today.
    {
        let core =
            countersign::Core::open(&dir.path().join("data"), &KeySource::File(dir.path().join("data.key")))
                .await
                .unwrap();
        let then = SystemClock.now().plus_millis(-400 * 24 * 3_600_000);
        let old =
            Core::with_parts(core.store().clone(), Arc::new(ManualClock::new(then)), Arc::new(OsRandom))
                .unwrap();
        let ana =
            countersign_sim::Customer { wa_id: "447700900401".to_owned(), name: "Ana Souza".to_owned() };
        let webhook = target("127.0.0.1:1".parse().unwrap());
        for (core, at, wamid, text) in [
            (&old, then, "wamid.cli1", "the saffron boots from last year"),
            (&core, SystemClock.now(), "wamid.cli2", "hello again"),
        ] {
            let body = customers::text_webhook(&webhook, &ana, wamid, text, at.as_millis() / 1000);
            core.receive_webhook(Some(&customers::sign(APP_SECRET, &body)), &body).await.unwrap();
        }
        core.close().await;
    }

    let refused = countersign(
        &[&["retention", "set", "--message-days", "30", "--media-days", "60"], &l[..]].concat(),
        "",
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at most 30 days"), "{refused:?}");
    let out = ok(&[&["retention", "set", "--message-days", "365"], &l[..]].concat(), "");
    assert!(out.contains("kept 365 days; files as long as their messages"), "{out}");
    let purged = countersign(&[&["retention", "purge"], &l[..]].concat(), "");
    assert!(purged.status.success());
    assert!(String::from_utf8_lossy(&purged.stderr).contains("100%  2 of 2 removed"), "{purged:?}");
    let said = String::from_utf8_lossy(&purged.stdout);
    assert!(said.contains("Removed the content of 1 messages, 0 files and 1 raw webhook bodies"), "{said}");
    assert!(
        ok(&[&["retention", "purge"], &l[..]].concat(), "").contains("Nothing is past the retention limits.")
    );

    // Her copy: a new file, hers only; then her erasure, her name typed.
    let zip = dir.path().join("ana.zip").display().to_string();
    let out = ok(&[&["privacy", "export", "--contact", "1", "--out", &zip], &l[..]].concat(), "");
    assert!(out.contains("1 conversations, 2 messages, 0 files and 0 notes"), "{out}");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&zip).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = countersign(&[&["privacy", "export", "--contact", "1", "--out", &zip], &l[..]].concat(), "");
    assert!(!again.status.success(), "an existing file is not overwritten");
    let wrong =
        countersign(&[&["privacy", "erase", "--contact", "1", "--confirm-name", "Ana"], &l[..]].concat(), "");
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("type the customer's name, Ana Souza"),
        "{wrong:?}"
    );
    let out =
        ok(&[&["privacy", "erase", "--contact", "1", "--confirm-name", "Ana Souza"], &l[..]].concat(), "");
    assert!(out.contains("Erased: 1 conversations, 2 messages") && out.contains("now say erased:"), "{out}");
    assert!(ok(&[&["audit", "verify"], &l[..]].concat(), "").contains("is intact"));
}
