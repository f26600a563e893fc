//! The person's files kept in the browser between visits, as plain data: what a kept
//! entry must hold to be used, which data the page starts with (the kept files, or the
//! demo data and why), and the words for what is kept. Pure, so it is tested natively;
//! the page's `ui/storage.rs` reads and writes the entry (IndexedDB), and `ui/kept.rs`
//! acts on it.
//!
//! Nothing here leaves the browser: the files are kept where the page reads them, in the
//! browser's own storage for the page's origin, until the person forgets them.

use crate::telemetry::MAX_FILE_BYTES;
use crate::view_state::DataKind;

/// The layout of a kept entry. An entry of another layout is not read (it is removed, and
/// the next upload is kept in this one).
pub const LAYOUT: u32 = 1;

/// The longest file name kept (a file system's usual limit).
pub const MAX_NAME_CHARS: usize = 255;

/// What is kept beside the files' bytes: their names and when they were loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptFiles {
    pub telemetry: String,
    pub events: Option<String>,
    /// When the files were loaded, in milliseconds since 1970-01-01 UTC.
    pub loaded_at_ms: f64,
    /// Their bytes in all.
    pub bytes: f64,
}

/// One file of an entry as the browser read it, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum RawFile {
    /// No value (no events file was loaded).
    Missing,
    /// A value that is not a file.
    NotAFile,
    File {
        name: String,
        bytes: f64,
    },
}

/// A kept entry as the browser read it, before it is checked: any field may be missing or
/// of another type (an older page's layout, storage another page of the origin wrote).
#[derive(Debug, Clone, PartialEq)]
pub struct RawEntry {
    pub layout: Option<f64>,
    pub telemetry: RawFile,
    pub events: RawFile,
    pub loaded_at_ms: Option<f64>,
}

fn check_file(which: &str, file: RawFile) -> Result<Option<(String, f64)>, String> {
    match file {
        RawFile::Missing => Ok(None),
        RawFile::NotAFile => Err(format!("its {which} entry is not a file")),
        RawFile::File { name, bytes } => {
            if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
                Err(format!("its {which} file has no usable name"))
            } else if !(0.0..=MAX_FILE_BYTES as f64).contains(&bytes) {
                Err(format!("its {which} file is over the size limit"))
            } else {
                Ok(Some((name, bytes)))
            }
        }
    }
}

impl RawEntry {
    /// The entry's files and when they were loaded, or why it cannot be used.
    pub fn check(self) -> Result<KeptFiles, String> {
        if self.layout != Some(LAYOUT as f64) {
            return Err("it was written by another version of the page".into());
        }
        let telemetry = check_file("telemetry", self.telemetry)?
            .ok_or_else(|| "its telemetry file is missing".to_string())?;
        let events = check_file("events", self.events)?;
        let loaded_at_ms = self
            .loaded_at_ms
            .filter(|t| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| "it does not say when the files were loaded".to_string())?;
        Ok(KeptFiles {
            bytes: telemetry.1 + events.as_ref().map_or(0.0, |e| e.1),
            telemetry: telemetry.0,
            events: events.map(|e| e.0),
            loaded_at_ms,
        })
    }
}

impl KeptFiles {
    /// "telemetry.csv and events.csv", or "telemetry.csv".
    pub fn names(&self) -> String {
        match &self.events {
            Some(events) => format!("{} and {events}", self.telemetry),
            None => self.telemetry.clone(),
        }
    }

    /// When the files were loaded, to the minute in UTC ("2026-05-03 14:05 UTC").
    pub fn loaded_on(&self) -> String {
        use chrono::Timelike;
        // Written by hand rather than with a format string, which would add chrono's
        // formatter to the page's module.
        chrono::DateTime::from_timestamp_millis(self.loaded_at_ms as i64)
            .map_or_else(String::new, |t| {
                format!("{} {:02}:{:02} UTC", t.date_naive(), t.hour(), t.minute())
            })
    }

    /// "are", "them", "They" for two files; "is", "it", "It" for one.
    fn pronouns(&self) -> (&'static str, &'static str, &'static str) {
        match self.events {
            Some(_) => ("are", "them", "They"),
            None => ("is", "it", "It"),
        }
    }

    /// Whether these are the files named: the ones a source of files was read from.
    pub fn are(&self, telemetry: &str, events: Option<&str>) -> bool {
        self.telemetry == telemetry && self.events.as_deref() == events
    }
}

/// What the browser holds for the page, as read at start-up.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// Nothing kept.
    Nothing,
    Files(KeptFiles),
    /// An entry that cannot be used, and why.
    Unreadable(String),
    /// The browser does not let the page keep anything (storage turned off), and why.
    Unavailable(String),
}

/// The data the page starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The files kept in this browser.
    Kept,
    /// The bundled demo data.
    Demo,
}

/// What the page does at start-up, and what it says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct StartPlan {
    pub start: Start,
    /// Said above the results until dismissed.
    pub notice: Option<String>,
    /// Whether the kept entry is removed (it cannot be used).
    pub forget: bool,
}

/// The notice of a link made with uploaded files opened where they are not kept.
pub const LINK_WITHOUT_FILES: &str = "This link was made with files uploaded in another browser; showing the demo data. Upload the same files to see that view.";

/// Which data the page starts with, given the data the link was made with (`wanted`) and
/// what this browser keeps. Kept files are the person's own, so they are analysed whenever
/// they exist; otherwise the demo data, and a link made with uploaded files says that they
/// are not here.
pub fn plan_start(wanted: DataKind, found: &Found) -> StartPlan {
    let link = (wanted == DataKind::Upload).then(|| LINK_WITHOUT_FILES.to_string());
    match found {
        Found::Files(_) => StartPlan {
            start: Start::Kept,
            notice: None,
            forget: false,
        },
        Found::Nothing => StartPlan {
            start: Start::Demo,
            notice: link,
            forget: false,
        },
        Found::Unreadable(why) => StartPlan {
            start: Start::Demo,
            notice: Some(format!(
                "The files kept in this browser could not be read ({why}), so they were removed; showing the demo data.{}",
                if link.is_some() { " Upload the files again to see this link's view." } else { "" }
            )),
            forget: true,
        },
        Found::Unavailable(why) => StartPlan {
            start: Start::Demo,
            notice: link.map(|_| {
                format!(
                    "This link was made with uploaded files, and this browser keeps none for the page ({why}); showing the demo data. Upload the same files to see that view."
                )
            }),
            forget: false,
        },
    }
}

/// The notice when kept files were read but could not be analysed. A file the engine
/// refuses would be refused at every visit, so it is removed (`removed`); an engine that
/// stopped may do better next time, so the files stay.
pub fn kept_not_analysed(names: &str, why: &str, removed: bool) -> String {
    if removed {
        format!(
            "The files kept in this browser ({names}) could not be analysed, so they were removed; showing the demo data.\n{why}"
        )
    } else {
        format!(
            "The files kept in this browser ({names}) could not be analysed this time ({why}); showing the demo data. They are still kept: reload to try again, or forget them on the Data view."
        )
    }
}

/// Why files could not be kept, from the browser's error (a `DOMException`'s name and
/// message). Running out of room is the usual one, and is said plainly.
pub fn not_kept_reason(error_name: &str, message: &str, bytes: f64) -> String {
    if error_name == "QuotaExceededError" {
        format!(
            "this browser has no room for {} more for the page",
            human_bytes(bytes)
        )
    } else if message.trim().is_empty() {
        format!("the browser refused to store them ({error_name})")
    } else {
        format!(
            "the browser refused to store them ({error_name}: {})",
            message.trim()
        )
    }
}

/// Bytes as people say them: "512 bytes", "1.5 KB", "48 MB".
pub fn human_bytes(bytes: f64) -> String {
    let (value, unit) = match bytes {
        b if b < 1e3 => return format!("{b:.0} bytes"),
        b if b < 1e6 => (b / 1e3, "KB"),
        b => (b / 1e6, "MB"),
    };
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

/// Where the person's files stand with the browser's storage, for the Data view and the
/// overview's line about the data.
#[derive(Debug, Clone, PartialEq)]
pub enum Keeping {
    /// Start-up is still reading what is kept.
    Checking,
    /// Nothing is kept.
    Nothing,
    /// Files being stored.
    Saving(KeptFiles),
    /// Files kept in this browser.
    Kept(KeptFiles),
    /// Files that could not be kept, and why; they are analysed but a reload loses them.
    NotKept { files: KeptFiles, why: String },
    /// The browser keeps nothing for the page, and why.
    Unavailable(String),
}

impl Keeping {
    /// The files kept, if any.
    pub fn kept(&self) -> Option<&KeptFiles> {
        match self {
            Keeping::Kept(files) => Some(files),
            _ => None,
        }
    }

    /// What the Data view says about it.
    pub fn describe(&self) -> String {
        match self {
            Keeping::Checking => "Looking for files kept in this browser…".into(),
            Keeping::Nothing => "No files are kept in this browser. Files you load here are kept in it (in its own storage for this page, never sent anywhere), so that a reload or a link opened here shows them again, until you forget them.".into(),
            Keeping::Saving(files) => format!("Keeping {} in this browser…", files.names()),
            Keeping::Kept(files) => {
                let (are, them, they) = files.pronouns();
                format!(
                    "{} (loaded {}, {}) {are} kept in this browser's own storage for this page, so that a reload or a link opened here shows {them} again. Nothing is sent anywhere. {they} stay{} until you forget {them} here.",
                    files.names(),
                    files.loaded_on(),
                    human_bytes(files.bytes),
                    if files.events.is_some() { "" } else { "s" },
                )
            }
            Keeping::NotKept { files, why } => {
                let (are, _, they) = files.pronouns();
                format!(
                    "{} could not be kept in this browser: {why}. {they} {are} analysed now, but a reload will show the demo data.",
                    files.names()
                )
            }
            Keeping::Unavailable(why) => format!(
                "This browser does not let the page keep files ({why}): files you load are analysed, and a reload shows the demo data."
            ),
        }
    }

    /// What the overview's data line adds about the files `telemetry` and `events` shown.
    pub fn of_files_shown(&self, telemetry: &str, events: Option<&str>) -> &'static str {
        match self {
            Keeping::Kept(files) if files.are(telemetry, events) => "kept in this browser",
            Keeping::Saving(files) if files.are(telemetry, events) => "being kept in this browser",
            Keeping::NotKept { files, .. } if files.are(telemetry, events) => {
                "not kept: a reload shows the demo"
            }
            Keeping::Unavailable(_) => "not kept: a reload shows the demo",
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, bytes: f64) -> RawFile {
        RawFile::File {
            name: name.into(),
            bytes,
        }
    }

    fn entry() -> RawEntry {
        RawEntry {
            layout: Some(1.0),
            telemetry: file("telemetry.csv", 2_000.0),
            events: file("events.csv", 500.0),
            loaded_at_ms: Some(1_780_000_000_000.0),
        }
    }

    #[test]
    fn a_whole_entry_is_read_back() {
        let kept = entry().check().unwrap();
        assert_eq!(kept.names(), "telemetry.csv and events.csv");
        assert_eq!(kept.bytes, 2_500.0);
        assert_eq!(kept.loaded_on(), "2026-05-28 20:26 UTC");
        assert!(kept.are("telemetry.csv", Some("events.csv")));
        assert!(!kept.are("telemetry.csv", None));
        let alone = RawEntry {
            events: RawFile::Missing,
            ..entry()
        };
        let kept = alone.check().unwrap();
        assert_eq!((kept.names(), kept.events), ("telemetry.csv".into(), None));
    }

    #[test]
    fn an_entry_that_cannot_be_used_says_why() {
        let cases = [
            (
                RawEntry {
                    layout: None,
                    ..entry()
                },
                "another version",
            ),
            (
                RawEntry {
                    layout: Some(2.0),
                    ..entry()
                },
                "another version",
            ),
            (
                RawEntry {
                    telemetry: RawFile::Missing,
                    ..entry()
                },
                "telemetry file is missing",
            ),
            (
                RawEntry {
                    telemetry: RawFile::NotAFile,
                    ..entry()
                },
                "telemetry entry is not a file",
            ),
            (
                RawEntry {
                    events: RawFile::NotAFile,
                    ..entry()
                },
                "events entry is not a file",
            ),
            (
                RawEntry {
                    telemetry: file(" ", 10.0),
                    ..entry()
                },
                "no usable name",
            ),
            (
                RawEntry {
                    telemetry: file(&"x".repeat(256), 10.0),
                    ..entry()
                },
                "no usable name",
            ),
            (
                RawEntry {
                    events: file("events.csv", -1.0),
                    ..entry()
                },
                "size limit",
            ),
            (
                RawEntry {
                    telemetry: file("t.csv", f64::NAN),
                    ..entry()
                },
                "size limit",
            ),
            (
                RawEntry {
                    telemetry: file("t.csv", 3e8),
                    ..entry()
                },
                "size limit",
            ),
            (
                RawEntry {
                    loaded_at_ms: None,
                    ..entry()
                },
                "when the files were loaded",
            ),
            (
                RawEntry {
                    loaded_at_ms: Some(f64::INFINITY),
                    ..entry()
                },
                "when the files were loaded",
            ),
        ];
        for (raw, why) in cases {
            let described = format!("{raw:?}");
            let error = raw.check().expect_err(&described);
            assert!(error.contains(why), "{described}: {error}");
        }
    }

    #[test]
    fn the_page_starts_with_kept_files_whatever_the_link_says() {
        let kept = Found::Files(entry().check().unwrap());
        for wanted in [DataKind::Demo, DataKind::Upload] {
            let plan = plan_start(wanted, &kept);
            assert_eq!(
                (plan.start, plan.notice, plan.forget),
                (Start::Kept, None, false)
            );
        }
    }

    #[test]
    fn without_kept_files_the_demo_shows_and_a_link_of_uploads_says_so() {
        let plan = plan_start(DataKind::Demo, &Found::Nothing);
        assert_eq!(
            (plan.start, plan.notice, plan.forget),
            (Start::Demo, None, false)
        );
        let plan = plan_start(DataKind::Upload, &Found::Nothing);
        assert_eq!(plan.start, Start::Demo);
        assert_eq!(plan.notice.as_deref(), Some(LINK_WITHOUT_FILES));

        // A browser that keeps nothing says so only when the link needs files.
        let off = Found::Unavailable("storage is turned off".into());
        assert_eq!(plan_start(DataKind::Demo, &off).notice, None);
        let plan = plan_start(DataKind::Upload, &off);
        assert_eq!((plan.start, plan.forget), (Start::Demo, false));
        let notice = plan.notice.unwrap();
        assert!(
            notice.contains("storage is turned off") && notice.contains("demo data"),
            "{notice}"
        );
    }

    #[test]
    fn an_unreadable_entry_is_removed_and_the_demo_shows_with_a_notice() {
        for wanted in [DataKind::Demo, DataKind::Upload] {
            let plan = plan_start(
                wanted,
                &Found::Unreadable("its telemetry file is missing".into()),
            );
            assert_eq!((plan.start, plan.forget), (Start::Demo, true));
            let notice = plan.notice.unwrap();
            assert!(
                notice.contains("its telemetry file is missing") && notice.contains("demo data"),
                "{notice}"
            );
            assert_eq!(
                notice.contains("this link"),
                wanted == DataKind::Upload,
                "{notice}"
            );
        }
    }

    #[test]
    fn what_the_page_says_about_kept_files() {
        let kept = entry().check().unwrap();
        expect_test::expect![[r#"
            telemetry.csv and events.csv (loaded 2026-05-28 20:26 UTC, 2.5 KB) are kept in this browser's own storage for this page, so that a reload or a link opened here shows them again. Nothing is sent anywhere. They stay until you forget them here."#]]
        .assert_eq(&Keeping::Kept(kept.clone()).describe());
        let big = KeptFiles {
            telemetry: "big.csv".into(),
            events: None,
            bytes: 48e6,
            ..kept.clone()
        };
        let full = Keeping::NotKept {
            why: not_kept_reason(
                "QuotaExceededError",
                "The quota has been exceeded.",
                big.bytes,
            ),
            files: big.clone(),
        };
        expect_test::expect![[r#"
            big.csv could not be kept in this browser: this browser has no room for 48 MB more for the page. It is analysed now, but a reload will show the demo data."#]]
        .assert_eq(&full.describe());
        expect_test::expect![[r#"
            big.csv (loaded 2026-05-28 20:26 UTC, 48 MB) is kept in this browser's own storage for this page, so that a reload or a link opened here shows it again. Nothing is sent anywhere. It stays until you forget it here."#]]
        .assert_eq(&Keeping::Kept(big).describe());
        assert_eq!(
            not_kept_reason("UnknownError", " disk gone ", 1.0),
            "the browser refused to store them (UnknownError: disk gone)"
        );
        assert_eq!(
            Keeping::Kept(kept.clone()).of_files_shown("telemetry.csv", Some("events.csv")),
            "kept in this browser"
        );
        assert_eq!(
            Keeping::Kept(kept.clone()).of_files_shown("other.csv", None),
            ""
        );
        assert_eq!(
            full.of_files_shown("big.csv", None),
            "not kept: a reload shows the demo"
        );
        assert_eq!(full.of_files_shown("other.csv", None), "");
        assert_eq!(Keeping::Nothing.of_files_shown("t.csv", None), "");
        let analysed = kept_not_analysed(
            "t.csv",
            "t.csv: line 1: missing required column(s): crash_rate",
            true,
        );
        assert!(
            analysed.contains("removed") && analysed.contains("line 1"),
            "{analysed}"
        );
        let crashed = kept_not_analysed("t.csv", "out of memory", false);
        assert!(
            crashed.contains("still kept") && crashed.contains("forget"),
            "{crashed}"
        );
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        let said: Vec<String> = [0.0, 999.0, 1_500.0, 999_499.0, 1_500_000.0, 48e6, 2.5e8]
            .into_iter()
            .map(human_bytes)
            .collect();
        assert_eq!(
            said,
            [
                "0 bytes",
                "999 bytes",
                "1.5 KB",
                "999 KB",
                "1.5 MB",
                "48 MB",
                "250 MB"
            ]
        );
    }
}
