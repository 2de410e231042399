//! The citizen's pages: file a request, follow it against its deadline, read the answer, withdraw.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/account/requests", get(my_requests).post(file))
        .route("/account/requests/{id}", get(my_request))
        .route("/account/requests/{id}/withdraw", post(withdraw))
}
/// The citizen's list and the filing form, with an optional refusal and the form as typed.
async fn list_page(
    state: &AppState,
    web: &Web,
    citizen: &Citizen,
    done: Option<&str>,
    problem: Option<String>,
    form: &FilingForm,
) -> Response {
    let l = web.lang;
    let mine = match state.rights.mine(citizen).await {
        Ok(mine) => mine,
        Err(e) => return refusal(web, "rights.title", &e),
    };
    let now = state.rights.now();
    let kind = if form.kind.is_empty() {
        Kind::Correction.as_str()
    } else {
        form.kind.as_str()
    };
    page(
        web,
        t(l, "rights.title"),
        html! {
            (notice(done_text(l, done)))
            p #rights-intro { (t(l, "rights.intro")) }
            section {
                h2 { (t(l, "rights.mine")) }
                @if mine.is_empty() {
                    p #requests-empty { (t(l, "rights.none")) }
                } @else {
                    table #requests {
                        thead { tr {
                            th { (t(l, "rights.kind")) } th { (t(l, "rights.about")) }
                            th { (t(l, "rights.filed_at")) } th { (t(l, "rights.due_at")) }
                            th { (t(l, "rights.status")) } th { (t(l, "rights.answer")) } th {}
                        } }
                        tbody {
                            @for r in &mine {
                                tr data-id=(r.id) data-status=(r.status.as_str()) data-due=(r.due_at) data-overdue=(r.is_overdue(now)) {
                                    td { (kind_text(l, r.kind)) }
                                    td { a href={ "/account/requests/" (r.id) } { (excerpt(&r.about, 80)) } }
                                    td { (time(l, r.filed_at)) }
                                    @if r.is_overdue(now) { td.alert { (deadline(l, r, now)) } }
                                    @else { td { (deadline(l, r, now)) } }
                                    td.status { (status_text(l, r.status)) }
                                    td.answer { @if let Some(a) = &r.answer { (lines(a)) } }
                                    td {
                                        @if r.status == Status::Open {
                                            form.inline method="post" action={ "/account/requests/" (r.id) "/withdraw" } {
                                                (hidden_csrf(web))
                                                button.secondary type="submit" { (t(l, "rights.withdraw")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section {
                h2 { (t(l, "rights.new")) }
                (alert(problem.as_deref()))
                form #file-request method="post" action="/account/requests" {
                    (hidden_csrf(web))
                    label for="request-kind" { (t(l, "rights.kind")) }
                    select #request-kind name="kind" {
                        @for k in Kind::ALL {
                            option value=(k.as_str()) selected[k.as_str() == kind] { (kind_text(l, k)) }
                        }
                    }
                    fieldset #request-fields {
                        legend { (t(l, "rights.fields")) }
                        p.help { (t(l, "rights.fields_help")) }
                        @for f in Field::ALL {
                            label {
                                input type="checkbox" name="fields" value=(f.as_str())
                                    checked[form.fields.iter().any(|x| x == f.as_str())];
                                " " (field_text(l, f))
                            }
                        }
                    }
                    label for="request-about" { (t(l, "rights.about")) }
                    textarea #request-about name="about" rows="6" maxlength=(MAX_ABOUT) required { (form.about) }
                    p.help { (t(l, "rights.about_help")) }
                    button type="submit" { (t(l, "rights.submit")) }
                }
            }
        },
    )
    .into_response()
}

async fn my_requests(
    State(state): State<AppState>,
    web: Web,
    Query(flash): Query<Flash>,
) -> Response {
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    list_page(
        &state,
        &web,
        &citizen,
        flash.done.as_deref(),
        None,
        &FilingForm::default(),
    )
    .await
}

async fn file(State(state): State<AppState>, web: Web, RawForm(body): RawForm) -> Response {
    let form = FilingForm::from_body(&body);
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match Filing::parse(&form.kind, &form.about, &form.fields) {
        Ok(filing) => state.rights.file(&citizen, &filing).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/account/requests?done=filed").into_response(),
        Err(e) => {
            let mut response = list_page(
                &state,
                &web,
                &citizen,
                None,
                Some(error_text(web.lang, &e)),
                &form,
            )
            .await;
            *response.status_mut() = status_of(&e);
            response
        }
    }
}

async fn my_request(State(state): State<AppState>, web: Web, Path(id): Path<String>) -> Response {
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let detail = match RequestId::parse(&id) {
        Ok(id) => state.rights.request_of(&citizen, &id).await,
        Err(e) => Err(e),
    };
    let Detail { request, events } = match detail {
        Ok(d) => d,
        Err(e) => return refusal(&web, "rights.title", &e),
    };
    let now = state.rights.now();
    page(
        &web,
        t(l, "rights.request"),
        html! {
            (request_facts(l, &request, now))
            @if request.status == Status::Open {
                form #withdraw method="post" action={ "/account/requests/" (request.id) "/withdraw" } {
                    (hidden_csrf(&web))
                    button.secondary type="submit" { (t(l, "rights.withdraw")) }
                }
            }
            (history(l, &events, false))
            p { a href="/account/requests" { (t(l, "rights.back_mine")) } }
        },
    )
    .into_response()
}

async fn withdraw(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let citizen = match citizen(&web) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let result = match RequestId::parse(&id) {
        Ok(id) => state.rights.withdraw(&citizen, &id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/account/requests?done=withdrawn").into_response(),
        Err(RightsError::NotFound) => refusal(&web, "rights.title", &RightsError::NotFound),
        Err(e) => {
            let mut response = list_page(
                &state,
                &web,
                &citizen,
                None,
                Some(error_text(web.lang, &e)),
                &FilingForm::default(),
            )
            .await;
            *response.status_mut() = status_of(&e);
            response
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The officers' pages
// ---------------------------------------------------------------------------------------------
