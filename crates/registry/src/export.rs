//! Export of the whole registry in number order, in the same formats import reads.
//!
//! The output is canonical (key order, fixed formatting), so its SHA-256 is a content checksum:
//! two databases with the same records export byte-identical files whatever their history.

use std::io::Write;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::RegistryError;
use crate::import::Format;
use crate::organization::OrganizationRow;
use crate::row::PersonRow;
use crate::store::{ImportKind, RegistryStore};

/// Rows fetched per page.
const PAGE: u32 = 5_000;

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportSummary {
    /// Records written.
    pub records: u64,
    /// SHA-256 of the bytes written, in hex.
    pub sha256: String,
}

/// Writes every record of `kind` to `out`; `progress` receives the running count.
pub async fn export(
    store: Arc<dyn RegistryStore>,
    kind: ImportKind,
    format: Format,
    out: &mut (dyn Write + Send),
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<ExportSummary, RegistryError> {
    let mut sink = HashingWriter {
        inner: out,
        hasher: Sha256::new(),
    };
    let io = |e: std::io::Error| RegistryError::Io {
        path: "export output".to_owned(),
        source: e,
    };
    let mut records = 0u64;
    match kind {
        ImportKind::Persons => {
            let mut after = None;
            loop {
                let page = store.persons_after(after, PAGE).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.personal_id);
                let rows: Vec<PersonRow> = page.iter().map(PersonRow::from).collect();
                let buffer = encode(format, &rows, records == 0)?;
                sink.write_all(&buffer).map_err(io)?;
                records += page.len() as u64;
                progress(records);
            }
        }
        ImportKind::Organizations => {
            let mut after: Option<String> = None;
            loop {
                let page = store.organizations_after(after.as_deref(), PAGE).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.code.as_str().to_owned());
                let rows: Vec<OrganizationRow> = page.iter().map(OrganizationRow::from).collect();
                let buffer = encode(format, &rows, records == 0)?;
                sink.write_all(&buffer).map_err(io)?;
                records += page.len() as u64;
                progress(records);
            }
        }
    }
    sink.flush().map_err(io)?;
    Ok(ExportSummary {
        records,
        sha256: hex::encode(sink.hasher.finalize()),
    })
}

/// Encodes one page: CSV (with the header on the first page only) or JSON Lines.
fn encode<T: serde::Serialize>(
    format: Format,
    rows: &[T],
    first_page: bool,
) -> Result<Vec<u8>, RegistryError> {
    let mut buffer = Vec::with_capacity(rows.len() * 256);
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(first_page)
                .from_writer(&mut buffer);
            for row in rows {
                w.serialize(row)
                    .map_err(|e| RegistryError::ImportFile(e.to_string()))?;
            }
            w.flush().map_err(|e| RegistryError::Io {
                path: "export output".to_owned(),
                source: e,
            })?;
        }
        Format::JsonLines => {
            for row in rows {
                serde_json::to_writer(&mut buffer, row).expect("rows serialise");
                buffer.push(b'\n');
            }
        }
    }
    Ok(buffer)
}

struct HashingWriter<'a> {
    inner: &'a mut (dyn Write + Send),
    hasher: Sha256,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
