//! Exporting the log for offline verification, and verifying it: from an export directory or
//! straight from the database.
//!
//! An export is a directory of JSON-lines files, each line one record, in index order:
//! - `checkpoints.jsonl`: `{"size": N, "note": "<signed checkpoint>"}`, the latest one last;
//! - `entries.jsonl`: `{"index", "at", "kind", "actor", "subject", "entry": "<base64>"}`;
//! - `tiles.jsonl`: `{"level", "index", "hashes": "<base64 of the concatenated hashes>"}`;
//! - `keys.txt`: the log's verifier keys (for information; trust comes from `--key`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::audit::{Audit, Columns, Finding, Report};
use crate::merkle::Hash;
use crate::note::VerifierKey;
use crate::tiles::{self, TileId};
use crate::{Ledger, LedgerError};

#[derive(Serialize, Deserialize)]
struct CheckpointLine {
    size: u64,
    note: String,
}

#[derive(Serialize, Deserialize)]
struct EntryLine {
    index: u64,
    at: i64,
    kind: String,
    actor: String,
    subject: Option<String>,
    entry: String,
}

#[derive(Serialize, Deserialize)]
struct TileLine {
    level: u32,
    index: u64,
    hashes: String,
}

/// Why an audit could not give a verdict, or the verdict.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The log does not verify.
    #[error("{0}")]
    Failed(#[from] Finding),
    /// The export or the database could not be read.
    #[error("{0}")]
    Unreadable(String),
}

impl From<LedgerError> for AuditError {
    fn from(e: LedgerError) -> Self {
        AuditError::Unreadable(e.to_string())
    }
}

impl From<sqlx::Error> for AuditError {
    fn from(e: sqlx::Error) -> Self {
        AuditError::Unreadable(format!("database: {e}"))
    }
}

impl From<std::io::Error> for AuditError {
    fn from(e: std::io::Error) -> Self {
        AuditError::Unreadable(e.to_string())
    }
}

type EntryRow = (i64, i64, String, String, Option<String>, Vec<u8>);

impl Ledger {
    /// Every kept checkpoint and the latest head, oldest first.
    async fn all_checkpoints(&self) -> Result<Vec<(u64, String)>, LedgerError> {
        let mut rows: Vec<(i64, String)> = dinhdanh_store::on_db!(&self.inner_db(), |pool| {
            sqlx::query_as("SELECT size, note FROM ledger_checkpoints ORDER BY size")
                .fetch_all(pool)
                .await?
        });
        let head = self.checkpoint().await?;
        rows.retain(|(size, _)| (*size as u64) < head.checkpoint.size);
        rows.push((head.checkpoint.size as i64, head.note));
        Ok(rows.into_iter().map(|(s, n)| (s as u64, n)).collect())
    }

    async fn entry_page(&self, start: u64, end: u64) -> Result<Vec<EntryRow>, LedgerError> {
        Ok(dinhdanh_store::on_db!(&self.inner_db(), |pool| {
            sqlx::query_as(
                "SELECT idx, at, kind, actor, subject, entry FROM ledger_entries \
                 WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3",
            )
            .bind(start as i64)
            .bind(end as i64)
            .bind(end.saturating_sub(start) as i64)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn tile_rows(
        &self,
        level_from: u32,
        level_to: u32,
        from: u64,
        to: u64,
    ) -> Result<Vec<(i32, i64, Vec<u8>)>, LedgerError> {
        Ok(dinhdanh_store::on_db!(&self.inner_db(), |pool| {
            sqlx::query_as(
                "SELECT level, idx, hashes FROM ledger_tiles \
                 WHERE level >= $1 AND level <= $2 AND idx >= $3 AND idx < $4 ORDER BY level, idx",
            )
            .bind(level_from as i32)
            .bind(level_to as i32)
            .bind(from as i64)
            .bind(to.min(i64::MAX as u64) as i64)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Verifies the whole log in the database against `keys` (the log's own keys when empty),
    /// reporting progress as entries are checked.
    pub async fn audit(
        &self,
        keys: &[VerifierKey],
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Report, AuditError> {
        let own = self.verifier_keys().await?;
        let keys = if keys.is_empty() { &own[..] } else { keys };
        let notes: Vec<String> = self
            .all_checkpoints()
            .await?
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        let mut audit = Audit::new(&notes, keys, Utc::now())?;
        let size = audit.size();
        // Tiles above the leaves are few (one hash per TILE_WIDTH entries): load them all; leaf
        // tiles page by page with the entries.
        let mut tiles = decode_tiles(self.tile_rows(1, 63, 0, u64::MAX).await?)?;
        const PAGE: u64 = 8192;
        let mut start = 0;
        while start < size {
            let end = (start + PAGE).min(size);
            let width = crate::tiles::TILE_WIDTH as u64;
            let leaf_tiles = self
                .tile_rows(0, 0, start / width, end.div_ceil(width))
                .await?;
            tiles.retain(|id, _| id.level > 0);
            tiles.extend(decode_tiles(leaf_tiles)?);
            let mut get = |id: TileId| tiles.get(&id).cloned();
            for (index, at, kind, actor, subject, entry) in self.entry_page(start, end).await? {
                let columns = Columns {
                    at,
                    kind,
                    actor,
                    subject,
                };
                audit.entry(index as u64, &entry, Some(&columns), &mut get)?;
            }
            progress(end, size);
            start = end;
        }
        let mut get = |id: TileId| tiles.get(&id).cloned();
        Ok(audit.finish(&mut get)?)
    }

    /// Writes the log up to its latest checkpoint into `dir` for offline verification.
    pub async fn export(
        &self,
        dir: &Path,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, AuditError> {
        std::fs::create_dir_all(dir)?;
        let checkpoints = self.all_checkpoints().await?;
        let size = checkpoints.last().map_or(0, |(s, _)| *s);
        let mut out = BufWriter::new(File::create(dir.join("checkpoints.jsonl"))?);
        for (size, note) in checkpoints {
            writeln!(
                out,
                "{}",
                serde_json::to_string(&CheckpointLine { size, note }).expect("serializes")
            )?;
        }
        out.flush()?;
        let mut out = BufWriter::new(File::create(dir.join("keys.txt"))?);
        for key in self.verifier_keys().await? {
            writeln!(out, "{key}")?;
        }
        out.flush()?;
        let mut out = BufWriter::new(File::create(dir.join("entries.jsonl"))?);
        let mut start = 0;
        while start < size {
            let end = (start + 8192).min(size);
            for (index, at, kind, actor, subject, entry) in self.entry_page(start, end).await? {
                let line = EntryLine {
                    index: index as u64,
                    at,
                    kind,
                    actor,
                    subject,
                    entry: STANDARD.encode(entry),
                };
                writeln!(out, "{}", serde_json::to_string(&line).expect("serializes"))?;
            }
            progress(end, size);
            start = end;
        }
        out.flush()?;
        let mut out = BufWriter::new(File::create(dir.join("tiles.jsonl"))?);
        for (level, index, hashes) in self.tile_rows(0, 63, 0, u64::MAX).await? {
            let line = TileLine {
                level: level as u32,
                index: index as u64,
                hashes: STANDARD.encode(hashes),
            };
            writeln!(out, "{}", serde_json::to_string(&line).expect("serializes"))?;
        }
        out.flush()?;
        Ok(size)
    }
}

fn decode_tiles(rows: Vec<(i32, i64, Vec<u8>)>) -> Result<HashMap<TileId, Vec<Hash>>, AuditError> {
    rows.into_iter()
        .map(|(level, index, bytes)| {
            let id = TileId {
                level: level as u32,
                index: index as u64,
            };
            let hashes = tiles::decode(&bytes).ok_or(AuditError::Failed(Finding::TreeChanged {
                level: id.level,
                tile: id.index,
                first: 0,
                last: 0,
            }))?;
            Ok((id, hashes))
        })
        .collect()
}

/// Verifies an export directory against `keys`.
pub fn verify_export(dir: &Path, keys: &[VerifierKey]) -> Result<Report, AuditError> {
    let lines = |name: &str| -> Result<Vec<String>, AuditError> {
        let file = File::open(dir.join(name))
            .map_err(|e| AuditError::Unreadable(format!("{}: {e}", dir.join(name).display())))?;
        Ok(BufReader::new(file).lines().collect::<Result<_, _>>()?)
    };
    let bad = |name: &str, n: usize, e: String| {
        AuditError::Unreadable(format!("{name} line {}: {e}", n + 1))
    };
    let mut notes = Vec::new();
    for (n, line) in lines("checkpoints.jsonl")?.iter().enumerate() {
        let c: CheckpointLine =
            serde_json::from_str(line).map_err(|e| bad("checkpoints.jsonl", n, e.to_string()))?;
        notes.push(c.note);
    }
    let mut tiles = HashMap::new();
    for (n, line) in lines("tiles.jsonl")?.iter().enumerate() {
        let t: TileLine =
            serde_json::from_str(line).map_err(|e| bad("tiles.jsonl", n, e.to_string()))?;
        let bytes = STANDARD
            .decode(&t.hashes)
            .map_err(|e| bad("tiles.jsonl", n, e.to_string()))?;
        let hashes = tiles::decode(&bytes)
            .ok_or_else(|| bad("tiles.jsonl", n, "not a list of hashes".into()))?;
        tiles.insert(
            TileId {
                level: t.level,
                index: t.index,
            },
            hashes,
        );
    }
    let mut get = |id: TileId| tiles.get(&id).cloned();
    let mut audit = Audit::new(&notes, keys, Utc::now())?;
    let file = File::open(dir.join("entries.jsonl"))?;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let e: EntryLine =
            serde_json::from_str(&line?).map_err(|e| bad("entries.jsonl", n, e.to_string()))?;
        let bytes = STANDARD
            .decode(&e.entry)
            .map_err(|err| bad("entries.jsonl", n, err.to_string()))?;
        let columns = Columns {
            at: e.at,
            kind: e.kind,
            actor: e.actor,
            subject: e.subject,
        };
        audit.entry(e.index, &bytes, Some(&columns), &mut get)?;
    }
    Ok(audit.finish(&mut get)?)
}
