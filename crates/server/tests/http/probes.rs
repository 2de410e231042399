//! Probes.

use crate::support::*;

#[tokio::test]
async fn healthz_and_readyz_answer_on_a_migrated_database() {
    for t in backends().await {
        let name = t.name();
        let app = spawn_app(t.db.clone()).await;

        let response = app.get_anonymous("/healthz").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /healthz");
        assert_eq!(
            response.text().await.unwrap(),
            "ok",
            "{name}: /healthz body"
        );

        let (status, body) = json_of(app.get_anonymous("/readyz").await).await;
        assert_eq!(status, StatusCode::OK, "{name}: /readyz {body}");
        assert_eq!(body["status"], "ready", "{name}: {body}");
        assert_eq!(body["backend"], name.as_str(), "{name}: {body}");
        assert!(
            body["migrations"].as_u64().is_some_and(|n| n > 0),
            "{name}: applied migrations counted: {body}"
        );

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn readyz_is_unavailable_while_migrations_are_pending() {
    for u in Unmigrated::all().await {
        let name = u.name;
        let app = spawn_app(u.db.clone()).await;

        let response = app.get_anonymous("/healthz").await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{name}: alive even unmigrated"
        );

        let (status, body) = json_of(app.get_anonymous("/readyz").await).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{name}: {body}");
        assert_eq!(body["status"], "unavailable", "{name}: {body}");
        assert!(
            body["reason"]
                .as_str()
                .is_some_and(|r| r.contains("migrations pending")),
            "{name}: the reason says migrations are pending: {body}"
        );
        assert!(
            body["pending"].as_array().is_some_and(|p| !p.is_empty()),
            "{name}: the pending versions are listed: {body}"
        );

        drop(app);
        u.close().await;
    }
}
