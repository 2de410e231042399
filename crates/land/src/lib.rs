//! The national land database: land parcels (thửa đất), the land-use-right certificates that
//! cover them (Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất), and
//! who holds those rights — persons by personal ID, organizations by tax code.
//!
//! It is the second data provider of the sharing platform, after the population registry:
//! [`Land`] is the public API the exchange, the HTTP layer and the CLI use; [`store::LandStore`]
//! moves typed values in and out of SQLite or PostgreSQL. Values from outside become typed
//! values through one `parse` each ([`ParcelKey::parse`], [`CertificateSerial::parse`],
//! [`Holder::parse`], [`ParcelRow::parse`], [`CertificateRow::parse`]) or a [`ValueError`] that
//! says what is wrong. The legal facts each type rests on are cited in its module:
//! [`place`] (the 2025 two-level administration), [`purpose`] (land-use codes), [`origin`],
//! [`certificate`] (serials, co-holders), [`parcel`].
#![forbid(unsafe_code)]

pub mod certificate;
mod error;
pub mod generate;
pub mod import;
pub mod origin;
pub mod parcel;
pub mod place;
pub mod purpose;
pub mod row;
pub mod store;
mod text;

#[cfg(test)]
mod parse_tests;

use std::path::Path;
use std::sync::Arc;

use dinhdanh_store::Db;

pub use certificate::{
    Certificate, CertificateForm, CertificateSerial, CertificateStatus, CoveredParcels, Holder,
    HolderShare, Holders, RegistryBookNumber, Share,
};
pub use error::{FieldError, LandError, ValueError};
pub use import::{ImportOptions, ImportProgress, ImportSummary, ProgressFn};
pub use origin::{Acquisition, StateGrant, UseOrigin};
pub use parcel::{Area, MapSheet, Parcel, ParcelKey, ParcelNumber, PurposeArea, Purposes, UseTerm};
pub use place::{CommuneKind, CommuneName, DistrictKind, DistrictName, Locality};
pub use purpose::{LandGroup, LandUseCode};
pub use row::{CertificateRow, ParcelRow};
pub use store::{BatchOutcome, Counts, Holding, ImportKind, LandStore, Reject};

/// The land database's public API, shared by the exchange, the HTTP layer and the CLI.
#[derive(Clone)]
pub struct Land {
    store: Arc<dyn LandStore>,
}

impl Land {
    /// The land database over whichever backend `db` is.
    pub fn new(db: &Db) -> Land {
        Land {
            store: store::for_db(db),
        }
    }

    /// The storage behind this API (for imports and tools).
    pub fn store(&self) -> Arc<dyn LandStore> {
        self.store.clone()
    }

    /// One parcel by key.
    pub async fn parcel(&self, key: &ParcelKey) -> Result<Parcel, LandError> {
        self.store
            .parcel(key)
            .await?
            .ok_or_else(|| LandError::ParcelNotFound(key.clone()))
    }

    /// One certificate by serial, in any status.
    pub async fn certificate(&self, serial: &CertificateSerial) -> Result<Certificate, LandError> {
        self.store
            .certificate(serial)
            .await?
            .ok_or_else(|| LandError::CertificateNotFound(serial.clone()))
    }

    /// Every certificate that covers the parcel, in any status, oldest first: the parcel's
    /// history of certificates. Fails when the parcel is unknown.
    pub async fn certificates_of_parcel(
        &self,
        key: &ParcelKey,
    ) -> Result<Vec<Certificate>, LandError> {
        self.parcel(key).await?;
        self.store.certificates_of_parcel(key).await
    }

    /// The parcels the holder holds today — through a certificate in force — each with the
    /// certificates through which they hold it, in parcel-key order. Empty when the holder
    /// holds nothing; the land database does not know whether the holder exists in the
    /// registry, which is the registry's to say.
    pub async fn parcels_of_holder(&self, holder: &Holder) -> Result<Vec<Holding>, LandError> {
        self.store.holdings(holder).await
    }

    /// Numbers of parcels, certificates and holders.
    pub async fn counts(&self) -> Result<Counts, LandError> {
        self.store.counts().await
    }

    /// Imports a CSV file of parcels or certificates (see [`row`] for the layout and
    /// [`import`] for the guarantees). Import parcels before the certificates that name them.
    pub async fn import(
        &self,
        path: &Path,
        options: &ImportOptions,
        progress: Option<ProgressFn>,
    ) -> Result<ImportSummary, LandError> {
        import::import_file(self.store(), path, options, progress).await
    }
}
