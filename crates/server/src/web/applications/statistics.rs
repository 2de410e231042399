//! The public statistics page (`/services/statistics`, no sign-in): for a period (this year
//! unless chosen) and optionally one agency, the four figures per agency and per procedure —
//! share of procedures fully online, share of applications filed online, on-time rate, share of
//! results returned electronically — as tables, as bar charts drawn on the server in inline SVG
//! (no script, no outside asset, nothing the strict CSP forbids), and as a CSV download from the
//! API. A share with nothing to count shows "—", never 0 %.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use dinhdanh_domain::Texts;
use dinhdanh_services::stats::{AgencyLine, Statistics};
use dinhdanh_services::{Level, UnitCode};
use serde::Deserialize;

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/services/statistics", get(statistics_page))
}

#[derive(Deserialize, Default)]
struct Period {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    unit: Option<String>,
}

/// A share as the page writes it: one decimal, the language's decimal mark, "—" when there is
/// nothing to count.
fn share(lang: Lang, value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(v) => match lang {
            Lang::Vi => format!("{v:.1} %").replace('.', ","),
            Lang::En => format!("{v:.1}%"),
        },
    }
}

/// The first `n` characters of a label.
fn shorten(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(n - 1).collect::<String>())
    }
}

/// A horizontal bar chart of shares, one bar per line, drawn as inline SVG.
fn bar_chart(lang: Lang, id: &str, title: &str, lines: &[(String, Option<f64>)]) -> Markup {
    const WIDTH: usize = 640;
    const LABEL: usize = 250;
    const BAR: f64 = 300.0;
    const ROW: usize = 26;
    let height = ROW * lines.len() + 8;
    let title_id = format!("{id}-title");
    html! {
        figure.chart {
            svg id=(id) role="img" aria-labelledby=(title_id) width="100%"
                viewBox={ "0 0 " (WIDTH) " " (height) } {
                title id=(title_id) { (title) }
                @for (i, (label, value)) in lines.iter().enumerate() {
                    @let y = 4 + i * ROW;
                    g data-line=(label) data-value=(value.map_or_else(String::new, |v| format!("{v:.1}"))) {
                        text x=(LABEL - 8) y=(y + 17) text-anchor="end" font-size="13" fill="#1b1b1b" {
                            (shorten(label, 34))
                        }
                        rect x=(LABEL) y=(y + 4) width=(BAR) height="16" fill="#eeeeee" {}
                        @if let Some(v) = value {
                            rect x=(LABEL) y=(y + 4) width=(format!("{:.1}", v.clamp(0.0, 100.0) * BAR / 100.0))
                                height="16" fill="#a50e0e" {}
                        }
                        text x=(LABEL + BAR as usize + 8) y=(y + 17) font-size="13" fill="#1b1b1b" {
                            (share(lang, *value))
                        }
                    }
                }
            }
            figcaption { (title) }
        }
    }
}

/// A day of the period form, the default when left empty.
fn day(value: Option<&str>, default: NaiveDate) -> Option<NaiveDate> {
    match value.map(str::trim) {
        None | Some("") => Some(default),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").ok(),
    }
}

async fn statistics_page(
    State(state): State<AppState>,
    web: Web,
    Query(period): Query<Period>,
) -> Response {
    let l = web.lang;
    let en = l == Lang::En;
    let today = dinhdanh_calendar::vietnam::date(state.services.now());
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let year_end = NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today);
    let procedures = match state.services.procedures().await {
        Ok(p) => p,
        Err(e) => return refusal(&web, &e, &Doing::Viewing),
    };
    let agencies: BTreeMap<&str, &Texts> = procedures
        .iter()
        .map(|p| (p.agency.unit.as_str(), &p.agency.name))
        .collect();
    let names: BTreeMap<&str, &Texts> = procedures
        .iter()
        .map(|p| (p.code.as_str(), &p.name))
        .collect();
    let from = day(period.from.as_deref(), year_start);
    let to = day(period.to.as_deref(), year_end);
    let unit_text = period.unit.as_deref().map(str::trim).unwrap_or_default();
    let unit = match unit_text {
        "" => Ok(None),
        u => UnitCode::parse(u).map(Some),
    };
    let checked = match (from, to, &unit) {
        (None, _, _) | (_, None, _) => Err(t(l, "applications.error.period_date").to_owned()),
        (Some(f), Some(t_), _) if t_ < f => Err(t(l, "applications.error.period_order").to_owned()),
        (_, _, Err(_)) => Err(t(l, "applications.error.unit").to_owned()),
        (Some(f), Some(t_), Ok(u)) => Ok((f, t_, u.clone())),
    };
    let (problem, stats) = match checked {
        Err(text) => (Some(text), None),
        Ok((f, t_, u)) => {
            match state
                .services
                .statistics(f, t_, u.as_ref().map(UnitCode::as_str))
                .await
            {
                Ok(stats) => (None, Some((f, t_, u, stats))),
                Err(e) => (Some(error_text(l, &e, &Doing::Viewing)), None),
            }
        }
    };
    let shown_from = period.from.as_deref().unwrap_or_default();
    let shown_to = period.to.as_deref().unwrap_or_default();
    let markup = page(
        &web,
        t(l, "applications.statistics_title"),
        html! {
            p { (t(l, "applications.statistics_intro")) }
            form #period method="get" action="/services/statistics" {
                label for="from" { (t(l, "applications.period_from")) }
                input #from type="date" name="from"
                    value=(from.map_or_else(|| shown_from.to_owned(), |d| d.to_string()));
                label for="to" { (t(l, "applications.period_to")) }
                input #to type="date" name="to"
                    value=(to.map_or_else(|| shown_to.to_owned(), |d| d.to_string()));
                label for="unit" { (t(l, "applications.unit")) }
                select #unit name="unit" {
                    option value="" { (t(l, "applications.all_agencies")) }
                    @for (code, name) in &agencies {
                        option value=(code) selected[*code == unit_text] { (name.pick(en)) " (" (code) ")" }
                    }
                }
                button type="submit" { (t(l, "applications.show")) }
            }
            (alert(problem.as_deref()))
            @if let Some((f, t_, u, stats)) = &stats {
                (figures(l, *f, *t_, u.as_ref(), stats, &agencies, &names))
            }
            section #rules {
                h2 { (t(l, "applications.rules_title")) }
                ul {
                    li { (t(l, "applications.rule.period")) }
                    li { (t(l, "applications.rule.on_time")) }
                    li { (t(l, "applications.rule.empty")) }
                }
            }
        },
    );
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, markup).into_response()
}

/// The four figures of an agency line.
fn agency_figures(line: &AgencyLine) -> [Option<f64>; 4] {
    [
        line.full_online_share(),
        line.counts.online_share(),
        line.counts.on_time_rate(),
        line.counts.electronic_result_share(),
    ]
}

/// The figures' names, in the order of [`agency_figures`].
const FIGURES: [&str; 4] = [
    "applications.figure.full_online",
    "applications.figure.online",
    "applications.figure.on_time",
    "applications.figure.electronic",
];

fn figures(
    lang: Lang,
    from: NaiveDate,
    to: NaiveDate,
    unit: Option<&UnitCode>,
    stats: &Statistics,
    agencies: &BTreeMap<&str, &Texts>,
    names: &BTreeMap<&str, &Texts>,
) -> Markup {
    let en = lang == Lang::En;
    let agency_name = |unit: &str| agencies.get(unit).map_or(unit, |n| n.pick(en)).to_owned();
    let csv = match unit {
        Some(u) => format!("/api/v1/services/statistics?from={from}&to={to}&unit={u}&format=csv"),
        None => format!("/api/v1/services/statistics?from={from}&to={to}&format=csv"),
    };
    let mut lines: Vec<(String, [Option<f64>; 4])> = stats
        .agencies
        .iter()
        .map(|a| (agency_name(&a.unit), agency_figures(a)))
        .collect();
    if unit.is_none() {
        lines.push((
            t(lang, "applications.total").to_owned(),
            agency_figures(&stats.total),
        ));
    }
    html! {
        p #period-shown {
            (fill(t(lang, "applications.period_shown"), &[("from", from.to_string()), ("to", to.to_string())]))
            " · " a #csv href=(csv) download { (t(lang, "applications.download_csv")) }
        }
        section #by-agency {
            h2 { (t(lang, "applications.by_agency")) }
            table #agencies {
                thead { tr {
                    th { (t(lang, "applications.agency")) }
                    th { (t(lang, "applications.procedures")) }
                    th { (t(lang, "applications.filed")) }
                    @for key in FIGURES { th { (t(lang, key)) } }
                } }
                tbody {
                    @for a in &stats.agencies {
                        tr data-unit=(a.unit) {
                            td { (agency_name(&a.unit)) br; span.help { (a.unit) } }
                            td { (a.procedures) }
                            td { (a.counts.filed) }
                            @for v in agency_figures(a) { td { (share(lang, v)) } }
                        }
                    }
                }
                @if unit.is_none() {
                    tfoot {
                        tr #total {
                            th { (t(lang, "applications.total")) }
                            td { (stats.total.procedures) }
                            td { (stats.total.counts.filed) }
                            @for v in agency_figures(&stats.total) { td { (share(lang, v)) } }
                        }
                    }
                }
            }
            @for (i, key) in FIGURES.iter().enumerate() {
                @let bars: Vec<(String, Option<f64>)> = lines.iter().map(|(name, v)| (name.clone(), v[i])).collect();
                (bar_chart(lang, &format!("chart-{}", &key["applications.figure.".len()..]), t(lang, key), &bars))
            }
        }
        section #by-procedure {
            h2 { (t(lang, "applications.by_procedure")) }
            table #procedures {
                thead { tr {
                    th { (t(lang, "applications.procedure")) }
                    th { (t(lang, "applications.level")) }
                    th { (t(lang, "applications.filed")) }
                    @for key in &FIGURES[1..] { th { (t(lang, key)) } }
                } }
                tbody {
                    @for p in &stats.procedures {
                        tr data-code=(p.code) {
                            td {
                                (p.code) " · " (names.get(p.code.as_str()).map_or("", |n| n.pick(en)))
                                br; span.help { (agency_name(&p.unit)) }
                            }
                            td { (t(lang, if p.level == Level::Full { "applications.level.full" } else { "applications.level.partial" })) }
                            td { (p.counts.filed) }
                            td { (share(lang, p.counts.online_share())) }
                            td { (share(lang, p.counts.on_time_rate())) }
                            td { (share(lang, p.counts.electronic_result_share())) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_share_is_a_dash_never_zero() {
        assert_eq!(share(Lang::Vi, None), "—");
        assert_eq!(share(Lang::En, None), "—");
        assert_eq!(share(Lang::Vi, Some(0.0)), "0,0 %");
        assert_eq!(share(Lang::Vi, Some(200.0 / 3.0)), "66,7 %");
        assert_eq!(share(Lang::En, Some(100.0)), "100.0%");
    }

    #[test]
    fn the_chart_is_plain_svg_with_a_bar_per_line() {
        let chart = bar_chart(
            Lang::En,
            "chart-x",
            "Filed online",
            &[("A".into(), Some(50.0)), ("B".into(), None)],
        )
        .into_string();
        assert!(
            chart.contains("<svg id=\"chart-x\" role=\"img\""),
            "{chart}"
        );
        assert!(chart.contains("width=\"150.0\""), "{chart}");
        assert_eq!(chart.matches("fill=\"#a50e0e\"").count(), 1, "{chart}");
        assert!(chart.contains(">—</text>"), "{chart}");
        assert!(!chart.contains("style"), "the CSP forbids inline styles");
        assert!(!chart.contains("<script"), "{chart}");
    }
}
