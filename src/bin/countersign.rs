//! `countersign`: the command line for IT and administrators.
//!
//! Every command takes `--data-dir` and `--key-file` (or `COUNTERSIGN_DATA_DIR` and
//! `COUNTERSIGN_KEY_FILE`); without a key file the data key lives in the OS credential store.
//! Secrets are read from standard input, never from arguments (which other users can see in
//! the process list), and never printed. Errors are one line on stderr and a non-zero exit.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use countersign::api::audit::{AuditExportRequest, AuditSearch, ExportFormat};
use countersign::api::masking::MaskingPattern;
use countersign::api::network::AllowEntryRequest;
use countersign::api::offboard::OffboardRequest;
use countersign::api::operator::{AddUser, ChannelSettings};
use countersign::api::privacy::EraseRequest;
use countersign::api::retention::RetentionRequest;
use countersign::api::sso_settings::SsoSettingsRequest;
use countersign::api::users::SecuritySettings;
use countersign::api::views::AuditPurgeView;
use countersign::keys::{KeySource, SecretString};
use countersign::managed::{load_machine_policy, Policy, MACHINE_POLICY};
use countersign::store::retention::RunRecord;
use countersign::Core;

#[derive(Parser)]
#[command(name = "countersign", version, about = "Countersign: secure shared inbox for WhatsApp Business")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Location {
    /// Directory holding the encrypted store.
    #[arg(long, env = "COUNTERSIGN_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// File holding the data key (mode 0600). Without it, the OS credential store is used.
    #[arg(long, env = "COUNTERSIGN_KEY_FILE", global = true)]
    key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new encrypted store and its data key.
    Init(#[command(flatten)] Location),
    /// Write an encrypted, integrity-checked backup of the whole store to a new file. It opens
    /// only with the data key, so keep the key (or its file) as you keep the store's.
    Backup {
        #[command(flatten)]
        location: Location,
        /// The archive to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a backup into an empty data directory, with the data key it was made with
    /// (--key-file). A changed, cut or extended archive is refused and nothing is written.
    Restore {
        #[command(flatten)]
        location: Location,
        /// The archive to restore.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// The machine-wide policy IT deploys.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Manage staff users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Organisation settings.
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Connect the WhatsApp Cloud API.
    Channel {
        #[command(subcommand)]
        command: ChannelCommand,
    },
    /// Measuring: fill a new, empty store with made-up conversations.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Masking of personal data.
    Masking {
        #[command(subcommand)]
        command: MaskingCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Privacy requests about a customer (GDPR): export what is held, or erase them.
    Privacy {
        #[command(subcommand)]
        command: PrivacyCommand,
    },
    /// How long message content and files are kept.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Accept webhooks and serve the HTTP API.
    Serve {
        #[command(flatten)]
        location: Location,
        /// Address to listen on, such as 127.0.0.1:8080 (put TLS in front for the internet).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
}

#[derive(Subcommand)]
enum PrivacyCommand {
    /// Write everything held about a contact to a new zip: contact.json and media/.
    Export {
        #[command(flatten)]
        location: Location,
        /// The contact's id (as the app's Contacts screen and the HTTP API show it).
        #[arg(long)]
        contact: i64,
        /// The zip to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Erase a contact: their conversations, messages, files, notes and fields are deleted and
    /// the audit trail's records about them pseudonymised. Refused while a legal hold is on them.
    Erase {
        #[command(flatten)]
        location: Location,
        /// The contact's id.
        #[arg(long)]
        contact: i64,
        /// Their name as the app shows it, to confirm.
        #[arg(long)]
        confirm_name: String,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Set how many days message content and files are kept (1 to 3650). Leave one out to
    /// keep it: files without --media-days are kept as long as their messages.
    Set {
        #[command(flatten)]
        location: Location,
        /// Days message content is kept.
        #[arg(long)]
        message_days: Option<i64>,
        /// Days files are kept (at most --message-days).
        #[arg(long)]
        media_days: Option<i64>,
    },
    /// Remove now what is past the limits (except what a legal hold keeps), showing progress.
    /// The app also does this every few hours.
    Purge {
        #[command(flatten)]
        location: Location,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check that no event was edited, deleted, moved or cut off since it was written: prints
    /// how many events were checked, or the first break, and then exits non-zero.
    Verify {
        #[command(flatten)]
        location: Location,
        /// Checkpoints exported earlier with `audit checkpoints` (kept outside this machine).
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
    },
    /// Write the signed checkpoints, one JSON object a line, with the key that checks them,
    /// to keep outside this machine.
    Checkpoints {
        #[command(flatten)]
        location: Location,
        /// Where to write them.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Purge the events older than the retention period (`audit retention`; a year unless
    /// changed), up to a signed checkpoint that keeps covering them. The trail is verified
    /// first and nothing is purged if it is broken. The app also does this every few hours.
    Purge {
        #[command(flatten)]
        location: Location,
    },
    /// Set how many days audit events are kept (30 to 3650), whatever messages are kept for.
    Retention {
        #[command(flatten)]
        location: Location,
        /// Days to keep events for.
        #[arg(long)]
        days: i64,
    },
    /// Export the events a search finds, oldest first, as CSV or JSON Lines (the export is
    /// itself recorded in the trail). The file is readable by its owner only.
    Export {
        #[command(flatten)]
        location: Location,
        /// Where to write them.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// `csv` (for spreadsheets) or `jsonl` (for log tools).
        #[arg(long, value_parser = ["csv", "jsonl"], default_value = "csv")]
        format: String,
        /// Only this actor: a user name, or operator:cli, system:webhook, anonymous.
        #[arg(long)]
        actor: Option<String>,
        /// Only this kind of event, such as session.login.
        #[arg(long)]
        action: Option<String>,
        /// Only events on this, such as conversation:4 or user:12.
        #[arg(long)]
        target: Option<String>,
        /// Only events of at least this risk: low, medium or high.
        #[arg(long)]
        risk: Option<String>,
        /// From this day (2026-01-31, UTC) or time (2026-01-31T09:00:00Z), inclusive.
        #[arg(long, value_parser = parse_time)]
        from: Option<i64>,
        /// Until this day or time, exclusive (a day means its start).
        #[arg(long, value_parser = parse_time)]
        until: Option<i64>,
    },
}

/// `path` created (or emptied) readable and writable by its owner only: an export holds who
/// did what.
fn private_file(path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).with_context(|| format!("cannot write {}", path.display()))
}

/// A day (its start, UTC) or an RFC 3339 time, as ms since the epoch.
fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| "expected a day such as 2026-01-31 or a time such as 2026-01-31T09:00:00Z".to_owned())
}

/// `on` or `off`.
fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("expected on or off".to_owned()),
    }
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Fill a new store (one without conversations) with made-up customers, conversations and
    /// messages, to measure the app at a chain's size: 100,000 conversations and 2,000,000
    /// messages over 20 teams by default. Audited.
    Generate {
        #[command(flatten)]
        location: Location,
        /// Teams ("Load store 01" …).
        #[arg(long, default_value_t = 20)]
        teams: u32,
        /// Conversations, one customer each.
        #[arg(long, default_value_t = 100_000)]
        conversations: u32,
        /// Messages in each conversation.
        #[arg(long, default_value_t = 20)]
        messages_each: u32,
    },
}

#[derive(Subcommand)]
enum MaskingCommand {
    /// Precision and recall of the detectors on a labelled corpus (one message per line,
    /// `[[kind:value]]` marking what must be masked), such as tests/masking/corpus.txt.
    Report {
        /// The corpus file.
        corpus: PathBuf,
        /// The organisation's country (ISO code such as GB), for phone numbers written without
        /// the international prefix.
        #[arg(long)]
        region: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[command(flatten)]
        location: Location,
        /// User name (3–64 letters, digits, . _ - @).
        #[arg(long)]
        username: String,
        /// Role: owner, admin, manager (store manager), agent (support agent), sales,
        /// marketing, auditor, or a custom role's name.
        #[arg(long)]
        role: String,
        /// A team to put them in (repeat for several); none: the default team.
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Read the password from standard input (required: passwords never go in arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a temporary password (read from standard input); the user must change it at the
    /// next sign-in, and all their sessions end.
    ResetPassword {
        #[command(flatten)]
        location: Location,
        /// User name.
        #[arg(long)]
        username: String,
        /// Read the temporary password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// End every session of a user (a lost PC, a leaver): they must sign in again everywhere.
    SignOutEverywhere {
        #[command(flatten)]
        location: Location,
        /// User name.
        #[arg(long)]
        username: String,
    },
    /// Lift a lock after too many failed sign-ins.
    Unlock {
        #[command(flatten)]
        location: Location,
        /// User name.
        #[arg(long)]
        username: String,
    },
    /// Offboard someone who left, in one action: disable them, end every session, remove their
    /// security keys and authenticator, take them out of their teams, hand their open
    /// conversations and contacts on, and print their high-risk actions of the last 90 days.
    Offboard {
        #[command(flatten)]
        location: Location,
        /// User name of the one leaving.
        #[arg(long)]
        username: String,
        /// The colleague who takes over (where they are in the team); without it, everything
        /// goes back to the team's queue.
        #[arg(long)]
        reassign_to: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check a policy file (the machine's, by default): lists every problem and where it is,
    /// or what the policy sets. Exits 1 if the app would refuse to start with it.
    Check {
        /// The file to check.
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Change the password, lockout, second-factor and session policies.
    Security {
        #[command(flatten)]
        location: Location,
        /// Minutes without use after which a session ends (5–480; default 15).
        #[arg(long)]
        session_idle_minutes: Option<i64>,
        /// Hours after sign-in at which a session ends (1–24; default 12).
        #[arg(long)]
        session_absolute_hours: Option<i64>,
        /// Seconds without input after which the desktop app locks (5–3600; default 300).
        #[arg(long)]
        lock_after_seconds: Option<i64>,
        /// Minutes a proven second factor allows high-risk actions for (1–60; default 5).
        #[arg(long)]
        step_up_minutes: Option<i64>,
        /// The organisation's country (GB), so local phone numbers are masked too; "none" for
        /// international numbers only.
        #[arg(long)]
        masking_region: Option<String>,
        /// National identity numbers to mask, comma-separated (us_ssn, uk_nino, hk_hkid,
        /// sg_nric, in_aadhaar, br_cpf), or "none".
        #[arg(long)]
        masking_identity_numbers: Option<String>,
        /// The organisation's own masking patterns, replacing the saved ones: a JSON file with a
        /// list of {"name", "pattern", "class", "keep_last"} (`[]` for none), as the HTTP API takes.
        #[arg(long, value_name = "FILE")]
        masking_patterns: Option<PathBuf>,
        /// Classes of data a manager must approve before staff without the approve permission
        /// see them, comma-separated (contact, financial, identity, health), or "none".
        #[arg(long)]
        reveal_approval: Option<String>,
        /// Minutes a manager's approval to reveal lasts (1–240; default 15).
        #[arg(long)]
        reveal_approval_minutes: Option<i64>,
        /// Leave the desktop window out of screenshots and screen sharing (Windows, macOS):
        /// on or off (default on).
        #[arg(long, value_parser = on_off)]
        content_protection: Option<bool>,
        /// Shortest password accepted (8–128; default 12).
        #[arg(long)]
        password_min_length: Option<usize>,
        /// Failed sign-ins in a row that lock a user name (3–100; default 5).
        #[arg(long)]
        lockout_max_failures: Option<u32>,
        /// Roles that must use a second factor, comma-separated (`admin,manager`), or `none`.
        #[arg(long, value_name = "ROLES")]
        second_factor_roles: Option<String>,
    },
    /// Set single sign-on (OpenID Connect) from a JSON file shaped like the HTTP API's request:
    /// {"mode", "label", "issuer", "client_id", "scopes", "username_claim", "groups_claim",
    /// "provision", "break_glass", "mappings": [{"group", "role", "team"}]}. The client secret,
    /// if the provider needs one, comes from standard input with --client-secret-stdin (never
    /// on the command line, where other users of the machine could see it).
    Sso {
        #[command(flatten)]
        location: Location,
        /// The settings file.
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Read the client secret from the first line of standard input.
        #[arg(long)]
        client_secret_stdin: bool,
    },
    /// Replace the networks sign-in is allowed from. Each --allow is a network, optionally
    /// for one role: `10.1.0.0/16` or `192.168.5.0/24=manager`. --clear removes every restriction.
    Allowlist {
        #[command(flatten)]
        location: Location,
        /// A network sign-in is allowed from (repeat for several).
        #[arg(long = "allow", value_name = "CIDR[=ROLE]", required_unless_present = "clear")]
        allow: Vec<String>,
        /// Remove every restriction.
        #[arg(long, conflicts_with = "allow")]
        clear: bool,
    },
}

#[derive(Subcommand)]
enum ChannelCommand {
    /// Set the phone number, Graph URL and secrets. With both --app-secret-stdin and
    /// --access-token-stdin, standard input holds the app secret on the first line and the
    /// access token on the second.
    Set {
        #[command(flatten)]
        location: Location,
        /// Cloud API phone-number id.
        #[arg(long)]
        phone_number_id: String,
        /// The token you enter in Meta's webhook settings.
        #[arg(long)]
        verify_token: String,
        /// Graph base URL.
        #[arg(long, default_value = "https://graph.facebook.com")]
        graph_base_url: String,
        /// Graph API version.
        #[arg(long)]
        api_version: Option<String>,
        /// Read the app secret from standard input.
        #[arg(long, required = true)]
        app_secret_stdin: bool,
        /// Read the access token from standard input.
        #[arg(long, required = true)]
        access_token_stdin: bool,
    },
    /// Record the WhatsApp Business Account id and synchronise its message templates.
    Templates {
        #[command(flatten)]
        location: Location,
        /// The WhatsApp Business Account id (digits, from Meta's WhatsApp Manager).
        #[arg(long)]
        business_account_id: String,
    },
    /// Let the desktop app accept webhooks itself on ADDR (for a single-PC site), or stop it.
    DesktopIntake {
        #[command(flatten)]
        location: Location,
        /// Address to listen on.
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        listen: Option<SocketAddr>,
        /// Turn desktop intake off.
        #[arg(long)]
        off: bool,
    },
}

impl Location {
    /// The store's directory and key source, under the machine's IT policy (which refuses to
    /// let anything run if it is malformed, and wins over what was asked for).
    fn resolve(&self) -> anyhow::Result<(PathBuf, KeySource, Policy)> {
        let policy = load_machine_policy(None).map_err(countersign::Error::from)?;
        let (dir, key_file) = policy
            .pinned_location(self.data_dir.clone(), self.key_file.clone())
            .map_err(anyhow::Error::msg)?;
        let Some(dir) = dir else {
            bail!("no data directory: pass --data-dir DIR (or set COUNTERSIGN_DATA_DIR)");
        };
        let source = KeySource::choose(key_file, &dir);
        Ok((dir, source, policy))
    }
    async fn open(&self) -> anyhow::Result<Core> {
        let (dir, source, policy) = self.resolve()?;
        Ok(Core::open(&dir, &source).await?.with_policy(policy))
    }
}

/// Reads one line of standard input as a secret.
fn secret_line(input: &mut impl BufRead, what: &str) -> anyhow::Result<SecretString> {
    let mut line = String::new();
    input.read_line(&mut line).with_context(|| format!("cannot read the {what} from standard input"))?;
    let value = SecretString::from(line.trim_end_matches(['\n', '\r']).to_owned());
    line.clear();
    if value.dangerously_expose().is_empty() {
        bail!("expected the {what} on standard input");
    }
    Ok(value)
}

/// A list of masking patterns from a JSON file (checked by the core when saved).
fn read_patterns(file: &std::path::Path) -> anyhow::Result<Vec<MaskingPattern>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a JSON list of {{\"name\", \"pattern\", \"class\", \"keep_last\"}}",
            file.display()
        )
    })
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut stdin = std::io::stdin().lock();
    match cli.command {
        Command::Audit { command: AuditCommand::Verify { location, checkpoints } } => {
            let kept = checkpoints.map(|file| read_checkpoints(&file)).transpose()?.unwrap_or_default();
            let core = location.open().await?;
            let outcome = core.operator_verify_audit(&kept).await;
            core.close().await;
            match outcome? {
                Ok(n) => {
                    println!("The audit trail is intact: {n} events, each following from the one before.")
                }
                Err(broken) => anyhow::bail!("the audit trail is broken: {broken}"),
            }
        }
        Command::Audit {
            command: AuditCommand::Export { location, out, format, actor, action, target, risk, from, until },
        } => {
            let format = if format == "jsonl" { ExportFormat::Jsonl } else { ExportFormat::Csv };
            let search = AuditSearch { actor, action, target, risk, from, until };
            let request = AuditExportRequest { search, format };
            let file = private_file(&out)?;
            let mut writer = std::io::BufWriter::new(file);
            let core = location.open().await?;
            let exported = core.operator_export_audit(&request, &mut writer).await;
            core.close().await;
            drop(writer);
            if exported.is_err() {
                // Nothing half-written is left to be mistaken for the whole.
                let _ = std::fs::remove_file(&out);
            }
            let n = exported?;
            println!("Wrote {n} audit events to {}.", out.display());
        }
        Command::Audit { command: AuditCommand::Purge { location } } => {
            let core = location.open().await?;
            let purged = core.operator_purge_audit().await;
            core.close().await;
            match purged? {
                AuditPurgeView { through: Some(through), purged } => println!(
                    "Purged {purged} audit events past retention (up to #{through}); the checkpoint at #{through} still covers them."
                ),
                AuditPurgeView { through: None, .. } => println!("No audit events are past retention."),
            }
        }
        Command::Privacy { command: PrivacyCommand::Export { location, contact, out } } => {
            // A new file, readable by its owner only: it holds everything about a customer.
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let file = options.open(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let core = location.open().await?;
            let mut writer = std::io::BufWriter::new(file);
            let exported = core.operator_export_contact_data(contact, &mut writer).await;
            core.close().await;
            let flushed = std::io::Write::flush(&mut writer);
            drop(writer);
            match (exported, flushed) {
                (Ok(view), Ok(())) => println!(
                    "Wrote {} conversations, {} messages, {} files and {} notes to {}.",
                    view.conversations,
                    view.messages,
                    view.files,
                    view.notes,
                    out.display()
                ),
                (exported, flushed) => {
                    let _ = std::fs::remove_file(&out);
                    exported?;
                    flushed.with_context(|| format!("cannot write {}", out.display()))?;
                }
            }
        }
        Command::Privacy { command: PrivacyCommand::Erase { location, contact, confirm_name } } => {
            let core = location.open().await?;
            let erased = core.operator_erase_contact(contact, EraseRequest { confirm_name }).await;
            core.close().await;
            let e = erased?;
            println!(
                "Erased: {} conversations, {} messages, {} files, {} notes. {} audit records now say erased:{}{}.",
                e.conversations,
                e.messages,
                e.files,
                e.notes,
                e.audit_records_pseudonymised,
                e.pseudonym,
                if e.audit_records_kept > 0 {
                    format!(" ({} older records keep their internal ids)", e.audit_records_kept)
                } else {
                    String::new()
                }
            );
        }
        Command::Retention { command: RetentionCommand::Set { location, message_days, media_days } } => {
            let core = location.open().await?;
            let set = core.operator_set_retention(RetentionRequest { message_days, media_days }).await;
            core.close().await;
            set?;
            let shown =
                |days: Option<i64>, none: &str| days.map_or_else(|| none.to_owned(), |d| format!("{d} days"));
            println!(
                "Message content is kept {}; files {}.",
                shown(message_days, "with no limit"),
                shown(media_days, "as long as their messages")
            );
        }
        Command::Retention { command: RetentionCommand::Purge { location } } => {
            let core = location.open().await?;
            let mut shown = 0u8;
            let ran = core
                .operator_purge_content(&mut |run: &RunRecord| {
                    let (due, done) = (run.due.total().max(1), run.done.total());
                    let percent = u8::try_from(done.min(due) * 100 / due).unwrap_or(100);
                    if percent >= shown.saturating_add(10) || run.state != "running" {
                        shown = percent;
                        eprintln!("{percent:>3}%  {done} of {} removed", run.due.total());
                    }
                })
                .await;
            core.close().await;
            match ran? {
                Some(run) => println!(
                    "Removed the content of {} messages, {} files and {} raw webhook bodies past retention.",
                    run.done.messages, run.done.media, run.done.deliveries
                ),
                None => println!("Nothing is past the retention limits."),
            }
        }
        Command::Audit { command: AuditCommand::Retention { location, days } } => {
            let core = location.open().await?;
            let set = core.operator_set_audit_retention(days).await;
            core.close().await;
            set?;
            println!("Audit events are now kept for {days} days.");
        }
        Command::Audit { command: AuditCommand::Checkpoints { location, out } } => {
            let core = location.open().await?;
            let exported = core.operator_audit_checkpoints().await;
            core.close().await;
            let (checkpoints, key) = exported?;
            let lines: String = checkpoints
                .iter()
                .map(|c| {
                    let line = serde_json::json!({
                        "seq": c.seq,
                        "hash": hex::encode(c.hash),
                        "signed_at": c.signed_at.as_millis(),
                        "signature": hex::encode(c.signature),
                        "key": hex::encode(key),
                    });
                    format!("{line}\n")
                })
                .collect();
            std::fs::write(&out, lines).with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "Wrote {} signed checkpoints to {} (key {}). Keep it outside this machine.",
                checkpoints.len(),
                out.display(),
                hex::encode(key)
            );
        }
        Command::Bench {
            command: BenchCommand::Generate { location, teams, conversations, messages_each },
        } => {
            use countersign::clock::{Clock, SystemClock};
            let core = location.open().await?;
            let started = SystemClock.now().as_millis();
            core.operator_generate_load(teams, conversations, messages_each).await?;
            let took = (SystemClock.now().as_millis() - started) as f64 / 1000.0;
            let stats = core.stats().await?;
            println!(
                "Generated {conversations} conversations with {messages_each} messages each over {teams} teams in {took:.1} s."
            );
            println!(
                "The store now holds {} customers, {} conversations and {} messages.",
                stats.contacts, stats.conversations, stats.messages
            );
            core.close().await;
        }
        Command::Masking { command: MaskingCommand::Report { corpus, region } } => {
            let text = std::fs::read_to_string(&corpus)
                .with_context(|| format!("cannot read the corpus {}", corpus.display()))?;
            let mut detectors = countersign::mask::Detectors::default();
            if let Some(region) = region {
                let id = region
                    .to_ascii_uppercase()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("unknown country {region:?}"))?;
                detectors = detectors.with_region(id);
            }
            let report =
                countersign::mask::accuracy::evaluate(&text, &detectors).map_err(|e| anyhow::anyhow!(e))?;
            print!("{report}");
        }
        Command::Policy { command: PolicyCommand::Check { file } } => {
            let path = file.unwrap_or_else(|| PathBuf::from(MACHINE_POLICY));
            if !path.exists() {
                bail!("{} does not exist (no policy: administrators decide every setting)", path.display());
            }
            let policy = load_machine_policy(Some(&path)).map_err(countersign::Error::from)?;
            match policy.settings().as_slice() {
                [] => println!("{} is valid and sets nothing.", path.display()),
                set => println!("{} is valid. It sets: {}.", path.display(), set.join(", ")),
            }
        }
        Command::Backup { location, out } => {
            let (dir, source, policy) = location.resolve()?;
            let key = source.load()?;
            let core = Core::open(&dir, &source).await?.with_policy(policy);
            let written = core.operator_backup(&key, &out).await?;
            println!(
                "Backup written to {} ({} bytes). It opens only with this store's data key: keep both, apart.",
                out.display(),
                written.bytes
            );
            core.close().await;
        }
        Command::Restore { location, from } => {
            let (dir, source, _) = location.resolve()?;
            let restored = Core::restore(&from, &dir, &source).await?;
            println!(
                "Restored into {}: {} conversation(s), {} message(s), {} contact(s); {} audit event(s) verified.",
                dir.display(),
                restored.stats.conversations,
                restored.stats.messages,
                restored.stats.contacts,
                restored.audit_events_verified
            );
        }
        Command::Init(location) => {
            let (dir, source, _) = location.resolve()?;
            Core::init(&dir, &source).await?.close().await;
            let at = match &source {
                KeySource::File(path) => format!("key file {}", path.display()),
                KeySource::Keyring { .. } => "the OS credential store".to_owned(),
            };
            println!("Created an encrypted store in {} (data key in {at}). Back up the key: without it the data cannot be read.", dir.display());
        }
        Command::User {
            command: UserCommand::Add { location, username, role, teams, password_stdin: _ },
        } => {
            let password = secret_line(&mut stdin, "password")?;
            let core = location.open().await?;
            let request = AddUser { username: username.clone(), role: role.clone(), teams, password };
            let id = core.operator_add_user(request).await?;
            println!("Added user {} (id {}) with role {role}.", username.trim().to_lowercase(), id.get());
            core.close().await;
        }
        Command::User { command: UserCommand::ResetPassword { location, username, .. } } => {
            let password = secret_line(&mut stdin, "password")?;
            let core = location.open().await?;
            core.operator_reset_password(&username, password).await?;
            println!("Password reset for {username}; they must choose a new one at their next sign-in.");
            core.close().await;
        }
        Command::User { command: UserCommand::SignOutEverywhere { location, username } } => {
            let core = location.open().await?;
            core.operator_end_user_sessions(&username).await?;
            println!("Every session of {username} has ended.");
            core.close().await;
        }
        Command::User { command: UserCommand::Offboard { location, username, reassign_to } } => {
            let core = location.open().await?;
            let report = core.operator_offboard_user(&username, OffboardRequest { reassign_to }).await?;
            let to = report.reassigned_to.as_deref().map_or_else(
                || "the team queues".to_owned(),
                |c| format!("{c} (or the team queue where they are not a member)"),
            );
            println!(
                "Offboarded {}: disabled; {} session(s) ended; {} security key(s) removed{}.",
                report.username,
                report.sessions_ended,
                report.keys_removed,
                if report.authenticator_removed { ", authenticator removed" } else { "" }
            );
            println!(
                "Left team(s): {}.",
                if report.teams_left.is_empty() {
                    "none".to_owned()
                } else {
                    report.teams_left.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
                }
            );
            println!(
                "{} open conversation(s) ({} to a team queue) and {} contact(s) handed to {to}.",
                report.conversations_reassigned, report.conversations_to_queue, report.contacts_reassigned
            );
            println!("High-risk actions in the last {} days: {}", report.report_days, report.high_risk.len());
            for e in &report.high_risk {
                println!(
                    "  #{} {} {}{}",
                    e.seq,
                    e.action,
                    e.summary,
                    e.target.as_deref().map(|t| format!(" ({t})")).unwrap_or_default()
                );
            }
            core.close().await;
        }
        Command::User { command: UserCommand::Unlock { location, username } } => {
            let core = location.open().await?;
            let was_locked = core.operator_unlock_user(&username).await?;
            println!(
                "{}",
                if was_locked {
                    format!("Unlocked {username}.")
                } else {
                    format!("{username} was not locked.")
                }
            );
            core.close().await;
        }
        Command::Settings {
            command:
                SettingsCommand::Security {
                    location,
                    password_min_length,
                    lockout_max_failures,
                    second_factor_roles,
                    session_idle_minutes,
                    session_absolute_hours,
                    lock_after_seconds,
                    step_up_minutes,
                    masking_region,
                    masking_identity_numbers,
                    masking_patterns,
                    reveal_approval,
                    reveal_approval_minutes,
                    content_protection,
                },
        } => {
            let masking_patterns = masking_patterns.map(|file| read_patterns(&file)).transpose()?;
            let list_or_none = |list: String| match list.as_str() {
                "none" => Vec::new(),
                list => list.split(',').map(|s| s.trim().to_owned()).collect(),
            };
            let core = location.open().await?;
            let settings = SecuritySettings {
                password_min_length,
                lockout_max_failures,
                second_factor_roles: second_factor_roles.map(list_or_none),
                session_idle_minutes,
                session_absolute_hours,
                lock_after_seconds,
                step_up_minutes,
                masking_region: masking_region.map(|r| if r == "none" { String::new() } else { r }),
                masking_identity_numbers: masking_identity_numbers.map(list_or_none),
                masking_patterns,
                reveal_approval: reveal_approval.map(list_or_none),
                reveal_approval_minutes,
                content_protection,
            };
            core.operator_set_security_settings(settings).await?;
            println!("Security settings saved.");
            core.close().await;
        }
        Command::Settings { command: SettingsCommand::Sso { location, file, client_secret_stdin } } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut request: SsoSettingsRequest = serde_json::from_str(&text)
                .with_context(|| format!("{} is not single sign-on settings as JSON", file.display()))?;
            if client_secret_stdin {
                request.client_secret = Some(secret_line(&mut stdin, "client secret")?);
            }
            let core = location.open().await?;
            let view = core.operator_set_sso_settings(request).await?;
            println!(
                "Single sign-on saved: {} with {} ({} group mapping(s)).",
                view.mode,
                view.issuer,
                view.mappings.len()
            );
            core.close().await;
        }
        Command::Settings { command: SettingsCommand::Allowlist { location, allow, clear: _ } } => {
            let entries = allow
                .iter()
                .map(|a| match a.split_once('=') {
                    Some((cidr, role)) => {
                        AllowEntryRequest { cidr: cidr.to_owned(), role: Some(role.to_owned()) }
                    }
                    None => AllowEntryRequest { cidr: a.clone(), role: None },
                })
                .collect();
            let core = location.open().await?;
            let view = core.operator_set_allowlist(entries).await?;
            match view.entries.len() {
                0 => println!("No allowlist: sign-in is allowed from any network."),
                n => println!("Sign-in is now allowed only from {n} listed network(s)."),
            }
            core.close().await;
        }
        Command::Channel {
            command:
                ChannelCommand::Set {
                    location, phone_number_id, verify_token, graph_base_url, api_version, ..
                },
        } => {
            let app_secret = secret_line(&mut stdin, "app secret")?;
            let access_token = secret_line(&mut stdin, "access token (second line)")?;
            let core = location.open().await?;
            let settings = ChannelSettings {
                phone_number_id,
                verify_token: SecretString::from(verify_token),
                graph_base_url,
                api_version,
                app_secret,
                access_token,
            };
            core.operator_set_channel(settings).await?;
            println!("WhatsApp channel saved. Secrets are stored encrypted and will not be shown again.");
            core.close().await;
        }
        Command::Channel { command: ChannelCommand::Templates { location, business_account_id } } => {
            let core = location.open().await?;
            let listed = core.operator_sync_templates(&business_account_id).await?;
            println!("{listed} message templates synchronised from WhatsApp.");
            core.close().await;
        }
        Command::Channel { command: ChannelCommand::DesktopIntake { location, listen, off: _ } } => {
            let core = location.open().await?;
            core.operator_set_desktop_intake(listen).await?;
            match listen {
                Some(addr) => println!("The desktop app will accept webhooks on {addr}."),
                None => println!("Desktop webhook intake is off."),
            }
            core.close().await;
        }
        Command::Serve { location, listen } => {
            let core = location.open().await?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            println!(
                "Countersign is serving on http://{} (webhook: /webhook, API: /api/v1)",
                listener.local_addr()?
            );
            countersign::server::serve(core, listener, shutdown_signal())
                .await
                .context("the server stopped")?;
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Checkpoints exported by `audit checkpoints`; a line that is not one is an error naming it.
fn read_checkpoints(file: &std::path::Path) -> anyhow::Result<Vec<countersign::audit::Checkpoint>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut checkpoints = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = || {
            anyhow::anyhow!(
                "line {} of {} is not a checkpoint written by `countersign audit checkpoints`",
                n + 1,
                file.display()
            )
        };
        let value: serde_json::Value = serde_json::from_str(line).map_err(|_| bad())?;
        let bytes = |field: &str| hex::decode(value[field].as_str().unwrap_or_default()).map_err(|_| bad());
        checkpoints.push(countersign::audit::Checkpoint {
            seq: value["seq"].as_i64().ok_or_else(bad)?,
            hash: bytes("hash")?.try_into().map_err(|_| bad())?,
            signed_at: countersign::clock::Timestamp::from_millis(
                value["signed_at"].as_i64().ok_or_else(bad)?,
            ),
            signature: bytes("signature")?.try_into().map_err(|_| bad())?,
        });
    }
    Ok(checkpoints)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // IT's logging level, if its policy sets one (a policy that does not load is reported
    // by the command itself).
    let pinned = load_machine_policy(None).ok().and_then(|p| p.log_level);
    countersign::logging::init(pinned.as_deref());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("countersign: error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The top-level message only: every core error's Display is safe and says how to fix it.
            eprintln!("countersign: error: {e}");
            ExitCode::FAILURE
        }
    }
}
