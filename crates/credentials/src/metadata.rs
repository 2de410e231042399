//! What the issuer publishes about itself: OpenID4VCI issuer metadata, the OAuth
//! authorization-server metadata of its token endpoint (RFC 8414), the JWT VC issuer metadata
//! with its keys (SD-JWT VC §5), and the type metadata of each `vct` (SD-JWT VC §6).
//!
//! Well-known documents are found by inserting `/.well-known/<name>` between the origin and the
//! issuer's path, so for `https://id.example.vn/credentials` they are at
//! `https://id.example.vn/.well-known/openid-credential-issuer/credentials` and so on.

use serde_json::{Value, json};

use crate::offers::PRE_AUTHORIZED_GRANT;
use crate::types::{self, DocumentType};

/// The `vct` of a document type.
pub fn vct(issuer: &str, type_id: &str) -> String {
    format!("{issuer}/types/{type_id}")
}

fn names(vi: &str, en: &str) -> Value {
    json!([{"name": vi, "locale": "vi"}, {"name": en, "locale": "en"}])
}

/// The credential configuration of a document type.
fn configuration(issuer: &str, t: &DocumentType) -> Value {
    json!({
        "format": "dc+sd-jwt",
        "vct": vct(issuer, t.id),
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": ["ES256"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}},
        "credential_metadata": {
            "display": names(t.vi, t.en),
            "claims": t.fields.iter().map(|f| json!({
                "path": [f.name],
                "mandatory": f.required,
                "display": names(f.vi, f.en),
            })).collect::<Vec<_>>(),
        },
    })
}

/// OpenID4VCI issuer metadata (§12.2).
pub fn issuer(issuer: &str) -> Value {
    let configurations: serde_json::Map<String, Value> = types::all()
        .iter()
        .map(|t| (t.id.to_owned(), configuration(issuer, t)))
        .collect();
    json!({
        "credential_issuer": issuer,
        "authorization_servers": [issuer],
        "credential_endpoint": format!("{issuer}/credential"),
        "nonce_endpoint": format!("{issuer}/nonce"),
        "display": names("Định danh điện tử — giấy tờ số", "e-ID — digital documents"),
        "credential_configurations_supported": configurations,
    })
}

/// The token endpoint's authorization-server metadata (RFC 8414; OpenID4VCI §12.3).
pub fn authorization_server(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": true,
        "token_endpoint_auth_methods_supported": ["none"],
    })
}

/// JWT VC issuer metadata: the keys credentials are signed with.
pub fn jwt_vc_issuer(issuer: &str, jwks: Value) -> Value {
    json!({"issuer": issuer, "jwks": jwks})
}

/// Type metadata of a document type's `vct` (SD-JWT VC §6).
pub fn type_metadata(issuer: &str, t: &DocumentType) -> Value {
    json!({
        "vct": vct(issuer, t.id),
        "name": t.en,
        "description": format!("{} — {} ({})", t.vi, t.authority, t.legal_basis),
        "display": [
            {"lang": "vi", "name": t.vi, "description": t.authority},
            {"lang": "en", "name": t.en, "description": t.authority},
        ],
        "claims": t.fields.iter().map(|f| json!({
            "path": [f.name],
            "display": [{"lang": "vi", "label": f.vi}, {"lang": "en", "label": f.en}],
            "sd": "always",
        })).collect::<Vec<_>>(),
    })
}
