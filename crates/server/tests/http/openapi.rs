//! OpenAPI and documentation.

use crate::support::*;

#[tokio::test]
async fn the_openapi_document_and_docs_page_are_served() {
    for t in backends().await {
        let name = t.name();
        let app = spawn_app(t.db.clone()).await;

        let (status, doc) = json_of(app.get_anonymous("/api/v1/openapi.json").await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {doc}");
        assert!(
            doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "{name}: OpenAPI 3.x: {}",
            doc["openapi"]
        );
        for path in [
            "/api/v1/registry/persons/{id}",
            "/api/v1/registry/persons",
            "/api/v1/registry/persons/{id}/history",
            "/api/v1/registry/persons/{id}/reestablish",
        ] {
            assert!(
                doc["paths"].get(path).is_some(),
                "{name}: {path} is documented"
            );
        }
        assert!(
            doc["paths"]["/api/v1/registry/persons/{id}"]
                .get("patch")
                .is_some(),
            "{name}: the correction is documented"
        );
        assert!(
            doc["components"]["securitySchemes"]
                .get("session")
                .is_some(),
            "{name}: the session token scheme is documented"
        );

        let response = app.get_anonymous("/api/v1/docs/").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /api/v1/docs/");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{name}: HTML, got {content_type:?}"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.to_lowercase().contains("swagger"),
            "{name}: the Swagger UI page:\n{html}"
        );

        drop(app);
        t.close().await;
    }
}
