//! The figures a public-service portal is judged by, per agency and procedure for any period:
//! the share of procedures offered fully online, the share of applications actually filed
//! online (the seed document's weak number), the on-time rate, and the share of results
//! returned electronically — the parts of the Decision 766/QĐ-TTg service index the data
//! supports.
//!
//! Counting rules, so that anyone can recompute a figure from the applications:
//! - an application counts in a period by its filing time; counter applications count as filed
//!   when recorded;
//! - *on time* compares the decision with the **first** deadline given at acceptance, so an
//!   apology with a new appointment never turns a late application into an on-time one; an
//!   application still open past that deadline at the end of the period counts as late;
//! - a share with nothing to count is `None`, never 0 % or 100 %.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::FromRow;

use dinhdanh_store::on_db;

use crate::Services;
use crate::catalogue::Level;
use crate::error::ServicesError;

/// Counts for one procedure (or a whole agency, or everything).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Applications filed in the period.
    pub filed: u64,
    /// Of which online.
    pub online: u64,
    /// Decided in the period (processed or result returned).
    pub decided: u64,
    /// Of the decided, decided by the first deadline.
    pub decided_on_time: u64,
    /// Still with the agency at the end of the period and past the first deadline.
    pub open_late: u64,
    /// Results returned.
    pub returned: u64,
    /// Of which electronically.
    pub returned_electronically: u64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.filed += other.filed;
        self.online += other.online;
        self.decided += other.decided;
        self.decided_on_time += other.decided_on_time;
        self.open_late += other.open_late;
        self.returned += other.returned;
        self.returned_electronically += other.returned_electronically;
    }

    /// Share of applications filed online, in percent.
    pub fn online_share(&self) -> Option<f64> {
        share(self.online, self.filed)
    }

    /// On-time rate in percent: decided on time over everything decided or still open late.
    pub fn on_time_rate(&self) -> Option<f64> {
        share(self.decided_on_time, self.decided + self.open_late)
    }

    /// Share of results returned electronically, in percent.
    pub fn electronic_result_share(&self) -> Option<f64> {
        share(self.returned_electronically, self.returned)
    }
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// One procedure's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcedureLine {
    /// The procedure's code.
    pub code: String,
    /// Its agency's unit code.
    pub unit: String,
    /// Its level.
    pub level: Level,
    /// Its counts.
    pub counts: Counts,
}

/// One agency's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgencyLine {
    /// The unit code.
    pub unit: String,
    /// Procedures listed.
    pub procedures: u64,
    /// Of which fully online.
    pub procedures_full_online: u64,
    /// Its counts.
    pub counts: Counts,
}

impl AgencyLine {
    /// Share of the agency's procedures offered fully online, in percent.
    pub fn full_online_share(&self) -> Option<f64> {
        share(self.procedures_full_online, self.procedures)
    }
}

/// The statistics of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statistics {
    /// Start, inclusive (Unix milliseconds).
    pub from: i64,
    /// End, exclusive.
    pub to: i64,
    /// Per agency, by unit code.
    pub agencies: Vec<AgencyLine>,
    /// Per procedure, by code.
    pub procedures: Vec<ProcedureLine>,
    /// Everything.
    pub total: AgencyLine,
}

#[derive(FromRow)]
struct Row {
    procedure_code: String,
    filed: i64,
    online: i64,
    decided: i64,
    decided_on_time: i64,
    open_late: i64,
    returned: i64,
    returned_electronically: i64,
}

impl Services {
    /// The statistics of applications filed in `[from, to)`, restricted to `unit` if given.
    pub async fn statistics(
        &self,
        from: i64,
        to: i64,
        unit: Option<&str>,
    ) -> Result<Statistics, ServicesError> {
        if from >= to {
            return Err(ServicesError::invalid(
                "period",
                "the start must come before the end",
            ));
        }
        // Status codes: 1 new, 2 accepted, 4 processing (with the agency); 9 processed, 10 returned.
        let rows: Vec<Row> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT procedure_code,
                        COUNT(*) AS filed,
                        SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END) AS online,
                        SUM(CASE WHEN status IN (9, 10) AND decided_at < $2 THEN 1 ELSE 0 END)
                            AS decided,
                        SUM(CASE WHEN status IN (9, 10) AND decided_at < $2
                                  AND decided_at <= first_due_at THEN 1 ELSE 0 END)
                            AS decided_on_time,
                        SUM(CASE WHEN (status IN (1, 2, 4) OR (status IN (9, 10) AND decided_at >= $2))
                                  AND first_due_at IS NOT NULL AND first_due_at < $2
                                 THEN 1 ELSE 0 END) AS open_late,
                        SUM(CASE WHEN status = 10 AND returned_at < $2 THEN 1 ELSE 0 END) AS returned,
                        SUM(CASE WHEN status = 10 AND returned_at < $2 AND result_electronic = 1
                                 THEN 1 ELSE 0 END) AS returned_electronically
                 FROM service_applications
                 WHERE status > 0 AND filed_at >= $1 AND filed_at < $2
                   AND ($3 IS NULL OR unit = $3)
                 GROUP BY procedure_code",
            )
            .bind(from)
            .bind(to)
            .bind(unit)
            .fetch_all(pool)
            .await?
        });
        let counted: BTreeMap<String, Counts> = rows
            .into_iter()
            .map(|r| {
                let n = |v: i64| u64::try_from(v).unwrap_or_default();
                (
                    r.procedure_code,
                    Counts {
                        filed: n(r.filed),
                        online: n(r.online),
                        decided: n(r.decided),
                        decided_on_time: n(r.decided_on_time),
                        open_late: n(r.open_late),
                        returned: n(r.returned),
                        returned_electronically: n(r.returned_electronically),
                    },
                )
            })
            .collect();
        let mut procedures = Vec::new();
        let mut agencies: BTreeMap<String, AgencyLine> = BTreeMap::new();
        let mut total = AgencyLine {
            unit: String::new(),
            procedures: 0,
            procedures_full_online: 0,
            counts: Counts::default(),
        };
        for procedure in self.procedures().await? {
            let unit_code = procedure.agency.unit.as_str().to_owned();
            if unit.is_some_and(|u| u != unit_code) {
                continue;
            }
            let counts = counted.get(&procedure.code).copied().unwrap_or_default();
            let agency = agencies
                .entry(unit_code.clone())
                .or_insert_with(|| AgencyLine {
                    unit: unit_code.clone(),
                    procedures: 0,
                    procedures_full_online: 0,
                    counts: Counts::default(),
                });
            let full = u64::from(procedure.level == Level::Full);
            for line in [&mut *agency, &mut total] {
                line.procedures += 1;
                line.procedures_full_online += full;
                line.counts.add(&counts);
            }
            procedures.push(ProcedureLine {
                code: procedure.code,
                unit: unit_code,
                level: procedure.level,
                counts,
            });
        }
        Ok(Statistics {
            from,
            to,
            agencies: agencies.into_values().collect(),
            procedures,
            total,
        })
    }
}

impl Statistics {
    /// The procedure lines as CSV, with the shares computed, for spreadsheets.
    pub fn to_csv(&self) -> String {
        let pct = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
        let mut out = String::from(
            "procedure,unit,level,filed,online,online_share_pct,decided,decided_on_time,open_late,\
             on_time_pct,returned,returned_electronically,electronic_result_pct\n",
        );
        for p in &self.procedures {
            let c = &p.counts;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                p.code,
                p.unit,
                p.level.as_str(),
                c.filed,
                c.online,
                pct(c.online_share()),
                c.decided,
                c.decided_on_time,
                c.open_late,
                pct(c.on_time_rate()),
                c.returned,
                c.returned_electronically,
                pct(c.electronic_result_share()),
            ));
        }
        out
    }
}
