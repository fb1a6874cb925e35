//! Reading a spreadsheet of contacts (CSV) for import, pure: every row is checked before any
//! is kept, and each problem is reported by line without repeating the value (it may be
//! personal). Nothing in a file is dropped silently: a column that names nothing known stops
//! the whole file, since its values would otherwise be lost.
//!
//! Columns (a header row is required; names ignore case and spaces): `phone` (required: in
//! international form, or national for the organisation's country), `name`, `team`, `labels`
//! (names separated by `;`), `lifecycle` (`new`, `lead`, `customer`, `inactive`),
//! `marketing consent` (`opted_in`, `opted_out`, `unknown`), and one column per custom
//! contact field, by the field's name.

use super::contact_field::{checked_value, FieldKind};
use super::ContactFieldId;

/// The largest file read (bytes).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most rows one import takes.
pub const MAX_ROWS: usize = 50_000;
/// The most problems reported (the rest are counted).
pub const MAX_PROBLEMS: usize = 200;

/// What the organisation has, by name, that a file may refer to.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Custom contact fields: (id, name, kind).
    pub fields: Vec<(ContactFieldId, String, FieldKind)>,
    /// Labels: (id, name).
    pub labels: Vec<(i64, String)>,
    /// Teams: (id, name).
    pub teams: Vec<(i64, String)>,
    /// The country national numbers are read in (`GB`), if set.
    pub region: Option<phonenumber::country::Id>,
    /// Today, for dates of birth.
    pub today: Option<chrono::NaiveDate>,
}

/// One contact read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    /// The line it came from (1 is the header).
    pub line: usize,
    /// The WhatsApp id: the number in E.164 digits, without `+`.
    pub wa_id: String,
    /// The name, if given.
    pub name: Option<String>,
    /// The team's id, if named.
    pub team: Option<i64>,
    /// Label ids.
    pub labels: Vec<i64>,
    /// Lifecycle stage, if given.
    pub lifecycle: Option<String>,
    /// Marketing consent, if given.
    pub consent: Option<String>,
    /// Custom field values.
    pub fields: Vec<(ContactFieldId, String)>,
}

/// A problem with the file or one of its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (1 is the header); `None` for the file as a whole.
    pub line: Option<usize>,
    /// What is wrong, without the value.
    pub message: String,
}

/// A file read: the rows that can be imported, and what is wrong with the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    /// Good rows, in order.
    pub rows: Vec<ContactRow>,
    /// Problems, in order (at most [`MAX_PROBLEMS`]).
    pub problems: Vec<Problem>,
    /// Lines with a problem (all of them, even past [`MAX_PROBLEMS`]).
    pub bad_lines: usize,
}

impl Sheet {
    fn whole_file(message: impl Into<String>) -> Self {
        Self { problems: vec![Problem { line: None, message: message.into() }], ..Self::default() }
    }

    fn problem(&mut self, line: usize, message: impl Into<String>) {
        self.bad_lines += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem { line: Some(line), message: message.into() });
        }
    }

    /// Whether the file as a whole was refused (nothing can be imported from it).
    pub fn refused(&self) -> bool {
        self.problems.iter().any(|p| p.line.is_none())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Phone,
    Name,
    Team,
    Labels,
    Lifecycle,
    Consent,
    Field(ContactFieldId, FieldKind),
    /// A column without a header (a trailing comma): fine while it stays empty.
    Unnamed,
}

/// `name` without case, spaces, `_` or `-`, for matching headers.
fn key(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn column(header: &str, known: &Known) -> Option<Column> {
    let k = key(header);
    let builtin = match k.as_str() {
        "phone" | "phonenumber" | "whatsapp" | "mobile" => Some(Column::Phone),
        "name" => Some(Column::Name),
        "team" | "store" => Some(Column::Team),
        "labels" | "label" => Some(Column::Labels),
        "lifecycle" | "stage" => Some(Column::Lifecycle),
        "marketingconsent" | "consent" => Some(Column::Consent),
        _ => None,
    };
    builtin.or_else(|| {
        known.fields.iter().find(|(_, n, _)| key(n) == k).map(|(id, _, kind)| Column::Field(*id, *kind))
    })
}

/// The WhatsApp id of `raw`: digits of the E.164 number. National numbers are read in
/// `region`.
pub fn wa_id_of(raw: &str, region: Option<phonenumber::country::Id>) -> Result<String, String> {
    let raw = raw.trim();
    let international = raw.starts_with('+') || raw.starts_with("00");
    let text = raw.strip_prefix("00").map(|r| format!("+{r}")).unwrap_or_else(|| raw.to_owned());
    if !international && region.is_none() {
        return Err(
            "the phone number needs its country code (+44 …): the organisation has no country set".to_owned()
        );
    }
    let number = phonenumber::parse(if international { None } else { region }, &text)
        .map_err(|_| "the phone number cannot be read".to_owned())?;
    let digits = number.format().mode(phonenumber::Mode::E164).to_string().trim_start_matches('+').to_owned();
    // E.164 allows at most 15 digits; `phonenumber` calls some longer German numbers valid.
    if !phonenumber::is_valid(&number) || digits.len() > 15 {
        return Err("the phone number is not a valid number".to_owned());
    }
    Ok(digits)
}

/// Reads `text` as a contacts file.
pub fn read(text: &str, known: &Known) -> Sheet {
    if text.len() > MAX_BYTES {
        return Sheet::whole_file(format!("the file is larger than {} MB", MAX_BYTES / 1024 / 1024));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) if h.iter().any(|c| !c.is_empty()) => h.clone(),
        _ => return Sheet::whole_file("the file has no header row (phone, name, team, …)"),
    };
    let mut columns = Vec::with_capacity(headers.len());
    let mut unknown = Vec::new();
    for h in &headers {
        match column(h, known) {
            Some(c) if c != Column::Unnamed && columns.contains(&c) => {
                return Sheet::whole_file(format!(
                    "the column \"{}\" appears twice",
                    h.chars().take(40).collect::<String>()
                ))
            }
            Some(c) => columns.push(c),
            None if h.is_empty() => columns.push(Column::Unnamed),
            None => unknown.push(h.chars().take(40).collect::<String>()),
        }
    }
    if !unknown.is_empty() {
        return Sheet::whole_file(format!(
            "these columns name nothing known, so their values would be lost: {}. Use phone, name, team, labels, lifecycle, marketing consent or a contact field's name",
            unknown.iter().map(|u| format!("\"{u}\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    if !columns.contains(&Column::Phone) {
        return Sheet::whole_file("the file needs a phone column");
    }
    let mut sheet = Sheet::default();
    let mut seen = std::collections::HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    loop {
        if sheet.rows.len() + sheet.bad_lines >= MAX_ROWS {
            return Sheet::whole_file(format!("the file has more than {MAX_ROWS} rows: split it"));
        }
        match reader.read_record(&mut record) {
            Ok(false) => break,
            // The line the record starts on (the reader skips blank lines itself).
            Ok(true) => line = record.position().map_or(line + 1, |p| line_at(text, p.byte())),
            Err(e) => {
                line = e.position().map_or(line + 1, |p| line_at(text, p.byte()));
                sheet.problem(line, "the line cannot be read as CSV (a quote left open?)");
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > columns.len() {
            sheet
                .problem(line, format!("the line has {} values for {} columns", record.len(), columns.len()));
            continue;
        }
        match row(line, &record, &columns, known) {
            Ok(row) => match seen.insert(row.wa_id.clone(), line) {
                Some(first) => sheet.problem(line, format!("the same phone number as line {first}")),
                None => sheet.rows.push(row),
            },
            Err(message) => sheet.problem(line, message),
        }
    }
    sheet
}

/// The line (from 1) of the record the reader found from byte `at` of `text` on: the reader
/// reports where it started reading, before the blank lines it skips.
fn line_at(text: &str, at: u64) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
}

fn row(
    line: usize,
    record: &csv::StringRecord,
    columns: &[Column],
    known: &Known,
) -> Result<ContactRow, String> {
    let today = known.today.unwrap_or(chrono::NaiveDate::MAX);
    let mut row = ContactRow {
        line,
        wa_id: String::new(),
        name: None,
        team: None,
        labels: Vec::new(),
        lifecycle: None,
        consent: None,
        fields: Vec::new(),
    };
    for (value, column) in record.iter().zip(columns) {
        if value.is_empty() {
            continue;
        }
        match column {
            Column::Unnamed => return Err("a value stands in a column without a header".to_owned()),
            Column::Phone => row.wa_id = wa_id_of(value, known.region)?,
            Column::Name if value.chars().count() > 120 || value.chars().any(char::is_control) => {
                return Err("a name has at most 120 characters, on one line".to_owned())
            }
            Column::Name => row.name = Some(value.to_owned()),
            Column::Team => {
                let team = known.teams.iter().find(|(_, n)| key(n) == key(value));
                row.team = Some(team.ok_or("there is no team of that name")?.0);
            }
            Column::Labels => {
                for name in value.split(';').map(str::trim).filter(|n| !n.is_empty()) {
                    let label = known.labels.iter().find(|(_, n)| key(n) == key(name));
                    let id = label.ok_or("one of the labels does not exist (separate labels with ;)")?.0;
                    if !row.labels.contains(&id) {
                        row.labels.push(id);
                    }
                }
            }
            Column::Lifecycle => {
                let stage = value.to_ascii_lowercase();
                if !["new", "lead", "customer", "inactive"].contains(&stage.as_str()) {
                    return Err("the lifecycle is new, lead, customer or inactive".to_owned());
                }
                row.lifecycle = Some(stage);
            }
            Column::Consent => {
                let state = value.to_ascii_lowercase().replace([' ', '-'], "_");
                if !["opted_in", "opted_out", "unknown"].contains(&state.as_str()) {
                    return Err("marketing consent is opted_in, opted_out or unknown".to_owned());
                }
                row.consent = Some(state);
            }
            Column::Field(id, kind) => {
                if let Some(v) = checked_value(*kind, value, today)? {
                    row.fields.push((*id, v));
                }
            }
        }
    }
    if row.wa_id.is_empty() {
        return Err("the phone number is missing".to_owned());
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn known() -> Known {
        Known {
            fields: vec![
                (ContactFieldId::new(1), "Loyalty tier".to_owned(), FieldKind::Text),
                (ContactFieldId::new(2), "Date of birth".to_owned(), FieldKind::DateOfBirth),
            ],
            labels: vec![(7, "VIP".to_owned()), (8, "Dealer".to_owned())],
            teams: vec![(2, "Leeds".to_owned()), (3, "York".to_owned())],
            region: Some(phonenumber::country::Id::GB),
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 4),
        }
    }

    #[test]
    fn a_good_file_reads_every_column() {
        let file = "\u{feff}Phone,Name,Store,Labels,Stage,Marketing consent,Loyalty tier,Date of birth\n\
                    +44 7911 123456,Ana Souza,leeds,VIP; dealer,customer,opted in,Gold,1990-3-2\n\
                    07911 123457,,York,,,,,\n";
        let sheet = read(file, &known());
        assert_eq!(sheet.problems, vec![]);
        assert_eq!(
            sheet.rows[0],
            ContactRow {
                line: 2,
                wa_id: "447911123456".to_owned(),
                name: Some("Ana Souza".to_owned()),
                team: Some(2),
                labels: vec![7, 8],
                lifecycle: Some("customer".to_owned()),
                consent: Some("opted_in".to_owned()),
                fields: vec![
                    (ContactFieldId::new(1), "Gold".to_owned()),
                    (ContactFieldId::new(2), "1990-03-02".to_owned())
                ],
            }
        );
        assert_eq!((sheet.rows[1].wa_id.as_str(), sheet.rows[1].team), ("447911123457", Some(3)));
    }

    #[rstest]
    #[case::bad_number("phone\n+44 12\n", "not a valid number")]
    #[case::letters("phone\ncall me\n", "cannot be read")]
    #[case::missing_number("phone,name\n,Ana\n", "missing")]
    #[case::no_such_team("phone,team\n+447911123456,Hull\n", "no team of that name")]
    #[case::no_such_label("phone,labels\n+447911123456,VIP;Gold\n", "labels does not exist")]
    #[case::bad_stage("phone,lifecycle\n+447911123456,prospect\n", "new, lead, customer or inactive")]
    #[case::bad_consent("phone,consent\n+447911123456,maybe\n", "opted_in, opted_out or unknown")]
    #[case::bad_date("phone,date of birth\n+447911123456,12/03/1990\n", "year-month-day")]
    #[case::too_many_values("phone,name\n+447911123456,Ana,extra\n", "3 values for 2 columns")]
    #[case::under_no_header("phone,\n+447911123456,Gold\n", "without a header")]
    #[case::twice("phone\n+447911123456\n+44 7911 123456\n", "same phone number as line 2")]
    fn a_bad_line_is_reported_by_number_without_its_value(#[case] file: &str, #[case] why: &str) {
        let sheet = read(file, &known());
        let problem = sheet.problems.last().unwrap_or_else(|| panic!("accepted {file:?}"));
        assert!(problem.message.contains(why), "{problem:?}");
        assert!(problem.line.is_some());
        assert!(!problem.message.contains("7911"), "the value is not repeated: {problem:?}");
    }

    #[rstest]
    #[case::unknown_column("phone,shoe size\n+447911123456,9\n", "\"shoe size\"")]
    #[case::no_phone_column("name\nAna\n", "needs a phone column")]
    #[case::empty("", "no header row")]
    #[case::column_twice("phone,mobile\n1,2\n", "appears twice")]
    fn a_file_that_would_lose_data_is_refused_whole(#[case] file: &str, #[case] why: &str) {
        let sheet = read(file, &known());
        assert!(sheet.refused() && sheet.rows.is_empty(), "{sheet:?}");
        assert!(sheet.problems[0].message.contains(why), "{:?}", sheet.problems);
    }

    #[test]
    fn national_numbers_need_the_organisations_country() {
        let sheet = read("phone\n07911 123456\n", &Known { region: None, ..known() });
        assert!(sheet.problems[0].message.contains("country code"), "{:?}", sheet.problems);
        assert_eq!(read("phone\n0085291234567\n", &known()).rows[0].wa_id, "85291234567");
    }

    #[test]
    fn blank_lines_are_skipped_and_problems_are_capped_but_counted() {
        let mut file = "phone\n\n".to_owned();
        for _ in 0..(MAX_PROBLEMS + 5) {
            file.push_str("nope\n");
        }
        let sheet = read(&file, &known());
        assert_eq!((sheet.problems.len(), sheet.bad_lines), (MAX_PROBLEMS, MAX_PROBLEMS + 5));
        assert_eq!(sheet.problems[0].line, Some(3));
    }
}
