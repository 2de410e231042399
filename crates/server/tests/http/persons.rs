//! Reading a person.

use crate::support::*;

#[tokio::test]
async fn a_person_is_read_by_personal_id() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let (status, body) = app
            .get_json(&format!("/api/v1/registry/persons/{AN_HN}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["personal_id"], AN_HN, "{name}: {body}");
        assert_eq!(body["full_name"], "Nguyễn Văn An", "{name}: {body}");
        assert_eq!(body["family_name"], "Nguyễn", "{name}: {body}");
        assert_eq!(body["middle_name"], "Văn", "{name}: {body}");
        assert_eq!(body["given_name"], "An", "{name}: {body}");
        assert_eq!(body["birth_date"], "1990-03-15", "{name}: {body}");
        assert_eq!(body["sex"], "male", "{name}: {body}");
        assert_eq!(body["birth_province"]["code"], "001", "{name}: {body}");
        assert_eq!(body["birth_province"]["name"], "Hà Nội", "{name}: {body}");
        assert_eq!(body["nationality"], "VN", "{name}: {body}");
        assert_eq!(body["status"], "living", "{name}: {body}");
        assert_eq!(body["version"], 1, "{name}: {body}");
        assert!(body["superseded_by"].is_null(), "{name}: {body}");
        assert!(body["previous_id"].is_null(), "{name}: {body}");

        let (status, body) = app
            .get_json(&format!("/api/v1/registry/persons/{BICH}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["full_name"], "Trần Thị Bích", "{name}: {body}");
        assert_eq!(body["sex"], "female", "{name}: {body}");
        assert_eq!(body["birth_province"]["code"], "079", "{name}: {body}");
        assert_eq!(
            body["birth_province"]["name"], "TP Hồ Chí Minh",
            "{name}: {body}"
        );

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn malformed_personal_ids_are_rejected_with_the_reason() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        // (path segment, a fragment the message must contain)
        let cases = [
            ("12345", "has 5 digits"),
            ("00109001234x", "'x' at position 12"),
            ("003090012345", "'003' are not one of the 63 province codes"),
        ];
        for (raw, expected) in cases {
            let (status, body) = app
                .get_json(&format!("/api/v1/registry/persons/{raw}"))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {raw}: {body}");
            assert_eq!(
                body["error"], "request.bad_parameter",
                "{name}: {raw}: {body}"
            );
            let message = body["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(expected),
                "{name}: {raw}: message {message:?} should contain {expected:?}"
            );
        }

        let (status, body) = app.get_json("/api/v1/registry/persons/001090099999").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {body}");
        assert_eq!(body["error"], "registry.person_not_found", "{name}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("001090099999")),
            "{name}: the message names the number asked for: {body}"
        );

        drop(app);
        t.close().await;
    }
}
