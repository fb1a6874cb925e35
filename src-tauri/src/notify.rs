//! Desktop notifications (issue 8 point 4, issue 9 point 2): an agent hears of new chats in
//! their teams (by how many more their inbox holds: the queue's count, never the whole list) and of a colleague mentioning them in a note, a manager that a request waits
//! in Approvals, an agent that their request was answered. The shell
//! looks every few seconds while someone is signed in, and never while the app is locked (the
//! core refuses a locked session). What a notification says is fixed here and carries no
//! customer name, reason or message text: it may show over a locked screen or another app.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use countersign::api::inbox::QueueRequest;
use countersign::api::views::EscalationsView;
use countersign::auth::session::SessionToken;
use countersign::Core;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How often the shell looks, unless `COUNTERSIGN_NOTIFY_SECONDS` says otherwise (the
/// end-to-end tests look every second).
const DEFAULT_PERIOD: Duration = Duration::from_secs(15);

/// What one person's lists hold, by id.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lists {
    /// Requests waiting for their answer.
    pub waiting: BTreeSet<i64>,
    /// Their own requests and each one's status.
    pub mine: BTreeMap<i64, String>,
    /// How many conversations they may see (the queue's count: a store of 100,000 is never
    /// listed every few seconds; a chat moved out as another comes in nets to no news).
    pub chats: i64,
    /// Notes that mention them, not yet seen.
    pub mentions: BTreeSet<i64>,
}

impl Lists {
    /// The escalation lists of `view`.
    pub fn escalations(mut self, view: &EscalationsView) -> Self {
        self.waiting = view.to_decide.iter().map(|e| e.id).collect();
        self.mine = view.mine.iter().map(|e| (e.id, e.status.clone())).collect();
        self
    }
}

/// What one person has been told about, so each change is told once.
#[derive(Debug, Default)]
pub struct Seen {
    /// Whose lists these are; another person signing in starts afresh.
    user: Option<String>,
    lists: Lists,
}

/// `one` or `many` with the count in it (`{n}`).
fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_owned()
    } else {
        many.replace("{n}", &n.to_string())
    }
}

impl Seen {
    /// What to tell `user` now that `lists` are theirs: nothing on the first look (what was
    /// there before is on screen already), then what is new since the last.
    pub fn news(&mut self, user: &str, lists: Lists) -> Vec<String> {
        let first = self.user.as_deref() != Some(user);
        let mut news = Vec::new();
        if !first {
            let was = &self.lists;
            let more_chats = usize::try_from(lists.chats - was.chats).unwrap_or(0);
            if more_chats > 0 {
                news.push(counted(
                    more_chats,
                    "A new chat waits in your inbox.",
                    "{n} new chats wait in your inbox.",
                ));
            }
            let counts = [
                (
                    &lists.mentions,
                    &was.mentions,
                    "A colleague mentioned you in a note.",
                    "Colleagues mentioned you in {n} notes.",
                ),
                (
                    &lists.waiting,
                    &was.waiting,
                    "A request waits for your answer in Approvals.",
                    "{n} requests wait for your answer in Approvals.",
                ),
            ];
            for (now, before, one, many) in counts {
                let new = now.difference(before).count();
                if new > 0 {
                    news.push(counted(new, one, many));
                }
            }
            for (id, status) in &lists.mine {
                // Pending when last looked at, or asked and answered since.
                let before = was.mine.get(id).map_or("pending", String::as_str);
                if before == "pending" && status != "pending" {
                    let how = if status == "approved" { "approved" } else { "refused" };
                    news.push(format!("A manager {how} your request. See Approvals."));
                }
            }
        }
        *self = Self { user: Some(user.to_owned()), lists };
        news
    }
}

/// Starts looking, for as long as the app runs.
pub fn watch(app: AppHandle) {
    let period = std::env::var("COUNTERSIGN_NOTIFY_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(DEFAULT_PERIOD, Duration::from_secs);
    tauri::async_runtime::spawn(async move {
        let mut seen = Seen::default();
        loop {
            tokio::time::sleep(period).await;
            for text in look(&app, &mut seen).await {
                show(text).await;
            }
        }
    });
}

async fn look(app: &AppHandle, seen: &mut Seen) -> Vec<String> {
    let state = app.state::<AppState>();
    let (Ok(token), Ok(core)) = (state.session(), state.core()) else {
        *seen = Seen::default();
        return Vec::new();
    };
    news_for(core, &token, seen).await
}

/// What to tell whoever holds `token`, by the core's answers to them.
pub async fn news_for(core: &Core, token: &SessionToken, seen: &mut Seen) -> Vec<String> {
    // Locked, signed out, or a second factor still due: nothing is looked at or told.
    let Ok(me) = core.me(token).await else { return Vec::new() };
    if me.locked {
        return Vec::new();
    }
    // Only what the role may list: asking for the rest would record a refusal every time.
    let holds = |c: &str| me.capabilities.contains(&c);
    let mut lists = Lists::default();
    if holds("conversations.view") {
        let one = QueueRequest { limit: Some(1), ..QueueRequest::default() };
        let Ok(page) = core.conversation_page(token, one).await else { return Vec::new() };
        lists.chats = page.counts.all;
    }
    if holds("notes.view") {
        let Ok(mentions) = core.my_mentions(token).await else { return Vec::new() };
        lists.mentions = mentions.mentions.iter().map(|m| m.note).collect();
    }
    if holds("escalations.approve") || holds("escalations.request") {
        let Ok(view) = core.escalations(token).await else { return Vec::new() };
        lists = lists.escalations(&view);
    }
    seen.news(&me.username, lists)
}

/// Shows `text` as a desktop notification; whether the OS took it.
pub async fn show(text: String) -> bool {
    let shown = tauri::async_runtime::spawn_blocking(move || {
        notify_rust::Notification::new()
            .appname("Countersign")
            .summary("Countersign")
            .body(&text)
            .show()
            .map(|_| ())
    })
    .await;
    let shown = matches!(shown, Ok(Ok(())));
    if !shown {
        // No notification service (a bare session): the Approvals tab still shows it.
        tracing::debug!("a desktop notification could not be shown");
    }
    shown
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use countersign::api::views::EscalationView;

    fn request(id: i64, status: &str) -> EscalationView {
        EscalationView {
            id,
            conversation_id: 1,
            customer_name: "Ana Souza".to_owned(),
            team: "Leeds".to_owned(),
            requested_by: "demo.agent".to_owned(),
            reason: "card 4111 1111 1111 1111".to_owned(),
            reveal: Vec::new(),
            transfer_to: None,
            status: status.to_owned(),
            created_at: 0,
            decided_by: None,
            note: None,
            decided_at: None,
            reveal_until: None,
        }
    }

    fn lists(to_decide: Vec<EscalationView>, mine: Vec<EscalationView>) -> Lists {
        Lists::default().escalations(&EscalationsView { mine, to_decide })
    }

    #[test]
    fn each_change_is_told_once_and_never_with_the_customer_or_the_reason() {
        let mut seen = Seen::default();
        assert_eq!(seen.news("lead", lists(vec![request(1, "pending")], vec![])), Vec::<String>::new());
        let two_more =
            lists(vec![request(1, "pending"), request(2, "pending"), request(3, "pending")], vec![]);
        assert_eq!(seen.news("lead", two_more.clone()), ["2 requests wait for your answer in Approvals."]);
        assert_eq!(seen.news("lead", two_more), Vec::<String>::new(), "told once");
        // Another person at the PC starts afresh.
        assert_eq!(seen.news("agent", lists(vec![], vec![request(4, "pending")])), Vec::<String>::new());
        let news = seen.news("agent", lists(vec![], vec![request(4, "approved")]));
        assert_eq!(news, ["A manager approved your request. See Approvals."]);
        let news = seen.news(
            "agent",
            lists(vec![request(5, "pending")], vec![request(4, "approved"), request(6, "rejected")]),
        );
        assert_eq!(
            news,
            [
                "A request waits for your answer in Approvals.",
                "A manager refused your request. See Approvals."
            ],
            "asked and answered between two looks is news too"
        );
        for text in news {
            assert!(!text.contains("Ana") && !text.contains("4111") && !text.contains("Leeds"));
        }
    }

    #[test]
    fn new_chats_and_mentions_are_told_by_count_only() {
        let mut seen = Seen::default();
        let with = |chats: i64, mentions: &[i64]| Lists {
            chats,
            mentions: mentions.iter().copied().collect(),
            ..Lists::default()
        };
        assert_eq!(seen.news("agent", with(2, &[])), Vec::<String>::new());
        assert_eq!(
            seen.news("agent", with(3, &[9])),
            ["A new chat waits in your inbox.", "A colleague mentioned you in a note."]
        );
        assert_eq!(seen.news("agent", with(5, &[])), ["2 new chats wait in your inbox."]);
        assert_eq!(seen.news("agent", with(4, &[])), Vec::<String>::new(), "a chat gone is not news");
    }

    /// The demo's stores: a store lead at their desk hears of an agent's new request, and the
    /// agent of the answer, each once, in words that name no customer.
    #[cfg(feature = "demo")]
    #[test]
    fn a_lead_hears_of_a_new_request_and_the_agent_of_the_answer() {
        use countersign::api::escalations::{EscalationAnswer, EscalationRequest};
        use countersign::api::operator::AddUser;
        use countersign::api::session::{LoginRequest, Origin};
        use countersign::keys::SecretString;

        tauri::async_runtime::block_on(async {
            let (core, dir) = crate::demo::start().await.unwrap();
            let password = "a long enough password for the test";
            for (username, role) in [("tess.agent", "agent"), ("lee.lead", crate::demo::STORE_LEAD)] {
                let user = AddUser {
                    username: username.to_owned(),
                    role: role.to_owned(),
                    teams: vec!["Leeds".to_owned()],
                    password: SecretString::from(password.to_owned()),
                };
                core.operator_add_user(user).await.unwrap();
            }
            let session = |username: &str| {
                let request = LoginRequest {
                    username: username.to_owned(),
                    password: SecretString::from(password.to_owned()),
                };
                let core = &core;
                async move { core.login(request, Origin::Desktop, "test").await.unwrap().token }
            };
            let (agent, lead) = (session("tess.agent").await, session("lee.lead").await);
            let (mut agent_seen, mut lead_seen) = (Seen::default(), Seen::default());
            assert_eq!(news_for(&core, &lead, &mut lead_seen).await, Vec::<String>::new());
            assert_eq!(news_for(&core, &agent, &mut agent_seen).await, Vec::<String>::new());

            let conversation = core.list_conversations(&agent).await.unwrap()[0].id;
            let asked = EscalationRequest {
                reason: "customer disputes a card payment".to_owned(),
                reveal: vec!["financial".to_owned()],
                transfer_to: None,
            };
            let asked = core.request_escalation(&agent, conversation, asked).await.unwrap();
            // The demo's customers keep writing: new chats may be news too, so only the
            // escalation news is compared.
            let about_requests =
                |news: Vec<String>| news.into_iter().filter(|n| !n.contains("chat")).collect::<Vec<_>>();
            let news = about_requests(news_for(&core, &lead, &mut lead_seen).await);
            assert_eq!(news, ["A request waits for your answer in Approvals."]);
            assert_eq!(
                about_requests(news_for(&core, &lead, &mut lead_seen).await),
                Vec::<String>::new(),
                "once"
            );

            let answer = EscalationAnswer { approve: true, note: None };
            core.decide_escalation(&lead, asked.id, answer).await.unwrap();
            let news = about_requests(news_for(&core, &agent, &mut agent_seen).await);
            assert_eq!(news, ["A manager approved your request. See Approvals."]);
            assert!(!news[0].contains(&asked.customer_name) && !news[0].contains("card"));

            // Locked: nothing is looked at, so nothing is told.
            core.lock(&agent, countersign::api::lock::LockReason::Manual).await.unwrap();
            assert_eq!(news_for(&core, &agent, &mut agent_seen).await, Vec::<String>::new());
            std::fs::remove_dir_all(dir).ok();
        });
    }

    /// A notification reaches the desktop's notification service (a stand-in on the test's
    /// D-Bus session bus, as `scripts/test` runs the tests) with the app's name and the words.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_notification_reaches_the_desktops_notification_service() {
        use std::sync::{Arc, Mutex};

        struct Service(Arc<Mutex<Vec<(String, String, String)>>>);

        #[zbus::interface(name = "org.freedesktop.Notifications")]
        impl Service {
            #[allow(clippy::too_many_arguments)]
            fn notify(
                &self,
                app_name: &str,
                _replaces_id: u32,
                _app_icon: &str,
                summary: &str,
                body: &str,
                _actions: Vec<&str>,
                _hints: std::collections::HashMap<&str, zbus::zvariant::Value<'_>>,
                _expire_timeout: i32,
            ) -> u32 {
                let mut shown = self.0.lock().unwrap();
                shown.push((app_name.to_owned(), summary.to_owned(), body.to_owned()));
                u32::try_from(shown.len()).unwrap_or(u32::MAX)
            }

            fn get_capabilities(&self) -> Vec<&str> {
                vec!["body"]
            }

            fn get_server_information(&self) -> (&str, &str, &str, &str) {
                ("stand-in", "countersign", "1", "1.2")
            }

            fn close_notification(&self, _id: u32) {}
        }

        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "needs a D-Bus session bus: run under dbus-run-session (scripts/test does)"
        );
        tauri::async_runtime::block_on(async {
            let shown = Arc::new(Mutex::new(Vec::new()));
            let _service = zbus::connection::Builder::session()
                .unwrap()
                .name("org.freedesktop.Notifications")
                .unwrap()
                .serve_at("/org/freedesktop/Notifications", Service(shown.clone()))
                .unwrap()
                .build()
                .await
                .unwrap();
            assert!(show("A request waits for your answer in Approvals.".to_owned()).await);
            let got = shown.lock().unwrap().clone();
            assert_eq!(
                got,
                [(
                    "Countersign".to_owned(),
                    "Countersign".to_owned(),
                    "A request waits for your answer in Approvals.".to_owned()
                )]
            );
        });
    }
}
