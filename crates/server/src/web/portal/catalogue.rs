//! The procedure catalogue: search by name, filter by field and agency, and each procedure's
//! page with everything Circular 32/2017/TT-BTTTT asks a portal to publish, and "Apply online".

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use dinhdanh_domain::name::fold;
use dinhdanh_services::Procedure;
use dinhdanh_services::catalogue::Channel;
use maud::{Markup, html};
use serde::Deserialize;

use super::provider::Provider;
use super::signin;
use super::view::{size_text, types_text};
use super::{
    Visitor, applications, duration_text, fee_text, frame, hidden_csrf, level_text, refusal, t,
};
use crate::AppState;
use crate::web::CsrfForm;
use crate::web::{Lang, Web};

/// The longest search text kept.
const MAX_QUERY: usize = 100;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(catalogue))
        .route("/portal/procedures/{code}", get(procedure_page))
        .route("/portal/procedures/{code}/apply", post(apply))
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    q: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    agency: String,
}

impl Filter {
    /// Whether `p` matches: the search text in either language's name (accents and case
    /// ignored) or in the code, and the chosen field and agency.
    fn keeps(&self, p: &Procedure, query: &str) -> bool {
        (query.is_empty()
            || fold(&p.name.vi).contains(query)
            || fold(&p.name.en).contains(query)
            || p.code.contains(query))
            && (self.field.is_empty() || fold(&p.field.vi) == self.field)
            && (self.agency.is_empty() || p.agency.unit.as_str() == self.agency)
    }
}

async fn catalogue(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Query(filter): Query<Filter>,
) -> Response {
    let l = web.lang;
    let english = l == Lang::En;
    let procedures = match state.services.procedures().await {
        Ok(p) => p,
        Err(e) => return refusal(&web, &visitor, &e, None),
    };
    let fields: BTreeMap<String, &str> = procedures
        .iter()
        .map(|p| (fold(&p.field.vi), p.field.pick(english)))
        .collect();
    let agencies: BTreeMap<&str, &str> = procedures
        .iter()
        .map(|p| (p.agency.unit.as_str(), p.agency.name.pick(english)))
        .collect();
    let typed: String = filter.q.trim().chars().take(MAX_QUERY).collect();
    let query = fold(&typed);
    let shown: Vec<&Procedure> = procedures
        .iter()
        .filter(|p| filter.keeps(p, &query))
        .collect();
    frame(
        &web,
        &visitor,
        t(l, "portal.catalogue.title"),
        html! {
            p { (t(l, "portal.catalogue.intro")) }
            form #search method="get" action="/portal" {
                label for="search-q" { (t(l, "portal.catalogue.search")) }
                input #search-q type="search" name="q" value=(typed) maxlength=(MAX_QUERY);
                label for="search-field" { (t(l, "portal.catalogue.field")) }
                select #search-field name="field" {
                    option value="" { (t(l, "portal.catalogue.all")) }
                    @for (key, name) in &fields {
                        option value=(key) selected[*key == filter.field] { (name) }
                    }
                }
                label for="search-agency" { (t(l, "portal.catalogue.agency")) }
                select #search-agency name="agency" {
                    option value="" { (t(l, "portal.catalogue.all")) }
                    @for (unit, name) in &agencies {
                        option value=(unit) selected[*unit == filter.agency] { (name) }
                    }
                }
                button type="submit" { (t(l, "portal.catalogue.apply_filter")) }
            }
            p #procedure-count { (super::fill(t(l, "portal.catalogue.count"), &[("count", shown.len().to_string())])) }
            @for p in &shown {
                article.procedure data-code=(p.code) data-level=(p.level.as_str()) {
                    h2 { a href={ "/portal/procedures/" (p.code) } { (p.name.pick(english)) } }
                    (summary(l, p))
                }
            }
        },
    )
    .into_response()
}

/// The facts every listing shows: code, level, fee, time, agency.
fn summary(l: Lang, p: &Procedure) -> Markup {
    let english = l == Lang::En;
    html! {
        dl {
            dt { (t(l, "portal.procedure.code")) } dd.code { (p.code) }
            dt { (t(l, "portal.procedure.level")) } dd.level { (level_text(l, p.level)) }
            dt { (t(l, "portal.procedure.fee")) } dd.fee { (fee_text(l, p.fee_vnd)) }
            dt { (t(l, "portal.procedure.time")) } dd.time { (duration_text(l, p.processing_hours)) }
            dt { (t(l, "portal.procedure.agency")) } dd.agency { (p.agency.name.pick(english)) }
        }
    }
}

async fn procedure_page(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Response {
    let l = web.lang;
    let english = l == Lang::En;
    let p = match state.services.procedure(&code).await {
        Ok(p) => p,
        Err(e) => return refusal(&web, &visitor, &e, None),
    };
    let online = p.channels.contains(&Channel::Online);
    let source = match &p.prefill {
        Some(prefill) => state.exchange.service(&prefill.service).await.ok(),
        None => None,
    };
    frame(
        &web,
        &visitor,
        p.name.pick(english),
        html! {
            dl #procedure data-code=(p.code) data-level=(p.level.as_str()) {
                dt { (t(l, "portal.procedure.code")) } dd { (p.code) }
                dt { (t(l, "portal.procedure.field")) } dd { (p.field.pick(english)) }
                dt { (t(l, "portal.procedure.agency")) } dd { (p.agency.name.pick(english)) " (" (p.agency.unit) ")" }
                dt { (t(l, "portal.procedure.level")) } dd #procedure-level { (level_text(l, p.level)) }
                dt { (t(l, "portal.procedure.channels")) }
                dd #procedure-channels {
                    @for (i, c) in p.channels.iter().enumerate() {
                        @if i > 0 { ", " }
                        (t(l, &format!("portal.channel.{}", channel_name(*c))))
                    }
                }
                dt { (t(l, "portal.procedure.time")) } dd #procedure-time { (duration_text(l, p.processing_hours)) }
                dt { (t(l, "portal.procedure.fee")) } dd #procedure-fee { (fee_text(l, p.fee_vnd)) " — " (p.fee_note.pick(english)) }
                dt { (t(l, "portal.procedure.applicants")) } dd { (p.applicants.pick(english)) }
                dt { (t(l, "portal.procedure.result")) } dd { (p.result.pick(english)) }
            }
            section {
                h2 { (t(l, "portal.procedure.steps")) }
                ol #procedure-steps { @for step in &p.steps { li { (step.pick(english)) } } }
            }
            section {
                h2 { (t(l, "portal.procedure.documents")) }
                @if p.documents.is_empty() {
                    p { (t(l, "portal.procedure.no_documents")) }
                } @else {
                    ul #procedure-documents {
                        @for d in &p.documents {
                            li data-document=(d.id) {
                                (d.name.pick(english)) " — "
                                @if d.required { strong { (t(l, "portal.document.required")) } }
                                @else { (t(l, "portal.document.optional")) }
                                " · " (types_text(&d.types)) ", " (super::fill(t(l, "portal.document.at_most"), &[("size", size_text(d.max_bytes))]))
                            }
                        }
                    }
                }
            }
            @if let Some(prefill) = &p.prefill {
                section #procedure-prefill {
                    h2 { (t(l, "portal.procedure.prefill")) }
                    p {
                        (t(l, "portal.procedure.prefill_intro")) " "
                        strong { (source.as_ref().map_or(prefill.service.as_str(), |s| s.provider.pick(english))) } ": "
                        (prefill.fields.iter().map(|f| super::view::field_name(l, source.as_ref(), f)).collect::<Vec<_>>().join(", "))
                        "."
                    }
                }
            }
            section {
                h2 { (t(l, "portal.procedure.legal_basis")) }
                ul #procedure-legal-basis { @for law in &p.legal_basis { li { (law.pick(english)) } } }
            }
            section #procedure-apply {
                @if online {
                    form #apply method="post" action={ "/portal/procedures/" (p.code) "/apply" } {
                        (hidden_csrf(&web))
                        button type="submit" { (t(l, "portal.procedure.apply")) }
                    }
                    @if !visitor.signed_in() { p.help { (t(l, "portal.procedure.apply_signin")) } }
                } @else {
                    p #not-online { (t(l, "portal.error.not_online")) }
                }
            }
        },
    )
    .into_response()
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Online => "online",
        Channel::Counter => "counter",
        Channel::Post => "post",
    }
}

/// "Apply online": a draft for the signed-in citizen, or a sign-in at the provider that starts
/// the draft when it comes back.
async fn apply(
    State(state): State<AppState>,
    Extension(provider): Extension<Arc<Provider>>,
    web: Web,
    visitor: Visitor,
    Path(code): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let p = match state.services.procedure(&code).await {
        Ok(p) => p,
        Err(e) => return refusal(&web, &visitor, &e, None),
    };
    if !visitor.signed_in() {
        let back = format!("/portal/procedures/{}", p.code);
        return signin::begin(&state, &provider, &web, &visitor, &back, Some(&p.code)).await;
    }
    applications::start_or_resume(&state, &web, &visitor, &p.code).await
}
