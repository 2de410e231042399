//! Corrections, history and re-establishment.

use crate::support::*;

#[tokio::test]
async fn a_correction_is_versioned_and_recorded_in_the_history() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let path = format!("/api/v1/registry/persons/{BICH}");
        let old_residence = "Số 5, ngõ 8, phố Huế, quận Hai Bà Trưng, Hà Nội";
        let new_residence = "Số 20, đường Lê Lợi, phường Bến Nghé, Quận 1, TP Hồ Chí Minh";

        let (status, body) = json_of(
            app.patch(
                &path,
                &json!({"set": {"current_residence": new_residence}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["version"], 2, "{name}: {body}");
        assert_eq!(body["current_residence"], new_residence, "{name}: {body}");

        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["current_residence"], new_residence, "{name}: stored");
        assert_eq!(body["version"], 2, "{name}: {body}");

        let (status, history) = app.get_json(&format!("{path}/history")).await;
        assert_eq!(status, StatusCode::OK, "{name}: {history}");
        let entries = history.as_array().expect("history is an array");
        assert_eq!(entries.len(), 2, "{name}: {history}");
        assert_eq!(entries[0]["version"], 1, "{name}: {history}");
        assert_eq!(entries[0]["reason"], "created", "{name}: {history}");
        assert_eq!(entries[0]["changes"], json!([]), "{name}: {history}");
        assert_eq!(entries[1]["version"], 2, "{name}: {history}");
        assert_eq!(entries[1]["reason"], "moved", "{name}: {history}");
        assert!(
            entries[1]["actor"]
                .as_str()
                .unwrap()
                .starts_with("account:"),
            "{name}: the staff account is recorded: {history}"
        );
        assert_eq!(
            entries[1]["changes"],
            json!([{"field": "current_residence", "old": old_residence, "new": new_residence}]),
            "{name}: {history}"
        );

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn invalid_corrections_are_refused_and_change_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let path = format!("/api/v1/registry/persons/{BICH}");

        let (status, _) = json_of(
            app.patch(
                &path,
                &json!({"set": {"current_residence": "Số 1, phố Tràng Tiền, Hà Nội"}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: first correction");

        let refusals = [
            (
                json!({"set": {"current_residence": "Số 2, phố Hàng Gai, Hà Nội"}, "reason": ""}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.reason_required",
            ),
            (
                json!({"set": {"current_residence": "Số 2, phố Hàng Gai, Hà Nội"}, "reason": "   "}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.reason_required",
            ),
            (
                json!({"set": {"favourite_colour": "blue"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.unknown_field",
            ),
            (
                // A known field together with an unknown one: nothing at all is applied.
                json!({"set": {"current_residence": "Số 3, phố Hàng Gai, Hà Nội", "shoe_size": "38"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.unknown_field",
            ),
            (
                json!({"set": {"personal_id": "079195009999"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.unknown_field",
            ),
            (
                json!({"set": {"birth_date": "1996-07-20"}, "reason": "birth certificate"}),
                StatusCode::CONFLICT,
                "registry.needs_reestablishment",
            ),
            (
                json!({"set": {"sex": "male"}, "reason": "registration error"}),
                StatusCode::CONFLICT,
                "registry.needs_reestablishment",
            ),
            (
                json!({"set": {"current_residence": "Số 4, phố Hàng Gai, Hà Nội"}, "reason": "moved", "expected_version": 1}),
                StatusCode::CONFLICT,
                "registry.version_conflict",
            ),
            (
                json!({"set": {"nationality": "Vietnam"}, "reason": "typo"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "registry.invalid",
            ),
        ];
        for (body, expected_status, expected_code) in refusals {
            let (status, answer) = json_of(app.patch(&path, &body).await).await;
            assert_eq!(status, expected_status, "{name}: {body} → {answer}");
            assert_eq!(answer["error"], expected_code, "{name}: {body} → {answer}");
        }

        let (_, person) = app.get_json(&path).await;
        assert_eq!(person["version"], 2, "{name}: still version 2: {person}");
        assert_eq!(person["birth_date"], "1995-07-20", "{name}: {person}");
        assert_eq!(person["sex"], "female", "{name}: {person}");
        assert_eq!(person["nationality"], "VN", "{name}: {person}");
        assert_eq!(
            person["current_residence"], "Số 1, phố Tràng Tiền, Hà Nội",
            "{name}: {person}"
        );
        let (_, history) = app.get_json(&format!("{path}/history")).await;
        assert_eq!(
            history.as_array().map(Vec::len),
            Some(2),
            "{name}: refused changes leave no history: {history}"
        );

        // The current version is accepted.
        let (status, body) = json_of(
            app.patch(
                &path,
                &json!({"set": {"religion": "Phật giáo"}, "reason": "declared", "expected_version": 2}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["version"], 3, "{name}: {body}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn a_birth_year_correction_re_establishes_the_number() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let old_path = format!("/api/v1/registry/persons/{BICH}");

        let (status, body) = json_of(
            app.patch(
                &old_path,
                &json!({"set": {"birth_date": "1996-07-20"}, "reason": "birth certificate"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(
            body["error"], "registry.needs_reestablishment",
            "{name}: {body}"
        );

        // A re-establishment that the number does not need is refused.
        let (status, body) = json_of(
            app.post(
                &format!("{old_path}/reestablish"),
                &json!({"set": {"religion": "Phật giáo"}, "reason": "declared"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(
            body["error"], "registry.reestablishment_not_needed",
            "{name}: {body}"
        );

        let (status, created) = json_of(
            app.post(
                &format!("{old_path}/reestablish"),
                &json!({"set": {"birth_date": "1996-07-20"}, "reason": "birth certificate"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        let new_id = created["personal_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no personal_id in {created}"))
            .to_owned();
        assert_eq!(new_id.len(), 12, "{name}: {new_id}");
        assert_ne!(new_id, BICH, "{name}: a new number");
        assert_eq!(&new_id[..3], "079", "{name}: same province: {new_id}");
        assert_eq!(&new_id[3..4], "1", "{name}: female, 1900s: {new_id}");
        assert_eq!(
            &new_id[4..6],
            "96",
            "{name}: digits 5–6 are the new year: {new_id}"
        );
        assert_eq!(created["previous_id"], BICH, "{name}: {created}");
        assert_eq!(created["birth_date"], "1996-07-20", "{name}: {created}");
        assert_eq!(created["full_name"], "Trần Thị Bích", "{name}: {created}");
        assert!(created["superseded_by"].is_null(), "{name}: {created}");

        let (status, old) = app.get_json(&old_path).await;
        assert_eq!(status, StatusCode::OK, "{name}: the old number still reads");
        assert_eq!(old["superseded_by"], new_id.as_str(), "{name}: {old}");

        let new_path = format!("/api/v1/registry/persons/{new_id}");
        let (status, new) = app.get_json(&new_path).await;
        assert_eq!(status, StatusCode::OK, "{name}: {new}");
        assert_eq!(new["previous_id"], BICH, "{name}: {new}");
        let (_, history) = app.get_json(&format!("{new_path}/history")).await;
        assert!(
            history[0]["reason"]
                .as_str()
                .is_some_and(|r| r.contains(BICH)),
            "{name}: the new record's history names the old number: {history}"
        );

        let (status, body) = json_of(
            app.patch(
                &old_path,
                &json!({"set": {"current_residence": "Số 9, phố Huế, Hà Nội"}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {body}");
        assert_eq!(body["error"], "registry.superseded", "{name}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains(&new_id)),
            "{name}: the message names the new number: {body}"
        );

        // The new number can be corrected.
        let (status, body) = json_of(
            app.patch(
                &new_path,
                &json!({"set": {"current_residence": "Số 9, phố Huế, Hà Nội"}, "reason": "moved"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");

        drop(app);
        t.close().await;
    }
}
