//! Who may read the registry: staff sessions only, with the right role and a strong factor.

use crate::support::*;

#[tokio::test]
async fn the_registry_api_requires_a_staff_session() {
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
                .map(|v| v.to_str().unwrap()),
            Some("Bearer"),
            "{name}: 401 names the scheme"
        );
        let (_, body) = json_of(response).await;
        assert_eq!(body["error"], "auth.missing_token", "{name}: {body}");

        for bad in [
            "not-a-token".to_owned(),
            format!("{}x", app.token),
            "A".repeat(43),
        ] {
            let response = app
                .client
                .get(app.url(&path))
                .bearer_auth(&bad)
                .send()
                .await
                .unwrap();
            let (status, body) = json_of(response).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {bad}");
            assert_eq!(body["error"], "auth.bad_token", "{name}: {body}");
        }
        let response = app
            .client
            .get(app.url(&path))
            .basic_auth("operator", Some(&app.token))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{name}: Basic is not Bearer"
        );

        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{name}: staff session: {body}");
        assert_eq!(body["full_name"], "Nguyễn Văn An", "{name}");

        // Signing out ends the token's power at once.
        let response = app
            .client
            .delete(app.url("/api/v1/sessions/current"))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{name}");
        let (status, _) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: signed out");
        t.close().await;
    }
}

#[tokio::test]
async fn citizens_and_password_only_officers_cannot_read_the_registry() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let path = format!("/api/v1/registry/persons/{AN_HN}");
        // The staff member, signed in with a password only.
        let (status, me) = json_of(
            app.client
                .get(app.url("/api/v1/accounts/me"))
                .bearer_auth(&app.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let roles: Vec<&str> = me["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(roles.len(), 2, "{name}: {me}");
        let response = app
            .client
            .put(app.url("/api/v1/accounts/me/password"))
            .bearer_auth(&app.token)
            .json(&json!({"password": "một câu mật khẩu dài"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{name}");
        let (status, session) = json_of(
            app.client
                .post(app.url("/api/v1/sessions"))
                .json(&json!({"personal_id": STAFF, "method": "password", "value": "một câu mật khẩu dài"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {session}");
        assert_eq!(session["amr"], json!(["pwd"]), "{name}");
        let weak = session["token"].as_str().unwrap();
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(weak)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["error"], "step_up_required", "{name}: {body}");
        assert!(body.get("full_name").is_none(), "{name}: nothing leaks");

        // A citizen with an account has no role at all.
        let citizen = register_citizen(&app, &t.db).await;
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(&citizen)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["error"], "missing_role", "{name}: {body}");
        t.close().await;
    }
}

/// Registers Bích (given a card first) through the API and returns a password session token.
pub async fn register_citizen(app: &TestApp, db: &Db) -> String {
    let registry = Registry::new(db);
    let mut card = dinhdanh_registry::Correction {
        actor: "test".into(),
        reason: "card issued".into(),
        ..Default::default()
    };
    card.set.insert("id_card_number".into(), BICH.into());
    card.set
        .insert("id_card_issued".into(), "2022-02-02".into());
    card.set
        .insert("id_card_expires".into(), "2035-07-20".into());
    registry
        .correct(
            dinhdanh_domain::PersonalId::parse(BICH).unwrap(),
            &card,
            Utc::now().date_naive(),
        )
        .await
        .expect("give Bích a card");
    let (status, body) = json_of(
        app.client
            .post(app.url("/api/v1/accounts/registrations"))
            .json(&json!({"personal_id": BICH, "full_name": "Trần Thị Bích", "birth_date": "1995-07-20", "phone": "0933000111"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let code = code_sent_to(db, "+84933000111").await;
    let (status, enrolment) = json_of(
        app.client
            .post(app.url("/api/v1/accounts/registrations/verify"))
            .json(&json!({"ticket": body["ticket"], "code": code}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enrolment}");
    assert_eq!(
        enrolment["assurance"],
        Value::Null,
        "a phone code alone proves nothing"
    );
    let response = app
        .client
        .put(app.url("/api/v1/accounts/me/password"))
        .bearer_auth(enrolment["token"].as_str().unwrap())
        .json(&json!({"password": "trăng rằm tháng tám"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, session) = json_of(
        app.client
            .post(app.url("/api/v1/sessions"))
            .json(
                &json!({"personal_id": BICH, "method": "password", "value": "trăng rằm tháng tám"}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["assurance"], "low");
    assert_eq!(session["acr"], "http://eidas.europa.eu/LoA/low");
    session["token"].as_str().unwrap().to_owned()
}
