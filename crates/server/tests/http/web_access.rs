//! "Who accessed my data" (`/account/access`) as a citizen's browser sees it: an officer's read of
//! the citizen's record is listed with a proof that verifies against the published keys, nobody
//! sees anyone else's entries, the filters work in Vietnam time and refuse bad input in words, and
//! the page pages backwards.

use chrono::{DateTime, TimeZone};
use dinhdanh_ledger::{Actor, Bundle, Event, Kind, Ledger, VerifierKey};
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};

use crate::support::*;
use crate::web::{Browser, Page, citizen};

/// One entry as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    index: u64,
    kind: String,
    actor_type: String,
    actor: String,
    /// The entry's markup, up to the next one.
    html: String,
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].replace("&amp;", "&"))
}

/// The entries listed on an access page, in page order.
fn listed(page: &Page) -> Vec<Listed> {
    let parts: Vec<&str> = page.body.split("<article").skip(1).collect();
    parts
        .iter()
        .map(|part| {
            let tag = &part[..part.find('>').expect("tag end")];
            let end = part.find("</article>").unwrap_or(part.len());
            Listed {
                index: attribute(tag, "data-index").unwrap().parse().unwrap(),
                kind: attribute(tag, "data-kind").unwrap(),
                actor_type: attribute(tag, "data-actor-type").unwrap(),
                actor: attribute(tag, "data-actor").unwrap(),
                html: part[..end].to_owned(),
            }
        })
        .collect()
}

/// The entries on an access page that are someone reading the citizen's data (not the
/// citizen's own account changes).
fn reads(page: &Page) -> Vec<Listed> {
    listed(page)
        .into_iter()
        .filter(|e| e.kind != "account.changed")
        .collect()
}

/// The `href` of the element with `id`.
fn link(page: &Page, id: &str) -> Option<String> {
    let start = page.body.find(&format!("id=\"{id}\""))?;
    let tag_start = page.body[..start].rfind('<')?;
    let tag = &page.body[tag_start..start + page.body[start..].find('>')?];
    attribute(tag, "href")
}

/// A second handle on the server's ledger, as another node would have: it appends entries the
/// test dates and names itself.
async fn ledger(app: &TestApp, db: &Db) -> Ledger {
    let mut settings = ServerSettings::default();
    settings.web.public_origin = app.origin.clone();
    dinhdanh_server::open_ledger(db, &app.accounts, &settings)
        .await
        .expect("open the ledger")
}

async fn event(
    ledger: &Ledger,
    personal_id: &str,
    kind: Kind,
    actor: (&str, &str),
    at: DateTime<Utc>,
) -> Event {
    let mut event = Event::new(
        kind,
        Actor {
            kind: actor.0.into(),
            id: actor.1.into(),
        },
        at,
    );
    event.subject = Some(ledger.subject(personal_id).await.unwrap());
    event
}

async fn keys(app: &TestApp) -> Vec<VerifierKey> {
    let text = app
        .get_anonymous("/ledger/keys")
        .await
        .text()
        .await
        .unwrap();
    text.lines()
        .map(|k| VerifierKey::parse(k).expect("a published vkey"))
        .collect()
}

#[tokio::test]
async fn a_citizen_sees_who_read_their_record_with_a_proof_that_verifies() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let mut a = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let mut b = citizen(&app, &t.db, DAT, "Đặng Đức Đạt", "1990-06-30", "0933000222").await;

        // Not signed in: to the sign-in page, like every account page.
        let mut stranger = Browser::new(&app);
        let away = stranger.get("/account/access").await;
        assert_eq!(away.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(away.headers["location"], "/login", "{name}");

        // The dashboard links to the page; before anyone reads anything, it says so.
        let dashboard = a.get("/account").await;
        assert!(
            dashboard.body.contains("id=\"access-link\""),
            "{name}: {}",
            dashboard.body
        );
        // Only the citizen's own account set-up is listed, as done by "you".
        let empty = a.get("/account/access").await;
        assert_eq!(empty.status, StatusCode::OK, "{name}: {}", empty.body);
        assert!(
            empty.body.contains("<html lang=\"vi\">"),
            "{name}: Vietnamese by default"
        );
        let own = listed(&empty);
        assert_eq!(own.len(), 3, "{name}: {own:?}");
        for entry in &own {
            assert_eq!(entry.kind, "account.changed", "{name}");
            assert_eq!(entry.actor_type, "citizen", "{name}");
            assert!(entry.html.contains("class=\"who\">Bạn"), "{name}");
        }

        // A staff member reads A's record through the API: that read is on A's page.
        let (status, record) = app
            .get_json(&format!("/api/v1/registry/persons/{BICH}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {record}");
        let page = a.get("/account/access").await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{name}: {csp}");
        assert!(!page.body.contains("<script>"), "{name}: no inline script");
        let entries = reads(&page);
        assert_eq!(entries.len(), 1, "{name}: {entries:?}");
        let read = &entries[0];
        assert_eq!(read.kind, "record.viewed", "{name}");
        assert_eq!(read.actor_type, "officer", "{name}");
        let staff = app
            .accounts
            .account_of_person(dinhdanh_domain::PersonalId::parse(STAFF).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.actor, format!("account:{}", staff.id), "{name}");
        for text in [
            "Xem hồ sơ dân cư",
            "Cán bộ cơ quan quản lý dân cư, tài khoản số",
            "Toàn bộ hồ sơ",
            "Quản lý cơ sở dữ liệu dân cư",
            "Cơ sở dữ liệu quốc gia về dân cư",
        ] {
            assert!(read.html.contains(text), "{name}: {text} in {}", read.html);
        }
        assert!(
            !page.body.contains(BICH),
            "{name}: the page does not need the personal ID"
        );

        // Its proof link gives a bundle that verifies with the published keys.
        let bundle_path = format!("/api/v1/ledger/entries/{}/bundle", read.index);
        assert!(
            read.html.contains(&format!("href=\"{bundle_path}\"")),
            "{name}: {}",
            read.html
        );
        let (status, bundle) = json_of(app.get_anonymous(&bundle_path).await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {bundle}");
        let bundle: Bundle = serde_json::from_value(bundle).expect("a bundle");
        let keys = keys(&app).await;
        assert_eq!(keys.len(), 2, "{name}");
        let signed = bundle
            .verify(&keys, Utc::now())
            .unwrap_or_else(|e| panic!("{name}: the bundle does not verify: {e}"));
        assert!(signed.checkpoint.size > read.index, "{name}");
        let entry = Event::from_bytes(&bundle.entry).unwrap();
        assert_eq!(entry.kind, Kind::RecordViewed, "{name}");
        assert_eq!(entry.actor.id, read.actor, "{name}");
        let mut forged = bundle.clone();
        forged.entry = String::from_utf8(bundle.entry.clone())
            .unwrap()
            .replace("registry administration", "curiosity")
            .into_bytes();
        assert!(forged.verify(&keys, Utc::now()).is_err(), "{name}");
        // The page shows how to check it with the same key.
        assert!(page.body.contains("id=\"verify-command\""), "{name}");
        assert!(page.body.contains("href=\"/ledger/keys\""), "{name}");
        let shown_key = keys[0].to_string();
        let key_html = page
            .body
            .split("id=\"ledger-key\">")
            .nth(1)
            .and_then(|rest| rest.split("</code>").next())
            .unwrap()
            .replace("<wbr>", "");
        assert_eq!(key_html, shown_key, "{name}");

        // B sees none of it, whatever B puts in the address.
        for path in [
            "/account/access".to_owned(),
            format!("/account/access?personal_id={BICH}&subject={BICH}&account=1"),
            format!("/account/access?actor={}", read.actor),
        ] {
            let theirs = b.get(&path).await;
            assert_eq!(theirs.status, StatusCode::OK, "{name}: {path}");
            assert!(reads(&theirs).is_empty(), "{name}: {path}");
            assert!(!theirs.body.contains(&bundle_path), "{name}: {path}");
        }
        // A's page cannot be turned into B's either; B's own read shows only on B's page.
        let (status, _) = app
            .get_json(&format!("/api/v1/registry/persons/{DAT}/history"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let theirs = reads(&b.get("/account/access").await);
        assert_eq!(theirs.len(), 1, "{name}");
        assert!(theirs[0].html.contains("Lịch sử thay đổi hồ sơ"), "{name}");
        let mine = reads(&a.get(&format!("/account/access?personal_id={DAT}")).await);
        assert_eq!(
            mine.iter().map(|e| e.index).collect::<Vec<_>>(),
            vec![read.index],
            "{name}"
        );

        // English on request.
        let english = a.get("/account/access?lang=en").await;
        assert!(english.body.contains("<html lang=\"en\">"), "{name}");
        for text in [
            "Who accessed my data",
            "Record viewed",
            "An officer of the population registry, account no.",
            "The whole record",
            "Registry administration",
            "Proof of entry no.",
        ] {
            assert!(english.body.contains(text), "{name}: {text}");
        }
        t.close().await;
    }
}

#[tokio::test]
async fn the_history_filters_by_actor_and_vietnam_dates_pages_backwards_and_refuses_bad_input() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let mut a = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let ledger = ledger(&app, &t.db).await;
        let oidc = Oidc::new(
            &t.db,
            app.accounts.clone(),
            OidcSettings::for_issuer(&app.origin),
        );
        let registration: ClientRegistration = serde_json::from_value(json!({
            "client_id": "portal.example",
            "name": {"vi": "Cổng dịch vụ công", "en": "Public service portal"},
            "purpose": {"vi": "Nộp hồ sơ trực tuyến", "en": "Online applications"},
            "redirect_uris": ["https://portal.example/cb"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scopes": ["openid", "profile", "personal_id"],
            "security_level": 2
        }))
        .unwrap();
        oidc.register_client(registration)
            .await
            .expect("register the portal");

        let vn = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
        let local = |y, m, d, h, min| {
            vn.with_ymd_and_hms(y, m, d, h, min, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        // 1 January 2025, 01:00 in Hà Nội is still 31 December in UTC.
        let mut early = event(
            &ledger,
            BICH,
            Kind::DataRead,
            ("agency", "bhxh"),
            local(2025, 1, 1, 1, 0),
        )
        .await;
        early.fields = vec![
            "full_name".into(),
            "birth_date".into(),
            "frobnicator".into(),
        ];
        early.purpose = Some("health insurance card renewal".into());
        early.legal_basis = Some("Luật Bảo hiểm y tế 2008".into());
        // 31 December 2024, 23:30 in Hà Nội: before the range.
        let refused = event(
            &ledger,
            BICH,
            Kind::DataRefused,
            ("agency", "thue"),
            local(2024, 12, 31, 23, 30),
        )
        .await;
        // 1 February 2025, 03:00 in Hà Nội is still 31 January in UTC: after the range.
        let late = event(
            &ledger,
            BICH,
            Kind::DataRead,
            ("agency", "bhxh"),
            local(2025, 2, 1, 3, 0),
        )
        .await;
        let mut release = event(
            &ledger,
            BICH,
            Kind::ClaimsReleased,
            ("relying_party", "portal.example"),
            Utc::now() - chrono::Duration::hours(1),
        )
        .await;
        release.service = Some("oidc".into());
        release.fields = vec!["sub".into(), "name".into(), "birthdate".into()];
        release.purpose = Some("Online applications".into());
        release.legal_basis = Some("consent".into());
        release.detail = Some("id_token".into());
        let mut gone = event(
            &ledger,
            BICH,
            Kind::ClaimsReleased,
            ("relying_party", "gone.example"),
            Utc::now() - chrono::Duration::minutes(30),
        )
        .await;
        gone.fields = vec!["personal_id".into()];
        let mut indexes = Vec::new();
        for e in [&early, &refused, &late, &release, &gone] {
            indexes.push(ledger.append(e).await.expect("append"));
        }
        let [early_i, refused_i, late_i, release_i, gone_i] = indexes[..] else {
            unreachable!()
        };
        let (status, _) = app
            .get_json(&format!("/api/v1/registry/persons/{BICH}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");

        // Everything, newest first, with names for who and what.
        let page = a.get("/account/access").await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        let all = listed(&page);
        let order: Vec<u64> = all.iter().map(|e| e.index).collect();
        let mut sorted = order.clone();
        sorted.sort_unstable_by(|x, y| y.cmp(x));
        assert_eq!(order, sorted, "{name}: newest first");
        assert_eq!(
            all.len(),
            6 + 3,
            "{name}: and the account's set-up: {all:?}"
        );
        let staff_actor = all[0].actor.clone();
        assert!(staff_actor.starts_with("account:"), "{name}");
        let by_index = |i: u64| all.iter().find(|e| e.index == i).unwrap().html.clone();
        let portal = by_index(release_i);
        for text in [
            "Cổng dịch vụ công (portal.example)",
            "Thông tin được chia sẻ khi đăng nhập",
            "Nộp hồ sơ trực tuyến",
            "Sự đồng ý của bạn",
            "Họ, chữ đệm và tên",
            "Mã định danh riêng cho dịch vụ",
            "Gửi trong mã thông báo định danh (ID token)",
        ] {
            assert!(portal.contains(text), "{name}: {text} in {portal}");
        }
        let bhxh = by_index(early_i);
        for text in [
            "Cơ quan bhxh",
            "Đọc dữ liệu",
            "Ngày sinh",
            "<code data-field=\"frobnicator\">frobnicator</code>",
            "health insurance card renewal",
            "Luật Bảo hiểm y tế 2008",
            "01/01/2025 01:00:00",
            "datetime=\"2025-01-01T01:00:00+07:00\"",
        ] {
            assert!(bhxh.contains(text), "{name}: {text} in {bhxh}");
        }
        assert!(
            by_index(gone_i).contains("gone.example (dịch vụ không còn đăng ký)"),
            "{name}"
        );
        assert!(
            by_index(refused_i).contains("Yêu cầu đọc dữ liệu bị từ chối"),
            "{name}"
        );
        assert!(
            by_index(gone_i).contains("không ghi"),
            "{name}: no purpose recorded"
        );
        let english = a.get("/account/access?lang=en").await;
        let portal_en = listed(&english)
            .into_iter()
            .find(|e| e.index == release_i)
            .unwrap()
            .html;
        for text in [
            "Public service portal (portal.example)",
            "Online applications",
            "Your consent",
            "Full name",
            "Date of birth",
        ] {
            assert!(portal_en.contains(text), "{name}: {text} in {portal_en}");
        }
        assert!(english.body.contains("2025-01-01 01:00:00"), "{name}");
        let _ = a.get("/account/access?lang=vi").await;

        // The "who" choice lists every actor with a name.
        for option in [
            "<option value=\"portal.example\">Cổng dịch vụ công (portal.example)</option>",
            "<option value=\"bhxh\">Cơ quan bhxh</option>",
        ] {
            assert!(page.body.contains(option), "{name}: {option}");
        }

        // By actor.
        let only = |p: &Page| listed(p).iter().map(|e| e.index).collect::<Vec<_>>();
        let bhxh_only = a.get("/account/access?actor=bhxh").await;
        assert_eq!(only(&bhxh_only), vec![late_i, early_i], "{name}");
        assert!(
            bhxh_only
                .body
                .contains("<option value=\"bhxh\" selected>Cơ quan bhxh</option>"),
            "{name}: the choice is kept"
        );
        let staff_only = a
            .get(&format!(
                "/account/access?actor={}",
                percent_encode(&staff_actor)
            ))
            .await;
        assert_eq!(only(&staff_only), vec![all[0].index], "{name}");
        let nobody = a.get("/account/access?actor=nobody.example").await;
        assert_eq!(nobody.status, StatusCode::OK, "{name}");
        assert!(only(&nobody).is_empty(), "{name}");
        assert!(
            nobody
                .body
                .contains("id=\"access-empty\" data-filtered=\"true\""),
            "{name}"
        );

        // By dates, whole days in Vietnam time, both included; either form of date.
        let january = a.get("/account/access?from=2025-01-01&to=2025-01-31").await;
        assert_eq!(only(&january), vec![early_i], "{name}");
        let typed = a
            .get("/account/access?from=01%2F01%2F2025&to=31%2F01%2F2025")
            .await;
        assert_eq!(only(&typed), vec![early_i], "{name}");
        let to_feb = a.get("/account/access?to=2025-02-01").await;
        assert_eq!(
            only(&to_feb),
            vec![late_i, refused_i, early_i],
            "{name}: in the order they were logged"
        );
        let new_year_eve = a.get("/account/access?from=2024-12-31&to=2024-12-31").await;
        assert_eq!(only(&new_year_eve), vec![refused_i], "{name}");
        let combined = a
            .get("/account/access?actor=bhxh&from=2025-02-01&to=2025-02-01")
            .await;
        assert_eq!(only(&combined), vec![late_i], "{name}");

        // Bad input: a clear message, the form kept, nothing listed, nothing broken.
        for (query, message) in [
            (
                "from=2025-13-01",
                "Từ ngày “2025-13-01”: không phải là một ngày",
            ),
            (
                "to=h%C3%B4m+qua",
                "Đến ngày “hôm qua”: không phải là một ngày",
            ),
            (
                "from=2025-02-01&to=2025-01-01",
                "“Từ ngày” phải trước hoặc trùng “Đến ngày”",
            ),
            ("before=abc", "Vị trí trang không hợp lệ"),
            ("before=0", "Vị trí trang không hợp lệ"),
            ("before=-3", "Vị trí trang không hợp lệ"),
            ("actor=a%07b", "quá dài hoặc có ký tự không hợp lệ"),
        ] {
            let bad = a.get(&format!("/account/access?{query}")).await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{name}: {query}");
            assert!(
                bad.body.contains("id=\"access-problems\""),
                "{name}: {query}"
            );
            assert!(
                bad.body.contains(message),
                "{name}: {query}: {message} in {}",
                bad.body
            );
            assert!(listed(&bad).is_empty(), "{name}: {query}");
            assert!(bad.body.contains("id=\"access-filter\""), "{name}: {query}");
        }
        let bad_en = a.get("/account/access?from=31.01.2025&lang=en").await;
        assert_eq!(bad_en.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            bad_en
                .body
                .contains("From “31.01.2025”: is not a date. Enter it as year-month-day"),
            "{name}: {}",
            bad_en.body
        );
        assert!(
            bad_en.body.contains("value=\"31.01.2025\""),
            "{name}: the input is kept"
        );
        let _ = a.get("/account/access?lang=vi").await;

        // Paging backwards, fifty at a time, filters kept.
        for i in 0..55 {
            let mut e = event(
                &ledger,
                BICH,
                Kind::DataRead,
                ("agency", "soyte"),
                Utc::now() - chrono::Duration::seconds(60 - i),
            )
            .await;
            e.fields = vec!["full_name".into()];
            ledger.append(&e).await.expect("append");
        }
        let first = a.get("/account/access").await;
        let first_entries = only(&first);
        assert_eq!(first_entries.len(), 50, "{name}");
        let older = link(&first, "access-older").expect("a link to older entries");
        assert_eq!(
            older,
            format!("/account/access?before={}", first_entries[49]),
            "{name}"
        );
        assert!(link(&first, "access-newest").is_none(), "{name}");
        let second = a.get(&older).await;
        let second_entries = only(&second);
        assert_eq!(second_entries.len(), 64 - 50, "{name}");
        assert!(
            second_entries.iter().all(|i| *i < first_entries[49]),
            "{name}"
        );
        assert!(link(&second, "access-older").is_none(), "{name}");
        assert_eq!(
            link(&second, "access-newest").as_deref(),
            Some("/account/access"),
            "{name}"
        );
        let filtered = a.get("/account/access?actor=soyte").await;
        let older = link(&filtered, "access-older").unwrap();
        assert!(
            older.starts_with("/account/access?actor=soyte&before="),
            "{name}: {older}"
        );
        assert_eq!(only(&a.get(&older).await).len(), 5, "{name}");
        t.close().await;
    }
}
