//! The desktop's figures (issue 9 point 6): cold start to the sign-in screen, the inbox painted
//! after signing in over a store of 100,000 conversations, and resident memory (the app and its
//! web view's processes) idle and after scrolling the whole list. `scripts/bench-desktop`
//! builds a release app and a generated store and runs this under Xvfb; it prints a table.
//!
//! With `BENCH_PAGES_ONLY=1` the "scroll" only asks the core for every page of the list, as the
//! list does, without drawing anything: it tells the memory the pages cost from the memory the
//! drawing costs.
//!
//! Times are taken through WebDriver, polling every 5 ms, so each includes a few milliseconds
//! of the driver's own; the cold start also includes WebKitWebDriver starting the app.

// A benchmark measures the wall clock and should stop loudly at the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use countersign_e2e::{connect, require_env, start_driver};
use fantoccini::{Client, Locator};

/// Waits for `css` to be in the page, polling often; how long it took.
async fn appears(client: &Client, css: &str, within: Duration) -> Duration {
    let t = Instant::now();
    while client.find(Locator::Css(css)).await.is_err() {
        assert!(t.elapsed() < within, "{css} did not appear within {within:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    t.elapsed()
}

/// One process's memory: its name, resident set and proportional set (shared pages divided
/// among the processes that map them), in MiB.
struct Memory {
    name: String,
    rss: f64,
    pss: f64,
}

/// The memory of `root` and of every process below it (the web view's processes).
fn memory(root: u32) -> Vec<Memory> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // The fields after the command name (which may hold spaces) start after its ')'.
        let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
        let ppid: u32 = rest.split(' ').nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        parents.push((pid, ppid));
    }
    let mut family = vec![root];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    let field = |text: &str, name: &str| -> f64 {
        let kib = text
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .unwrap_or(0);
        kib as f64 / 1024.0
    };
    family
        .iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some(Memory {
                name: name.trim().to_owned(),
                rss: field(&rollup, "Rss:"),
                pss: field(&rollup, "Pss:"),
            })
        })
        .collect()
}

/// Prints the memory of the app's processes, one line each and their sum.
fn print_memory(when: &str, processes: &[Memory]) {
    for p in processes {
        println!(
            "{:<58} {:>9.0} MiB (proportional {:.0})",
            format!("resident memory {when}: {}", p.name),
            p.rss,
            p.pss
        );
    }
    let rss: f64 = processes.iter().map(|p| p.rss).sum();
    let pss: f64 = processes.iter().map(|p| p.pss).sum();
    println!(
        "{:<58} {:>9.0} MiB (proportional {:.0})",
        format!("resident memory {when}: all {}", processes.len()),
        rss,
        pss
    );
}

/// The app's process id (the newest process running `app`).
fn app_pid(app: &str) -> u32 {
    let out = std::process::Command::new("pgrep").args(["-n", "-f", app]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("the app is running")
}

#[tokio::main]
async fn main() {
    let app = require_env("COUNTERSIGN_DESKTOP_BIN", "a release build of countersign-desktop");
    let data = require_env("COUNTERSIGN_DATA_DIR", "a store made by `countersign bench generate`");
    let key = require_env("COUNTERSIGN_KEY_FILE", "its key file");
    let user = require_env("BENCH_USER", "a user of that store");
    let password = require_env("BENCH_PASSWORD", "their password");
    let (_driver, port) =
        start_driver(vec![("COUNTERSIGN_DATA_DIR", data), ("COUNTERSIGN_KEY_FILE", key)]).await;

    let started = Instant::now();
    let client = connect(&app, port).await;
    appears(&client, "[data-testid=login-form]", Duration::from_secs(60)).await;
    let cold = started.elapsed();
    let pid = app_pid(&app);

    client
        .find(Locator::Css("[data-testid=login-form] input[name=username]"))
        .await
        .unwrap()
        .send_keys(&user)
        .await
        .unwrap();
    client
        .find(Locator::Css("[data-testid=login-form] input[type=password]"))
        .await
        .unwrap()
        .send_keys(&password)
        .await
        .unwrap();
    let clicked = Instant::now();
    client
        .find(Locator::Css("[data-testid=login-form] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    appears(&client, "[data-testid=signed-in-as]", Duration::from_secs(60)).await;
    let signed_in = clicked.elapsed();
    let painted = appears(&client, "[data-testid=conversation]", Duration::from_secs(60)).await;
    let total = clicked.elapsed();
    let listed = client
        .execute("return document.querySelector('[data-testid=view-all] .count')?.textContent", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = memory(pid);

    // scripts/bench-desktop says which build of the app it started.
    let build = std::env::var("BENCH_BUILD").unwrap_or_else(|_| "release".to_owned());
    println!("\n{:<58} {:>12}", format!("desktop ({build}, WebKitGTK under Xvfb)"), "figure");
    println!("{:<58} {:>9.0} ms", "cold start to the sign-in screen", cold.as_secs_f64() * 1000.0);
    println!(
        "{:<58} {:>9.0} ms",
        "sign-in (argon2id check) to the app's frame",
        signed_in.as_secs_f64() * 1000.0
    );
    println!(
        "{:<58} {:>9.0} ms",
        "the frame to the inbox's first rows painted",
        painted.as_secs_f64() * 1000.0
    );
    println!("{:<58} {:>9.0} ms", "press Sign in to the inbox painted", total.as_secs_f64() * 1000.0);
    println!("{:<58} {:>12}", "conversations in the list (All)", listed.as_str().unwrap_or("?"));
    print_memory("idle after sign-in", &idle);

    // Scroll the whole "All" list to its end, a screen at a time, as fast as the pages come
    // (thousands of pages: the script may run for minutes).
    let long = fantoccini::wd::TimeoutConfiguration::new(Some(Duration::from_secs(1800)), None, None);
    client.update_timeouts(long).await.unwrap();
    client.find(Locator::Css("[data-testid=view-all]")).await.unwrap().click().await.unwrap();
    appears(&client, "[data-testid=conversation]", Duration::from_secs(30)).await;
    let scrolled = Instant::now();
    let script = r#"
        const done = arguments[arguments.length - 1];
        const rows = document.querySelector("[data-testid=queue-rows]");
        let still = 0, last = -1;
        const step = () => {
          rows.scrollTop += rows.clientHeight;
          rows.dispatchEvent(new Event("scroll"));
          const atEnd = rows.scrollTop + rows.clientHeight >= rows.scrollHeight - 2;
          if (atEnd && rows.scrollHeight === last) still += 1; else still = 0;
          last = rows.scrollHeight;
          if (still > 200) done(Math.round(rows.scrollHeight / 104)); else setTimeout(step, 5);
        };
        step();
    "#;
    let pages_only = r#"
        const done = arguments[arguments.length - 1];
        const inv = window.__TAURI_INTERNALS__.invoke;
        (async () => {
          let after = null, n = 0;
          do {
            const p = await inv("conversation_page", { request: { view: "all", team: null, assigned: "anyone", after, limit: 50 } });
            after = p.next; n += p.items.length;
          } while (after !== null);
          done(n);
        })();
    "#;
    let script = if std::env::var_os("BENCH_PAGES_ONLY").is_some() { pages_only } else { script };
    let rows = client.execute_async(script, vec![]).await.unwrap();
    let scroll_time = scrolled.elapsed();
    let after = memory(pid);

    println!(
        "{:<58} {:>9.1} s",
        format!("scrolling the whole list to its end ({rows} rows)"),
        scroll_time.as_secs_f64()
    );
    print_memory("after scrolling", &after);
    // What stays once the web view's collector has had time to run and give memory back.
    tokio::time::sleep(Duration::from_secs(30)).await;
    print_memory("30 s after scrolling", &memory(pid));
    client.close().await.unwrap();
}
