//! The National Public Service Portal as a relying party of the platform's OpenID provider: what
//! it keeps, and the rules of the back-channel logout that ends its sessions.
//!
//! The portal signs citizens in through the provider's code flow (the HTTP layer drives that with
//! the `openidconnect` crate) and keeps its own state in its own tables, shared by every node:
//!
//! - [`keys`]: the client key it authenticates with (`private_key_jwt`), made once;
//! - [`logins`]: the sign-ins in flight, each taken once by the callback;
//! - [`sessions`]: its sessions, with the provider session (`sid`) and subject (`sub`) they came
//!   from, so that the provider's logout can end them;
//! - [`logout`]: a logout token's claims checked against OpenID Connect Back-Channel Logout 1.0
//!   (pure rules), and [`Portal::log_out`], which refuses a replayed token and ends the sessions
//!   it names.
//!
//! Secrets that come back from the browser (session tokens, `state`) are kept only as hashes; the
//! caller hashes them.
#![forbid(unsafe_code)]

pub mod keys;
pub mod logins;
pub mod logout;
pub mod sessions;

use std::sync::Arc;

use dinhdanh_accounts::Clock;
use dinhdanh_store::Db;

pub use logins::Login;
pub use logout::{Ends, Expected, LogoutError, LogoutToken, SignedToken};
pub use sessions::NewSession;

/// The portal's storage: one handle, cheap to clone, shared by the HTTP layer's handlers.
#[derive(Clone)]
pub struct Portal {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    gate: Arc<tokio::sync::Mutex<()>>,
    clock: Clock,
}

impl Portal {
    /// The portal's tables in `db`; on SQLite, writes queue on `gate` (the write gate every
    /// capability shares). Expiry is judged by `clock`.
    pub fn new(db: &Db, gate: Arc<tokio::sync::Mutex<()>>, clock: Clock) -> Portal {
        Portal {
            inner: Arc::new(Inner {
                db: db.clone(),
                gate,
                clock,
            }),
        }
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    fn gate(&self) -> &Arc<tokio::sync::Mutex<()>> {
        &self.inner.gate
    }

    /// Now, in Unix milliseconds, by the portal's clock.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }
}

/// What the portal's storage can fail with.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The client key could not be made or read back.
    #[error("the portal's client key: {0}")]
    Key(String),
    /// A logout token is refused (see [`LogoutError`]); nothing was ended.
    #[error(transparent)]
    Logout(#[from] LogoutError),
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] sqlx::Error),
}
