//! The platform's own providers: how a released field is read from the population registry or the
//! land database. Only the released fields are ever put in an answer.

use dinhdanh_domain::PersonalId;
use dinhdanh_land::{Holder, Holding, Land, LandError};
use dinhdanh_registry::{Person, Registry, RegistryError};
use serde_json::{Map, Value, json};

use crate::error::ExchangeError;

/// Whose data is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A person.
    Person(PersonalId),
    /// A land-right holder.
    Holder(Holder),
}

impl Subject {
    /// The person behind the subject, when it is one (consent applies only to persons).
    pub fn person(&self) -> Option<&PersonalId> {
        match self {
            Subject::Person(id) | Subject::Holder(Holder::Person(id)) => Some(id),
            Subject::Holder(Holder::Organization(_)) => None,
        }
    }

    /// What the ledger's subject key is computed from: the personal ID for a person, the
    /// `organization:<code>` text for an organization.
    pub fn ledger_key(&self) -> String {
        match self {
            Subject::Person(id) | Subject::Holder(Holder::Person(id)) => id.to_string(),
            Subject::Holder(h @ Holder::Organization(_)) => format!("{}:{h}", h.kind()),
        }
    }
}

/// A connected provider.
#[derive(Clone)]
pub(crate) enum Provider {
    Population(Registry),
    Land(Land),
}

impl Provider {
    /// Reads `subject` and returns only `fields`.
    pub(crate) async fn fetch(
        &self,
        subject: &Subject,
        fields: &[String],
    ) -> Result<Value, ExchangeError> {
        match (self, subject) {
            (Provider::Population(registry), Subject::Person(id)) => {
                let record = registry.person(*id).await.map_err(|e| match e {
                    RegistryError::PersonNotFound(id) => ExchangeError::NotFound(format!(
                        "the population registry has no person {id}"
                    )),
                    other => ExchangeError::Provider(other.to_string()),
                })?;
                Ok(Value::Object(person_fields(&record.person, fields)))
            }
            (Provider::Land(land), Subject::Holder(holder)) => {
                let holdings = land
                    .parcels_of_holder(holder)
                    .await
                    .map_err(|e: LandError| ExchangeError::Provider(e.to_string()))?;
                let parcels: Vec<Value> = holdings
                    .iter()
                    .map(|h| Value::Object(holding_fields(h, holder, fields)))
                    .collect();
                Ok(json!({ "holder": holder.to_string(), "parcels": parcels }))
            }
            _ => Err(ExchangeError::BadRequest(
                "this service does not answer about this kind of subject".into(),
            )),
        }
    }
}

fn person_fields(person: &Person, fields: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("personal_id".into(), json!(person.personal_id.to_string()));
    for name in fields {
        let value = match name.as_str() {
            "full_name" => json!(person.name.full()),
            "birth_date" => json!(person.birth_date),
            "sex" => json!(person.sex),
            "nationality" => json!(person.nationality),
            "place_of_origin" => json!(person.place_of_origin),
            "permanent_residence" => json!(person.permanent_residence),
            "current_residence" => json!(person.current_residence),
            "id_card" => json!(person.id_card),
            "life_status" => json!(person.status),
            "father" => json!(person.father.map(|p| p.to_string())),
            "mother" => json!(person.mother.map(|p| p.to_string())),
            "spouse" => json!(person.spouse.map(|p| p.to_string())),
            "ethnicity" => json!(person.ethnicity),
            "religion" => json!(person.religion),
            _ => continue,
        };
        out.insert(name.clone(), value);
    }
    out
}

/// A parcel as released about one holder: the holder's own share on each certificate, never the
/// co-holders, whose data is theirs.
fn holding_fields(holding: &Holding, holder: &Holder, fields: &[String]) -> Map<String, Value> {
    let parcel = &holding.parcel;
    let mut out = Map::new();
    for name in fields {
        let value = match name.as_str() {
            "parcel" => json!(parcel.key),
            "address" => json!(parcel.street_address),
            "area" => json!(parcel.area()),
            "purposes" => json!(parcel.purposes),
            "origin" => json!(parcel.origin),
            "certificates" => Value::Array(
                holding
                    .certificates
                    .iter()
                    .map(|c| {
                        let share = c
                            .holder(holder)
                            .and_then(|h| h.share)
                            .map(|s| s.to_string());
                        json!({
                            "serial": c.serial.to_string(),
                            "registry_book_number": c.registry_book_number.to_string(),
                            "issued_on": c.issued_on,
                            "issued_by": c.issued_by,
                            "co_holders": c.holders.as_slice().len().saturating_sub(1),
                            "share": share,
                        })
                    })
                    .collect(),
            ),
            _ => continue,
        };
        out.insert(name.clone(), value);
    }
    out
}
