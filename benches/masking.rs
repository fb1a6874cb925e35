//! Masking throughput on chat-like text with the default detectors (issue 6: at least
//! 200 MB/s per core). `cargo bench --bench masking` prints the figures for three chats of
//! 1 MiB each, masked message by message as the views do: everyday chat (one line in twenty carries a card, phone, e-mail, IBAN or
//! identity number, each one different), the same with no personal data at all, and a dense
//! worst case where every other line carries one. Lines without data still hold the prices,
//! dates, times, sizes and order numbers that must stay readable. A fourth figure is everyday
//! chat with two of an organisation's own patterns on top (a loyalty card and a member number),
//! to show what custom patterns cost.

use std::hint::black_box;

#[path = "common/chat.rs"]
mod chat;

use chat::{chat, with_patterns};
use countersign::mask::{self, Detectors};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn masking(c: &mut Criterion) {
    let default = Detectors::default();
    let custom = with_patterns();
    let mut group = c.benchmark_group("masking");
    let cases = [
        ("everyday_chat", 20, &default),
        ("no_personal_data", 0, &default),
        ("dense_every_other_line", 2, &default),
        ("everyday_chat_with_two_custom_patterns", 20, &custom),
    ];
    for (name, every, detectors) in cases {
        // Masked message by message, as the views do.
        let text = chat(1 << 20, every);
        let messages: Vec<&str> = text.lines().collect();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                messages.iter().map(|m| mask::text(black_box(m), detectors, |_| false).len()).sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, masking);
criterion_main!(benches);
