//! `/api/v1/accounts`, `/api/v1/sessions`, `/api/v1/enrolments`: the accounts capability as JSON,
//! for mobile apps, kiosks and the officers' tools. Sessions are bearer tokens here (no cookies,
//! so no CSRF); the same rules apply as on the web pages.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use dinhdanh_accounts::{
    Account, AccountEvent, AuthenticatorInfo, By, Credential, InPersonCheck, LockReason,
    MemberRole, Method, Registration, Role, Session, SignedIn,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, bearer};
use crate::error::{ApiError, ErrorBody};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/registrations", post(register))
        .route("/accounts/registrations/verify", post(verify))
        .route("/accounts/activation", post(activate))
        .route(
            "/sessions",
            post(sign_in).get(list_sessions).delete(sign_out_everywhere),
        )
        .route("/sessions/passkey/start", post(passkey_start))
        .route("/sessions/passkey/finish", post(passkey_finish))
        .route("/sessions/current", get(current).delete(sign_out))
        .route("/sessions/current/step-up", post(step_up))
        .route("/sessions/{handle}", delete(end_session))
        .route("/accounts/me", get(me))
        .route("/accounts/me/password", put(set_password))
        .route("/accounts/me/portrait", put(set_portrait))
        .route("/accounts/me/totp", post(totp_start))
        .route("/accounts/me/totp/confirm", post(totp_confirm))
        .route("/accounts/me/passkeys/start", post(passkey_register_start))
        .route(
            "/accounts/me/passkeys/finish",
            post(passkey_register_finish),
        )
        .route("/accounts/me/recovery-codes", post(recovery_codes))
        .route("/accounts/me/authenticators", get(authenticators))
        .route(
            "/accounts/me/authenticators/{id}",
            delete(remove_authenticator),
        )
        .route(
            "/accounts/me/method-locks/{method}",
            put(lock_method).delete(unlock_method),
        )
        .route("/accounts/me/lock", post(lock_me))
        .route("/accounts/me/events", get(my_events))
        .route("/accounts/me/children", post(register_child))
        .route("/organizations/{code}/account", post(register_organization))
        .route("/organizations/{code}/members", post(add_member))
        .route(
            "/organizations/{code}/members/{account}",
            delete(remove_member),
        )
        .route("/enrolments", post(enrol))
        .route("/accounts/{id}", get(account_for_staff))
        .route("/accounts/{id}/locks", post(lock_account))
        .route("/accounts/{id}/locks/{reason}", delete(unlock_account))
        .route("/accounts/{id}/revocation", post(revoke_account))
        .route(
            "/accounts/{id}/roles/{role}",
            put(grant_role).delete(revoke_role),
        )
        .route("/outbox", get(outbox))
}

/// A session as the API returns it after a sign-in or step-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The bearer token; shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Public handle of the session.
    pub handle: String,
    /// The account.
    pub account_id: i64,
    /// `amr` values of the factors used (RFC 8176 names; `hwk+uv` = passkey with user verification).
    pub amr: Vec<String>,
    /// eIDAS level: `low`, `substantial`, `high`; absent during enrolment.
    pub assurance: Option<String>,
    /// The eIDAS `acr` URI.
    pub acr: Option<String>,
    /// Last authentication (Unix ms).
    pub authenticated_at: i64,
    /// End of the session (Unix ms).
    pub expires_at: i64,
}

impl SessionView {
    fn of(session: &Session, token: Option<String>) -> SessionView {
        SessionView {
            token,
            handle: session.handle.clone(),
            account_id: session.account_id,
            amr: session.factors.iter().map(|f| f.amr().to_owned()).collect(),
            assurance: session.assurance.map(|a| a.name().to_owned()),
            acr: session.assurance.map(|a| a.acr().to_owned()),
            authenticated_at: session.authenticated_at,
            expires_at: session.expires_at,
        }
    }
}

fn signed(s: SignedIn) -> Json<SessionView> {
    Json(SessionView::of(&s.session, Some(s.token)))
}

/// Start a level-1 registration.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegistrationRequest {
    /// 12-digit personal ID.
    pub personal_id: String,
    /// Full name with diacritics.
    pub full_name: String,
    /// `YYYY-MM-DD` or `DD/MM/YYYY`.
    pub birth_date: String,
    /// Vietnamese mobile number.
    pub phone: String,
}

/// Start a level-1 registration: a code is sent if the details match the registry; the answer
/// is the same either way.
#[utoipa::path(post, path = "/api/v1/accounts/registrations", tag = "accounts",
    request_body = RegistrationRequest,
    responses((status = 202, description = "ticket to redeem with the code", body = Object),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn register(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Json(body): Json<RegistrationRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let form = Registration {
        personal_id: body.personal_id,
        full_name: body.full_name,
        birth_date: body.birth_date,
        phone: body.phone,
    };
    let ticket = state
        .accounts
        .register(&form, &crate::client_of(&parts))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"ticket": ticket.0}))))
}

/// A ticket and the code sent to the phone.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The ticket from the registration.
    pub ticket: String,
    /// The six-digit code.
    pub code: String,
}

/// Redeem the code: the account is created and an enrolment session returned.
#[utoipa::path(post, path = "/api/v1/accounts/registrations/verify", tag = "accounts",
    request_body = VerifyRequest,
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub(crate) async fn verify(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Json(body): Json<VerifyRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let s = state
        .accounts
        .verify_registration(&body.ticket, &body.code, &crate::client_of(&parts))
        .await?;
    Ok(signed(s))
}

/// A personal ID and its activation code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivationRequest {
    /// 12-digit personal ID.
    pub personal_id: String,
    /// The six-digit activation code.
    pub code: String,
}

/// Redeem an activation code (level 2 at the counter, a child's account, staff).
#[utoipa::path(post, path = "/api/v1/accounts/activation", tag = "accounts",
    request_body = ActivationRequest,
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub(crate) async fn activate(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Json(body): Json<ActivationRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let s = state
        .accounts
        .activate(&body.personal_id, &body.code, &crate::client_of(&parts))
        .await?;
    Ok(signed(s))
}

/// A sign-in with a personal ID and a secret.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInRequest {
    /// 12-digit personal ID.
    pub personal_id: String,
    /// `password` or `recovery`.
    pub method: String,
    /// The password or recovery code.
    pub value: String,
}

fn credential(method: &str, value: String) -> Result<Credential, ApiError> {
    match method {
        "password" => Ok(Credential::Password(value)),
        "totp" => Ok(Credential::Totp(value)),
        "recovery" => Ok(Credential::Recovery(value)),
        other => Err(ApiError::BadParameter {
            field: "method",
            message: format!("{other:?} is not a method: use password, totp or recovery"),
        }),
    }
}

/// Sign in with a password or a recovery code. Wrong ID and wrong secret answer alike.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = SignInRequest,
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "locked or revoked"),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Json(body): Json<SignInRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let credential = credential(&body.method, body.value)?;
    let s = state
        .accounts
        .login(&body.personal_id, &credential, &crate::client_of(&parts))
        .await?;
    Ok(signed(s))
}

/// A second factor for the current session.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepUpRequest {
    /// `totp`, `password` or `recovery`.
    pub method: String,
    /// The code or secret.
    pub value: String,
}

/// Add a factor to the current session: a new token replaces the old one.
#[utoipa::path(post, path = "/api/v1/sessions/current/step-up", tag = "sessions",
    request_body = StepUpRequest, security(("session" = [])),
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub(crate) async fn step_up(
    State(state): State<AppState>,
    caller: Caller,
    parts: axum::http::request::Parts,
    Json(body): Json<StepUpRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let credential = credential(&body.method, body.value)?;
    let s = state
        .accounts
        .step_up(&caller.token, &credential, &crate::client_of(&parts))
        .await?;
    Ok(signed(s))
}

/// Start a passkey sign-in (or step-up): `options` go to `navigator.credentials.get`.
#[utoipa::path(post, path = "/api/v1/sessions/passkey/start", tag = "sessions",
    responses((status = 200, body = Object)))]
pub(crate) async fn passkey_start(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let login = state.accounts.passkey_login_start().await?;
    Ok(Json(
        json!({"ceremony": login.ceremony, "options": login.options}),
    ))
}

/// The browser's answer to a passkey ceremony.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CeremonyResponse {
    /// The ceremony handle from the start call.
    pub ceremony: String,
    /// The credential as `PublicKeyCredential.toJSON()` gives it.
    #[schema(value_type = Object)]
    pub response: Value,
    /// A name for a new passkey.
    #[serde(default)]
    pub label: String,
}

/// Finish a passkey sign-in; with a bearer token of the same account it raises that session.
#[utoipa::path(post, path = "/api/v1/sessions/passkey/finish", tag = "sessions",
    request_body = CeremonyResponse,
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub(crate) async fn passkey_finish(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Json(body): Json<CeremonyResponse>,
) -> Result<Json<SessionView>, ApiError> {
    let current = bearer(&parts).map(str::to_owned);
    let s = state
        .accounts
        .passkey_login_finish(
            &body.ceremony,
            &body.response,
            current.as_deref(),
            &crate::client_of(&parts),
        )
        .await?;
    Ok(signed(s))
}

/// The current session.
#[utoipa::path(get, path = "/api/v1/sessions/current", tag = "sessions", security(("session" = [])),
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub(crate) async fn current(caller: Caller) -> Json<SessionView> {
    Json(SessionView::of(&caller.session, None))
}

/// Sign out here.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions", security(("session" = [])),
    responses((status = 204)))]
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    state.accounts.sign_out(&caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    let sessions = state.accounts.sessions(caller.session.account_id).await?;
    Ok(Json(
        sessions.iter().map(|s| SessionView::of(s, None)).collect(),
    ))
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let ended = state
        .accounts
        .sign_out_everywhere(caller.session.account_id)
        .await?;
    Ok(Json(json!({"ended": ended})))
}

async fn end_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(handle): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .sign_out_session(caller.session.account_id, &handle)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account, with locks, roles and locked methods.
#[utoipa::path(get, path = "/api/v1/accounts/me", tag = "accounts", security(("session" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Account>, ApiError> {
    Ok(Json(
        state.accounts.account(caller.session.account_id).await?,
    ))
}

#[derive(Deserialize)]
struct PasswordRequest {
    password: String,
}

async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PasswordRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .set_password(&caller.session, &body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_portrait(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let sha256 = state.accounts.set_portrait(&caller.session, &body).await?;
    Ok(Json(json!({"sha256": sha256})))
}

async fn totp_start(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let e = state.accounts.start_totp(&caller.session).await?;
    Ok(Json(
        json!({"ceremony": e.ceremony, "secret": e.secret, "otpauth_url": e.url, "qr_svg": e.qr_svg}),
    ))
}

#[derive(Deserialize)]
struct TotpConfirm {
    ceremony: String,
    code: String,
    #[serde(default)]
    label: String,
}

async fn totp_confirm(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<TotpConfirm>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .confirm_totp(&caller.session, &body.ceremony, &body.code, &body.label)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn passkey_register_start(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let c = state
        .accounts
        .start_passkey_registration(&caller.session)
        .await?;
    Ok(Json(json!({"ceremony": c.ceremony, "options": c.options})))
}

async fn passkey_register_finish(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CeremonyResponse>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .finish_passkey_registration(&caller.session, &body.ceremony, &body.response, &body.label)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn recovery_codes(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let codes = state.accounts.new_recovery_codes(&caller.session).await?;
    Ok(Json(json!({"codes": codes})))
}

async fn authenticators(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AuthenticatorInfo>>, ApiError> {
    Ok(Json(
        state
            .accounts
            .authenticators(caller.session.account_id)
            .await?,
    ))
}

async fn remove_authenticator(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .remove_authenticator(&caller.session, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn method(text: &str) -> Result<Method, ApiError> {
    Method::parse(text).ok_or(ApiError::BadParameter {
        field: "method",
        message: format!("{text:?} is not a method: password, totp, passkey or recovery"),
    })
}

async fn lock_method(
    State(state): State<AppState>,
    caller: Caller,
    Path(m): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .set_method_lock(&caller.session, method(&m)?, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unlock_method(
    State(state): State<AppState>,
    caller: Caller,
    Path(m): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .set_method_lock(&caller.session, method(&m)?, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn lock_me(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    let id = caller.session.account_id;
    state
        .accounts
        .lock(
            By::Session(&caller.session),
            id,
            LockReason::HolderRequest,
            "locked by the holder through the API",
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn my_events(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AccountEvent>>, ApiError> {
    Ok(Json(
        state
            .accounts
            .events(caller.session.account_id, 200)
            .await?,
    ))
}

#[derive(Deserialize)]
struct PersonRequest {
    personal_id: String,
    #[serde(default)]
    role: String,
}

async fn register_child(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<PersonRequest>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    let account = state
        .accounts
        .register_child(&caller.session, &body.personal_id)
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

async fn register_organization(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    let account = state
        .accounts
        .register_organization(&caller.session, &code)
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(body): Json<PersonRequest>,
) -> Result<(StatusCode, Json<dinhdanh_accounts::Member>), ApiError> {
    let role = MemberRole::parse(&body.role).ok_or(ApiError::BadParameter {
        field: "role",
        message: "use administrator or staff".into(),
    })?;
    let member = state
        .accounts
        .add_member(&caller.session, &code, &body.personal_id, role)
        .await?;
    Ok((StatusCode::CREATED, Json(member)))
}

async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, account)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .remove_member(&caller.session, &code, account)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the officer checked at the counter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EnrolmentRequest {
    /// 12-digit personal ID.
    pub personal_id: String,
    /// The registration point.
    pub registration_point: String,
    /// The identity card was inspected and its chip read.
    pub card_checked: bool,
    /// Fingerprints were taken and matched.
    pub fingerprints_checked: bool,
    /// Phone for the activation code (required for a new account).
    pub phone: Option<String>,
}

/// Level 2 in person (enrolment officers, signed in with a passkey or TOTP).
#[utoipa::path(post, path = "/api/v1/enrolments", tag = "accounts", security(("session" = [])),
    request_body = EnrolmentRequest,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn enrol(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<EnrolmentRequest>,
) -> Result<Json<Account>, ApiError> {
    let check = InPersonCheck {
        registration_point: body.registration_point,
        card_checked: body.card_checked,
        fingerprints_checked: body.fingerprints_checked,
        phone: body.phone,
    };
    Ok(Json(
        state
            .accounts
            .enrol_in_person(&caller.session, &body.personal_id, &check)
            .await?,
    ))
}

async fn staff_or_operator(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let officer = state
        .accounts
        .require_staff(&caller.session, Role::EnrolmentOfficer)
        .await;
    if officer.is_ok() {
        return Ok(());
    }
    state
        .accounts
        .require_staff(&caller.session, Role::Operator)
        .await?;
    Ok(())
}

async fn account_for_staff(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    staff_or_operator(&state, &caller).await?;
    let account = state.accounts.account(id).await?;
    let events = state.accounts.events(id, 50).await?;
    Ok(Json(json!({"account": account, "events": events})))
}

#[derive(Deserialize)]
struct LifecycleRequest {
    reason: String,
    #[serde(default)]
    note: String,
}

fn reason(text: &str) -> Result<LockReason, ApiError> {
    LockReason::parse(text).ok_or(ApiError::BadParameter {
        field: "reason",
        message: format!(
            "{text:?} is not a reason: holder_request, terms_breach, card_invalid, death or authority_request"
        ),
    })
}

async fn lock_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<LifecycleRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .lock(
            By::Session(&caller.session),
            id,
            reason(&body.reason)?,
            &body.note,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unlock_account(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, r)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .unlock(
            By::Session(&caller.session),
            id,
            reason(&r)?,
            "unlocked through the API",
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_account(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<LifecycleRequest>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .revoke(
            By::Session(&caller.session),
            id,
            reason(&body.reason)?,
            &body.note,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text).ok_or(ApiError::BadParameter {
        field: "role",
        message: format!("{text:?} is not a role: enrolment_officer, agency_officer or operator"),
    })
}

async fn grant_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, r)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .grant_role(By::Session(&caller.session), id, role(&r)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, r)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .accounts
        .revoke_role(By::Session(&caller.session), id, role(&r)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn outbox(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    state
        .accounts
        .require_staff(&caller.session, Role::Operator)
        .await?;
    let messages = dinhdanh_accounts::notify::outbox(&state.db, None, 100).await?;
    Ok(Json(json!({"messages": messages})))
}
