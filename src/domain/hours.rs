//! A team's business hours: when a store is open, in its own time zone, so that a routing rule
//! can answer "we are closed, we will be back at nine" or send a late chat to a team that is
//! still working.
//!
//! Kept as a short text an administrator could read (`Europe/London; mon 09:00-17:30; …`):
//! the zone, then each opening span. A day may have several spans (a lunch break) or none (a
//! closed day). Spans end by midnight; a night shift is two spans, one each side of it. Time
//! zones come from the IANA database through `jiff`, so summer time is the zone's own.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;

use crate::clock::Timestamp;
use crate::error::{Error, Result};

/// The most opening spans one team keeps (three a day).
pub const MAX_SPANS: usize = 21;

/// The days, Monday first, as they are written.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One opening span on one day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The day: 0 Monday … 6 Sunday.
    pub day: u8,
    /// Opens, in minutes after midnight.
    pub opens: u16,
    /// Closes, in minutes after midnight (after `opens`, at most 24:00).
    pub closes: u16,
}

/// When a team is open.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    zone_name: String,
    zone: TimeZone,
    spans: Vec<Span>,
}

impl BusinessHours {
    /// Checks hours as an administrator gives them: a zone the database knows, and spans each
    /// on a named day, opening before they close.
    pub fn new(zone: &str, spans: Vec<Span>) -> Result<Self> {
        let invalid = |m: String| Error::Invalid(m);
        let zone_name = zone.trim();
        let tz = TimeZone::get(zone_name).map_err(|_| {
            invalid(format!(
                "\"{}\" is not a time zone; use its name in the time zone database, such as Europe/London",
                zone_name.chars().take(60).collect::<String>()
            ))
        })?;
        if spans.len() > MAX_SPANS {
            return Err(invalid(format!("a team has at most {MAX_SPANS} opening times")));
        }
        if let Some(bad) = spans.iter().find(|s| s.day > 6 || s.opens >= s.closes || s.closes > 24 * 60) {
            return Err(invalid(format!(
                "{} {}–{}: a team opens before it closes, on the same day",
                DAYS.get(usize::from(bad.day)).unwrap_or(&"?"),
                clock_time(bad.opens),
                clock_time(bad.closes)
            )));
        }
        let mut spans = spans;
        spans.sort_by_key(|s| (s.day, s.opens));
        if spans.windows(2).any(|w| w[0].day == w[1].day && w[1].opens < w[0].closes) {
            return Err(invalid("two opening times on one day overlap".to_owned()));
        }
        Ok(Self { zone_name: zone_name.to_owned(), zone: tz, spans })
    }

    /// Reads the stored text (see the module's documentation).
    pub fn parse(text: &str) -> Result<Self> {
        let mut parts = text.split(';').map(str::trim);
        let zone = parts.next().unwrap_or_default();
        let spans = parts.filter(|p| !p.is_empty()).map(parse_span).collect::<Result<Vec<_>>>()?;
        Self::new(zone, spans)
    }

    /// The stored text.
    pub fn to_text(&self) -> String {
        let mut text = self.zone_name.clone();
        for s in &self.spans {
            text.push_str(&format!(
                "; {} {}-{}",
                DAYS[usize::from(s.day)],
                clock_time(s.opens),
                clock_time(s.closes)
            ));
        }
        text
    }

    /// The time zone's name.
    pub fn zone(&self) -> &str {
        &self.zone_name
    }

    /// The opening spans, by day and time.
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// Whether the team is open at `at`, on its own clock.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let Ok(instant) = jiff::Timestamp::from_millisecond(at.as_millis()) else { return false };
        let local = self.zone.to_datetime(instant);
        let day = match local.weekday() {
            Weekday::Monday => 0,
            Weekday::Tuesday => 1,
            Weekday::Wednesday => 2,
            Weekday::Thursday => 3,
            Weekday::Friday => 4,
            Weekday::Saturday => 5,
            Weekday::Sunday => 6,
        };
        let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap_or(0);
        self.spans.iter().any(|s| s.day == day && s.opens <= minute && minute < s.closes)
    }
}

/// `HH:MM` for minutes after midnight.
pub fn clock_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Minutes after midnight for `HH:MM` (`24:00` is the end of the day).
pub fn parse_clock_time(text: &str) -> Result<u16> {
    let bad = || {
        Error::Invalid(format!(
            "\"{}\" is not a time of day such as 09:30",
            text.chars().take(20).collect::<String>()
        ))
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) || text.trim().len() != 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// The day named `name` (`mon` … `sun`), 0 for Monday.
pub fn parse_day(name: &str) -> Result<u8> {
    let name = name.trim().to_ascii_lowercase();
    const FULL: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    (0..7)
        .find(|&d| name == DAYS[d] || name == FULL[d])
        .and_then(|d| u8::try_from(d).ok())
        .ok_or_else(|| Error::Invalid("a day is mon, tue, wed, thu, fri, sat or sun".to_owned()))
}

fn parse_span(text: &str) -> Result<Span> {
    let bad = || Error::Invalid(format!("cannot read the opening time \"{text}\""));
    let (day, times) = text.split_once(' ').ok_or_else(bad)?;
    let (opens, closes) = times.trim().split_once('-').ok_or_else(bad)?;
    Ok(Span { day: parse_day(day)?, opens: parse_clock_time(opens)?, closes: parse_clock_time(closes)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// Milliseconds for a UTC date and time.
    fn utc(text: &str) -> Timestamp {
        let t: jiff::Timestamp = text.parse().unwrap();
        Timestamp::from_millis(t.as_millisecond())
    }

    fn leeds() -> BusinessHours {
        BusinessHours::parse(
            "Europe/London; mon 09:00-17:30; tue 09:00-12:00; tue 13:00-17:30; sat 10:00-16:00",
        )
        .unwrap()
    }

    #[rstest]
    // Monday 2026-01-05, winter: London is UTC.
    #[case::monday_morning("2026-01-05T09:00:00Z", true)]
    #[case::just_before_opening("2026-01-05T08:59:00Z", false)]
    #[case::closing_time_is_closed("2026-01-05T17:30:00Z", false)]
    #[case::tuesday_lunch("2026-01-06T12:30:00Z", false)]
    #[case::tuesday_afternoon("2026-01-06T13:00:00Z", true)]
    #[case::wednesday_is_closed("2026-01-07T11:00:00Z", false)]
    // Monday 2026-07-06, summer: London is UTC+1, so 08:30 UTC is 09:30 there.
    #[case::summer_time_is_the_zones_own("2026-07-06T08:30:00Z", true)]
    #[case::summer_evening("2026-07-06T16:45:00Z", false)]
    #[case::saturday("2026-07-11T09:00:00Z", true)]
    fn open_on_the_stores_own_clock(#[case] at: &str, #[case] open: bool) {
        assert_eq!(leeds().is_open(utc(at)), open, "{at}");
    }

    #[test]
    fn the_stored_text_reads_back_the_same() {
        let hours = leeds();
        assert_eq!(BusinessHours::parse(&hours.to_text()).unwrap(), hours);
        assert!(hours.to_text().starts_with("Europe/London; mon 09:00-17:30; tue 09:00-12:00"));
    }

    #[test]
    fn a_team_with_no_opening_times_is_never_open() {
        let hours = BusinessHours::parse("Asia/Hong_Kong").unwrap();
        assert!(!hours.is_open(utc("2026-01-05T03:00:00Z")));
    }

    #[rstest]
    #[case::unknown_zone("Mars/Olympus; mon 09:00-17:00", "not a time zone")]
    #[case::closes_before_it_opens("Europe/London; mon 17:00-09:00", "opens before it closes")]
    #[case::past_midnight("Europe/London; fri 22:00-25:00", "time of day")]
    #[case::bad_day("Europe/London; funday 09:00-17:00", "a day is")]
    #[case::overlap("Europe/London; mon 09:00-13:00; mon 12:00-17:00", "overlap")]
    #[case::not_a_time("Europe/London; mon 9-17", "time of day")]
    #[case::no_times("Europe/London; mon", "cannot read")]
    fn hours_that_cannot_be_are_refused_and_say_why(#[case] text: &str, #[case] why: &str) {
        let Err(Error::Invalid(said)) = BusinessHours::parse(text) else { panic!("accepted {text}") };
        assert!(said.contains(why), "{said}");
    }
}
