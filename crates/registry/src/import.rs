//! National-scale import: stream a CSV or JSON Lines file, validate every row, commit in batches.
//!
//! A reader thread parses and validates; the async writer commits each batch together with the
//! run's byte offset, so a run killed at any moment (even `kill -9`) resumes after the last
//! committed batch and ends in exactly the database one clean run produces. Rows that fail
//! validation are never applied: they go to a reject report (line, field, reason). Re-running a
//! finished file inserts nothing and reports every valid row as unchanged.

use std::collections::HashMap;
use std::fs::File;
use std::hash::Hash;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use dinhdanh_domain::NaiveDate;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::RegistryError;
use crate::organization::{ORGANIZATION_FIELDS, Organization, OrganizationRow};
use crate::person::Person;
use crate::row::{FieldError, PERSON_FIELDS, PersonRow};
use crate::store::{BatchOutcome, ImportBatch, ImportKind, RegistryStore, RunStart};

/// Longest line (CSV record or JSON line) accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// File formats the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row of field names.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

impl Format {
    /// Guesses the format from the file extension (`.csv`, `.jsonl`, `.ndjson`).
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

/// How to run an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Persons or organizations.
    pub kind: ImportKind,
    /// File format; guessed from the extension when `None`.
    pub format: Option<Format>,
    /// Valid rows per committed batch.
    pub batch_size: usize,
    /// The date validation treats as today (no births or deaths after it).
    pub today: NaiveDate,
    /// Where to write rejected rows; `<file>.rejects.csv` when `None`.
    pub reject_report: Option<PathBuf>,
}

/// Progress figures for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportProgress {
    /// File size in bytes.
    pub total_bytes: u64,
    /// Bytes read and validated so far.
    pub bytes_read: u64,
    /// Valid rows committed in this process (excluding a resumed run's earlier work).
    pub rows_committed: u64,
}

/// Receives progress updates; called from the writer after each batch.
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
    /// The reject report's path (written only when a row was rejected).
    pub report: PathBuf,
    /// Wall-clock seconds this call took.
    pub seconds: f64,
}

/// One rejected row (a row with several problems has several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Line number in the file (1 is the CSV header).
    pub line: u64,
    /// The field, or `-` for the row as a whole.
    pub field: String,
    /// Why.
    pub reason: String,
}

/// A record type the importer can load.
trait Importable: Sized + Send + 'static {
    type Row: DeserializeOwned + Default + Send;
    type Key: Hash + Eq + Send;
    const FIELDS: &'static [&'static str];
    const REQUIRED: &'static [&'static str];
    fn set(row: &mut Self::Row, field: &str, value: &str);
    fn parse(row: &Self::Row, today: NaiveDate) -> Result<Self, Vec<FieldError>>;
    fn key(&self) -> (Self::Key, &'static str);
    fn write<'a>(
        store: &'a dyn RegistryStore,
        batch: &'a ImportBatch<Self>,
    ) -> BoxFuture<'a, Result<BatchOutcome, RegistryError>>;
}

impl Importable for Person {
    type Row = PersonRow;
    type Key = u64;
    const FIELDS: &'static [&'static str] = &PERSON_FIELDS;
    const REQUIRED: &'static [&'static str] = &[
        "personal_id",
        "family_name",
        "given_name",
        "birth_date",
        "sex",
    ];
    fn set(row: &mut PersonRow, field: &str, value: &str) {
        row.set(field, value);
    }
    fn parse(row: &PersonRow, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        row.parse(today)
    }
    fn key(&self) -> (u64, &'static str) {
        (self.personal_id.as_u64(), "personal_id")
    }
    fn write<'a>(
        store: &'a dyn RegistryStore,
        batch: &'a ImportBatch<Self>,
    ) -> BoxFuture<'a, Result<BatchOutcome, RegistryError>> {
        store.import_persons(batch)
    }
}

impl Importable for Organization {
    type Row = OrganizationRow;
    type Key = String;
    const FIELDS: &'static [&'static str] = &ORGANIZATION_FIELDS;
    const REQUIRED: &'static [&'static str] = &[
        "code",
        "name_vi",
        "founded",
        "head_office",
        "legal_representative",
    ];
    fn set(row: &mut OrganizationRow, field: &str, value: &str) {
        row.set(field, value);
    }
    fn parse(row: &OrganizationRow, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        row.parse(today)
    }
    fn key(&self) -> (String, &'static str) {
        (self.code.as_str().to_owned(), "code")
    }
    fn write<'a>(
        store: &'a dyn RegistryStore,
        batch: &'a ImportBatch<Self>,
    ) -> BoxFuture<'a, Result<BatchOutcome, RegistryError>> {
        store.import_organizations(batch)
    }
}

/// Imports `path` into the registry; see the module documentation for the guarantees.
pub async fn import_file(
    store: Arc<dyn RegistryStore>,
    path: &Path,
    options: &ImportOptions,
    progress: Option<ProgressFn>,
) -> Result<ImportSummary, RegistryError> {
    match options.kind {
        ImportKind::Persons => run::<Person>(store, path, options, progress).await,
        ImportKind::Organizations => run::<Organization>(store, path, options, progress).await,
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// SHA-256 of the whole file: the same content resumes the same run, whatever its name.
fn file_sha256(path: &Path) -> Result<(String, u64), RegistryError> {
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

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

struct ReaderReport {
    lines: u64,
    rejected: u64,
}

async fn run<T: Importable>(
    store: Arc<dyn RegistryStore>,
    path: &Path,
    options: &ImportOptions,
    progress: Option<ProgressFn>,
) -> Result<ImportSummary, RegistryError> {
    let started = Instant::now();
    let format = match options.format.or_else(|| Format::from_path(path)) {
        Some(f) => f,
        None => {
            return Err(RegistryError::ImportFile(format!(
                "cannot tell the format of {}: name it .csv or .jsonl, or pass --format",
                path.display()
            )));
        }
    };
    let owned_path = path.to_path_buf();
    let (sha, total_bytes) = tokio::task::spawn_blocking(move || file_sha256(&owned_path))
        .await
        .expect("hashing thread panicked")?;
    let run = store
        .open_run(&RunStart {
            kind: options.kind,
            file_name: path.display().to_string(),
            file_sha256: sha,
            now_ms: now_ms(),
        })
        .await?;
    let report = options
        .reject_report
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.rejects.csv", path.display())));

    let (tx, mut rx) = mpsc::channel::<ImportBatch<T>>(4);
    let reader = {
        let path = path.to_path_buf();
        let report = report.clone();
        let today = options.today;
        let batch_size = options.batch_size.max(1);
        let run = run.clone();
        tokio::task::spawn_blocking(move || {
            read_file::<T>(&path, format, &report, today, batch_size, &run, &tx)
        })
    };

    let mut outcome = run.outcome;
    let mut committed = 0u64;
    let mut write_error = None;
    while let Some(batch) = rx.recv().await {
        match T::write(store.as_ref(), &batch).await {
            Ok(o) => {
                outcome += o;
                committed += batch.rows.len() as u64;
                if let Some(p) = &progress {
                    p(ImportProgress {
                        total_bytes,
                        bytes_read: batch.end_offset,
                        rows_committed: committed,
                    });
                }
            }
            Err(e) => {
                write_error = Some(e);
                break;
            }
        }
    }
    drop(rx);
    let read = reader.await.expect("reader thread panicked");
    if let Some(e) = write_error {
        return Err(e);
    }
    let read = read?;
    if let Some(totals) = store.finish_run(run.run_id, now_ms()).await? {
        outcome = totals;
    }
    Ok(ImportSummary {
        run_id: run.run_id,
        resumed: run.resumed,
        lines: read.lines,
        outcome,
        rejected: read.rejected,
        report,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Reads, validates and batches the file; runs on a blocking thread.
fn read_file<T: Importable>(
    path: &Path,
    format: Format,
    report_path: &Path,
    today: NaiveDate,
    batch_size: usize,
    run: &crate::store::ImportRun,
    tx: &mpsc::Sender<ImportBatch<T>>,
) -> Result<ReaderReport, RegistryError> {
    let file = File::open(path).map_err(io_error(path))?;
    let mut report =
        std::io::BufWriter::new(File::create(report_path).map_err(io_error(report_path))?);
    writeln!(report, "line,field,reason").map_err(io_error(report_path))?;
    let mut state = ReadState::<T> {
        today,
        batch_size,
        run_id: run.run_id,
        skip_until: run.committed_offset,
        seen: HashMap::new(),
        batch: Vec::with_capacity(batch_size),
        rejected: 0,
        lines: 0,
        report: &mut report,
        report_path,
        tx,
    };
    let reader = BufReader::with_capacity(1 << 20, file);
    match format {
        Format::Csv => read_csv(reader, &mut state)?,
        Format::JsonLines => read_jsonl(reader, &mut state)?,
    }
    let (lines, rejected) = (state.lines, state.rejected);
    report.flush().map_err(io_error(report_path))?;
    drop(report);
    if rejected == 0 {
        // A clean file leaves no report behind (nor a stale one from an earlier run).
        std::fs::remove_file(report_path).map_err(io_error(report_path))?;
    }
    Ok(ReaderReport { lines, rejected })
}

struct ReadState<'a, T: Importable> {
    today: NaiveDate,
    batch_size: usize,
    run_id: i64,
    /// Rows ending at or before this offset were committed by an earlier attempt of this run:
    /// they are validated again (for duplicates and the report) but not written.
    skip_until: u64,
    seen: HashMap<T::Key, u64>,
    batch: Vec<T>,
    rejected: u64,
    lines: u64,
    report: &'a mut dyn Write,
    report_path: &'a Path,
    tx: &'a mpsc::Sender<ImportBatch<T>>,
}

impl<T: Importable> ReadState<'_, T> {
    fn reject(&mut self, line: u64, field: &str, reason: &str) -> Result<(), RegistryError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([line.to_string().as_str(), field, reason])
            .expect("writing to memory cannot fail");
        let bytes = w.into_inner().expect("writing to memory cannot fail");
        self.report
            .write_all(&bytes)
            .map_err(io_error(self.report_path))
    }

    /// Validates one row, then queues it unless an earlier attempt already committed it.
    fn accept(&mut self, line: u64, end_offset: u64, row: T::Row) -> Result<(), RegistryError> {
        self.lines += 1;
        match T::parse(&row, self.today) {
            Err(errors) => {
                self.rejected += 1;
                for e in errors {
                    self.reject(line, e.field, &e.message)?;
                }
            }
            Ok(value) => {
                let (key, field) = value.key();
                if let Some(first) = self.seen.get(&key) {
                    self.rejected += 1;
                    let reason = format!("duplicate: the same {field} is on line {first}");
                    self.reject(line, field, &reason)?;
                } else {
                    self.seen.insert(key, line);
                    if end_offset > self.skip_until {
                        self.batch.push(value);
                    }
                }
            }
        }
        if self.batch.len() >= self.batch_size {
            self.flush(end_offset, line)?;
        }
        Ok(())
    }

    fn reject_line(&mut self, line: u64, reason: &str) -> Result<(), RegistryError> {
        self.lines += 1;
        self.rejected += 1;
        self.reject(line, "-", reason)
    }

    fn flush(&mut self, end_offset: u64, end_line: u64) -> Result<(), RegistryError> {
        if self.batch.is_empty() || end_offset <= self.skip_until {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_size));
        let batch = ImportBatch {
            run_id: self.run_id,
            rows,
            end_offset,
            end_line,
            now_ms: now_ms(),
        };
        // A closed channel means the writer failed; it reports its own error.
        let _ = self.tx.blocking_send(batch);
        Ok(())
    }
}

fn read_csv<T: Importable, R: Read>(
    reader: R,
    state: &mut ReadState<'_, T>,
) -> Result<(), RegistryError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let header: Vec<String> = match csv.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_owned()
            })
            .collect(),
        Ok(false) => return Err(RegistryError::ImportFile("the file is empty".into())),
        Err(e) => {
            return Err(RegistryError::ImportFile(format!(
                "cannot read the header: {e}"
            )));
        }
    };
    for name in &header {
        if !T::FIELDS.contains(&name.as_str()) {
            return Err(RegistryError::ImportFile(format!(
                "the header names {name:?}, which is not a field; the fields are: {}",
                T::FIELDS.join(", ")
            )));
        }
    }
    for required in T::REQUIRED {
        if !header.iter().any(|h| h == required) {
            return Err(RegistryError::ImportFile(format!(
                "the header lacks the required column {required:?}"
            )));
        }
    }
    if let Some(dup) = header
        .iter()
        .enumerate()
        .find(|(i, h)| header[..*i].contains(h))
    {
        return Err(RegistryError::ImportFile(format!(
            "the header names {:?} twice",
            dup.1
        )));
    }
    let mut last_line = 1;
    loop {
        let line = csv.position().line() + 1;
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                last_line = line;
                let end = csv.position().byte();
                if record.as_slice().len() > MAX_LINE_BYTES {
                    state.reject_line(
                        line,
                        &format!(
                            "the row is {} bytes long; at most {MAX_LINE_BYTES} are allowed",
                            record.as_slice().len()
                        ),
                    )?;
                } else if record.len() != header.len() {
                    state.reject_line(
                        line,
                        &format!(
                            "malformed row: {} fields where the header has {}",
                            record.len(),
                            header.len()
                        ),
                    )?;
                } else {
                    let mut row = T::Row::default();
                    let mut bad = None;
                    for (name, raw) in header.iter().zip(record.iter()) {
                        match std::str::from_utf8(raw) {
                            Ok(value) => T::set(&mut row, name, value),
                            Err(e) => {
                                bad = Some(format!(
                                    "field {name} is not valid UTF-8 (invalid byte 0x{:02X} at byte {} of the field)",
                                    raw[e.valid_up_to()],
                                    e.valid_up_to() + 1
                                ));
                                break;
                            }
                        }
                    }
                    match bad {
                        Some(reason) => state.reject_line(line, &reason)?,
                        None => state.accept(line, end, row)?,
                    }
                }
                if state.tx.is_closed() {
                    return Ok(());
                }
            }
            Err(e) => {
                return Err(RegistryError::ImportFile(format!(
                    "line {line}: the file cannot be read further: {e}"
                )));
            }
        }
    }
    let end = csv.position().byte();
    state.flush(end, last_line)
}

fn read_jsonl<T: Importable, R: BufRead>(
    mut reader: R,
    state: &mut ReadState<'_, T>,
) -> Result<(), RegistryError> {
    let mut buffer = Vec::new();
    let mut offset = 0u64;
    let mut line = 0u64;
    loop {
        buffer.clear();
        let n = reader
            .by_ref()
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buffer)
            .map_err(|e| RegistryError::ImportFile(format!("line {}: {e}", line + 1)))?;
        if n == 0 {
            break;
        }
        line += 1;
        if buffer.len() > MAX_LINE_BYTES && buffer.last() != Some(&b'\n') {
            // Skip the rest of the oversized line.
            let mut rest = 0u64;
            loop {
                let chunk = reader
                    .fill_buf()
                    .map_err(|e| RegistryError::ImportFile(format!("line {line}: {e}")))?;
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|b| *b == b'\n') {
                    Some(i) => {
                        reader.consume(i + 1);
                        rest += i as u64 + 1;
                        break;
                    }
                    None => {
                        let len = chunk.len();
                        reader.consume(len);
                        rest += len as u64;
                    }
                }
            }
            offset += n as u64 + rest;
            state.reject_line(
                line,
                &format!("the line is longer than {MAX_LINE_BYTES} bytes"),
            )?;
            continue;
        }
        offset += n as u64;
        let text = match std::str::from_utf8(&buffer) {
            Ok(t) => t.trim(),
            Err(e) => {
                state.reject_line(
                    line,
                    &format!(
                        "not valid UTF-8 (invalid byte 0x{:02X} at byte {} of the line)",
                        buffer[e.valid_up_to()],
                        e.valid_up_to() + 1
                    ),
                )?;
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<T::Row>(text) {
            Ok(row) => state.accept(line, offset, row)?,
            Err(e) => state.reject_line(line, &format!("malformed JSON: {e}"))?,
        }
        if state.tx.is_closed() {
            return Ok(());
        }
    }
    state.flush(offset, line)
}
