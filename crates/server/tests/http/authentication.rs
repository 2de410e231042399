//! Authentication.

use crate::support::*;

#[tokio::test]
async fn the_registry_api_requires_the_operator_token() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let path = format!("/api/v1/registry/persons/{AN_HN}");

        let response = app.get_anonymous(&path).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: no token"
        );
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer"),
            "{name}: 401 names the scheme"
        );
        let (_, body) = json_of(response).await;
        assert_eq!(body["error"], "auth.missing_token", "{name}: {body}");

        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth("not-the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: bad token"
        );
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{name}: 401 for a bad token names the scheme too"
        );
        let (_, body) = json_of(response).await;
        assert_eq!(body["error"], "auth.bad_token", "{name}: {body}");

        // A token that differs only by a suffix is still wrong.
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(format!("{}x", app.token))
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(body["error"], "auth.bad_token", "{name}: {body}");

        // Another scheme than Bearer is not a token.
        let response = app
            .client
            .get(app.url(&path))
            .basic_auth("operator", Some(&app.token))
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(body["error"], "auth.missing_token", "{name}: {body}");

        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{name}: correct token: {body}");
        assert_eq!(body["personal_id"], AN_HN, "{name}: {body}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn without_a_configured_token_the_registry_api_is_closed() {
    for t in backends().await {
        let name = t.name();
        seed(&t.db, &seed_rows()).await;
        let app = spawn_with(
            t.db.clone(),
            ServerSettings::default(),
            "any-token-at-all".to_owned(),
        )
        .await;

        let (status, body) = app
            .get_json(&format!("/api/v1/registry/persons/{AN_HN}"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["error"], "auth.api_closed", "{name}: {body}");
        assert!(
            body.get("full_name").is_none(),
            "{name}: no personal data leaks: {body}"
        );

        // The probes stay open.
        let response = app.get_anonymous("/healthz").await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /healthz");

        drop(app);
        t.close().await;
    }
}
