//! How well the detectors do on a labelled corpus: precision and recall per kind. A corpus line
//! is one message; `[[kind:value]]` marks what must be masked (the kind's [`Kind::as_str`]
//! name); `#` starts a comment line. Pure: the caller reads the file.

use std::collections::BTreeMap;
use std::fmt;

use super::{find, Detectors, Kind};

/// Counts for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Found where labelled.
    pub true_positives: usize,
    /// Found where nothing of that kind is labelled.
    pub false_positives: usize,
    /// Labelled but not found.
    pub false_negatives: usize,
}

impl Counts {
    /// Of what was found, the share that was right (1 when nothing was found).
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    /// Of what is labelled, the share that was found (1 when nothing is labelled).
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    fn add(&mut self, other: Counts) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }
}

#[allow(clippy::cast_precision_loss)] // counts of corpus lines
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// The outcome over a corpus.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Messages read.
    pub messages: usize,
    /// Per kind.
    pub kinds: BTreeMap<Kind, Counts>,
    /// What went wrong, for reading: `missed card: …` or `wrongly phone: …`.
    pub mistakes: Vec<String>,
}

impl Report {
    /// All kinds together.
    pub fn total(&self) -> Counts {
        let mut total = Counts::default();
        for counts in self.kinds.values() {
            total.add(*counts);
        }
        total
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<12} {:>5} {:>5} {:>5} {:>10} {:>8}",
            "kind", "found", "wrong", "missed", "precision", "recall"
        )?;
        let mut row = |name: &str, c: &Counts| {
            writeln!(
                f,
                "{name:<12} {:>5} {:>5} {:>5} {:>9.1}% {:>7.1}%",
                c.true_positives,
                c.false_positives,
                c.false_negatives,
                c.precision() * 100.0,
                c.recall() * 100.0
            )
        };
        for (kind, counts) in &self.kinds {
            row(kind.as_str(), counts)?;
        }
        row("all", &self.total())?;
        writeln!(f, "{} messages", self.messages)?;
        for mistake in &self.mistakes {
            writeln!(f, "  {mistake}")?;
        }
        Ok(())
    }
}

/// A labelled piece of a message: (start, end, kind).
pub type Label = (usize, usize, Kind);

/// A corpus line without its labels, and the labelled spans in it.
pub fn parse_line(line: &str) -> Result<(String, Vec<Label>), String> {
    let mut text = String::with_capacity(line.len());
    let mut labels = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find("[[") {
        text.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("]]").ok_or_else(|| format!("unclosed label in: {line}"))?;
        let (name, value) =
            after[..close].split_once(':').ok_or_else(|| format!("label without a kind in: {line}"))?;
        let kind = Kind::parse(name).ok_or_else(|| format!("unknown kind {name:?} in: {line}"))?;
        labels.push((text.len(), text.len() + value.len(), kind));
        text.push_str(value);
        rest = &after[close + 2..];
    }
    text.push_str(rest);
    Ok((text, labels))
}

/// Runs the `detectors` over every message of `corpus` and compares with the labels. A piece
/// found counts as right when a label of the same kind overlaps it.
pub fn evaluate(corpus: &str, detectors: &Detectors) -> Result<Report, String> {
    let mut report = Report::default();
    for line in corpus.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let (text, labels) = parse_line(line)?;
        report.messages += 1;
        let found = find(&text, detectors);
        let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
        for f in &found {
            let right = labels.iter().any(|&(s, e, k)| k == f.kind && overlaps((s, e), (f.start, f.end)));
            let counts = report.kinds.entry(f.kind).or_default();
            if right {
                counts.true_positives += 1;
            } else {
                counts.false_positives += 1;
                report.mistakes.push(format!("wrongly {}: {text}", f.kind.as_str()));
            }
        }
        for &(s, e, kind) in &labels {
            if !found.iter().any(|f| f.kind == kind && overlaps((s, e), (f.start, f.end))) {
                report.kinds.entry(kind).or_default().false_negatives += 1;
                report.mistakes.push(format!("missed {}: {text}", kind.as_str()));
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_and_compared() {
        let corpus = "# a comment\ncard [[card:4111 1111 1111 1111]] and [[phone:+44 7400 123456]]\norder 4471\nnot a card 4111 1111 1111 1112 [[email:a@b.co]]\n";
        let report = evaluate(corpus, &Detectors::only(&[Kind::Card, Kind::Email])).unwrap();
        assert_eq!(report.messages, 3);
        assert_eq!(
            report.kinds[&Kind::Card],
            Counts { true_positives: 1, false_positives: 0, false_negatives: 0 }
        );
        assert_eq!(report.kinds[&Kind::Phone].false_negatives, 1);
        assert_eq!(report.total().true_positives, 2);
        assert!(report.to_string().contains("missed phone"), "{report}");
        assert!(parse_line("[[nope:1]]").is_err());
    }
}
