//! Masking throughput (issue 12 point 4): one core masking chat-like text message by message,
//! as the views do, with the default detectors (and, to show their cost, two custom patterns).

use std::hint::black_box;
use std::time::{Duration, Instant};

use countersign::mask::{self, Detectors};

#[path = "../common/chat.rs"]
#[allow(dead_code)]
mod chat;

use crate::samples::mark;
use crate::Plan;

pub fn run(plan: &Plan) {
    let (default, custom) = (Detectors::default(), chat::with_patterns());
    let cases: [(&str, usize, &Detectors, bool); 4] = [
        ("everyday chat (1 line in 20 with personal data), default detectors", 20, &default, true),
        ("no personal data, default detectors", 0, &default, false),
        ("dense: every other line with personal data, default detectors", 2, &default, false),
        ("everyday chat, default detectors and two custom patterns", 20, &custom, false),
    ];
    let least = if plan.short { Duration::from_millis(200) } else { Duration::from_secs(3) };
    println!("## Masking\n");
    println!(
        "One thread, 1 MiB of chat masked message by message, repeated for at least {} s.\n",
        least.as_secs_f64()
    );
    println!("| text | MB/s (one core) | target |");
    println!("|---|---|---|");
    for (name, every, detectors, targeted) in cases {
        let text = chat::chat(1 << 20, every);
        let messages: Vec<&str> = text.lines().collect();
        let start = Instant::now();
        let mut bytes = 0usize;
        while start.elapsed() < least {
            let kept: usize =
                messages.iter().map(|m| mask::text(black_box(m), detectors, |_| false).len()).sum();
            black_box(kept);
            bytes += text.len();
        }
        let rate = bytes as f64 / start.elapsed().as_secs_f64() / 1e6;
        let judged = if targeted && !plan.short {
            format!("≥ 200 MB/s {}", mark(rate >= 200.0))
        } else {
            String::new()
        };
        println!("| {name} | {rate:.0} | {judged} |");
    }
    println!();
}
