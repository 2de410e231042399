//! Organizations' accounts: opened by the legal representative the registry names, who (with
//! the organization's administrators) authorises member accounts with roles.

use dinhdanh_domain::{PersonalId, TaxCode};
use serde_json::json;

use crate::Accounts;
use crate::assurance::{AccountLevel, Assurance};
use crate::db::{event, on_db, write_tx};
use crate::enrol::parse_personal_id;
use crate::error::AccountError;
use crate::lifecycle::MemberRole;
use crate::model::{Account, AccountId, Actor, Member, Session};

impl Accounts {
    /// The legal representative named in the registry opens the organization's account.
    pub async fn register_organization(
        &self,
        session: &Session,
        code: &str,
    ) -> Result<Account, AccountError> {
        let code =
            TaxCode::parse(code).map_err(|e| AccountError::invalid("code", e.to_string()))?;
        let representative = self.account(session.account_id).await?;
        representative.usable()?;
        if representative.level != AccountLevel::Two
            || session.assurance < Some(Assurance::Substantial)
        {
            return Err(AccountError::StepUpRequired(
                "registering an organization needs a level-2 account signed in with two factors",
            ));
        }
        let organization = self
            .registry()
            .organization(&code)
            .await
            .map_err(|e| AccountError::Registry(e.to_string()))?
            .organization;
        if Some(organization.legal_representative) != representative.personal_id {
            return Err(AccountError::Registry(
                "the registry does not name you as this organization's legal representative".into(),
            ));
        }
        let code_text = code.to_string();
        if self.account_of_organization(&code_text).await?.is_some() {
            return Err(AccountError::Conflict(
                "this organization already has an account".into(),
            ));
        }
        let now = self.now();
        let actor = Actor::account(representative.id);
        let id = write_tx!(self, |tx| {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO accounts (kind, organization_code, level, status, created_at, updated_at)
                 VALUES ('organization', $1, 2, 'active', $2, $2) RETURNING account_id",
            )
            .bind(&code_text)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO organization_members (organization_account, member_account, role,
                                                   granted_by, granted_at)
                 VALUES ($1, $2, 'representative', $3, $4)",
            )
            .bind(id)
            .bind(representative.id)
            .bind(&actor.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            event!(
                &mut *tx,
                id,
                now,
                &actor,
                "created",
                None::<&str>,
                json!({"representative": representative.id})
            );
            id
        });
        self.account(id).await
    }

    /// The organization's representative or an administrator gives a member a role.
    pub async fn add_member(
        &self,
        session: &Session,
        organization_code: &str,
        member_personal_id: &str,
        role: MemberRole,
    ) -> Result<Member, AccountError> {
        if role == MemberRole::Representative {
            return Err(AccountError::invalid(
                "role",
                "the representative is the one the registry names; give administrator or staff",
            ));
        }
        let organization = self
            .organization_for_manager(session, organization_code)
            .await?;
        let member_id = parse_personal_id(member_personal_id)?;
        let member = self
            .account_of_person(member_id)
            .await?
            .ok_or(AccountError::NotFound("member account"))?;
        let now = self.now();
        let actor = Actor::account(session.account_id);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO organization_members (organization_account, member_account, role,
                                                   granted_by, granted_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (organization_account, member_account)
                 DO UPDATE SET role = $3, granted_by = $4, granted_at = $5",
            )
            .bind(organization.id)
            .bind(member.id)
            .bind(role.as_str())
            .bind(&actor.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            event!(
                &mut *tx,
                organization.id,
                now,
                &actor,
                "member_added",
                None::<&str>,
                json!({"member": member.id, "role": role.as_str()})
            );
        });
        Ok(Member {
            account_id: member.id,
            personal_id: member.personal_id,
            role,
            granted_by: actor.0,
            granted_at: now,
        })
    }

    /// Removes a member (never the representative).
    pub async fn remove_member(
        &self,
        session: &Session,
        organization_code: &str,
        member_account: AccountId,
    ) -> Result<(), AccountError> {
        let organization = self
            .organization_for_manager(session, organization_code)
            .await?;
        let now = self.now();
        let actor = Actor::account(session.account_id);
        let removed = write_tx!(self, |tx| {
            let removed = sqlx::query(
                "DELETE FROM organization_members
                 WHERE organization_account = $1 AND member_account = $2 AND role <> 'representative'",
            )
            .bind(organization.id)
            .bind(member_account)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed == 1 {
                event!(
                    &mut *tx,
                    organization.id,
                    now,
                    &actor,
                    "member_removed",
                    None::<&str>,
                    json!({"member": member_account})
                );
            }
            removed
        });
        if removed == 1 {
            Ok(())
        } else {
            Err(AccountError::NotFound("member"))
        }
    }

    /// The members of an organization's account.
    pub async fn members(&self, organization: AccountId) -> Result<Vec<Member>, AccountError> {
        let rows: Vec<(i64, Option<i64>, String, String, i64)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT m.member_account, a.personal_id, m.role, m.granted_by, m.granted_at
                 FROM organization_members m JOIN accounts a ON a.account_id = m.member_account
                 WHERE m.organization_account = $1 ORDER BY m.granted_at",
            )
            .bind(organization)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(account_id, pid, role, granted_by, granted_at)| {
                Some(Member {
                    account_id,
                    personal_id: pid.and_then(|p| PersonalId::from_u64(p as u64).ok()),
                    role: MemberRole::parse(&role)?,
                    granted_by,
                    granted_at,
                })
            })
            .collect())
    }

    /// The organizations an account acts for, with its role in each.
    pub async fn memberships(
        &self,
        account: AccountId,
    ) -> Result<Vec<(String, MemberRole)>, AccountError> {
        let rows: Vec<(String, String)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT a.organization_code, m.role FROM organization_members m
                 JOIN accounts a ON a.account_id = m.organization_account
                 WHERE m.member_account = $1 ORDER BY a.organization_code",
            )
            .bind(account)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(code, role)| Some((code, MemberRole::parse(&role)?)))
            .collect())
    }

    async fn organization_for_manager(
        &self,
        session: &Session,
        organization_code: &str,
    ) -> Result<Account, AccountError> {
        let code = TaxCode::parse(organization_code)
            .map_err(|e| AccountError::invalid("code", e.to_string()))?;
        let organization = self
            .account_of_organization(&code.to_string())
            .await?
            .ok_or(AccountError::NotFound("organization account"))?;
        organization.usable()?;
        let role: Option<(String,)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT role FROM organization_members
                 WHERE organization_account = $1 AND member_account = $2",
            )
            .bind(organization.id)
            .bind(session.account_id)
            .fetch_optional(pool)
            .await?
        });
        match role.and_then(|(r,)| MemberRole::parse(&r)) {
            Some(MemberRole::Representative | MemberRole::Administrator) => Ok(organization),
            _ => Err(AccountError::Forbidden(
                "only the representative or an administrator manages members".into(),
            )),
        }
    }
}
