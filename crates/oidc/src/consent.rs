//! Consent: what each citizen allowed each relying party, shown and withdrawable on the
//! dashboard. Withdrawing it revokes the grants the relying party holds from that citizen.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::Oidc;
use crate::clients::Client;
use crate::db::{on_db, write_on_db, write_tx};
use crate::error::OAuthError;
use crate::record::RpEntry;
use crate::scope::{self, Scope};

impl Oidc {
    /// The scopes a citizen has consented to for a client.
    pub async fn consented_scopes(
        &self,
        account_id: i64,
        client_id: &str,
    ) -> Result<BTreeSet<Scope>, OAuthError> {
        let row: Option<(String,)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT scopes FROM oidc_consents WHERE account_id = $1 AND client_id = $2",
            )
            .bind(account_id)
            .bind(client_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row
            .map(|(s,)| scope::parse_scopes(&s).unwrap_or_default())
            .unwrap_or_default())
    }

    pub(crate) async fn record_consent(
        &self,
        account_id: i64,
        client_id: &str,
        scopes: &BTreeSet<Scope>,
    ) -> Result<(), OAuthError> {
        let mut all = self.consented_scopes(account_id, client_id).await?;
        all.extend(scopes.iter().cloned());
        let now = self.now();
        write_on_db!(self, |pool| {
            sqlx::query(
                "INSERT INTO oidc_consents (account_id, client_id, scopes, granted_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = $3, granted_at = $4",
            )
            .bind(account_id)
            .bind(client_id)
            .bind(scope::join(&all))
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        let fields = scopes.iter().map(|s| s.as_str().to_owned()).collect();
        self.record_consent_change(
            dinhdanh_ledger::Kind::ConsentGiven,
            account_id,
            client_id,
            fields,
        )
        .await
    }

    /// Records a consent given or withdrawn in the ledger, after it took effect. The relying
    /// party it concerns is the entry's actor, so the citizen's history names it.
    async fn record_consent_change(
        &self,
        kind: dinhdanh_ledger::Kind,
        account_id: i64,
        client_id: &str,
        fields: Vec<String>,
    ) -> Result<(), OAuthError> {
        if !self.records_to_ledger() {
            return Ok(());
        }
        let holder = self.inner.accounts.holder(account_id).await?;
        let Some(personal_id) = holder.personal_id else {
            return Ok(());
        };
        let purpose = self
            .client(client_id)
            .await
            .map_err(OAuthError::internal)?
            .map(|c| c.purpose.en.clone());
        self.record(RpEntry {
            kind,
            client_id,
            personal_id: &personal_id,
            fields,
            purpose,
            legal_basis: None,
            detail: format!("by the citizen, account {account_id}"),
        })
        .await
        .map_err(OAuthError::internal)?;
        Ok(())
    }

    /// A citizen's consents: client, its name, the scopes, when.
    pub async fn consents(&self, account_id: i64) -> Result<Vec<GivenConsent>, OAuthError> {
        let rows: Vec<(String, String, i64)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT client_id, scopes, granted_at FROM oidc_consents WHERE account_id = $1
                 ORDER BY granted_at DESC",
            )
            .bind(account_id)
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for (client_id, scopes, granted_at) in rows {
            let Some(client) = self.client(&client_id).await? else {
                continue;
            };
            out.push(GivenConsent {
                client,
                scopes: scope::parse_scopes(&scopes)
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
                granted_at,
            });
        }
        Ok(out)
    }

    /// Withdraws a citizen's consent to a client and revokes every grant the client holds from
    /// them (refresh tokens stop working; access tokens fail at userinfo and introspection).
    pub async fn revoke_consent(
        &self,
        account_id: i64,
        client_id: &str,
    ) -> Result<bool, OAuthError> {
        let now = self.now();
        let removed = write_tx!(self, |tx| {
            let n =
                sqlx::query("DELETE FROM oidc_consents WHERE account_id = $1 AND client_id = $2")
                    .bind(account_id)
                    .bind(client_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            sqlx::query(
                "UPDATE oidc_grants SET revoked_at = $3
                 WHERE account_id = $1 AND client_id = $2 AND revoked_at IS NULL",
            )
            .bind(account_id)
            .bind(client_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            n
        });
        if removed > 0 {
            self.record_consent_change(
                dinhdanh_ledger::Kind::ConsentWithdrawn,
                account_id,
                client_id,
                Vec::new(),
            )
            .await?;
        }
        Ok(removed > 0)
    }
}

/// A consent as the dashboard shows it.
#[derive(Debug, Clone)]
pub struct GivenConsent {
    /// The relying party.
    pub client: Arc<Client>,
    /// What it may receive.
    pub scopes: Vec<Scope>,
    /// When (Unix ms).
    pub granted_at: i64,
}
