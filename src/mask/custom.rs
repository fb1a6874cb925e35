//! The organisation's own patterns: loyalty card numbers, order references, member ids, any
//! identifier no built-in detector knows. An administrator writes a regular expression, names
//! it, gives it a data class (who may reveal it) and how many characters stay readable at its
//! end, and tries it on a sample before saving.
//!
//! Invariants, and why:
//! - Patterns run over every customer message, so they are compiled with the `regex` crate,
//!   whose matching time is linear in the text whatever the pattern (no backtracking: a pattern
//!   cannot hang the inbox), and with a bound on the compiled size.
//! - A pattern that matches the empty text is refused: it would match everywhere and mask
//!   nothing useful. A pattern that matches only masked text (`*`) is harmless: masked text
//!   is never changed again, so masking stays idempotent.
//! - At most [`MAX_PATTERNS`] patterns of at most [`MAX_PATTERN_LEN`] characters; a name is
//!   what the audit trail and the reveal dialog show, so it is short, plain and unique.
//! - A custom pattern never reveals more than the built-in detectors: its matches are masked
//!   on top of theirs.

use std::sync::Arc;

use super::DataClass;

/// The most patterns an organisation may define.
pub const MAX_PATTERNS: usize = 20;
/// The longest pattern, in characters.
pub const MAX_PATTERN_LEN: usize = 200;
/// The longest name, in characters.
pub const MAX_NAME_LEN: usize = 40;
/// The most characters a pattern may leave readable at the end of what it matches.
pub const MAX_KEEP_LAST: u8 = 4;
/// The compiled size a pattern may reach (the regex crate's own measure; its default is
/// 10 MiB). Two MiB takes everyday patterns with Unicode classes (`(?i)member\s*\w{4,10}`
/// needs more than 256 KiB) and bounds twenty patterns' memory.
const COMPILED_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// A pattern as an administrator writes it (not yet checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternSpec {
    /// What it finds, as staff will read it ("Loyalty card").
    pub name: String,
    /// The regular expression (the `regex` crate's syntax).
    pub pattern: String,
    /// Who may reveal what it finds.
    pub class: DataClass,
    /// Characters left readable at the end (0 to 4).
    pub keep_last: u8,
}

/// Why a pattern was refused, in words for the administrator who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(pub String);

/// A checked, compiled pattern.
#[derive(Debug, Clone)]
pub struct CustomPattern {
    spec: PatternSpec,
    regex: regex::Regex,
}

impl PartialEq for CustomPattern {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl Eq for CustomPattern {}

impl CustomPattern {
    /// Checks and compiles `spec`.
    pub fn compile(spec: PatternSpec) -> Result<Self, PatternError> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
            return Err(PatternError(format!(
                "a pattern needs a name of 1 to {MAX_NAME_LEN} characters, such as \"Loyalty card\""
            )));
        }
        if spec.pattern.trim().is_empty() || spec.pattern.chars().count() > MAX_PATTERN_LEN {
            return Err(PatternError(format!(
                "the pattern of \"{name}\" must have 1 to {MAX_PATTERN_LEN} characters"
            )));
        }
        if spec.keep_last > MAX_KEEP_LAST {
            return Err(PatternError(format!(
                "\"{name}\" may keep at most the last {MAX_KEEP_LAST} characters readable"
            )));
        }
        let regex =
            regex::RegexBuilder::new(&spec.pattern).size_limit(COMPILED_SIZE_LIMIT).build().map_err(|e| {
                PatternError(match e {
                    regex::Error::CompiledTooBig(_) => format!(
                        "the pattern of \"{name}\" is too large to run on every message: use fewer or \
                         shorter repeats, or [A-Za-z0-9] instead of \\w"
                    ),
                    e => format!("the pattern of \"{name}\" is not valid: {}", first_line(&e)),
                })
            })?;
        if regex.is_match("") {
            return Err(PatternError(format!(
                "the pattern of \"{name}\" matches an empty text, so it would match everywhere"
            )));
        }
        Ok(Self { spec: PatternSpec { name: name.to_owned(), ..spec }, regex })
    }

    /// Checks and compiles a whole list: names unique (ignoring case), at most [`MAX_PATTERNS`].
    pub fn compile_all(specs: Vec<PatternSpec>) -> Result<Arc<[Self]>, PatternError> {
        if specs.len() > MAX_PATTERNS {
            return Err(PatternError(format!("at most {MAX_PATTERNS} patterns")));
        }
        let mut compiled: Vec<Self> = Vec::with_capacity(specs.len());
        for spec in specs {
            let pattern = Self::compile(spec)?;
            if compiled.iter().any(|p| p.name().eq_ignore_ascii_case(pattern.name())) {
                return Err(PatternError(format!("two patterns are named \"{}\"", pattern.name())));
            }
            compiled.push(pattern);
        }
        Ok(compiled.into())
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What it was written as.
    pub fn spec(&self) -> &PatternSpec {
        &self.spec
    }

    /// Its class.
    pub fn class(&self) -> DataClass {
        self.spec.class
    }

    /// Characters left readable at the end.
    pub fn keep_last(&self) -> usize {
        usize::from(self.spec.keep_last)
    }

    /// The byte ranges it matches in `text` that masking would change: a match that shows no
    /// more than the characters it keeps (masked already) is left out.
    pub(super) fn ranges<'t>(&'t self, text: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
        self.regex
            .find_iter(text)
            .filter(|m| m.as_str().chars().filter(|c| c.is_alphanumeric()).count() > self.keep_last())
            .map(|m| (m.start(), m.end()))
    }
}

/// The regex crate's message is several lines with a caret under the fault; the last line says
/// what is wrong.
fn first_line(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn spec(name: &str, pattern: &str) -> PatternSpec {
        PatternSpec {
            name: name.to_owned(),
            pattern: pattern.to_owned(),
            class: DataClass::Financial,
            keep_last: 4,
        }
    }

    #[rstest]
    #[case::no_name(spec(" ", r"LOY\d{8}"), "needs a name")]
    #[case::long_name(spec(&"n".repeat(41), r"LOY\d{8}"), "needs a name")]
    #[case::empty_pattern(spec("Loyalty", " "), "must have 1 to 200")]
    #[case::long_pattern(spec("Loyalty", &"a".repeat(201)), "must have 1 to 200")]
    #[case::invalid(spec("Loyalty", r"LOY(\d{8}"), "is not valid: error: unclosed group")]
    #[case::matches_empty(spec("Loyalty", r"\d*"), "matches an empty text")]
    #[case::too_big(spec("Loyalty", r"\w{1000}\w{1000}\w{1000}"), "too large to run on every message")]
    #[case::keeps_too_much(PatternSpec { keep_last: 5, ..spec("Loyalty", r"LOY\d{8}") }, "at most the last 4")]
    fn a_pattern_that_cannot_work_is_refused_with_the_reason(#[case] spec: PatternSpec, #[case] why: &str) {
        let err = CustomPattern::compile(spec).unwrap_err();
        assert!(err.0.contains(why), "{err}");
    }

    #[rstest]
    #[case::word_characters(r"(?i)member\s*#?\s*\w{4,10}")]
    #[case::any_letters(r"\b\p{L}{2}\d{6,10}\b")]
    #[case::loyalty(r"\bLOY-?\d{8}\b")]
    fn everyday_patterns_compile(#[case] pattern: &str) {
        let p = CustomPattern::compile(spec("Ours", pattern)).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.ranges("nothing to see").next().is_none());
    }

    #[test]
    fn names_are_unique_and_the_list_is_bounded() {
        let twice = vec![spec("Loyalty", r"LOY\d{8}"), spec("loyalty", r"L\d{9}")];
        assert_eq!(CustomPattern::compile_all(twice).unwrap_err().0, "two patterns are named \"loyalty\"");
        let many = (0..=MAX_PATTERNS).map(|i| spec(&format!("p{i}"), r"X\d{6}")).collect();
        assert_eq!(CustomPattern::compile_all(many).unwrap_err().0, "at most 20 patterns");
    }

    #[test]
    fn matches_skip_what_is_masked_already() {
        let p = CustomPattern::compile(spec("Any", r"[A-Z*]{3}\d*")).unwrap();
        let ranges: Vec<_> = p.ranges("***1234 LOY123").collect();
        assert_eq!(ranges, [(8, 14)], "***1234 shows only the four it keeps");
    }
}
