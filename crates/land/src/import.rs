//! Bulk import of parcels and certificates from CSV files in the layout of [`crate::row`].
//!
//! A reader thread parses and checks every row; the async writer commits valid rows in batches,
//! each batch together with the run's byte offset and the rows the database refused in context
//! (a certificate naming a parcel it does not hold). So a run killed at any moment resumes after
//! its last committed batch, and a row is either written whole or not at all. Rejected rows go
//! to a report (line, column, reason). The same file imported again changes nothing and reports
//! every valid row as unchanged.

use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::certificate::Certificate;
use crate::error::{FieldError, LandError};
use crate::parcel::Parcel;
use crate::row::{
    CERTIFICATE_FIELDS, CERTIFICATE_REQUIRED, CertificateRow, PARCEL_FIELDS, PARCEL_REQUIRED,
    ParcelRow,
};
use crate::store::{
    BatchOutcome, BatchResult, ImportBatch, ImportKind, LandStore, Reject, RunStart,
};

/// Longest CSV record accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How to run an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Parcels or certificates.
    pub kind: ImportKind,
    /// Valid rows per committed batch.
    pub batch_size: usize,
    /// The date checks treat as today (no certificate issued after it).
    pub today: NaiveDate,
    /// Where to write rejected rows; `<file>.rejects.csv` when `None`.
    pub reject_report: Option<PathBuf>,
}

/// Progress figures for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportProgress {
    /// File size in bytes.
    pub total_bytes: u64,
    /// Bytes read and committed so far.
    pub bytes_read: u64,
    /// Valid rows committed by this call (a resumed run's earlier work excluded).
    pub rows_committed: u64,
}

/// Receives progress updates; called after each committed batch.
pub type ProgressFn = Arc<dyn Fn(ImportProgress) + Send + Sync>;

/// What a finished import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    /// The run number (the same number when a killed run was resumed).
    pub run_id: i64,
    /// Whether this call resumed an unfinished run.
    pub resumed: bool,
    /// Data lines read (header excluded).
    pub lines: u64,
    /// Totals over the whole run, including work done before a resume.
    pub outcome: BatchOutcome,
    /// Rows rejected; see the report.
    pub rejected: u64,
    /// The reject report's path (left on disk only when a row was rejected).
    pub report: PathBuf,
    /// Wall-clock seconds this call took.
    pub seconds: f64,
}

type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<BatchResult, LandError>> + Send + 'a>>;

/// A record type the importer can load.
trait Importable: Sized + Send + 'static {
    type Row: Default + Send;
    const FIELDS: &'static [&'static str];
    const REQUIRED: &'static [&'static str];
    /// The column duplicates are reported against.
    const KEY_FIELD: &'static str;
    fn set(row: &mut Self::Row, field: &str, value: &str);
    fn parse(row: &Self::Row, today: NaiveDate) -> Result<Self, Vec<FieldError>>;
    fn key(&self) -> String;
    fn write<'a>(store: &'a dyn LandStore, batch: &'a ImportBatch<Self>) -> WriteFuture<'a>;
}

impl Importable for Parcel {
    type Row = ParcelRow;
    const FIELDS: &'static [&'static str] = &PARCEL_FIELDS;
    const REQUIRED: &'static [&'static str] = &PARCEL_REQUIRED;
    const KEY_FIELD: &'static str = "parcel_number";
    fn set(row: &mut ParcelRow, field: &str, value: &str) {
        row.set(field, value);
    }
    fn parse(row: &ParcelRow, _today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        row.parse()
    }
    fn key(&self) -> String {
        self.key.to_string()
    }
    fn write<'a>(store: &'a dyn LandStore, batch: &'a ImportBatch<Self>) -> WriteFuture<'a> {
        store.import_parcels(batch)
    }
}

impl Importable for Certificate {
    type Row = CertificateRow;
    const FIELDS: &'static [&'static str] = &CERTIFICATE_FIELDS;
    const REQUIRED: &'static [&'static str] = &CERTIFICATE_REQUIRED;
    const KEY_FIELD: &'static str = "serial";
    fn set(row: &mut CertificateRow, field: &str, value: &str) {
        row.set(field, value);
    }
    fn parse(row: &CertificateRow, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        row.parse(today)
    }
    fn key(&self) -> String {
        self.serial.to_string()
    }
    fn write<'a>(store: &'a dyn LandStore, batch: &'a ImportBatch<Self>) -> WriteFuture<'a> {
        store.import_certificates(batch)
    }
}

/// Imports `path`; see the module documentation for the guarantees.
pub async fn import_file(
    store: Arc<dyn LandStore>,
    path: &Path,
    options: &ImportOptions,
    progress: Option<ProgressFn>,
) -> Result<ImportSummary, LandError> {
    match options.kind {
        ImportKind::Parcels => run::<Parcel>(store, path, options, progress).await,
        ImportKind::Certificates => run::<Certificate>(store, path, options, progress).await,
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LandError + '_ {
    move |source| LandError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// SHA-256 and size of the file, after checking its header: a file whose header is wrong is
/// refused before anything, even a run, is recorded.
fn inspect<T: Importable>(path: &Path) -> Result<(String, u64), LandError> {
    header::<T>(&mut csv_reader(File::open(path).map_err(io_error(path))?))?;
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io_error(path))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((hex::encode(hasher.finalize()), total))
}

fn csv_reader(file: File) -> csv::Reader<BufReader<File>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, file))
}

/// Reads and checks the header row: known columns, each once, the required ones present.
fn header<T: Importable>(csv: &mut csv::Reader<impl Read>) -> Result<Vec<String>, LandError> {
    let mut record = csv::ByteRecord::new();
    let names: Vec<String> = match csv.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_owned()
            })
            .collect(),
        Ok(false) => return Err(LandError::ImportFile("the file is empty".into())),
        Err(e) => {
            return Err(LandError::ImportFile(format!(
                "cannot read the header: {e}"
            )));
        }
    };
    for (i, name) in names.iter().enumerate() {
        if !T::FIELDS.contains(&name.as_str()) {
            return Err(LandError::ImportFile(format!(
                "the header names {name:?}, which is not a column of this file; the columns are: {}",
                T::FIELDS.join(", ")
            )));
        }
        if names[..i].contains(name) {
            return Err(LandError::ImportFile(format!(
                "the header names {name:?} twice"
            )));
        }
    }
    if let Some(missing) = T::REQUIRED.iter().find(|r| !names.iter().any(|n| n == *r)) {
        return Err(LandError::ImportFile(format!(
            "the header lacks the required column {missing:?}"
        )));
    }
    Ok(names)
}

/// What the reader thread sends the writer, in file order.
enum Item<T> {
    /// A valid row to write.
    Row { line: u64, end: u64, value: T },
    /// A row refused by the checks.
    Reject(Vec<Reject>),
}

async fn run<T: Importable>(
    store: Arc<dyn LandStore>,
    path: &Path,
    options: &ImportOptions,
    progress: Option<ProgressFn>,
) -> Result<ImportSummary, LandError> {
    let started = Instant::now();
    let owned = path.to_path_buf();
    let (sha, total_bytes) = tokio::task::spawn_blocking(move || inspect::<T>(&owned))
        .await
        .expect("the inspecting thread panicked")?;
    let run = store
        .open_run(&RunStart {
            kind: options.kind,
            file_name: path.display().to_string(),
            file_sha256: sha,
            now_ms: now_ms(),
        })
        .await?;
    let report_path = options
        .reject_report
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.rejects.csv", path.display())));
    let mut report = Report::create(&report_path)?;
    // Rows refused in context by batches an earlier attempt of this run committed.
    for reject in store.run_rejects(run.run_id).await? {
        report.write(&[reject])?;
    }

    let (tx, mut rx) = mpsc::channel::<Item<T>>(1024);
    let reader = {
        let path = path.to_path_buf();
        let today = options.today;
        let skip_until = run.committed_offset;
        tokio::task::spawn_blocking(move || read_rows::<T>(&path, today, skip_until, &tx))
    };

    let batch_size = options.batch_size.max(1);
    let mut outcome = run.outcome;
    let mut rows: Vec<(u64, T)> = Vec::with_capacity(batch_size);
    let mut end = 0u64;
    let mut committed = 0u64;
    let mut failure = None;
    loop {
        let item = rx.recv().await;
        let done = item.is_none();
        match item {
            Some(Item::Reject(rejects)) => report.write(&rejects)?,
            Some(Item::Row {
                line,
                end: e,
                value,
            }) => {
                rows.push((line, value));
                end = e;
            }
            None => {}
        }
        if rows.len() >= batch_size || (done && !rows.is_empty()) {
            let batch = ImportBatch {
                run_id: run.run_id,
                rows: std::mem::replace(&mut rows, Vec::with_capacity(batch_size)),
                end_offset: end,
                now_ms: now_ms(),
            };
            match T::write(store.as_ref(), &batch).await {
                Ok(result) => {
                    outcome += result.outcome;
                    report.write(&result.rejects)?;
                    committed += batch.rows.len() as u64;
                    if let Some(p) = &progress {
                        p(ImportProgress {
                            total_bytes,
                            bytes_read: end,
                            rows_committed: committed,
                        });
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if done {
            break;
        }
    }
    drop(rx);
    let read = reader.await.expect("the reader thread panicked");
    if let Some(e) = failure {
        return Err(e);
    }
    let lines = read?;
    store.finish_run(run.run_id, now_ms()).await?;
    let rejected = report.finish()?;
    Ok(ImportSummary {
        run_id: run.run_id,
        resumed: run.resumed,
        lines,
        outcome,
        rejected,
        report: report_path,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The reject report: a CSV of (line, field, reason), removed when no row was rejected.
struct Report {
    path: PathBuf,
    writer: csv::Writer<File>,
    lines: std::collections::HashSet<u64>,
}

impl Report {
    fn create(path: &Path) -> Result<Report, LandError> {
        let file = File::create(path).map_err(io_error(path))?;
        let mut writer = csv::Writer::from_writer(file);
        writer
            .write_record(["line", "field", "reason"])
            .map_err(|e| Self::error(path, e))?;
        Ok(Report {
            path: path.to_path_buf(),
            writer,
            lines: Default::default(),
        })
    }

    fn error(path: &Path, e: csv::Error) -> LandError {
        LandError::Io {
            path: path.display().to_string(),
            source: e.into(),
        }
    }

    fn write(&mut self, rejects: &[Reject]) -> Result<(), LandError> {
        for r in rejects {
            self.lines.insert(r.line);
            self.writer
                .write_record([r.line.to_string().as_str(), &r.field, &r.reason])
                .map_err(|e| Self::error(&self.path, e))?;
        }
        Ok(())
    }

    /// Flushes the report, or removes it when empty; returns the number of rejected rows.
    fn finish(mut self) -> Result<u64, LandError> {
        self.writer.flush().map_err(io_error(&self.path))?;
        if self.lines.is_empty() {
            std::fs::remove_file(&self.path).map_err(io_error(&self.path))?;
        }
        Ok(self.lines.len() as u64)
    }
}

/// Reads, checks and forwards every row; runs on a blocking thread. Rows ending at or before
/// `skip_until` were committed by an earlier attempt of the run: they are checked again (for
/// duplicates and the report) but not sent for writing. Returns the number of data lines.
fn read_rows<T: Importable>(
    path: &Path,
    today: NaiveDate,
    skip_until: u64,
    tx: &mpsc::Sender<Item<T>>,
) -> Result<u64, LandError> {
    let mut csv = csv_reader(File::open(path).map_err(io_error(path))?);
    let names = header::<T>(&mut csv)?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    let mut lines = 0u64;
    loop {
        let next_line = csv.position().line() + 1;
        match csv.read_byte_record(&mut record) {
            Ok(false) => return Ok(lines),
            Err(e) => {
                return Err(LandError::ImportFile(format!(
                    "line {next_line}: the file cannot be read further: {e}"
                )));
            }
            Ok(true) => {}
        }
        lines += 1;
        let line = record.position().map_or(next_line, |p| p.line());
        let end = csv.position().byte();
        let item = match check_row::<T>(&names, &record, today) {
            Err(reason) => Item::Reject(vec![Reject {
                line,
                field: "-".to_owned(),
                reason,
            }]),
            Ok(Err(errors)) => Item::Reject(
                errors
                    .into_iter()
                    .map(|e| Reject {
                        line,
                        field: e.field.to_owned(),
                        reason: e.error.to_string(),
                    })
                    .collect(),
            ),
            Ok(Ok(value)) => match seen.get(&value.key()) {
                Some(first) => Item::Reject(vec![Reject {
                    line,
                    field: T::KEY_FIELD.to_owned(),
                    reason: format!("duplicate: {} is also on line {first}", value.key()),
                }]),
                None => {
                    seen.insert(value.key(), line);
                    if end <= skip_until {
                        continue;
                    }
                    Item::Row { line, end, value }
                }
            },
        };
        if tx.blocking_send(item).is_err() {
            // The writer stopped (it failed and reports its own error).
            return Ok(lines);
        }
    }
}

/// A row's shape (length, field count, encoding) or, once that is sound, its parse result.
#[allow(clippy::type_complexity)]
fn check_row<T: Importable>(
    names: &[String],
    record: &csv::ByteRecord,
    today: NaiveDate,
) -> Result<Result<T, Vec<FieldError>>, String> {
    let bytes = record.as_slice().len();
    if bytes > MAX_LINE_BYTES {
        return Err(format!(
            "the row is {bytes} bytes long; at most {MAX_LINE_BYTES} are allowed"
        ));
    }
    if record.len() != names.len() {
        return Err(format!(
            "malformed row: {} fields where the header has {}",
            record.len(),
            names.len()
        ));
    }
    let mut row = T::Row::default();
    for (name, raw) in names.iter().zip(record.iter()) {
        let value = std::str::from_utf8(raw).map_err(|e| {
            format!(
                "field {name} is not valid UTF-8 (invalid byte 0x{:02X} at byte {} of the field)",
                raw[e.valid_up_to()],
                e.valid_up_to() + 1
            )
        })?;
        T::set(&mut row, name, value);
    }
    Ok(T::parse(&row, today))
}
