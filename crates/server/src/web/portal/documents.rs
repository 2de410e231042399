//! An application's documents: uploads (multipart, one file per document, replacing the one
//! before, judged by its bytes) and downloads, for the applicant only. A refused file is
//! explained specifically (empty, too large, not a PDF, JPEG or PNG whatever its name says, a type
//! this document does not take) and changes nothing.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dinhdanh_services::ServicesError;
use dinhdanh_services::catalogue::MAX_UPLOAD_BYTES;

use super::applications::{Problem, Shown, path_of, refused_page};
use super::view::{self, size_text};
use super::{Visitor, fill, refusal, status_of};
use crate::AppState;
use crate::web::{Lang, Web, t};

/// The largest request an upload may be: the largest file a procedure may accept, and the form.
const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES as usize + 64 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/portal/applications/{id}/documents",
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/portal/applications/{id}/documents/{document}",
            get(document),
        )
}

/// What an upload form sent.
#[derive(Default)]
struct UploadForm {
    csrf: String,
    document: String,
    file_name: String,
    bytes: Option<Vec<u8>>,
    too_large: bool,
}

async fn read_upload(mut multipart: Multipart) -> UploadForm {
    let mut form = UploadForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                form.too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                break;
            }
        };
        match field.name() {
            Some("csrf") => form.csrf = field.text().await.unwrap_or_default(),
            Some("document") => form.document = field.text().await.unwrap_or_default(),
            Some("file") => {
                form.file_name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) => form.bytes = Some(bytes.to_vec()),
                    Err(e) => {
                        form.too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    form
}

async fn upload(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let form = read_upload(multipart).await;
    if let Err(r) = web.check_csrf(&form.csrf) {
        return r;
    }
    let citizen = match visitor.citizen(&web, &path_of(&id)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = web.lang;
    let (state, web, visitor, citizen, id) = (&state, &web, &visitor, &citizen, id.as_str());
    let refused = async |text: String, status: StatusCode| {
        let shown = Shown::refused(Problem::Text(text));
        refused_page(state, web, visitor, citizen, id, shown, status).await
    };
    if form.too_large {
        let text = fill(
            t(l, "portal.upload.over_limit"),
            &[("max", size_text(MAX_UPLOAD_BYTES))],
        );
        return refused(text, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    let Some(bytes) = &form.bytes else {
        let text = t(l, "portal.upload.no_file").to_owned();
        return refused(text, StatusCode::BAD_REQUEST).await;
    };
    match state
        .services
        .upload(citizen, id, &form.document, &form.file_name, bytes)
        .await
    {
        Ok(_) => Redirect::to(&format!("{}?done=uploaded", path_of(id))).into_response(),
        Err(ServicesError::BadUpload { document, .. }) => {
            let procedure = match state.services.own(citizen, id).await {
                Ok(d) => state.services.procedure(&d.application.procedure).await,
                Err(e) => Err(e),
            };
            let text = match procedure.as_ref().ok().and_then(|p| p.document(&document)) {
                Some(doc) => format!(
                    "{}: {}",
                    doc.name.pick(l == Lang::En),
                    view::upload_problem(l, doc, &form.file_name, bytes)
                ),
                None => t(l, "portal.upload.no_file").to_owned(),
            };
            refused(text, StatusCode::BAD_REQUEST).await
        }
        Err(e) => {
            let status = status_of(&e);
            let shown = Shown::refused(Problem::Error(&e));
            refused_page(state, web, visitor, citizen, id, shown, status).await
        }
    }
}

/// One of the applicant's documents, as a download.
async fn document(
    State(state): State<AppState>,
    web: Web,
    visitor: Visitor,
    Path((id, document)): Path<(String, String)>,
) -> Response {
    let citizen = match visitor.citizen(&web, &path_of(&id)) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (upload, bytes) = match state.services.document_of(&citizen, &id, &document).await {
        Ok(found) => found,
        Err(e) => return refusal(&web, &visitor, &e, None),
    };
    // The type was judged from the bytes at upload (PDF, JPEG or PNG); the name is ours.
    let extension = match upload.media_type.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "bin",
    };
    let disposition = format!("attachment; filename=\"{}.{extension}\"", upload.document);
    (
        [
            (CONTENT_TYPE, upload.media_type.clone()),
            (CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
