//! Headers on every response.

use crate::support::*;

#[tokio::test]
async fn responses_carry_a_request_id_and_security_headers() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let mut ids = Vec::new();
        for response in [
            app.get_anonymous("/healthz").await,
            app.get_anonymous("/healthz").await,
            app.get_anonymous(&format!("/api/v1/registry/persons/{AN_HN}"))
                .await,
            app.get(&format!("/api/v1/registry/persons/{AN_HN}")).await,
            app.get("/api/v1/registry/persons/12345").await,
            app.get_anonymous("/no/such/page").await,
        ] {
            let url = response.url().path().to_owned();
            let headers = response.headers();
            let id = headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert!(!id.is_empty(), "{name}: {url}: x-request-id");
            ids.push(id);
            assert_eq!(
                headers
                    .get("x-content-type-options")
                    .and_then(|v| v.to_str().ok()),
                Some("nosniff"),
                "{name}: {url}: x-content-type-options"
            );
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{name}: request IDs differ: {ids:?}"
        );

        // A caller's own request ID is kept and echoed, to follow it through the logs.
        let response = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", "caller-chosen-id-42")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            Some("caller-chosen-id-42"),
            "{name}: the caller's request ID is echoed"
        );

        drop(app);
        t.close().await;
    }
}
