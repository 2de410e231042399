//! The sharing policy: which agency may read which fields of which service, for which purposes,
//! under which legal basis or on the person's consent, and from a system of which security level
//! (Decree 85/2016/ND-CP). The operator replaces the whole document; each replacement is a new
//! version and the old ones stay readable, so "who could read what, when" is always answerable.
//!
//! [`decide`] is the pure rule: a request in, for each asked field either a ground to release it
//! or the rule that refuses it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalogue::{DataService, is_code};
use crate::error::PolicyError;

/// The lowest security level at which sensitive data may go out on consent (Decree 13/2023 with
/// Decree 85/2016): below it, only an explicit legal basis releases sensitive data.
pub const SENSITIVE_ON_CONSENT_MIN_LEVEL: u8 = 3;

/// What a rule rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A legal basis the service lists for each granted field.
    Law(String),
    /// The person's active consent for this agency and purpose.
    Consent,
}

/// One rule of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Named in refusals and in the ledger.
    pub id: String,
    /// The agency's client ID at the OpenID provider.
    pub agency: String,
    /// The data service.
    pub service: String,
    /// The fields it grants, each named explicitly.
    pub fields: BTreeSet<String>,
    /// The purposes for which it grants them.
    pub purposes: BTreeSet<String>,
    /// What it rests on.
    pub basis: Basis,
    /// The lowest Decree 85/2016 security level of the agency's system, 1–5.
    #[serde(default = "one")]
    pub min_security_level: u8,
}

fn one() -> u8 {
    1
}

/// A policy document as the operator writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// The rules; order does not matter.
    pub rules: Vec<Rule>,
}

/// A stored version of the policy.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// 1, 2, … in the order they were set; 0 is the empty policy before any was set.
    pub version: i64,
    /// Who set it.
    pub author: String,
    /// Why it changed.
    pub note: String,
    /// When (Unix ms).
    pub created_at: i64,
    /// The rules.
    pub document: PolicyDocument,
}

impl Policy {
    /// The policy in force before the operator sets one: it grants nothing.
    pub fn empty() -> Policy {
        Policy {
            version: 0,
            author: "system".into(),
            note: "no policy set yet".into(),
            created_at: 0,
            document: PolicyDocument::default(),
        }
    }
}

impl PolicyDocument {
    /// Reads a JSON document and checks it against the catalogue.
    pub fn parse(json: &str, services: &[DataService]) -> Result<PolicyDocument, PolicyError> {
        let document: PolicyDocument =
            serde_json::from_str(json).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        document.check(services)?;
        Ok(document)
    }

    /// Every rule well formed, ids unique, services and fields known, legal bases listed by the
    /// service for each field they grant.
    pub fn check(&self, services: &[DataService]) -> Result<(), PolicyError> {
        let bad = |rule: &str, why: String| {
            Err(PolicyError::Rule {
                rule: rule.to_owned(),
                why,
            })
        };
        let mut ids = BTreeSet::new();
        for rule in &self.rules {
            let id = rule.id.as_str();
            if !is_code(id) {
                return bad(
                    id,
                    "a rule id is 2–64 lowercase letters, digits, '-' or '.'".into(),
                );
            }
            if !ids.insert(id) {
                return bad(id, "this rule id is used twice".into());
            }
            if rule.agency.trim().is_empty() {
                return bad(id, "the agency (its client ID) is missing".into());
            }
            let Some(service) = services.iter().find(|s| s.id == rule.service) else {
                return bad(id, format!("no data service is called {:?}", rule.service));
            };
            if !(1..=5).contains(&rule.min_security_level) {
                return bad(id, "min_security_level is 1 to 5 (Decree 85/2016)".into());
            }
            if rule.purposes.is_empty() {
                return bad(id, "a rule names at least one purpose".into());
            }
            if let Some(p) = rule.purposes.iter().find(|p| !is_code(p)) {
                return bad(
                    id,
                    format!(
                        "the purpose {p:?} must be a lowercase code such as social-insurance-enrolment"
                    ),
                );
            }
            if rule.fields.is_empty() {
                return bad(id, "a rule grants at least one field".into());
            }
            for name in &rule.fields {
                let Some(field) = service.field(name) else {
                    return bad(
                        id,
                        format!("the service {} has no field {name:?}", service.id),
                    );
                };
                if let Basis::Law(code) = &rule.basis {
                    if service.legal_basis(code).is_none() {
                        return bad(
                            id,
                            format!("the service {} lists no legal basis {code:?}", service.id),
                        );
                    }
                    if !field.legal_bases.contains(code) {
                        return bad(
                            id,
                            format!(
                                "{code} is not a legal basis for reading {name} from {}",
                                service.id
                            ),
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

/// What an agency asks for.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    /// The agency's client ID.
    pub agency: &'a str,
    /// Its system's Decree 85/2016 level.
    pub security_level: u8,
    /// The service.
    pub service: &'a DataService,
    /// Fields asked for (known to the service).
    pub fields: &'a [String],
    /// The stated purpose.
    pub purpose: &'a str,
    /// A legal basis the agency invokes; `None` lets the policy choose, `consent` asks for
    /// consent-based grants only.
    pub legal_basis: Option<&'a str>,
}

/// Why a field is not released: the rule that refused it and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withheld {
    /// The field.
    pub field: String,
    /// The refusing rule: a policy rule's id, or one of the platform's own rules
    /// (`no-policy`, `purpose`, `legal-basis`, `sensitive-data-on-consent`, `no-consent`).
    pub rule: String,
    /// Why.
    pub reason: String,
}

/// The decision for each asked field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Fields released under a legal basis: basis code → (fields, rule ids).
    pub lawful: BTreeMap<String, (Vec<String>, BTreeSet<String>)>,
    /// Fields that need the person's active consent, with the rule that allows it.
    pub on_consent: Vec<(String, String)>,
    /// Fields refused by the policy.
    pub withheld: Vec<Withheld>,
}

impl Decision {
    /// Whether anything may be released (before checking consent).
    pub fn grants_anything(&self) -> bool {
        !self.lawful.is_empty() || !self.on_consent.is_empty()
    }
}

/// Decides, field by field, what `ask` may receive under `policy`. A field goes out under a
/// legal-basis rule when one grants it for this agency, service and purpose at the agency's
/// security level; otherwise on consent when a consent rule allows it — never for sensitive data
/// to a system below [`SENSITIVE_ON_CONSENT_MIN_LEVEL`]; otherwise it is withheld, naming the
/// rule that stood in the way.
pub fn decide(policy: &PolicyDocument, ask: &Ask<'_>) -> Decision {
    let mut decision = Decision::default();
    let rules: Vec<&Rule> = policy
        .rules
        .iter()
        .filter(|r| r.agency == ask.agency && r.service == ask.service.id)
        .collect();
    let wants_consent = ask.legal_basis == Some("consent");
    for name in ask.fields {
        let sensitive = ask.service.field(name).is_some_and(|f| f.is_sensitive());
        let mut refusal: Option<Withheld> = None;
        let mut refuse = |rule: &str, reason: String| {
            refusal.get_or_insert_with(|| Withheld {
                field: name.clone(),
                rule: rule.to_owned(),
                reason,
            });
        };
        let covering: Vec<&&Rule> = rules.iter().filter(|r| r.fields.contains(name)).collect();
        if covering.is_empty() {
            refuse(
                "no-policy",
                format!(
                    "no rule lets {} read {name} from {}",
                    ask.agency, ask.service.id
                ),
            );
        }
        let mut granted = false;
        for rule in covering.iter().filter(|r| matches!(r.basis, Basis::Law(_))) {
            let Basis::Law(code) = &rule.basis else {
                continue;
            };
            if !rule.purposes.contains(ask.purpose) {
                refuse(&rule.id, purpose_reason(rule, ask.purpose));
            } else if wants_consent || ask.legal_basis.is_some_and(|b| b != code) {
                refuse(
                    "legal-basis",
                    format!("{name} is granted under {code}, not under the legal basis asked for"),
                );
            } else if ask.security_level < rule.min_security_level {
                refuse(&rule.id, level_reason(rule, ask.security_level));
            } else {
                let entry = decision.lawful.entry(code.clone()).or_default();
                entry.0.push(name.clone());
                entry.1.insert(rule.id.clone());
                granted = true;
                break;
            }
        }
        if granted {
            continue;
        }
        let mut allowed_on_consent = false;
        for rule in covering.iter().filter(|r| r.basis == Basis::Consent) {
            if !rule.purposes.contains(ask.purpose) {
                refuse(&rule.id, purpose_reason(rule, ask.purpose));
            } else if ask.legal_basis.is_some_and(|b| b != "consent") {
                refuse(
                    "legal-basis",
                    format!(
                        "{name} is released only on consent, not under {}",
                        ask.legal_basis.unwrap_or_default()
                    ),
                );
            } else if ask.security_level < rule.min_security_level {
                refuse(&rule.id, level_reason(rule, ask.security_level));
            } else if sensitive && ask.security_level < SENSITIVE_ON_CONSENT_MIN_LEVEL {
                refuse(
                    "sensitive-data-on-consent",
                    format!(
                        "{name} is sensitive personal data (Decree 13/2023 Art 2(4)): on consent it goes only to systems of security level {SENSITIVE_ON_CONSENT_MIN_LEVEL} or above, and this system is level {}",
                        ask.security_level
                    ),
                );
            } else {
                decision.on_consent.push((name.clone(), rule.id.clone()));
                allowed_on_consent = true;
                break;
            }
        }
        if !allowed_on_consent && let Some(w) = refusal {
            decision.withheld.push(w);
        }
    }
    decision
}

fn purpose_reason(rule: &Rule, purpose: &str) -> String {
    format!(
        "rule {} grants this only for {}, not for {purpose}",
        rule.id,
        rule.purposes
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn level_reason(rule: &Rule, level: u8) -> String {
    format!(
        "rule {} requires a system of security level {} or above (Decree 85/2016); this system is level {level}",
        rule.id, rule.min_security_level
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{built_in, population};

    fn rule(id: &str, fields: &[&str], basis: Basis, level: u8) -> Rule {
        Rule {
            id: id.into(),
            agency: "bhxh".into(),
            service: "population".into(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            purposes: ["enrolment".to_owned()].into(),
            basis,
            min_security_level: level,
        }
    }

    fn law() -> Basis {
        Basis::Law("social-insurance-law-41-2024".into())
    }

    fn ask<'a>(service: &'a DataService, fields: &'a [String], level: u8) -> Ask<'a> {
        Ask {
            agency: "bhxh",
            security_level: level,
            service,
            fields,
            purpose: "enrolment",
            legal_basis: None,
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|f| (*f).to_owned()).collect()
    }

    #[test]
    fn without_a_rule_nothing_is_granted_and_the_refusal_says_no_policy() {
        let service = population();
        let fields = names(&["full_name"]);
        let d = decide(&PolicyDocument::default(), &ask(&service, &fields, 5));
        assert!(!d.grants_anything());
        assert_eq!(d.withheld[0].rule, "no-policy");
        assert!(d.withheld[0].reason.contains("bhxh"));
    }

    #[test]
    fn a_legal_rule_grants_its_fields_and_withholds_the_rest() {
        let service = population();
        let policy = PolicyDocument {
            rules: vec![rule("bhxh-id", &["full_name", "birth_date"], law(), 2)],
        };
        let fields = names(&["full_name", "birth_date", "spouse"]);
        let d = decide(&policy, &ask(&service, &fields, 3));
        let (granted, rules) = &d.lawful["social-insurance-law-41-2024"];
        assert_eq!(granted, &names(&["full_name", "birth_date"]));
        assert!(rules.contains("bhxh-id"));
        assert_eq!(d.withheld.len(), 1);
        assert_eq!(d.withheld[0].field, "spouse");
        assert_eq!(d.withheld[0].rule, "no-policy");
    }

    #[test]
    fn the_security_level_and_the_purpose_are_enforced_by_the_named_rule() {
        let service = population();
        let policy = PolicyDocument {
            rules: vec![rule("bhxh-id", &["full_name"], law(), 3)],
        };
        let fields = names(&["full_name"]);
        let d = decide(&policy, &ask(&service, &fields, 2));
        assert!(!d.grants_anything());
        assert_eq!(d.withheld[0].rule, "bhxh-id");
        assert!(d.withheld[0].reason.contains("level 3"), "{:?}", d.withheld);

        let mut other = ask(&service, &fields, 5);
        other.purpose = "marketing";
        let d = decide(&policy, &other);
        assert_eq!(d.withheld[0].rule, "bhxh-id");
        assert!(d.withheld[0].reason.contains("marketing"));
    }

    #[test]
    fn sensitive_fields_never_go_out_on_consent_below_level_3() {
        let service = population();
        let policy = PolicyDocument {
            rules: vec![rule(
                "bhxh-consent",
                &["religion", "full_name"],
                Basis::Consent,
                1,
            )],
        };
        let fields = names(&["religion", "full_name"]);
        let d = decide(&policy, &ask(&service, &fields, 2));
        assert_eq!(
            d.on_consent,
            vec![("full_name".into(), "bhxh-consent".into())]
        );
        assert_eq!(d.withheld[0].field, "religion");
        assert_eq!(d.withheld[0].rule, "sensitive-data-on-consent");

        let d = decide(&policy, &ask(&service, &fields, 3));
        assert_eq!(d.on_consent.len(), 2);
        assert!(d.withheld.is_empty());
    }

    #[test]
    fn a_legal_basis_wins_over_consent_and_an_invoked_basis_is_respected() {
        let service = population();
        let policy = PolicyDocument {
            rules: vec![
                rule("law", &["full_name"], law(), 1),
                rule("consent", &["full_name", "sex"], Basis::Consent, 1),
            ],
        };
        let fields = names(&["full_name", "sex"]);
        let d = decide(&policy, &ask(&service, &fields, 1));
        assert_eq!(
            d.lawful["social-insurance-law-41-2024"].0,
            names(&["full_name"])
        );
        assert_eq!(d.on_consent, vec![("sex".into(), "consent".into())]);

        let mut on_consent = ask(&service, &fields, 1);
        on_consent.legal_basis = Some("consent");
        let d = decide(&policy, &on_consent);
        assert!(d.lawful.is_empty());
        assert_eq!(d.on_consent.len(), 2);

        let mut other_law = ask(&service, &fields, 1);
        other_law.legal_basis = Some("tax-administration-law-38-2019");
        let d = decide(&policy, &other_law);
        assert!(!d.grants_anything());
        assert!(d.withheld.iter().all(|w| w.rule == "legal-basis"));
    }

    #[test]
    fn documents_are_checked_against_the_catalogue() {
        let services = built_in();
        let ok = r#"{"rules":[{"id":"bhxh-id","agency":"bhxh","service":"population",
            "fields":["full_name","religion"],"purposes":["enrolment"],
            "basis":{"law":"identification-law-26-2023"},"min_security_level":3}]}"#;
        let doc = PolicyDocument::parse(ok, &services).unwrap();
        assert_eq!(
            doc.rules[0].basis,
            Basis::Law("identification-law-26-2023".into())
        );

        let wrong_basis = ok.replace(
            "identification-law-26-2023",
            "tax-administration-law-38-2019",
        );
        let e = PolicyDocument::parse(&wrong_basis, &services)
            .unwrap_err()
            .to_string();
        assert!(e.contains("religion") && e.contains("bhxh-id"), "{e}");

        let unknown_field = ok.replace("\"religion\"", "\"blood_type\"");
        let e = PolicyDocument::parse(&unknown_field, &services)
            .unwrap_err()
            .to_string();
        assert!(e.contains("blood_type"), "{e}");

        let level = ok.replace("\"min_security_level\":3", "\"min_security_level\":7");
        assert!(PolicyDocument::parse(&level, &services).is_err());

        let twice = format!(r#"{{"rules":[{0},{0}]}}"#, &ok[10..ok.len() - 2]);
        let e = PolicyDocument::parse(&twice, &services)
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");

        let e = PolicyDocument::parse("{\"rules\":[{\"id\":1}]}", &services)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not valid JSON") || e.contains("invalid type"),
            "{e}"
        );
    }
}
