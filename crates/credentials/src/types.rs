//! The kinds of document a citizen can integrate into the e-ID account (Decree 69/2024/ND-CP
//! Art 17) and receive as a credential: for each, its fields, which of them a holder may
//! disclose one by one, who issues it, and how long a credential of it stays valid.
//!
//! The electronic identity card is issued from the population registry to every level-2
//! account; the others come from the agencies that keep them, through the issuer API.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Text, at most [`MAX_TEXT`] characters.
    Text,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A list of short texts.
    List,
}

/// The longest text a field takes.
pub const MAX_TEXT: usize = 300;
/// The most items a list field takes.
pub const MAX_ITEMS: usize = 32;

/// One field of a document.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Its claim name.
    pub name: &'static str,
    /// Its name in Vietnamese.
    pub vi: &'static str,
    /// Its name in English.
    pub en: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether every document of the type has it.
    pub required: bool,
}

/// A kind of document.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentType {
    /// Its identifier: the credential configuration's ID and the last part of its `vct`.
    pub id: &'static str,
    /// Its name in Vietnamese.
    pub vi: &'static str,
    /// Its name in English.
    pub en: &'static str,
    /// The authority that issues it.
    pub authority: &'static str,
    /// The legal basis of the document.
    pub legal_basis: &'static str,
    /// Its fields, in the order a page shows them. Every field is selectively disclosable.
    pub fields: Vec<Field>,
    /// How long a credential stays valid, in days, when the document itself does not end
    /// sooner.
    pub credential_days: i64,
}

/// The type of the electronic identity card, issued from the registry.
pub const ID_CARD: &str = "cccd";

fn field(name: &'static str, vi: &'static str, en: &'static str, kind: Kind) -> Field {
    Field {
        name,
        vi,
        en,
        kind,
        required: true,
    }
}

fn optional(name: &'static str, vi: &'static str, en: &'static str, kind: Kind) -> Field {
    Field {
        required: false,
        ..field(name, vi, en, kind)
    }
}

/// Every document type, the identity card first.
pub fn all() -> Vec<DocumentType> {
    use Kind::{Date, List, Text};
    let name = || field("full_name", "Họ, chữ đệm và tên", "Full name", Text);
    let birth = || field("birth_date", "Ngày sinh", "Date of birth", Date);
    let sex = || field("sex", "Giới tính", "Sex", Text);
    let number = || field("number", "Số", "Number", Text);
    vec![
        DocumentType {
            id: ID_CARD,
            vi: "Căn cước điện tử",
            en: "Electronic identity card",
            authority: "Bộ Công an (Ministry of Public Security)",
            legal_basis: "Luật Căn cước 2023 Art 31; Nghị định 69/2024/NĐ-CP",
            fields: vec![
                field(
                    "personal_id",
                    "Số định danh cá nhân",
                    "Personal ID number",
                    Text,
                ),
                name(),
                birth(),
                sex(),
                field("nationality", "Quốc tịch", "Nationality", Text),
                field("place_of_origin", "Quê quán", "Place of origin", Text),
                field(
                    "permanent_residence",
                    "Nơi thường trú",
                    "Permanent residence",
                    Text,
                ),
                optional(
                    "card_number",
                    "Số thẻ căn cước",
                    "Identity card number",
                    Text,
                ),
                optional("card_issued_on", "Ngày cấp thẻ", "Card issued on", Date),
                optional(
                    "card_valid_until",
                    "Thẻ có giá trị đến",
                    "Card valid until",
                    Date,
                ),
            ],
            credential_days: 365,
        },
        DocumentType {
            id: "driving_licence",
            vi: "Giấy phép lái xe",
            en: "Driving licence",
            authority: "Cục Cảnh sát giao thông (Traffic Police Department)",
            legal_basis: "Luật Trật tự, an toàn giao thông đường bộ 2024 Art 57",
            fields: vec![
                number(),
                name(),
                birth(),
                field("classes", "Hạng", "Classes", List),
                field("issued_on", "Ngày cấp", "Issued on", Date),
                optional("valid_until", "Có giá trị đến", "Valid until", Date),
                field("issued_by", "Nơi cấp", "Issued by", Text),
            ],
            credential_days: 365,
        },
        DocumentType {
            id: "health_insurance",
            vi: "Thẻ bảo hiểm y tế",
            en: "Health insurance card",
            authority: "Bảo hiểm xã hội Việt Nam (Vietnam Social Security)",
            legal_basis: "Luật Bảo hiểm y tế 2008, sửa đổi 2024, Art 16",
            fields: vec![
                number(),
                name(),
                birth(),
                sex(),
                field(
                    "primary_care",
                    "Nơi đăng ký khám chữa bệnh ban đầu",
                    "Primary care facility",
                    Text,
                ),
                field("valid_from", "Giá trị sử dụng từ", "Valid from", Date),
                optional("valid_until", "Giá trị sử dụng đến", "Valid until", Date),
            ],
            credential_days: 365,
        },
        DocumentType {
            id: "social_insurance",
            vi: "Sổ bảo hiểm xã hội",
            en: "Social insurance book",
            authority: "Bảo hiểm xã hội Việt Nam (Vietnam Social Security)",
            legal_basis: "Luật Bảo hiểm xã hội 2024 Art 27",
            fields: vec![
                number(),
                name(),
                birth(),
                sex(),
                field("issued_on", "Ngày cấp", "Issued on", Date),
                field("issued_by", "Cơ quan cấp", "Issued by", Text),
            ],
            credential_days: 365,
        },
        DocumentType {
            id: "birth_certificate",
            vi: "Giấy khai sinh",
            en: "Birth certificate",
            authority: "Ủy ban nhân dân cấp xã (commune People's Committee)",
            legal_basis: "Luật Hộ tịch 2014 Art 16",
            fields: vec![
                number(),
                name(),
                birth(),
                sex(),
                field("place_of_birth", "Nơi sinh", "Place of birth", Text),
                optional("father_name", "Họ tên cha", "Father's name", Text),
                optional("mother_name", "Họ tên mẹ", "Mother's name", Text),
                field("registered_on", "Ngày đăng ký", "Registered on", Date),
                field("registered_by", "Nơi đăng ký", "Registered by", Text),
            ],
            credential_days: 5 * 365,
        },
        DocumentType {
            id: "marriage_certificate",
            vi: "Giấy chứng nhận kết hôn",
            en: "Marriage certificate",
            authority: "Ủy ban nhân dân cấp xã (commune People's Committee)",
            legal_basis: "Luật Hộ tịch 2014 Art 18",
            fields: vec![
                number(),
                field("husband_name", "Họ tên chồng", "Husband's name", Text),
                field(
                    "husband_id",
                    "Số định danh của chồng",
                    "Husband's personal ID",
                    Text,
                ),
                field("wife_name", "Họ tên vợ", "Wife's name", Text),
                field("wife_id", "Số định danh của vợ", "Wife's personal ID", Text),
                field("registered_on", "Ngày đăng ký", "Registered on", Date),
                field("registered_by", "Nơi đăng ký", "Registered by", Text),
            ],
            credential_days: 365,
        },
        DocumentType {
            id: "vehicle_registration",
            vi: "Giấy chứng nhận đăng ký xe",
            en: "Vehicle registration certificate",
            authority: "Cục Cảnh sát giao thông (Traffic Police Department)",
            legal_basis: "Thông tư 79/2024/TT-BCA",
            fields: vec![
                number(),
                field("plate", "Biển số", "Registration plate", Text),
                field("owner_name", "Tên chủ xe", "Owner", Text),
                field("make", "Nhãn hiệu", "Make", Text),
                optional("model", "Số loại", "Model", Text),
                optional("colour", "Màu sơn", "Colour", Text),
                field("engine_number", "Số máy", "Engine number", Text),
                field("chassis_number", "Số khung", "Chassis number", Text),
                field("registered_on", "Ngày đăng ký", "Registered on", Date),
            ],
            credential_days: 365,
        },
    ]
}

/// The type of that identifier.
pub fn by_id(id: &str) -> Option<DocumentType> {
    all().into_iter().find(|t| t.id == id)
}

impl DocumentType {
    /// Checks a document's fields as an issuer sends them: every field known, of its kind,
    /// the required ones present. Returns them in the type's order, trimmed.
    pub fn check(&self, data: &Map<String, Value>) -> Result<Map<String, Value>, String> {
        if let Some(unknown) = data
            .keys()
            .find(|k| !self.fields.iter().any(|f| f.name == k.as_str()))
        {
            return Err(format!("a {} has no field {unknown:?}", self.id));
        }
        let mut out = Map::new();
        for f in &self.fields {
            let value = match data.get(f.name) {
                None | Some(Value::Null) => None,
                Some(v) => Some(check_value(f, v)?),
            };
            match value {
                Some(v) => {
                    out.insert(f.name.to_owned(), v);
                }
                None if f.required => {
                    return Err(format!("the field {:?} is required", f.name));
                }
                None => {}
            }
        }
        Ok(out)
    }

    /// The field of that name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

fn check_value(f: &Field, v: &Value) -> Result<Value, String> {
    let text = |v: &Value| -> Result<String, String> {
        let s = v
            .as_str()
            .ok_or_else(|| format!("the field {:?} is text", f.name))?
            .trim();
        if s.is_empty() {
            return Err(format!("the field {:?} is empty", f.name));
        }
        if s.chars().count() > MAX_TEXT || s.chars().any(char::is_control) {
            return Err(format!(
                "the field {:?} is longer than {MAX_TEXT} characters or holds control characters",
                f.name
            ));
        }
        Ok(s.to_owned())
    };
    match f.kind {
        Kind::Text => Ok(Value::String(text(v)?)),
        Kind::Date => {
            let s = text(v)?;
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map_err(|_| format!("the field {:?} is a date, YYYY-MM-DD", f.name))?;
            Ok(Value::String(s))
        }
        Kind::List => {
            let items = v
                .as_array()
                .ok_or_else(|| format!("the field {:?} is a list", f.name))?;
            if items.is_empty() || items.len() > MAX_ITEMS {
                return Err(format!(
                    "the field {:?} holds 1 to {MAX_ITEMS} items",
                    f.name
                ));
            }
            items
                .iter()
                .map(|i| text(i).map(Value::String))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers_are_unique_and_fields_named_once() {
        let all = all();
        for (i, t) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|o| o.id != t.id), "{}", t.id);
            for (j, f) in t.fields.iter().enumerate() {
                assert!(t.fields[j + 1..].iter().all(|o| o.name != f.name));
            }
        }
    }

    #[test]
    fn fields_are_checked() {
        let t = by_id("driving_licence").unwrap();
        let good = json!({"number": " 790123456789 ", "full_name": "Lê Thị Hoa", "birth_date": "1990-05-17",
                          "classes": ["A1", "B"], "issued_on": "2020-01-02", "issued_by": "Sở GTVT Hà Nội"});
        let checked = t.check(good.as_object().unwrap()).unwrap();
        assert_eq!(checked["number"], "790123456789");
        let mut bad = good.clone();
        bad["birth_date"] = json!("17/05/1990");
        assert!(
            t.check(bad.as_object().unwrap())
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        let mut bad = good.clone();
        bad["colour"] = json!("đỏ");
        assert!(
            t.check(bad.as_object().unwrap())
                .unwrap_err()
                .contains("no field")
        );
        let mut bad = good.clone();
        bad.as_object_mut().unwrap().remove("classes");
        assert!(
            t.check(bad.as_object().unwrap())
                .unwrap_err()
                .contains("required")
        );
        let mut bad = good;
        bad["classes"] = json!([]);
        assert!(t.check(bad.as_object().unwrap()).is_err());
    }
}
