//! The organisation's masking choices: which national identity numbers are looked for, the
//! country for local phone numbers, and its own patterns (loyalty cards, member numbers); and
//! trying a pattern on a sample before saving it.
//!
//! Decisions, and why:
//! - Patterns are kept as one setting (a JSON list) beside the other security settings, changed
//!   by the same step-up call and audited with the list they became: the list is configuration,
//!   never customer data.
//! - Compiled patterns are cached by the stored text, so a message view does not recompile them;
//!   a change is seen by the next call because the cache key is the text itself.
//! - A stored pattern that no longer compiles (a store edited by hand, a newer regex syntax
//!   rule) fails every view that masks, loudly, rather than showing what it should hide.
//! - Trying a sample changes nothing and records nothing: the sample is text the administrator
//!   typed, it is not written to the log, and the answer is masked as everyone sees it.

use std::sync::{Arc, Mutex};

use serde::Deserialize;

use super::views::{MaskingPatternView, MaskingTrialView, MatchView};
use super::Core;
use crate::auth::session::SessionToken;
use crate::authz::{act, reveal, Grants};
use crate::error::{Error, Result};
use crate::mask::{self, ClassSet, CustomPattern, DataClass, Detectors, Kind, PatternSpec};

/// Setting: the organisation's country, for phone numbers written without the international prefix.
pub(super) const MASKING_REGION: &str = "masking.region";
/// Setting: the national identity numbers looked for (comma-separated kind names; all when unset).
pub(super) const MASKING_IDENTITY: &str = "masking.identity_numbers";
/// Setting: the organisation's own patterns (a JSON list of [`MaskingPattern`]).
pub(super) const MASKING_PATTERNS: &str = "masking.patterns";

/// Setting: the classes of data a manager must approve before someone without the approve
/// permission sees them (comma-separated class names; none when unset).
pub(super) const REVEAL_APPROVAL: &str = "masking.reveal_approval";

/// The longest sample an administrator may try.
const MAX_SAMPLE_CHARS: usize = 4096;

/// One of the organisation's own patterns, as an administrator writes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MaskingPattern {
    /// What it finds, as staff will read it ("Loyalty card"); 1 to 40 characters, unique.
    pub name: String,
    /// A regular expression (Rust `regex` syntax, such as `\bLOY-?\d{8}\b`); 1 to 200 characters.
    pub pattern: String,
    /// Who may reveal it: `contact`, `financial`, `identity` or `health`.
    pub class: String,
    /// Characters left readable at the end of what it finds (0 to 4).
    pub keep_last: u8,
}

/// A sample to mask as staff would see it, with the patterns being edited (`None`: the saved ones).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MaskingTrial {
    /// A message to try (at most 4,096 characters).
    pub sample: String,
    /// The patterns to try in place of the saved ones.
    pub patterns: Option<Vec<MaskingPattern>>,
}

/// The last pattern list compiled: its stored text and the result.
#[derive(Debug, Default)]
pub(super) struct PatternCache(Mutex<Option<(String, Arc<[CustomPattern]>)>>);

impl PatternCache {
    fn get(&self, stored: &str) -> Result<Arc<[CustomPattern]>> {
        let mut cached = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((text, patterns)) = cached.as_ref() {
            if text == stored {
                return Ok(patterns.clone());
            }
        }
        let patterns = parse_stored(stored)?;
        *cached = Some((stored.to_owned(), patterns.clone()));
        Ok(patterns)
    }
}

impl Core {
    /// What masking looks for in this organisation: cards, bank accounts, e-mail and phone
    /// numbers always; the national identity numbers chosen; local phone numbers of its
    /// country; its own patterns.
    pub(crate) async fn detectors(&self) -> Result<Detectors> {
        let mut kinds = vec![Kind::Card, Kind::Iban, Kind::UkAccount, Kind::Email, Kind::Phone];
        kinds.extend(self.masking_identity().await?);
        let mut detectors = Detectors::only(&kinds).with_patterns(self.masking_patterns().await?);
        if let Some(region) = self.store.find_setting(MASKING_REGION).await?.and_then(|r| r.parse().ok()) {
            detectors = detectors.with_region(region);
        }
        Ok(detectors)
    }

    /// The classes of data the organisation has a manager approve before they are revealed.
    pub(super) async fn reveal_approval(&self) -> Result<ClassSet> {
        let stored = self.store.find_setting(REVEAL_APPROVAL).await?.unwrap_or_default();
        ClassSet::parse([stored.as_str()]).map_err(Error::Internal)
    }

    /// The classes `grants` reveal anywhere without asking (lists, the customer's number).
    pub(super) async fn standing_sight(&self, grants: &Grants) -> Result<ClassSet> {
        Ok(reveal::standing(grants, self.reveal_approval().await?))
    }

    /// The national identity numbers looked for.
    pub(super) async fn masking_identity(&self) -> Result<Vec<Kind>> {
        let identity = Kind::ALL.into_iter().filter(|k| k.class() == DataClass::Identity);
        Ok(match self.store.find_setting(MASKING_IDENTITY).await? {
            None => identity.collect(),
            Some(list) => identity.filter(|k| list.split(',').any(|n| n == k.as_str())).collect(),
        })
    }

    /// The organisation's own patterns, compiled.
    pub(super) async fn masking_patterns(&self) -> Result<Arc<[CustomPattern]>> {
        match self.store.find_setting(MASKING_PATTERNS).await? {
            None => Ok(Arc::new([])),
            Some(stored) => self.patterns.get(&stored),
        }
    }

    /// Masks `trial.sample` as an agent who may reveal nothing would see it, with the saved
    /// detectors and either the saved patterns or those being edited (administrators). Nothing
    /// is saved or recorded.
    pub async fn try_masking(&self, token: &SessionToken, trial: MaskingTrial) -> Result<MaskingTrialView> {
        let r = self.resolve(token).await?;
        self.allow::<act::ConfigureSecurity>(&r.actor, ()).await?;
        if trial.sample.chars().count() > MAX_SAMPLE_CHARS {
            return Err(Error::Invalid(format!("a sample may have at most {MAX_SAMPLE_CHARS} characters")));
        }
        let mut detectors = self.detectors().await?;
        if let Some(patterns) = trial.patterns {
            detectors = detectors.with_patterns(compile(patterns)?);
        }
        Ok(trial_view(&trial.sample, &detectors))
    }
}

/// What `sample` shows with everything masked, and what was found in it.
fn trial_view(sample: &str, detectors: &Detectors) -> MaskingTrialView {
    let found = mask::matches(sample, detectors)
        .into_iter()
        .map(|m| MatchView { what: m.label.to_owned(), class: m.class.as_str() })
        .collect();
    MaskingTrialView { masked: mask::text(sample, detectors, |_| false).into_owned(), found }
}

/// The requested patterns checked and compiled.
pub(super) fn compile(patterns: Vec<MaskingPattern>) -> Result<Arc<[CustomPattern]>> {
    let mut specs = Vec::with_capacity(patterns.len());
    for p in patterns {
        let class = DataClass::parse(p.class.trim()).ok_or_else(|| {
            Error::Invalid(format!(
                "the class of \"{}\" must be one of contact, financial, identity, health",
                p.name.trim()
            ))
        })?;
        specs.push(PatternSpec { name: p.name, pattern: p.pattern, class, keep_last: p.keep_last });
    }
    CustomPattern::compile_all(specs).map_err(|e| Error::Invalid(e.0))
}

/// The requested patterns as the setting stores them (checked first): the list as the
/// settings screen shows it, which reads back as the request it came from.
pub(super) fn stored_patterns(patterns: Vec<MaskingPattern>) -> Result<String> {
    let views = pattern_views(&compile(patterns)?);
    serde_json::to_string(&views).map_err(|e| Error::Internal(e.to_string()))
}

fn parse_stored(stored: &str) -> Result<Arc<[CustomPattern]>> {
    let patterns: Vec<MaskingPattern> = serde_json::from_str(stored).map_err(|e| {
        tracing::error!(error = %e, "stored masking patterns are unreadable");
        Error::Internal(
            "the organisation's masking patterns are unreadable; an administrator must save them again"
                .to_owned(),
        )
    })?;
    compile(patterns).map_err(|e| {
        tracing::error!(error = %e, "a stored masking pattern does not compile");
        Error::Internal("a saved masking pattern no longer works; an administrator must fix it".to_owned())
    })
}

/// The saved patterns as the settings screen shows them.
pub(super) fn pattern_views(patterns: &[CustomPattern]) -> Vec<MaskingPatternView> {
    patterns
        .iter()
        .map(|p| MaskingPatternView {
            name: p.name().to_owned(),
            pattern: p.spec().pattern.clone(),
            class: p.class().as_str(),
            keep_last: p.spec().keep_last,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loyalty(keep_last: u8) -> MaskingPattern {
        MaskingPattern {
            name: "Loyalty card".to_owned(),
            pattern: r"\bLOY-?\d{8}\b".to_owned(),
            class: "financial".to_owned(),
            keep_last,
        }
    }

    #[test]
    fn a_trial_shows_the_sample_masked_and_names_what_it_found() {
        let detectors = Detectors::default().with_patterns(compile(vec![loyalty(2)]).unwrap());
        let view = trial_view("card LOY-12345678 and ana@example.com, order 1234", &detectors);
        assert_eq!(view.masked, "card ***-******78 and a***@e***.com, order 1234");
        let found: Vec<_> = view.found.iter().map(|m| (m.what.as_str(), m.class)).collect();
        assert_eq!(found, [("Loyalty card", "financial"), ("email", "contact")]);
    }

    #[test]
    fn the_stored_list_reads_back_as_it_was_saved() {
        let stored = stored_patterns(vec![loyalty(4)]).unwrap();
        let back = parse_stored(&stored).unwrap();
        assert_eq!(back[0].spec().pattern, r"\bLOY-?\d{8}\b");
        assert_eq!(pattern_views(&back)[0].class, "financial");
        let cache = PatternCache::default();
        assert!(Arc::ptr_eq(&cache.get(&stored).unwrap(), &cache.get(&stored).unwrap()), "compiled once");
    }

    #[test]
    fn a_wrong_class_or_an_unreadable_setting_is_refused() {
        let wrong = MaskingPattern { class: "secret".to_owned(), ..loyalty(4) };
        assert!(compile(vec![wrong]).unwrap_err().to_string().contains("one of contact, financial"));
        assert!(matches!(parse_stored("not json"), Err(Error::Internal(_))));
        let broken = r#"[{"name":"x","pattern":"(","class":"financial","keep_last":4}]"#;
        assert!(matches!(parse_stored(broken), Err(Error::Internal(_))));
    }
}
