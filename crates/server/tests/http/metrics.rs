//! Metrics.

use crate::support::*;

#[tokio::test]
async fn metrics_label_requests_by_route_template_never_by_personal_id() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        for id in SEEDED {
            let (status, _) = app
                .get_json(&format!("/api/v1/registry/persons/{id}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{name}: {id}");
        }
        let (status, _) = app
            .get_json(&format!("/api/v1/registry/persons/{AN_HN}/history"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");

        let response = app.get_anonymous("/metrics").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /metrics");
        let metrics = response.text().await.unwrap();

        let route_line = metrics.lines().find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains(r#"route="/api/v1/registry/persons/{id}""#)
                && l.contains(r#"status="200""#)
        });
        assert!(
            route_line.is_some(),
            "{name}: a counter per route template:\n{metrics}"
        );
        assert!(
            metrics.contains("http_request_duration_seconds"),
            "{name}: latency histogram:\n{metrics}"
        );
        assert!(
            metrics.contains(&format!(r#"db_pool_connections{{backend="{name}"}}"#)),
            "{name}: pool gauge for this backend:\n{metrics}"
        );
        assert!(
            metrics.lines().any(|l| l.starts_with("registry_persons")),
            "{name}: registry size gauge:\n{metrics}"
        );
        for id in SEEDED {
            assert!(
                !metrics.contains(id),
                "{name}: personal ID {id} leaked into metrics:\n{metrics}"
            );
        }

        drop(app);
        t.close().await;
    }
}
