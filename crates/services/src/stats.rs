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
//!   application still open past that deadline at the end of the period counts as late (for a
//!   period not yet over: once the deadline's day has ended);
//! - figures are kept per Vietnam day, so a period is whole days;
//! - a share with nothing to count is `None`, never 0 % or 100 %.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalogue::Level;
use crate::error::ServicesError;
use crate::{Services, store};

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
    /// The period's first day (Vietnam time).
    pub first: NaiveDate,
    /// Its last day, included.
    pub last: NaiveDate,
    /// Its start (Unix milliseconds).
    pub from: i64,
    /// Its end, excluded.
    pub to: i64,
    /// Every change made before this instant is counted.
    pub as_of: i64,
    /// Per agency, by unit code.
    pub agencies: Vec<AgencyLine>,
    /// Per procedure, by code.
    pub procedures: Vec<ProcedureLine>,
    /// Everything.
    pub total: AgencyLine,
}

impl Services {
    /// The statistics of applications filed from day `first` to day `last` (both included,
    /// Vietnam days), restricted to the agency `unit` if given. The tallies are brought up to
    /// date first, so the figures include every change made before the call.
    pub async fn statistics(
        &self,
        first: NaiveDate,
        last: NaiveDate,
        unit: Option<&str>,
    ) -> Result<Statistics, ServicesError> {
        if last < first {
            return Err(ServicesError::invalid(
                "period",
                "the last day must not come before the first",
            ));
        }
        let asked = self.now();
        self.tally_since(asked).await?;
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let from_day = (first - epoch).num_days();
        let to_day = (last - epoch).num_days() + 1;
        // An application still open is late once its first deadline's day has ended: at the
        // period's end, or today if the period is not over.
        let late_before = to_day.min(store::day_number(asked));
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
            let sums =
                store::tally_sums(self, &procedure.code, unit, from_day, to_day, late_before)
                    .await?;
            let n = |v: i64| u64::try_from(v).unwrap_or_default();
            let counts = Counts {
                filed: n(sums.filed),
                online: n(sums.online),
                decided: n(sums.decided),
                decided_on_time: n(sums.decided_on_time),
                open_late: n(sums.open_late),
                returned: n(sums.returned),
                returned_electronically: n(sums.returned_electronically),
            };
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
            first,
            last,
            from: dinhdanh_calendar::vietnam::midnight(first),
            to: last
                .succ_opt()
                .map_or(i64::MAX, dinhdanh_calendar::vietnam::midnight),
            as_of: asked,
            agencies: agencies.into_values().collect(),
            procedures,
            total,
        })
    }

    /// Brings the statistics' tallies up to date with every change made before `asked`
    /// (Unix milliseconds). Callers that arrive while a count runs wait for it, and count
    /// again only if it began before they asked.
    pub async fn tally_since(&self, asked: i64) -> Result<(), ServicesError> {
        let mut last_began = self.inner.tallied.lock().await;
        if *last_began > asked {
            return Ok(());
        }
        let began = self.now();
        store::recount(self).await?;
        *last_began = began;
        Ok(())
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
