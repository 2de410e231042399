//! "Who accessed my data": the signed-in citizen's entries in the access ledger, newest first,
//! with who read what, when, why and under which legal basis, each linked to the proof that the
//! entry is in the public log (Decree 13/2023/ND-CP: the right to know who processes one's data).
//!
//! The person is always the signed-in account's holder: no parameter names anyone else. The
//! filters (who, from, to) and the paging position (`before`) come from a plain GET form and are
//! parsed by [`parse_filter`], which says in words what is wrong with a bad value.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{DateTime, Days, FixedOffset, NaiveDate, Utc};
use dinhdanh_accounts::{AccountKind, AccountStatus};
use dinhdanh_domain::PersonalId;
use dinhdanh_ledger::{Actor, HistoryFilter, Recorded, VerifierKey};
use maud::{Markup, html};

use super::i18n::lookup;
use super::layout::{alert, page};
use super::{Lang, Web, t};
use crate::AppState;

/// Entries on one page.
const PAGE: u32 = 50;
/// How many of the latest entries the "who" choice is built from.
const ACTORS_FROM: u32 = 500;
/// The longest actor ID the filter accepts.
const MAX_ACTOR: usize = 200;
/// Vietnam's time zone: UTC+7 all year (no daylight saving since 1975).
const VIETNAM_SECONDS: i32 = 7 * 3600;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/account/access", get(access_page))
}

/// Whose history a signed-in account may see: its holder's, for a person account with a
/// personal ID; nobody's otherwise.
fn holder(kind: AccountKind, personal_id: Option<PersonalId>) -> Option<PersonalId> {
    match kind {
        AccountKind::Person => personal_id,
        AccountKind::Organization => None,
    }
}

/// The filter as typed, kept to fill the form again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FilterInput {
    actor: String,
    from: String,
    to: String,
    before: String,
}

impl FilterInput {
    /// Reads the query string; other parameters (such as `lang`) are ignored, and the first of
    /// repeated ones counts.
    fn from_query(query: Option<&str>) -> FilterInput {
        let mut input = FilterInput::default();
        let mut seen = [false; 4];
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let (slot, target) = match key.as_ref() {
                "actor" => (0, &mut input.actor),
                "from" => (1, &mut input.from),
                "to" => (2, &mut input.to),
                "before" => (3, &mut input.before),
                _ => continue,
            };
            if !seen[slot] {
                seen[slot] = true;
                *target = value.trim().to_owned();
            }
        }
        input
    }

    /// Whether any filter (not counting the page position) is set.
    fn filters(&self) -> bool {
        !self.actor.is_empty() || !self.from.is_empty() || !self.to.is_empty()
    }

    /// `/account/access` with these filters and the given page position.
    fn link(&self, before: Option<u64>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        if let Some(before) = before {
            query.append_pair("before", &before.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            "/account/access".to_owned()
        } else {
            format!("/account/access?{query}")
        }
    }
}

/// A filter the ledger can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AccessFilter {
    actor: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    before: Option<u64>,
}

/// What is wrong with a filter value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// `from` or `to` is not a date in a form we read.
    NotADate { field: DateField, value: String },
    /// `from` is after `to`.
    FromAfterTo,
    /// `before` is not a positive entry number.
    BadPosition,
    /// The actor ID is too long or has control characters.
    BadActor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateField {
    From,
    To,
}

/// Turns the typed filter into a ledger filter, or lists everything wrong with it.
fn parse_filter(input: &FilterInput) -> Result<AccessFilter, Vec<Problem>> {
    let mut problems = Vec::new();
    let actor = if input.actor.is_empty() {
        None
    } else if input.actor.chars().count() > MAX_ACTOR || input.actor.chars().any(char::is_control) {
        problems.push(Problem::BadActor);
        None
    } else {
        Some(input.actor.clone())
    };
    let mut day = |field: DateField, text: &str| -> Option<NaiveDate> {
        if text.is_empty() {
            return None;
        }
        let parsed = parse_date(text);
        if parsed.is_none() {
            problems.push(Problem::NotADate {
                field,
                value: text.chars().take(40).collect(),
            });
        }
        parsed
    };
    let from = day(DateField::From, &input.from);
    let to = day(DateField::To, &input.to);
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        problems.push(Problem::FromAfterTo);
    }
    let before = if input.before.is_empty() {
        None
    } else {
        match input.before.parse::<u64>() {
            Ok(n) if n > 0 && input.before.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => {
                problems.push(Problem::BadPosition);
                None
            }
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(AccessFilter {
        actor,
        since: from.map(start_of_day),
        // `to` is inclusive: everything before the start of the next day.
        until: to.and_then(|d| d.checked_add_days(Days::new(1)).map(start_of_day)),
        before,
    })
}

/// A calendar date as a date field sends it (`2025-01-31`) or as people write it (`31/01/2025`).
fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
        .filter(|d| (1..=9999).contains(&chrono::Datelike::year(d)))
}

/// Midnight in Vietnam at the start of `day`, as a UTC instant.
fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    (local - chrono::Duration::seconds(VIETNAM_SECONDS.into())).and_utc()
}

fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(VIETNAM_SECONDS).expect("UTC+7 is a valid offset")
}

/// A moment in Vietnam time, as people of `lang` write it.
fn local_time(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&vietnam());
    match lang {
        Lang::Vi => local.format("%d/%m/%Y %H:%M:%S").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M:%S").to_string(),
    }
}

fn problem_text(lang: Lang, problem: &Problem) -> String {
    match problem {
        Problem::NotADate { field, value } => {
            let label = match field {
                DateField::From => t(lang, "access.from"),
                DateField::To => t(lang, "access.to"),
            };
            format!("{label} “{value}”: {}", t(lang, "access.bad_date"))
        }
        Problem::FromAfterTo => t(lang, "access.bad_order").to_owned(),
        Problem::BadPosition => t(lang, "access.bad_before").to_owned(),
        Problem::BadActor => t(lang, "access.bad_actor").to_owned(),
    }
}

/// An entry made ready to show: everything looked up, nothing left to await.
struct Shown {
    index: u64,
    kind: &'static str,
    actor: Actor,
    at: DateTime<Utc>,
    who: String,
    how: Vec<String>,
    fields: Vec<Field>,
    purpose: Option<String>,
    legal_basis: Option<String>,
}

/// A field name: its human name when we know one, else the raw name.
struct Field {
    raw: String,
    name: Option<&'static str>,
}

/// Resolves actors to names, asking the OpenID provider once per relying party.
struct Names<'a> {
    state: &'a AppState,
    lang: Lang,
    clients: HashMap<String, Option<Arc<dinhdanh_oidc::Client>>>,
}

impl Names<'_> {
    async fn client(&mut self, id: &str) -> Option<Arc<dinhdanh_oidc::Client>> {
        if let Some(known) = self.clients.get(id) {
            return known.clone();
        }
        let found = match self.state.oidc.client(id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, client = id, "relying party lookup failed");
                None
            }
        };
        self.clients.insert(id.to_owned(), found.clone());
        found
    }

    /// Who the actor is, in words.
    async fn who(&mut self, actor: &Actor) -> String {
        let l = self.lang;
        match actor.kind.as_str() {
            "relying_party" => match self.client(&actor.id).await {
                Some(client) => format!("{} ({})", client.name_in(l == Lang::Vi), actor.id),
                None => format!("{} ({})", actor.id, t(l, "access.unknown_client")),
            },
            "officer" => match actor.id.strip_prefix("account:") {
                Some(number) => format!("{} {number}", t(l, "access.officer")),
                None => format!("{} ({})", t(l, "access.officer_plain"), actor.id),
            },
            "agency" => format!("{} {}", t(l, "access.agency"), actor.id),
            "citizen" => t(l, "access.citizen").to_owned(),
            "system" => t(l, "access.system").to_owned(),
            other => format!("{other}: {}", actor.id),
        }
    }

    async fn show(&mut self, recorded: &Recorded) -> Shown {
        let l = self.lang;
        let event = &recorded.event;
        let who = self.who(&event.actor).await;
        let mut how = Vec::new();
        if let Some(detail) = &event.detail {
            how.push(
                lookup(l, &format!("ledger.detail.{detail}"))
                    .map_or_else(|| detail.clone(), str::to_owned),
            );
        }
        if let Some(service) = &event.service {
            how.push(
                lookup(l, &format!("ledger.service.{service}"))
                    .map_or_else(|| service.clone(), str::to_owned),
            );
        }
        let fields = event
            .fields
            .iter()
            .map(|raw| Field {
                raw: raw.clone(),
                name: lookup(l, &format!("ledger.field.{raw}")),
            })
            .collect();
        let purpose = match &event.purpose {
            None => None,
            Some(purpose) => Some(self.purpose(&event.actor, purpose).await),
        };
        let legal_basis = event
            .legal_basis
            .as_deref()
            .map(|basis| legal_basis(l, basis));
        Shown {
            index: recorded.index,
            kind: event.kind.as_str(),
            actor: event.actor.clone(),
            at: event.at,
            who,
            how,
            fields,
            purpose,
            legal_basis,
        }
    }

    /// The recorded purpose, in the page's language when we know its translation: a relying
    /// party's registered purpose, or one the platform itself writes.
    async fn purpose(&mut self, actor: &Actor, purpose: &str) -> String {
        let l = self.lang;
        if actor.kind == "relying_party"
            && let Some(client) = self.client(&actor.id).await
            && client.purpose.en == purpose
        {
            return match l {
                Lang::Vi => client.purpose.vi.clone(),
                Lang::En => client.purpose.en.clone(),
            };
        }
        let key = format!("ledger.purpose.{}", purpose.replace(' ', "_"));
        lookup(l, &key).map_or_else(|| purpose.to_owned(), str::to_owned)
    }
}

/// A legal basis in words: the citizen's consent, or the law as recorded.
fn legal_basis(lang: Lang, basis: &str) -> String {
    match basis.split_once(':') {
        None if basis == "consent" => t(lang, "access.consent").to_owned(),
        Some(("consent", id)) => format!("{} ({id})", t(lang, "access.consent")),
        _ => basis.to_owned(),
    }
}

async fn access_page(
    State(state): State<AppState>,
    web: Web,
    RawQuery(query): RawQuery,
) -> Response {
    let user = match web.user() {
        Ok(u) => u,
        Err(r) => return r,
    };
    if user.account.status == AccountStatus::Pending {
        return Redirect::to("/account/setup").into_response();
    }
    let l = web.lang;
    let Some(personal_id) = holder(user.account.kind, user.account.personal_id) else {
        return (
            StatusCode::FORBIDDEN,
            page(
                &web,
                t(l, "access.title"),
                html! {
                    p #access-not-personal { (t(l, "access.not_personal")) }
                    p { a href="/account" { (t(l, "nav.back")) } }
                },
            ),
        )
            .into_response();
    };
    let input = FilterInput::from_query(query.as_deref());
    let unavailable = |e: dinhdanh_ledger::LedgerError| {
        tracing::error!(error = %e, "the access ledger could not be read for a citizen");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            page(
                &web,
                t(l, "access.title"),
                html! { (alert(Some(t(l, "access.unavailable")))) },
            ),
        )
            .into_response()
    };
    let personal_id = personal_id.to_string();
    let (keys, subject) = match tokio::try_join!(
        state.ledger.verifier_keys(),
        state.ledger.subject(&personal_id)
    ) {
        Ok(found) => found,
        Err(e) => return unavailable(e),
    };
    let filter = match parse_filter(&input) {
        Ok(filter) => filter,
        Err(problems) => {
            let texts: Vec<String> = problems.iter().map(|p| problem_text(l, p)).collect();
            let body = html! {
                (intro(l))
                p.alert role="alert" #access-problems {
                    @for (i, text) in texts.iter().enumerate() {
                        @if i > 0 { br; }
                        (text)
                    }
                }
                (filter_form(l, &input, &[]))
                (proof_help(l, &keys))
            };
            return (
                StatusCode::BAD_REQUEST,
                page(&web, t(l, "access.title"), body),
            )
                .into_response();
        }
    };
    let wanted = HistoryFilter {
        actor: filter.actor.clone(),
        since: filter.since,
        until: filter.until,
        before: filter.before,
        limit: PAGE + 1,
    };
    let everyone = HistoryFilter {
        limit: ACTORS_FROM,
        ..HistoryFilter::default()
    };
    let (entries, recent) = match tokio::try_join!(
        state.ledger.history(&subject, &wanted),
        state.ledger.history(&subject, &everyone)
    ) {
        Ok(found) => found,
        Err(e) => return unavailable(e),
    };
    let more = entries.len() > PAGE as usize;
    let mut names = Names {
        state: &state,
        lang: l,
        clients: HashMap::new(),
    };
    let mut shown = Vec::with_capacity(entries.len().min(PAGE as usize));
    for recorded in entries.iter().take(PAGE as usize) {
        shown.push(names.show(recorded).await);
    }
    let mut actors: Vec<(String, String)> = Vec::new();
    for recorded in &recent {
        let actor = &recorded.event.actor;
        if !actors.iter().any(|(id, _)| *id == actor.id) {
            actors.push((actor.id.clone(), names.who(actor).await));
        }
    }
    if let Some(chosen) = &filter.actor
        && !actors.iter().any(|(id, _)| id == chosen)
    {
        actors.push((chosen.clone(), chosen.clone()));
    }
    let older = more.then(|| shown.last().map(|s| s.index)).flatten();
    let body = html! {
        (intro(l))
        (filter_form(l, &input, &actors))
        @if shown.is_empty() {
            @if input.filters() || filter.before.is_some() {
                p #access-empty data-filtered="true" { (t(l, "access.no_match")) " " a href="/account/access" { (t(l, "access.clear")) } }
            } @else {
                p #access-empty data-filtered="false" { (t(l, "access.empty")) }
            }
        } @else {
            div #access {
                @for entry in &shown { (entry_markup(l, entry, &input)) }
            }
        }
        @if older.is_some() || filter.before.is_some() {
            p.paging {
                @if let Some(before) = older {
                    a #access-older href=(input.link(Some(before))) { (t(l, "access.older")) }
                    " "
                }
                @if filter.before.is_some() {
                    a #access-newest href=(input.link(None)) { (t(l, "access.newest")) }
                }
            }
        }
        (proof_help(l, &keys))
    };
    page(&web, t(l, "access.title"), body).into_response()
}

fn intro(l: Lang) -> Markup {
    html! {
        p #access-intro { (t(l, "access.intro")) }
    }
}

fn filter_form(l: Lang, input: &FilterInput, actors: &[(String, String)]) -> Markup {
    html! {
        form #access-filter method="get" action="/account/access" {
            label for="access-actor" { (t(l, "access.actor")) }
            @if actors.is_empty() {
                input #access-actor name="actor" value=(input.actor) maxlength="200";
            } @else {
                select #access-actor name="actor" {
                    option value="" selected[input.actor.is_empty()] { (t(l, "access.actor_all")) }
                    @for (id, name) in actors {
                        option value=(id) selected[*id == input.actor] { (name) }
                    }
                }
            }
            label for="access-from" { (t(l, "access.from")) }
            input #access-from type="date" name="from" value=(input.from);
            label for="access-to" { (t(l, "access.to")) }
            input #access-to type="date" name="to" value=(input.to);
            p.help { (t(l, "access.dates_help")) }
            button type="submit" { (t(l, "access.apply")) }
            @if input.filters() {
                " " a href="/account/access" { (t(l, "access.clear")) }
            }
        }
    }
}

fn entry_markup(l: Lang, entry: &Shown, input: &FilterInput) -> Markup {
    let bundle = format!("/api/v1/ledger/entries/{}/bundle", entry.index);
    let only_this = FilterInput {
        actor: entry.actor.id.clone(),
        ..input.clone()
    };
    let local = entry.at.with_timezone(&vietnam());
    html! {
        article.access-entry data-index=(entry.index) data-kind=(entry.kind)
            data-actor-type=(entry.actor.kind) data-actor=(entry.actor.id) {
            h3 { (lookup(l, &format!("ledger.kind.{}", entry.kind)).unwrap_or(entry.kind)) }
            dl {
                dt { (t(l, "access.when")) }
                dd { time datetime=(local.to_rfc3339()) { (local_time(l, entry.at)) } }
                dt { (t(l, "access.who")) }
                dd.who {
                    (entry.who)
                    @if input.actor != entry.actor.id {
                        " · " a.only href=(only_this.link(None)) { (t(l, "access.only_this")) }
                    }
                }
                @if !entry.how.is_empty() {
                    dt { (t(l, "access.how")) }
                    dd { (entry.how.join(" · ")) }
                }
                dt { (t(l, "access.fields")) }
                dd.fields {
                    @if entry.fields.is_empty() {
                        "—"
                    } @else {
                        @for (i, field) in entry.fields.iter().enumerate() {
                            @if i > 0 { ", " }
                            @if let Some(name) = field.name {
                                span data-field=(field.raw) { (name) }
                            } @else {
                                code data-field=(field.raw) { (field.raw) }
                            }
                        }
                    }
                }
                dt { (t(l, "access.purpose")) }
                dd.purpose { (entry.purpose.as_deref().unwrap_or(t(l, "access.not_stated"))) }
                dt { (t(l, "access.legal_basis")) }
                dd.legal-basis { (entry.legal_basis.as_deref().unwrap_or(t(l, "access.not_stated"))) }
                dt { (t(l, "access.proof")) }
                dd {
                    a.proof href=(bundle) type="application/json" {
                        (t(l, "access.proof_link")) " " (entry.index)
                    }
                }
            }
        }
    }
}

/// What a proof shows and how to check one without trusting this site.
fn proof_help(l: Lang, keys: &[VerifierKey; 2]) -> Markup {
    let key = keys[0].to_string();
    html! {
        section #access-proof-help {
            h2 { (t(l, "access.proof_title")) }
            p { (t(l, "access.proof_what")) }
            p { (t(l, "access.proof_privacy")) }
            p {
                (t(l, "access.proof_how")) " "
                a #ledger-keys href="/ledger/keys" { "/ledger/keys" }
                ". " (t(l, "access.proof_compare"))
            }
            p { code #ledger-key { (breakable(&key)) } }
            p { (t(l, "access.proof_run")) }
            p {
                code #verify-command {
                    "dinhdanh ledger verify --bundle entry-N.json --key '" (breakable(&key)) "'"
                }
            }
            p.help { (t(l, "access.proof_other")) }
        }
    }
}

/// Long unbroken text (a key) with break opportunities, so that it wraps on a phone. `<wbr>`
/// adds no character: a copied key is unchanged.
fn breakable(text: &str) -> Markup {
    let chunks: Vec<String> = text
        .chars()
        .collect::<Vec<_>>()
        .chunks(16)
        .map(|c| c.iter().collect())
        .collect();
    html! {
        @for (i, chunk) in chunks.iter().enumerate() {
            @if i > 0 { wbr; }
            (chunk)
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn input(actor: &str, from: &str, to: &str, before: &str) -> FilterInput {
        FilterInput {
            actor: actor.into(),
            from: from.into(),
            to: to.into(),
            before: before.into(),
        }
    }

    #[test]
    fn only_person_accounts_with_a_personal_id_have_a_history() {
        let id = PersonalId::parse("001090012345").unwrap();
        assert_eq!(holder(AccountKind::Person, Some(id)), Some(id));
        assert_eq!(holder(AccountKind::Person, None), None);
        assert_eq!(holder(AccountKind::Organization, Some(id)), None);
    }

    #[test]
    fn dates_are_whole_days_in_vietnam_time_both_included() {
        let f = parse_filter(&input("", "2025-01-01", "31/01/2025", "")).unwrap();
        assert_eq!(
            f.since,
            Some(Utc.with_ymd_and_hms(2024, 12, 31, 17, 0, 0).unwrap())
        );
        assert_eq!(
            f.until,
            Some(Utc.with_ymd_and_hms(2025, 1, 31, 17, 0, 0).unwrap())
        );
        assert_eq!(f.actor, None);
        assert_eq!(f.before, None);
        let same_day = parse_filter(&input("", "2025-03-08", "2025-03-08", "")).unwrap();
        assert!(same_day.since < same_day.until);
    }

    #[test]
    fn bad_values_are_named_and_nothing_is_half_applied() {
        let problems = parse_filter(&input("", "2025-13-01", "hôm qua", "")).unwrap_err();
        assert_eq!(
            problems,
            vec![
                Problem::NotADate {
                    field: DateField::From,
                    value: "2025-13-01".into()
                },
                Problem::NotADate {
                    field: DateField::To,
                    value: "hôm qua".into()
                },
            ]
        );
        assert_eq!(
            parse_filter(&input("", "2025-02-01", "2025-01-01", "")).unwrap_err(),
            vec![Problem::FromAfterTo]
        );
        for before in ["0", "-1", "abc", "+5", "99999999999999999999999"] {
            assert_eq!(
                parse_filter(&input("", "", "", before)).unwrap_err(),
                vec![Problem::BadPosition],
                "{before}"
            );
        }
        assert_eq!(
            parse_filter(&input(&"x".repeat(201), "", "", "")).unwrap_err(),
            vec![Problem::BadActor]
        );
        assert_eq!(
            parse_filter(&input("a\u{7}b", "", "", "")).unwrap_err(),
            vec![Problem::BadActor]
        );
        assert!(parse_filter(&input("", "9999-12-31", "9999-12-31", "")).is_ok());
        let text = problem_text(
            Lang::En,
            &Problem::NotADate {
                field: DateField::From,
                value: "2025-13-01".into(),
            },
        );
        assert!(
            text.contains("2025-13-01") && text.starts_with("From"),
            "{text}"
        );
    }

    #[test]
    fn the_query_is_read_once_per_name_and_links_keep_the_filter() {
        let parsed = FilterInput::from_query(Some(
            "actor=account%3A7&from=2025-01-01&actor=other&lang=en&personal_id=079195001234&before=12",
        ));
        assert_eq!(parsed, input("account:7", "2025-01-01", "", "12"));
        assert_eq!(
            parsed.link(Some(5)),
            "/account/access?actor=account%3A7&from=2025-01-01&before=5"
        );
        assert_eq!(FilterInput::default().link(None), "/account/access");
        assert!(!input("", "", "", "3").filters());
    }

    #[test]
    fn times_show_in_vietnam_time() {
        let at = Utc.with_ymd_and_hms(2025, 1, 31, 20, 5, 9).unwrap();
        assert_eq!(local_time(Lang::Vi, at), "01/02/2025 03:05:09");
        assert_eq!(local_time(Lang::En, at), "2025-02-01 03:05:09");
    }

    #[test]
    fn every_claim_a_relying_party_can_receive_has_a_name_in_both_languages() {
        use dinhdanh_oidc::Scope;
        for scope in [
            Scope::OpenId,
            Scope::Profile,
            Scope::Address,
            Scope::Phone,
            Scope::PersonalId,
        ] {
            for claim in scope.claims() {
                let key = format!("ledger.field.{claim}");
                assert!(lookup(Lang::Vi, &key).is_some(), "{key}");
                assert!(lookup(Lang::En, &key).is_some(), "{key}");
            }
        }
    }

    #[test]
    fn legal_bases_read_as_words() {
        assert_eq!(legal_basis(Lang::En, "consent"), "Your consent");
        assert_eq!(legal_basis(Lang::En, "consent:42"), "Your consent (42)");
        assert_eq!(
            legal_basis(Lang::Vi, "Luật Căn cước 2023, Điều 10"),
            "Luật Căn cước 2023, Điều 10"
        );
    }
}
