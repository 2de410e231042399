//! The pieces an application page is made of: the values read from the registry, the
//! applicant's own fields, the documents with their upload forms, what is still missing, and
//! the history. Pure rendering: the handlers in `applications` decide what is shown.

use std::collections::BTreeMap;

use dinhdanh_exchange::catalogue::DataService;
use dinhdanh_services::application::sniff;
use dinhdanh_services::catalogue::{Document, FieldKind, FormField};
use dinhdanh_services::{Actor, Application, Event, Procedure, Upload};
use maud::{Markup, html};
use serde_json::Value;

use super::{fill, hidden_csrf, status_text};
use crate::web::account::time;
use crate::web::i18n::lookup;
use crate::web::{Lang, Web, t};

/// What a field of a data service is called: the service's own title, else the platform's
/// name for it, else its raw name.
pub(super) fn field_name(lang: Lang, service: Option<&DataService>, field: &str) -> String {
    service
        .and_then(|s| s.field(field))
        .map(|f| f.title.pick(lang == Lang::En).to_owned())
        .or_else(|| lookup(lang, &format!("ledger.field.{field}")).map(str::to_owned))
        .unwrap_or_else(|| field.to_owned())
}

/// A value read from a data service, as text.
fn value_text(lang: Lang, value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => match s.as_str() {
            "male" | "female" => t(lang, &format!("portal.value.{s}")).to_owned(),
            _ => s.clone(),
        },
        Value::Array(items) => items
            .iter()
            .map(|v| value_text(lang, v))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", value_text(lang, v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The values read from the registry, read-only, with where they come from and a link to the
/// citizen's access history (the read is there); withheld fields are named, never guessed.
pub(super) fn prefilled(
    lang: Lang,
    application: &Application,
    service: Option<&DataService>,
) -> Markup {
    let form = &application.form;
    let english = lang == Lang::En;
    let source = service.map_or_else(
        || t(lang, "portal.prefill.registry").to_owned(),
        |s| s.provider.pick(english).to_owned(),
    );
    let basis = |code: &str| {
        service
            .and_then(|s| s.legal_basis(code))
            .map_or_else(|| code.to_owned(), |b| b.title.pick(english).to_owned())
    };
    html! {
        @if !form.prefilled.is_empty() || !form.withheld.is_empty() {
            section #prefilled {
                h2 { (t(lang, "portal.prefill.title")) }
                p.help {
                    (fill(t(lang, "portal.prefill.from"), &[("source", source)])) " "
                    @if let Some(first) = form.prefilled.first() {
                        (fill(t(lang, "portal.prefill.basis"), &[("basis", basis(&first.legal_basis))])) " "
                    }
                    a #access-link href="/account/access" { (t(lang, "portal.prefill.access")) }
                }
                dl {
                    @for p in &form.prefilled {
                        dt { (field_name(lang, service, &p.field)) }
                        dd data-field=(p.field) data-entry=(p.entry) { (value_text(lang, &p.value)) }
                    }
                }
                @if !form.withheld.is_empty() {
                    p #withheld {
                        (t(lang, "portal.prefill.withheld")) " "
                        (form.withheld.iter().map(|f| field_name(lang, service, f)).collect::<Vec<_>>().join(", "))
                    }
                }
            }
        }
    }
}

/// What a value of this kind must look like.
pub(super) fn field_hint(lang: Lang, kind: &FieldKind) -> String {
    match kind {
        FieldKind::Text { max } => fill(t(lang, "portal.hint.text"), &[("max", max.to_string())]),
        FieldKind::Date {} => t(lang, "portal.hint.date").to_owned(),
        FieldKind::Number { min, max } => fill(
            t(lang, "portal.hint.number"),
            &[("min", min.to_string()), ("max", max.to_string())],
        ),
        FieldKind::Choice { .. } => t(lang, "portal.hint.choice").to_owned(),
        FieldKind::PersonalId {} => t(lang, "portal.hint.personal_id").to_owned(),
    }
}

/// One of the applicant's fields as an input, holding `value`.
fn input(lang: Lang, field: &FormField, value: &str) -> Markup {
    let english = lang == Lang::En;
    let id = format!("field-{}", field.id);
    html! {
        label for=(id) {
            (field.label.pick(english))
            @if field.required { " " abbr title=(t(lang, "portal.document.required")) { "*" } }
        }
        @match &field.kind {
            FieldKind::Text { max } if *max > 200 => {
                textarea id=(id) name=(field.id) maxlength=(max) rows="4" { (value) }
            }
            FieldKind::Text { max } => {
                input id=(id) type="text" name=(field.id) maxlength=(max) value=(value);
            }
            FieldKind::Date {} => { input id=(id) type="date" name=(field.id) value=(value); }
            FieldKind::Number { min, max } => {
                input id=(id) type="number" name=(field.id) min=(min) max=(max) value=(value);
            }
            FieldKind::Choice { options } => {
                select id=(id) name=(field.id) {
                    option value="" { "—" }
                    @for o in options {
                        option value=(o.code) selected[o.code == value] { (o.label.pick(english)) }
                    }
                }
            }
            FieldKind::PersonalId {} => {
                input id=(id) type="text" name=(field.id) inputmode="numeric" maxlength="12" value=(value);
            }
        }
        p.help { (field_hint(lang, &field.kind)) }
    }
}

/// The applicant's own fields: a form while they may change them, else what they gave.
pub(super) fn own_fields(
    web: &Web,
    procedure: &Procedure,
    application: &Application,
    typed: Option<&BTreeMap<String, String>>,
    editable: bool,
) -> Markup {
    let l = web.lang;
    let english = l == Lang::En;
    let answers = typed.unwrap_or(&application.form.answers);
    let shown = |f: &FormField| -> String {
        let raw = application
            .form
            .answers
            .get(&f.id)
            .map_or("", String::as_str);
        match &f.kind {
            FieldKind::Choice { options } => options
                .iter()
                .find(|o| o.code == raw)
                .map_or_else(|| raw.to_owned(), |o| o.label.pick(english).to_owned()),
            _ => raw.to_owned(),
        }
    };
    html! {
        @if !procedure.form.is_empty() {
            section #own-fields {
                h2 { (t(l, "portal.fields.title")) }
                @if editable {
                    form #answers method="post" action={ "/portal/applications/" (application.id) "/answers" } {
                        (hidden_csrf(web))
                        @for f in &procedure.form {
                            (input(l, f, answers.get(&f.id).map_or("", String::as_str)))
                        }
                        button type="submit" { (t(l, "portal.fields.save")) }
                    }
                } @else {
                    dl {
                        @for f in &procedure.form {
                            dt { (f.label.pick(english)) }
                            dd data-field=(f.id) { (shown(f)) }
                        }
                    }
                }
            }
        }
    }
}

/// A size in bytes the way people read it.
pub(super) fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        if bytes.is_multiple_of(MB) {
            format!("{} MB", bytes / MB)
        } else {
            format!("{:.1} MB", bytes as f64 / MB as f64)
        }
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} B")
    }
}

/// Media types by their usual names.
pub(super) fn types_text(types: &[String]) -> String {
    types
        .iter()
        .map(|t| match t.as_str() {
            "application/pdf" => "PDF",
            "image/jpeg" => "JPEG",
            "image/png" => "PNG",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The documents: each with what it accepts, the file given, and (while editable) a form that
/// uploads or replaces it.
pub(super) fn documents(
    web: &Web,
    procedure: &Procedure,
    application: &Application,
    uploads: &[Upload],
    editable: bool,
) -> Markup {
    let l = web.lang;
    let english = l == Lang::En;
    html! {
        @if !procedure.documents.is_empty() {
            section #documents {
                h2 { (t(l, "portal.documents.title")) }
                @for d in &procedure.documents {
                    @let upload = uploads.iter().find(|u| u.document == d.id);
                    article.document data-document=(d.id) data-uploaded=(upload.is_some()) {
                        h3 {
                            (d.name.pick(english)) " "
                            @if d.required { strong { "(" (t(l, "portal.document.required")) ")" } }
                            @else { "(" (t(l, "portal.document.optional")) ")" }
                        }
                        p.help { (limits(l, d)) }
                        @if let Some(u) = upload {
                            p.uploaded {
                                (t(l, "portal.documents.given")) " "
                                a href={ "/portal/applications/" (application.id) "/documents/" (d.id) } { (u.file_name) }
                                " (" (size_text(u.size.max(0) as u64)) ", " (time(l, u.uploaded_at)) ")"
                            }
                        }
                        @if editable {
                            form.upload method="post" enctype="multipart/form-data"
                                action={ "/portal/applications/" (application.id) "/documents" } {
                                (hidden_csrf(web))
                                input type="hidden" name="document" value=(d.id);
                                label for={ "file-" (d.id) } { (t(l, "portal.documents.choose")) }
                                input id={ "file-" (d.id) } type="file" name="file" accept=(d.types.join(","));
                                button type="submit" {
                                    @if upload.is_some() { (t(l, "portal.documents.replace")) }
                                    @else { (t(l, "portal.documents.upload")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a document accepts, in words.
fn limits(lang: Lang, document: &Document) -> String {
    fill(
        t(lang, "portal.documents.limits"),
        &[
            ("types", types_text(&document.types)),
            ("size", size_text(document.max_bytes)),
        ],
    )
}

/// Why a file was refused, specifically: checked again here only to say it in words, after the
/// capability refused it.
pub(super) fn upload_problem(
    lang: Lang,
    document: &Document,
    file_name: &str,
    bytes: &[u8],
) -> String {
    if bytes.is_empty() {
        return t(lang, "portal.upload.empty").to_owned();
    }
    if bytes.len() as u64 > document.max_bytes {
        return fill(
            t(lang, "portal.upload.too_large"),
            &[
                ("size", size_text(bytes.len() as u64)),
                ("max", size_text(document.max_bytes)),
            ],
        );
    }
    match sniff(bytes) {
        None => fill(
            t(lang, "portal.upload.not_recognised"),
            &[("types", types_text(&document.types))],
        ),
        Some(kind) if !document.types.iter().any(|t| t == kind) => fill(
            t(lang, "portal.upload.not_accepted"),
            &[
                ("kind", types_text(&[kind.to_owned()])),
                ("types", types_text(&document.types)),
            ],
        ),
        Some(_) if file_name.trim().is_empty() => t(lang, "portal.upload.no_file").to_owned(),
        Some(_) => t(lang, "portal.upload.bad_name").to_owned(),
    }
}

/// What is still missing before the application can be filed, by name.
pub(super) fn missing(
    lang: Lang,
    procedure: &Procedure,
    application: &Application,
    uploads: &[Upload],
) -> Vec<String> {
    let english = lang == Lang::En;
    let fields = procedure
        .form
        .iter()
        .filter(|f| f.required && !application.form.answers.contains_key(&f.id))
        .map(|f| f.label.pick(english).to_owned());
    let documents = procedure
        .documents
        .iter()
        .filter(|d| d.required && !uploads.iter().any(|u| u.document == d.id))
        .map(|d| d.name.pick(english).to_owned());
    fields.chain(documents).collect()
}

/// Who made a move, as the applicant reads it.
fn actor_text(lang: Lang, actor: &Actor) -> &'static str {
    match actor {
        Actor::Applicant(_) => t(lang, "portal.history.you"),
        Actor::Officer(_) => t(lang, "portal.history.officer"),
        Actor::System => t(lang, "portal.history.system"),
    }
}

/// Who made a move, for `data-actor`: the same words as the officer's page uses.
fn actor_kind(actor: &Actor) -> &'static str {
    match actor {
        Actor::Applicant(_) => "applicant",
        Actor::Officer(_) => "officer",
        Actor::System => "system",
    }
}

/// The history: who, when, what, why.
pub(super) fn history(lang: Lang, events: &[Event]) -> Markup {
    html! {
        section {
            h2 { (t(lang, "portal.history.title")) }
            ol #history {
                @for e in events {
                    li data-step=(e.step) data-to=(e.to.map_or("", |s| s.as_str())) data-actor=(actor_kind(&e.actor)) {
                        time { (time(lang, e.at)) }
                        " · " (actor_text(lang, &e.actor))
                        " · " (super::step_text(lang, &e.step))
                        @if let Some(to) = e.to { " → " (status_text(lang, Some(to))) }
                        @if let Some(reason) = &e.reason { " · " span.reason { (reason) } }
                        @if let Some(due) = e.detail.as_ref().and_then(|d| d.get("new_due_at")).and_then(Value::as_i64) {
                            " · " (fill(t(lang, "portal.history.new_due"), &[("at", time(lang, due))]))
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
    fn sizes_and_types_read_as_people_say_them() {
        assert_eq!(size_text(5 * 1024 * 1024), "5 MB");
        assert_eq!(size_text(1536 * 1024), "1.5 MB");
        assert_eq!(size_text(1024), "1 KB");
        assert_eq!(size_text(12), "12 B");
        assert_eq!(
            types_text(&["application/pdf".into(), "image/png".into()]),
            "PDF, PNG"
        );
    }

    #[test]
    fn a_refused_file_is_explained_by_what_it_is() {
        let document = Document {
            id: "proof".into(),
            name: dinhdanh_domain::Texts::new("Giấy tờ", "Proof"),
            required: true,
            types: vec!["application/pdf".into()],
            max_bytes: 64,
        };
        let html = upload_problem(Lang::En, &document, "a.pdf", b"<html><script>");
        assert!(html.contains("not a PDF, JPEG or PNG"), "{html}");
        let png = upload_problem(Lang::Vi, &document, "a.pdf", b"\x89PNG\r\n\x1a\n....");
        assert!(png.contains("PNG") && png.contains("PDF"), "{png}");
        let big = upload_problem(Lang::En, &document, "a.pdf", &[b'%'; 65]);
        assert!(big.contains("65 B") && big.contains("64 B"), "{big}");
        assert_eq!(
            upload_problem(Lang::Vi, &document, "a.pdf", b""),
            "Tệp trống: hãy chọn lại tệp."
        );
    }
}
