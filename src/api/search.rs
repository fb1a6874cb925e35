//! Full-text search (issue 8 point 7) over messages, private notes and contacts, in what the
//! actor may see. The words typed become an FTS5 query of quoted terms (the last one a
//! prefix), so nothing typed is read as FTS5 syntax. Results are masked; a hit whose words
//! are found only inside a masked value is left out, so that searching for a card or ID
//! number never confirms it to someone shown it masked.

use serde::Deserialize;

use super::views::{SearchHitView, SearchPageView};
use super::Core;
use crate::auth::session::SessionToken;
use crate::authz::act;
use crate::clock::Timestamp;
use crate::domain::{ConversationStatus, LabelId, TeamId};
use crate::error::{Error, Result};
use crate::mask;
use crate::store::search::{HitRecord, SearchFilters};

/// The most words a search takes.
const MAX_TERMS: usize = 8;
/// The most results a page holds.
const MAX_PAGE: u32 = 100;
/// How many batches one page may read past hits it leaves out, before handing back a cursor.
const MAX_BATCHES: usize = 10;
/// How much text a snippet shows around the first word found.
const SNIPPET_CHARS: usize = 160;

/// A search.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchRequest {
    /// The words to find (all of them; the last may be the start of a word).
    pub q: String,
    /// `messages` (the default), `notes` or `contacts`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Only this team's.
    #[serde(default)]
    pub team: Option<i64>,
    /// Only conversations that are `open`, `pending` or `resolved`.
    #[serde(default)]
    pub status: Option<String>,
    /// Only customers with this label.
    #[serde(default)]
    pub label: Option<i64>,
    /// Written from (ms since the epoch, inclusive).
    #[serde(default)]
    pub from: Option<i64>,
    /// Written until (ms since the epoch, exclusive).
    #[serde(default)]
    pub until: Option<i64>,
    /// The page after this cursor (`next_before` of the page before).
    #[serde(default)]
    pub before: Option<i64>,
    /// At most this many (1 to 100; 25 by default).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The words of a search, lower case: letters and digits, at most eight.
pub fn terms(q: &str) -> Result<Vec<String>> {
    let terms: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        // Lower case can add a combining mark ("İ" is "i" and U+0307): only letters and
        // digits stay, as the index's tokenizer keeps them (it removes diacritics).
        .map(|t| {
            t.chars()
                .take(64)
                .flat_map(char::to_lowercase)
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .collect();
    if terms.is_empty() {
        return Err(Error::Invalid("type a word to search for".to_owned()));
    }
    Ok(terms)
}

/// The FTS5 query for `terms`: each quoted (so nothing is syntax), the last as a prefix.
pub fn fts_query(terms: &[String]) -> String {
    let quoted: Vec<String> = terms.iter().map(|t| format!("\"{}\"", t.replace('"', ""))).collect();
    format!("{}*", quoted.join(" "))
}

/// The masked text of a hit cut around the first word found, or `None` when a word matched
/// only inside a masked value (the hit would confirm what masking hides).
pub fn shown(body: &str, terms: &[String], policy: &mask::Policy) -> Option<String> {
    let masked = policy.text(body);
    let (raw, seen) = (body.to_lowercase(), masked.to_lowercase());
    if terms.iter().any(|t| raw.contains(t.as_str()) && !seen.contains(t.as_str())) {
        return None;
    }
    Some(cut_around(&masked, &seen, terms))
}

fn cut_around(masked: &str, lower: &str, terms: &[String]) -> String {
    let total = masked.chars().count();
    if total <= SNIPPET_CHARS {
        return masked.to_owned();
    }
    // Where the first word is, in characters of the lower-cased text (lower-casing can change
    // byte lengths, so positions are counted, not sliced across).
    let at = terms
        .iter()
        .filter_map(|t| lower.find(t.as_str()).map(|byte| lower[..byte].chars().count()))
        .min()
        .unwrap_or(0);
    let start = at.saturating_sub(SNIPPET_CHARS / 3).min(total - SNIPPET_CHARS);
    let cut: String = masked.chars().skip(start).take(SNIPPET_CHARS).collect();
    let before = if start > 0 { "…" } else { "" };
    let after = if start + SNIPPET_CHARS < total { "…" } else { "" };
    format!("{before}{cut}{after}")
}

impl Core {
    /// Searches messages, notes or contacts the actor may see, newest first.
    pub async fn search(&self, token: &SessionToken, request: SearchRequest) -> Result<SearchPageView> {
        let r = self.resolve(token).await?;
        let terms = terms(&request.q)?;
        let query = fts_query(&terms);
        let filters =
            SearchFilters {
                team: request.team.map(TeamId::new),
                status: match request.status.as_deref() {
                    None | Some("") => None,
                    Some(s) => Some(ConversationStatus::parse(s).ok_or_else(|| {
                        Error::Invalid("the status is open, pending or resolved".to_owned())
                    })?),
                },
                label: request.label.map(LabelId::new),
                from: request.from.map(Timestamp::from_millis),
                until: request.until.map(Timestamp::from_millis),
            };
        let limit = request.limit.unwrap_or(25).clamp(1, MAX_PAGE);
        let kind = request.kind.as_deref().unwrap_or("messages");
        let policy = mask::Policy::new(self.detectors().await?, |_| false);
        // Fetched in batches: hits that would confirm a masked value are left out, and the
        // page is filled from the next batch.
        enum Proof {
            Messages(crate::authz::Authorized<act::SearchMessages>),
            Notes(crate::authz::Authorized<act::SearchNotes>),
            Contacts(crate::authz::Authorized<act::ListContacts>),
        }
        let proof = match kind {
            "messages" => Proof::Messages(self.allow_list::<act::SearchMessages>(&r.actor).await?),
            "notes" => Proof::Notes(self.allow_list::<act::SearchNotes>(&r.actor).await?),
            "contacts" => Proof::Contacts(self.allow_list::<act::ListContacts>(&r.actor).await?),
            _ => return Err(Error::Invalid("search messages, notes or contacts".to_owned())),
        };
        let mut hits = Vec::new();
        let mut cursor = request.before;
        let batch = limit * 2;
        for _ in 0..MAX_BATCHES {
            let found: Vec<HitRecord> = match &proof {
                Proof::Messages(p) => self.store.search_messages(p, &query, &filters, cursor, batch).await?,
                Proof::Notes(p) => self.store.search_notes(p, &query, &filters, cursor, batch).await?,
                Proof::Contacts(p) => self.store.search_contacts(p, &query, &filters, cursor, batch).await?,
            };
            let last_batch = found.len() < batch as usize;
            for hit in &found {
                cursor = Some(hit.rowid);
                if let Some(snippet) = shown(&hit.body, &terms, &policy) {
                    hits.push(SearchHitView::build(hit, snippet));
                    if hits.len() == limit as usize {
                        return Ok(SearchPageView { hits, next_before: cursor });
                    }
                }
            }
            if last_batch {
                return Ok(SearchPageView { hits, next_before: None });
            }
        }
        Ok(SearchPageView { hits, next_before: cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn policy() -> mask::Policy {
        mask::Policy::new(mask::Detectors::default(), |_| false)
    }

    #[rstest]
    #[case::words("Blue trail-runners, size 39?", &["blue", "trail", "runners", "size", "39"])]
    #[case::syntax_is_just_words("body:x OR \"NEAR(a b)\" *", &["body", "x", "or", "near", "a", "b"])]
    #[case::accents_kept("Crème brûlée", &["crème", "brûlée"])]
    #[case::lower_case_adds_no_marks("İSTANBUL +212999İ22", &["istanbul", "212999i22"])]
    fn a_search_is_its_words(#[case] q: &str, #[case] expected: &[&str]) {
        assert_eq!(terms(q).unwrap(), expected);
    }

    #[test]
    fn nothing_to_search_for_is_refused() {
        assert!(terms("  !!! ").is_err());
        assert_eq!(fts_query(&terms("blue run").unwrap()), "\"blue\" \"run\"*");
    }

    #[rstest]
    #[case::card_number_is_not_confirmed("my card is 4111 1111 1111 1111", "4111", None)]
    #[case::the_visible_last_four_are_fine(
        "my card is 4111 1111 1111 1111",
        "card",
        Some("my card is **** **** **** 1111")
    )]
    #[case::an_email_is_not_confirmed("write to ana.souza@example.com", "souza", None)]
    #[case::plain_words("is the blue one in stock", "blue", Some("is the blue one in stock"))]
    fn a_hit_shows_only_what_masking_leaves(
        #[case] body: &str,
        #[case] q: &str,
        #[case] expected: Option<&str>,
    ) {
        assert_eq!(shown(body, &terms(q).unwrap(), &policy()).as_deref(), expected);
    }

    #[test]
    fn a_long_hit_is_cut_around_the_word() {
        let body = format!("{} the parcel is late {}", "a".repeat(300), "b".repeat(300));
        let snippet = shown(&body, &terms("parcel").unwrap(), &policy()).unwrap();
        assert!(
            snippet.contains("the parcel is late") && snippet.starts_with('…') && snippet.ends_with('…'),
            "{snippet}"
        );
        assert!(snippet.chars().count() <= SNIPPET_CHARS + 2);
    }
}
