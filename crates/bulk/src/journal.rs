//! The result file: a JSON line per step of each row, appended as the run goes.
//!
//! A step is written before anything relies on it (`creating` before the create is sent), so a
//! run killed at any point is resumed from the last line of each customer: a `creating` line
//! without a `created` one makes the next run look the relationship up before creating one. The
//! last line of each customer is that row's result; a run resumes from its last step that is not a
//! failure. A line cut short by a crash is ignored.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use tokio::sync::Mutex;

/// How far a row got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// A create is about to be sent.
    Creating,
    /// The relationship exists (`created`).
    Created,
    /// It is locked for the customer's approval.
    Locked,
    /// The invitation went out (mailed, or written to the links file).
    Invited,
    /// The customer approved; the groups got their roles.
    Assigned,
    /// The row could not be done (see `error`); a later run tries it again.
    Failed,
    /// A renewal is done: the new relationship is active with its assignments, and the one it
    /// replaces was ended.
    Replaced,
}

/// One line of the result file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The row of the customers file.
    pub row: usize,
    /// The customer, when the row named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The step reached.
    pub step: Step,
    /// The relationship.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_id: Option<String>,
    /// The name of a renewal's relationship (kept: it names the day the renewal began).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a renewal, the relationship it replaces once active (none for a customer without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Whether the record belongs to a renewal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub renewal: bool,
    /// The field at fault, for a failure of the row itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What went wrong, for a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When (UTC).
    pub at: String,
}

impl Record {
    /// Whether it belongs to a renewal not yet finished.
    pub fn renewing(&self) -> bool {
        self.renewal && self.step != Step::Replaced
    }

    /// A record of `step` now.
    pub fn new(row: usize, tenant: &str, step: Step, relationship: Option<&str>) -> Self {
        Self {
            row,
            tenant_id: Some(tenant.to_owned()),
            step,
            relationship_id: relationship.map(str::to_owned),
            name: None,
            replaces: None,
            renewal: false,
            field: None,
            error: None,
            at: now(),
        }
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Where records go besides a file: a job's records kept by the server, for instance.
#[async_trait::async_trait]
pub trait RecordSink: Send + Sync {
    /// Appends one line (a record as JSON, without its newline); kept when this returns.
    async fn append(&self, line: String) -> std::io::Result<()>;
}

enum Target {
    /// `--dry-run`: nothing is recorded.
    Nowhere,
    File(Mutex<std::fs::File>),
    Sink(std::sync::Arc<dyn RecordSink>),
}

/// The open result file (or another place records are kept).
pub struct Journal {
    target: Target,
}

/// Where earlier runs left each customer: its last record that is not a failure.
pub type Progress = HashMap<String, Record>;

impl Journal {
    /// What earlier runs recorded in the result file (nothing when there is none).
    pub fn read(path: &Path) -> std::io::Result<Progress> {
        Ok(Self::load(path)?.1)
    }

    fn load(path: &Path) -> std::io::Result<(bool, Progress)> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        let progress = Self::progress(bytes.split(|b| *b == b'\n'));
        Ok((bytes.last().is_some_and(|b| *b != b'\n'), progress))
    }

    /// Where the records given (lines of JSON, in the order written) leave each customer; a line
    /// that is not a record (cut short by a crash) is skipped.
    pub fn progress<L: AsRef<[u8]>>(lines: impl IntoIterator<Item = L>) -> Progress {
        let mut progress = Progress::new();
        for line in lines {
            if let Ok(r) = serde_json::from_slice::<Record>(line.as_ref()) {
                // A failure is a result, not a place to resume from.
                if let (Some(t), false) = (r.tenant_id.clone(), r.step == Step::Failed) {
                    progress.insert(t, r);
                }
            }
        }
        progress
    }

    /// Opens (or creates) the result file and reads what earlier runs recorded.
    pub fn open(path: &Path) -> std::io::Result<(Self, Progress)> {
        let (cut, progress) = Self::load(path)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        if cut {
            // The line a crash cut short stays alone on its line.
            file.write_all(b"\n")?;
        }
        Ok((
            Self {
                target: Target::File(Mutex::new(file)),
            },
            progress,
        ))
    }

    /// A journal that records nothing (for `--dry-run`).
    pub fn none() -> Self {
        Self {
            target: Target::Nowhere,
        }
    }

    /// A journal whose records go to `sink`.
    pub fn to_sink(sink: std::sync::Arc<dyn RecordSink>) -> Self {
        Self {
            target: Target::Sink(sink),
        }
    }

    /// Appends a record; it is in the file (the operating system's), or kept by the sink, when
    /// this returns.
    pub async fn write(&self, record: &Record) -> std::io::Result<()> {
        let file = match &self.target {
            Target::Nowhere => return Ok(()),
            Target::Sink(sink) => {
                let line = serde_json::to_string(record).map_err(std::io::Error::other)?;
                return sink.append(line).await;
            }
            Target::File(file) => file,
        };
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = file.lock().await;
        f.write_all(&line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_last_line_of_each_customer_is_its_progress_and_a_cut_line_is_skipped() {
        let dir = std::env::temp_dir().join(format!("gdap-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("results.jsonl");
        let _ = std::fs::remove_file(&path);
        {
            let (j, p) = Journal::open(&path).unwrap();
            assert!(p.is_empty());
            j.write(&Record::new(2, "t1", Step::Creating, None))
                .await
                .unwrap();
            j.write(&Record::new(2, "t1", Step::Created, Some("r1")))
                .await
                .unwrap();
            j.write(&Record::new(3, "t2", Step::Creating, None))
                .await
                .unwrap();
        }
        // A crash in the middle of a line.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"row\":3,\"tenantId\":\"t2\",\"st").unwrap();
        drop(f);
        let (j, p) = Journal::open(&path).unwrap();
        assert_eq!(p["t1"].step, Step::Created);
        assert_eq!(p["t1"].relationship_id.as_deref(), Some("r1"));
        assert_eq!(p["t2"].step, Step::Creating);
        j.write(&Record::new(3, "t2", Step::Created, Some("r2")))
            .await
            .unwrap();
        drop(j);
        let (_, p) = Journal::open(&path).unwrap();
        assert_eq!(p["t2"].step, Step::Created);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
