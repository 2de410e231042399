//! The status lists this issuer serves. A credential's place is taken when it is issued, from
//! blocks of [`BLOCK`] positions each node reserves at once, so issuing does not queue on one
//! counter. List `n` holds positions `n × LIST_SIZE …`; a list is built from the credentials of
//! it that are not valid (few), signed, and kept for [`MEMORY`] on each node, which is also the
//! `max-age` a verifier may cache it for. A revocation made on this node is served at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dinhdanh_store::on_db;

use crate::status::StatusList;
use crate::{Credentials, CredentialsError};

/// Positions per list: 2²⁰ (a 256 KiB list before compression).
pub const LIST_SIZE: i64 = 1 << 20;
/// Positions a node reserves at once.
pub const BLOCK: i64 = 256;
/// How long a signed list is kept and may be cached.
pub const MEMORY: Duration = Duration::from_secs(60);
/// How long a signed list stays valid (`exp`): verifiers offline for longer must refresh it.
pub const LIST_VALIDITY_S: i64 = 24 * 3600;

pub(crate) struct Cached {
    at: Instant,
    token: Arc<ListToken>,
    /// The same list, decoded, for checking this issuer's own credentials.
    decoded: Arc<crate::status::ListToken>,
}

/// A signed status list, as served.
#[derive(Debug)]
pub struct ListToken {
    /// The `statuslist+jwt`.
    pub jwt: String,
    /// Seconds a verifier may keep it.
    pub max_age: u64,
}

/// The address of list `n` of `issuer`.
pub fn uri(issuer: &str, list: i64) -> String {
    format!("{issuer}/status/{list}")
}

impl Credentials {
    /// The next free position: its list and index in the list.
    pub(crate) async fn take_position(&self) -> Result<(i64, i64), CredentialsError> {
        let mut block = self.inner.positions.lock().await;
        if block.0 >= block.1 {
            let next: i64 = dinhdanh_store::write_on_db!(self.db(), self.inner.gate, |pool| {
                let (next,): (i64,) = sqlx::query_as(
                    "UPDATE credential_positions SET next = next + $1 WHERE singleton = 1
                     RETURNING next",
                )
                .bind(BLOCK)
                .fetch_one(pool)
                .await?;
                next
            });
            *block = (next - BLOCK, next);
        }
        let position = block.0;
        block.0 += 1;
        Ok((position / LIST_SIZE, position % LIST_SIZE))
    }

    /// List `n`, signed: served at `<issuer>/status/<n>`.
    pub async fn status_list(&self, list: i64) -> Result<Arc<ListToken>, CredentialsError> {
        Ok(self.cached_list(list).await?.0)
    }

    /// The list at `uri`, when it is one of this issuer's, as a verifier reads it.
    pub(crate) async fn own_list(
        &self,
        uri: &str,
    ) -> Result<Arc<crate::status::ListToken>, CredentialsError> {
        let list = self.list_number(uri).ok_or(CredentialsError::NotFound)?;
        Ok(self.cached_list(list).await?.1)
    }

    /// The number of this issuer's list at `uri` (`<issuer>/status/<n>`).
    pub(crate) fn list_number(&self, uri: &str) -> Option<i64> {
        uri.strip_prefix(self.issuer())?
            .strip_prefix("/status/")?
            .parse()
            .ok()
    }

    async fn cached_list(
        &self,
        list: i64,
    ) -> Result<(Arc<ListToken>, Arc<crate::status::ListToken>), CredentialsError> {
        if let Some(c) = self.inner.lists.lock().expect("lists lock").get(&list)
            && c.at.elapsed() < MEMORY
        {
            return Ok((c.token.clone(), c.decoded.clone()));
        }
        let (next,): (i64,) = on_db!(self.db(), |pool| {
            sqlx::query_as("SELECT next FROM credential_positions WHERE singleton = 1")
                .fetch_one(pool)
                .await?
        });
        if list < 0 || list * LIST_SIZE >= next {
            return Err(CredentialsError::NotFound);
        }
        let rows: Vec<(i64, i64)> = on_db!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT idx, status FROM credentials_issued WHERE list_id = $1 AND status <> 0",
            )
            .bind(list)
            .fetch_all(pool)
            .await?
        });
        let mut statuses = StatusList::new(LIST_SIZE as usize);
        for (idx, status) in rows {
            statuses.set(idx as usize, status as u8);
        }
        let keys = self.keys().await?;
        let now = self.now_s();
        let jwt = statuses.token(
            &keys.signer,
            self.issuer(),
            &uri(self.issuer(), list),
            now,
            now + LIST_VALIDITY_S,
            MEMORY.as_secs() as i64,
        );
        let token = Arc::new(ListToken {
            jwt,
            max_age: MEMORY.as_secs(),
        });
        let decoded = Arc::new(crate::status::ListToken {
            list: statuses,
            issuer: self.issuer().to_owned(),
            exp: Some(now + LIST_VALIDITY_S),
            ttl: Some(MEMORY.as_secs() as i64),
        });
        self.inner.lists.lock().expect("lists lock").insert(
            list,
            Cached {
                at: Instant::now(),
                token: token.clone(),
                decoded: decoded.clone(),
            },
        );
        Ok((token, decoded))
    }

    /// Forgets the signed lists held, so a change made here is served at once.
    pub(crate) fn forget_lists(&self) {
        self.inner.lists.lock().expect("lists lock").clear();
    }
}
