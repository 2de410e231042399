//! `dinhdanh demo`: the platform on embedded SQLite with a generated population, a staff account
//! (operator, enrolment officer and agency officer) ready to use, the SMS outbox shown as a page,
//! and what to try printed on screen.

use std::time::Duration;

use anyhow::Context;
use dinhdanh_accounts::{Accounts, By, Client, Clock, Credential, Role};
use dinhdanh_registry::generate::GenerateOptions;
use dinhdanh_registry::{LifeStatus, PersonRecord, Registry};
use dinhdanh_server::AppState;
use serde::{Deserialize, Serialize};

use super::registry::{FileFormat, Kind};
use crate::config::Config;

/// Options of the demo.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Persons to generate when the registry is empty.
    #[arg(long, default_value_t = 20_000)]
    persons: u64,
    /// Address to listen on.
    #[arg(long)]
    listen: Option<String>,
}

/// The demo staff member's credentials, kept in the data directory between runs.
#[derive(Serialize, Deserialize)]
struct DemoStaff {
    personal_id: String,
    name: String,
    password: String,
    totp_secret: String,
}

/// Seeds an empty registry and a staff account, then serves with the outbox page on.
pub async fn run(mut config: Config, args: DemoArgs) -> anyhow::Result<()> {
    if let Some(l) = args.listen {
        config.listen = l;
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let port = listener.local_addr()?.port();
    config.public_url = format!("http://localhost:{port}");
    config.demo_outbox = true;
    let db = super::open_migrated(&config).await?;
    let registry = Registry::new(&db);
    if registry.counts().await?.persons == 0 {
        seed(&config, &registry, args.persons).await?;
    }
    super::land::seed_demo(&db, &registry, args.persons).await?;
    let clock = Clock::system();
    let accounts = Accounts::new(&db, config.account_settings()?, clock.clone())?;
    // Opened before the staff member is set up, so that those changes are recorded too.
    let settings = super::serve::settings(&config)?;
    let ledger = dinhdanh_server::open_ledger(&db, &accounts, &settings)
        .await
        .context("cannot open the access ledger")?;
    accounts.record_changes_in(ledger.clone());
    let eligible = eligible_people(&registry, clock.today()).await?;
    let (staff_person, citizen) = match eligible.as_slice() {
        [a, b, ..] => (a, b),
        _ => anyhow::bail!("the demo population has too few adults with a valid identity card"),
    };
    let staff = demo_staff(&config, &accounts, &db, staff_person).await?;
    let client = Client {
        address: "127.0.0.1".into(),
        user_agent: "dinhdanh demo".into(),
    };
    let first = accounts
        .login(
            &staff.personal_id,
            &Credential::Password(staff.password.clone()),
            &client,
        )
        .await?;
    let secret = dinhdanh_accounts::totp::from_base32(&staff.totp_secret)?;
    let wait = 30 - (clock.now_ms() / 1000) % 30;
    if wait < 30 {
        // A code is accepted once per 30-second step; use the next step's code.
        tokio::time::sleep(Duration::from_secs(wait as u64)).await;
    }
    let code = dinhdanh_accounts::totp::code_at(&secret, (clock.now_ms() / 1000) as u64);
    let session = accounts
        .step_up(&first.token, &Credential::Totp(code), &client)
        .await?;
    let base = format!("http://localhost:{port}");
    let counts = registry.counts().await?;
    let id = citizen.person.personal_id;
    let staff_account = accounts
        .account_of_person(dinhdanh_domain::PersonalId::parse(&staff.personal_id)?)
        .await?
        .context("the staff member has an account")?
        .id;
    let state = AppState::new(db.clone(), accounts, ledger, &settings);
    let agency = demo_agency(&config, &state).await?;
    let units = demo_services(&state, staff_account).await?;
    let documents = demo_documents(&state, citizen).await?;
    println!(
        r#"
dinhdanh demo — {persons} persons and {orgs} organizations on SQLite ({url})

  Web:      {base}/                 (Vietnamese; {base}/?lang=en for English)
  SMS sent: {base}/demo/outbox      (codes appear here instead of on a phone)
  API docs: {base}/api/v1/docs

Register a citizen at {base}/register with any mobile number, e.g. 0912345678:
  personal ID {id}, name "{citizen_name}", born {birth}

Staff (operator, enrolment officer, agency officer):
  personal ID {staff_id} ({staff_name}), password "{password}"
  authenticator-app secret {totp} (add it to an app; officers need the second step)
  API session token (12 h): {token}

Try:
  curl -H 'Authorization: Bearer {token}' {base}/api/v1/registry/persons/{id}
  curl -H 'Authorization: Bearer {token}' '{base}/api/v1/registry/persons?name=nguyen%20van&limit=5'
  curl {base}/readyz
  curl {base}/metrics

An agency (Vietnam Social Security, client "{agency_id}") may read names, dates of birth and
residence for social insurance enrolment (`dinhdanh exchange policy` shows the rule):
  TOKEN=$(curl -s -u '{agency_id}:{agency_secret}' -d grant_type=client_credentials \
    -d scope=exchange.read {base}/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  curl -H "Authorization: Bearer $TOKEN" \
    '{base}/api/v1/exchange/population/persons/{id}?fields=full_name,birth_date,religion&purpose=social-insurance-enrolment'
Then sign in as the citizen and open {base}/account/access: the read is listed with its proof.

Public services: {procedures} procedures of {units} agencies (`dinhdanh services export`).
  Portal:     {base}/portal              (citizens apply, signed in through this provider)
  Officers:   {base}/officer/applications (the staff member is an officer of every agency)
  Statistics: {base}/services/statistics
Fees are paid through the sandbox gateway on this server; it takes no money.

Digital documents: the traffic police recorded driving licence {licence} and Vietnam Social
Security health insurance card {insurance} for the citizen above. Once registered, the citizen
adds them at {base}/account/documents by their numbers, puts them in a wallet (OpenID4VCI: QR
code and transaction code) or prints a copy with a QR code; anyone checks one at
{base}/credentials/verify, or offline with `dinhdanh credential verify`.

Press Ctrl-C to stop.
"#,
        persons = counts.persons,
        orgs = counts.organizations,
        url = config.database_url(),
        citizen_name = citizen.person.name.full(),
        birth = citizen.person.birth_date,
        staff_id = staff.personal_id,
        staff_name = staff.name,
        password = staff.password,
        totp = staff.totp_secret,
        token = session.token,
        agency_id = DEMO_AGENCY,
        agency_secret = agency,
        procedures = units.procedures,
        units = units.units,
        licence = documents.licence,
        insurance = documents.insurance,
    );
    dinhdanh_server::serve(listener, state, &settings, super::serve::shutdown()).await?;
    db.close().await;
    Ok(())
}

/// The demo's agency: a level-3 system of the social insurance agency.
const DEMO_AGENCY: &str = "bhxh.demo";

/// Registers the demo agency and its sharing rule on the first run (the secret is kept in the data
/// directory, since it is shown only once); later runs read it back.
async fn demo_agency(config: &Config, state: &AppState) -> anyhow::Result<String> {
    let file = config.data_dir.join("demo-agency-secret");
    if let Ok(secret) = std::fs::read_to_string(&file) {
        return Ok(secret.trim().to_owned());
    }
    let registration: dinhdanh_oidc::ClientRegistration = serde_json::from_value(
        serde_json::json!({
            "client_id": DEMO_AGENCY,
            "name": {"vi": "Bảo hiểm xã hội Việt Nam (demo)", "en": "Vietnam Social Security (demo)"},
            "purpose": {"vi": "Đăng ký tham gia bảo hiểm xã hội", "en": "Social insurance enrolment"},
            "redirect_uris": [],
            "token_endpoint_auth_method": "client_secret_basic",
            "scopes": ["exchange.read"],
            "grant_types": ["client_credentials"],
            "security_level": 3
        }),
    )?;
    let secret = state
        .oidc()
        .register_client(registration)
        .await?
        .client_secret
        .context("a client_secret_basic client gets a secret")?;
    let policy = serde_json::json!({"rules": [{
        "id": "bhxh-enrolment", "agency": DEMO_AGENCY, "service": "population",
        "fields": ["full_name", "birth_date", "sex", "permanent_residence", "current_residence"],
        "purposes": ["social-insurance-enrolment"],
        "basis": {"law": "social-insurance-law-41-2024"}, "min_security_level": 3
    }]});
    state
        .exchange()
        .set_policy(&policy.to_string(), "demo", "the demo agency's rule")
        .await?;
    std::fs::write(&file, &secret)?;
    Ok(secret)
}

/// The documents the demo's agencies recorded for the demo citizen.
struct DemoDocuments {
    licence: String,
    insurance: String,
}

/// Records a driving licence and a health insurance card for `citizen` as the traffic police
/// and the social insurance agency would through the document API (the same call, made in
/// process). Safe to run on every start: a document is updated in place.
async fn demo_documents(state: &AppState, citizen: &PersonRecord) -> anyhow::Result<DemoDocuments> {
    let p = &citizen.person;
    let id = p.personal_id.to_string();
    let credentials = state.credentials();
    let agency = |client: &str, doc_type: &str| dinhdanh_credentials::IssuingAgency {
        client_id: client.to_owned(),
        types: vec![doc_type.to_owned()],
    };
    let today = chrono::Utc::now().date_naive();
    let licence = format!("79{}", &id[2..]);
    let input = |data: serde_json::Value| dinhdanh_credentials::DocumentInput {
        personal_id: id.clone(),
        data: data.as_object().cloned().unwrap_or_default(),
    };
    credentials
        .put_document(
            &agency("csgt.demo", "driving_licence"),
            "driving_licence",
            &licence,
            &input(serde_json::json!({
                "number": licence,
                "full_name": p.name.full(),
                "birth_date": p.birth_date.to_string(),
                "classes": ["A1", "B"],
                "issued_on": (today - chrono::Days::new(700)).to_string(),
                "valid_until": (today + chrono::Days::new(3000)).to_string(),
                "issued_by": "Cục Cảnh sát giao thông",
            })),
        )
        .await?;
    let insurance = format!("GD4{}{}", &id[1..3], &id[2..]);
    credentials
        .put_document(
            &agency("bhxh.demo", "health_insurance"),
            "health_insurance",
            &insurance,
            &input(serde_json::json!({
                "number": insurance,
                "full_name": p.name.full(),
                "birth_date": p.birth_date.to_string(),
                "sex": p.sex.as_str(),
                "primary_care": "Bệnh viện Bạch Mai",
                "valid_from": (today - chrono::Days::new(30)).to_string(),
                "valid_until": (today + chrono::Days::new(335)).to_string(),
            })),
        )
        .await?;
    Ok(DemoDocuments { licence, insurance })
}

/// What the demo's public services hold.
struct DemoServices {
    procedures: usize,
    units: usize,
}

/// Imports the demo procedure catalogue, lets the portal read what the procedures pre-fill
/// (one rule per data service and legal basis, added to the sharing policy once), and makes the
/// staff member an officer of every agency unit. Safe to run on every start.
async fn demo_services(
    state: &AppState,
    staff: dinhdanh_accounts::AccountId,
) -> anyhow::Result<DemoServices> {
    use std::collections::{BTreeMap, BTreeSet};
    let catalogue = dinhdanh_services::catalogue::demo();
    state.services().import_catalogue(&catalogue).await?;
    let mut grants: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut units = BTreeSet::new();
    for procedure in &catalogue.procedures {
        units.insert(procedure.agency.unit.clone());
        if let Some(prefill) = &procedure.prefill {
            grants
                .entry((prefill.service.clone(), prefill.legal_basis.clone()))
                .or_default()
                .extend(prefill.fields.iter().cloned());
        }
    }
    let policy = state.exchange().policy().await?;
    if !policy
        .document
        .rules
        .iter()
        .any(|r| r.agency == dinhdanh_services::PORTAL_CLIENT)
    {
        let mut document = serde_json::to_value(&policy.document)?;
        let rules = document["rules"]
            .as_array_mut()
            .context("a policy document has rules")?;
        for ((service, basis), fields) in grants {
            rules.push(serde_json::json!({
                "id": format!("portal-{service}-{basis}"),
                "agency": dinhdanh_services::PORTAL_CLIENT,
                "service": service,
                "fields": fields,
                "purposes": [dinhdanh_services::PREFILL_PURPOSE],
                "basis": {"law": basis},
                "min_security_level": 3
            }));
        }
        state
            .exchange()
            .set_policy(
                &document.to_string(),
                "demo",
                "the public-service portal pre-fills applications",
            )
            .await?;
    }
    for unit in &units {
        state.services().add_officer(staff, unit).await?;
    }
    Ok(DemoServices {
        procedures: catalogue.procedures.len(),
        units: units.len(),
    })
}

/// Adults of the generated population who can hold an account today.
async fn eligible_people(
    registry: &Registry,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<PersonRecord>> {
    let found = registry.search("nguyen", None, None, None, 200).await?;
    Ok(found
        .into_iter()
        .filter(|r| {
            r.person.status == LifeStatus::Living
                && r.person
                    .id_card
                    .as_ref()
                    .is_some_and(|c| c.is_valid_on(today))
        })
        .take(2)
        .collect())
}

/// Creates the staff account on the first run (activation, password and TOTP through the same
/// calls the web pages use); later runs read the credentials back.
async fn demo_staff(
    config: &Config,
    accounts: &Accounts,
    db: &dinhdanh_store::Db,
    person: &PersonRecord,
) -> anyhow::Result<DemoStaff> {
    let file = config.data_dir.join("demo-staff.json");
    if let Ok(text) = std::fs::read_to_string(&file)
        && let Ok(staff) = serde_json::from_str::<DemoStaff>(&text)
    {
        return Ok(staff);
    }
    let pid = person.person.personal_id;
    let phone = "0900000001";
    accounts
        .bootstrap_staff(pid, phone, Role::Operator, "demo")
        .await?;
    let id = accounts
        .account_of_person(pid)
        .await?
        .context("the staff account was just created")?
        .id;
    for role in [Role::EnrolmentOfficer, Role::AgencyOfficer] {
        accounts.grant_role(By::Console, id, role).await?;
    }
    let messages = dinhdanh_accounts::notify::outbox(db, Some("+84900000001"), 1).await?;
    let code = messages
        .first()
        .and_then(|m| {
            m.body
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
                .map(str::to_owned)
        })
        .context("no activation code in the outbox")?;
    let client = Client {
        address: "127.0.0.1".into(),
        user_agent: "dinhdanh demo".into(),
    };
    let enrolment = accounts.activate(&pid.to_string(), &code, &client).await?;
    let password = format!("demo {}", &dinhdanh_accounts::secret::token()[..12]);
    accounts.set_password(&enrolment.session, &password).await?;
    let totp = accounts.start_totp(&enrolment.session).await?;
    let secret = dinhdanh_accounts::totp::from_base32(&totp.secret)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let code = dinhdanh_accounts::totp::code_at(&secret, now);
    accounts
        .confirm_totp(&enrolment.session, &totp.ceremony, &code, "demo")
        .await?;
    let staff = DemoStaff {
        personal_id: pid.to_string(),
        name: person.person.name.full(),
        password,
        totp_secret: totp.secret,
    };
    std::fs::write(&file, serde_json::to_string_pretty(&staff)?)
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(staff)
}

/// Generates the demo population to files and loads it through the regular import path.
async fn seed(config: &Config, registry: &Registry, persons: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let as_of = chrono::Utc::now().date_naive();
    let options = GenerateOptions {
        count: persons,
        seed: 1,
        as_of,
    };
    let people = config.data_dir.join("demo-persons.csv");
    let orgs = config.data_dir.join("demo-organizations.csv");
    write_csv(&people, dinhdanh_registry::generate::persons(&options))?;
    write_csv(
        &orgs,
        dinhdanh_registry::generate::organizations(&options, (persons / 100).max(10)),
    )?;
    let today = chrono::Utc::now().date_naive();
    for (file, kind) in [(&people, Kind::Persons), (&orgs, Kind::Organizations)] {
        super::registry::import(
            registry,
            file,
            kind,
            Some(FileFormat::Csv),
            5_000,
            None,
            today,
        )
        .await?;
    }
    Ok(())
}

fn write_csv<T: serde::Serialize>(
    path: &std::path::Path,
    rows: impl Iterator<Item = T>,
) -> anyhow::Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    for row in rows {
        w.serialize(row)?;
    }
    w.flush()?;
    Ok(())
}
