//! The load harness (issue 12): `cargo bench --bench load` measures webhook ingest over HTTP,
//! the inbox and search in-process and over HTTP, and masking throughput, on real encrypted
//! stores driven through the real `countersign` binary, and prints Markdown tables for
//! `docs/performance.md`. `scripts/bench` runs it with the desktop's figures; `--short` (small
//! data, seconds; CI runs it so the harness cannot rot), `--only ingest,inbox,search,masking`
//! and `--sizes 100000` (conversations) narrow it.

// A harness measures the wall clock (not the core's injected Clock), sleeps while a server
// starts, and should stop loudly at the first failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods, clippy::panic)]

mod inbox;
mod ingest;
mod masking;
mod samples;
mod served;

/// What to run and how big.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Seconds, not minutes: small data, short runs (CI).
    pub short: bool,
    only: Option<Vec<String>>,
    /// Store sizes (conversations) instead of each part's own.
    sizes: Option<Vec<u32>>,
}

impl Plan {
    fn from_args() -> Self {
        let mut plan = Plan { short: false, only: None, sizes: None };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--short" => plan.short = true,
                "--only" => {
                    let list = args.next().expect("--only takes a list: ingest,inbox,search,masking");
                    plan.only = Some(list.split(',').map(str::to_owned).collect());
                }
                "--sizes" => {
                    let list = args.next().expect("--sizes takes conversations: 1000,100000");
                    plan.sizes =
                        Some(list.split(',').map(|n| n.trim().parse().expect("--sizes: numbers")).collect());
                }
                // cargo bench passes --bench; anything else is a mistake.
                "--bench" => {}
                other => {
                    panic!("unknown argument {other}: use --short, --only ingest,inbox,search,masking, --sizes 1000,100000")
                }
            }
        }
        plan
    }

    /// The store sizes to measure: `--sizes`, or `own`.
    pub fn sizes(&self, own: &[u32]) -> Vec<u32> {
        self.sizes.clone().unwrap_or_else(|| own.to_vec())
    }

    fn wants(&self, part: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|p| p == part))
    }
}

fn main() {
    let plan = Plan::from_args();
    println!(
        "# Countersign load harness{}\n",
        if plan.short { " (short mode: small data, not the targets)" } else { "" }
    );
    println!("{}\n", machine());
    if plan.wants("masking") {
        masking::run(&plan);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    if plan.wants("ingest") {
        runtime.block_on(ingest::run(&plan));
    }
    if plan.wants("inbox") || plan.wants("search") {
        runtime.block_on(inbox::run(&plan, plan.wants("inbox"), plan.wants("search")));
    }
}

/// The machine, for the record: CPU model, cores and memory.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split(':').nth(1)))
        .unwrap_or("unknown CPU")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let profile = if cfg!(debug_assertions) { "debug build" } else { "release build" };
    format!("Machine: {model}, {cores} cores, {:.0} GiB; {profile}.", mem_kib as f64 / 1_048_576.0)
}
