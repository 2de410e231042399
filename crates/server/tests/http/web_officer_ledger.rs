//! The enrolment officer's console and the access ledger: opening a person's record in `/officer`
//! is recorded (who, which fields, why) before the record is on the screen, the citizen then sees
//! it in `/account/access`, and when the ledger cannot record the view the record is not shown.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use dinhdanh_ledger::{Event, Kind};

use crate::support::*;
use crate::web::{Browser, Page, citizen};

/// A browser signed in as the staff member (passkey session), made an enrolment officer.
async fn officer(app: &TestApp) -> (Browser, String) {
    let staff = app
        .accounts
        .account_of_person(dinhdanh_domain::PersonalId::parse(STAFF).unwrap())
        .await
        .unwrap()
        .expect("the staff account");
    app.accounts
        .grant_role(
            dinhdanh_accounts::By::Console,
            staff.id,
            Role::EnrolmentOfficer,
        )
        .await
        .expect("grant enrolment officer");
    let mut browser = Browser::new(app);
    browser.jar.insert("dd_session".into(), app.token.clone());
    (browser, format!("account:{}", staff.id))
}

/// The log's entries of `kind`, oldest first.
async fn entries_of(app: &TestApp, kind: Kind) -> Vec<Event> {
    let (status, page) = json_of(
        app.get_anonymous("/api/v1/ledger/entries?start=0&count=1000")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Event::from_bytes(&STANDARD.decode(e.as_str().unwrap()).unwrap()).unwrap())
        .filter(|e| e.kind == kind)
        .collect()
}

/// `(kind, actor, entry markup)` of each entry on an access page.
fn listed(page: &Page) -> Vec<(String, String, String)> {
    let attribute = |tag: &str, name: &str| -> String {
        let marker = format!(" {name}=\"");
        let start = tag.find(&marker).expect("attribute") + marker.len();
        tag[start..start + tag[start..].find('"').unwrap()].to_owned()
    };
    page.body
        .split("<article")
        .skip(1)
        .map(|part| {
            let tag = &part[..part.find('>').unwrap()];
            let end = part.find("</article>").unwrap_or(part.len());
            (
                attribute(tag, "data-kind"),
                attribute(tag, "data-actor"),
                part[..end].to_owned(),
            )
        })
        .collect()
}

/// Makes every append to the ledger fail (or work again), as a broken ledger store would.
async fn ledger_offline(db: &Db, offline: bool) {
    let statements: &[&str] = match (db, offline) {
        (Db::Sqlite(_), true) => &[
            "CREATE TRIGGER ledger_offline BEFORE INSERT ON ledger_entries \
             BEGIN SELECT RAISE(ABORT, 'the ledger is offline'); END",
        ],
        (Db::Sqlite(_), false) => &["DROP TRIGGER ledger_offline"],
        (Db::Postgres(_), true) => &[
            "CREATE FUNCTION ledger_offline() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the ledger is offline'; END $$",
            "CREATE TRIGGER ledger_offline BEFORE INSERT ON ledger_entries \
             FOR EACH ROW EXECUTE FUNCTION ledger_offline()",
        ],
        (Db::Postgres(_), false) => &[
            "DROP TRIGGER ledger_offline ON ledger_entries",
            "DROP FUNCTION ledger_offline()",
        ],
    };
    for sql in statements {
        let sql = AssertSqlSafe(sql.to_string());
        let done = match db {
            Db::Sqlite(pool) => dinhdanh_store::sqlx::query(sql)
                .execute(pool)
                .await
                .map(drop),
            Db::Postgres(pool) => dinhdanh_store::sqlx::query(sql)
                .execute(pool)
                .await
                .map(drop),
        };
        done.expect("change the ledger table's trigger");
    }
}

#[tokio::test]
async fn an_officer_viewing_a_person_in_the_console_is_recorded_and_the_citizen_sees_it() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let mut bich = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let (mut console, officer_id) = officer(&app).await;

        // The console without a search, or with a number nobody has, shows nobody: nothing to
        // record.
        let empty = console.get("/officer").await;
        assert_eq!(empty.status, StatusCode::OK, "{name}: {}", empty.body);
        let nobody = console.get("/officer?personal_id=001099999999").await;
        assert!(!nobody.body.contains("id=\"person\""), "{name}");
        assert!(
            entries_of(&app, Kind::RecordViewed).await.is_empty(),
            "{name}"
        );

        // The officer finds Bích: the record is shown, and the view is in the log.
        let shown = console.get(&format!("/officer?personal_id={BICH}")).await;
        assert_eq!(shown.status, StatusCode::OK, "{name}: {}", shown.body);
        assert!(shown.body.contains("id=\"person\""), "{name}");
        assert!(shown.body.contains("Trần Thị Bích"), "{name}");
        let views = entries_of(&app, Kind::RecordViewed).await;
        assert_eq!(views.len(), 1, "{name}: {views:?}");
        let view = &views[0];
        assert_eq!(view.actor.kind, "officer", "{name}");
        assert_eq!(view.actor.id, officer_id, "{name}");
        let mut settings = ServerSettings::default();
        settings.web.public_origin = app.origin.clone();
        let ledger = dinhdanh_server::open_ledger(&t.db, &app.accounts, &settings)
            .await
            .unwrap();
        assert_eq!(
            view.subject.as_ref(),
            Some(&ledger.subject(BICH).await.unwrap()),
            "{name}"
        );
        assert_eq!(view.service.as_deref(), Some("population"), "{name}");
        assert_eq!(view.purpose.as_deref(), Some("enrolment"), "{name}");
        assert_eq!(
            view.fields,
            vec![
                "full_name",
                "personal_id",
                "birth_date",
                "permanent_residence",
                "id_card_number",
                "id_card_expires",
            ],
            "{name}: the fields the console shows"
        );

        // Bích sees it on her page, named as an officer's view of those fields.
        let page = bich.get("/account/access").await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        let viewed: Vec<_> = listed(&page)
            .into_iter()
            .filter(|(kind, _, _)| kind == "record.viewed")
            .collect();
        assert_eq!(viewed.len(), 1, "{name}: {}", page.body);
        let (_, actor, html) = &viewed[0];
        assert_eq!(actor, &officer_id, "{name}");
        for text in [
            "Cán bộ cơ quan quản lý dân cư, tài khoản số",
            "Họ, chữ đệm và tên",
            "Ngày sinh",
            "Số thẻ căn cước",
            "enrolment",
        ] {
            assert!(html.contains(text), "{name}: {text} in {html}");
        }

        // When the ledger cannot record the view, the officer gets an error and not the record.
        ledger_offline(&t.db, true).await;
        let refused = console.get(&format!("/officer?personal_id={BICH}")).await;
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE, "{name}");
        assert!(!refused.body.contains("id=\"person\""), "{name}");
        assert!(!refused.body.contains("Trần Thị Bích"), "{name}");
        assert!(
            refused
                .body
                .contains("could not be recorded in the access ledger"),
            "{name}: {}",
            refused.body
        );
        ledger_offline(&t.db, false).await;
        let again = console.get(&format!("/officer?personal_id={BICH}")).await;
        assert_eq!(again.status, StatusCode::OK, "{name}: {}", again.body);
        assert!(again.body.contains("id=\"person\""), "{name}");
        assert_eq!(
            entries_of(&app, Kind::RecordViewed).await.len(),
            2,
            "{name}: the refused view left no entry"
        );
        t.close().await;
    }
}
