//! The origin of use (nguồn gốc sử dụng đất): how the State granted the right, and how the
//! present user received it when it came from someone else.
//!
//! Certificates write origin as a phrase such as "Nhận chuyển nhượng đất được Công nhận QSDĐ như
//! giao đất có thu tiền sử dụng đất": a State grant, optionally preceded by the transfer through
//! which the present user got it. The grant codes are those of the cadastral software catalogue
//! VBDLIS uses for exchange files (GitHub haitnmt/Elis-Tools-TraCuuGcn,
//! `DanhMuc/DanhMucLoaiNguonGocDat.cs` and `DanhMucLoaiNguonGocChuyenQuyen.cs`); they are a
//! vendor's catalogue, not a legal text, and are used because they are what exchange files carry.
//! The origin is kept per parcel, not per purpose: a parcel whose purposes have different origins
//! is recorded with the origin of its main purpose.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::error::ValueError;

/// How the State granted the right to use the land.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateGrant {
    /// DG-CTT: Nhà nước giao đất có thu tiền sử dụng đất.
    AllocatedWithLevy,
    /// DG-KTT: Nhà nước giao đất không thu tiền sử dụng đất.
    AllocatedWithoutLevy,
    /// DT-THN: Nhà nước cho thuê đất trả tiền hàng năm.
    LeasedAnnualRent,
    /// DT-TML: Nhà nước cho thuê đất trả tiền một lần.
    LeasedOneOffRent,
    /// CNQ-CTT: Công nhận QSDĐ như giao đất có thu tiền sử dụng đất.
    RecognisedWithLevy,
    /// CNQ-KTT: Công nhận QSDĐ như giao đất không thu tiền sử dụng đất.
    RecognisedWithoutLevy,
}

impl StateGrant {
    /// Every grant, in catalogue order.
    pub const ALL: [StateGrant; 6] = [
        StateGrant::AllocatedWithLevy,
        StateGrant::AllocatedWithoutLevy,
        StateGrant::LeasedAnnualRent,
        StateGrant::LeasedOneOffRent,
        StateGrant::RecognisedWithLevy,
        StateGrant::RecognisedWithoutLevy,
    ];

    /// The catalogue code, e.g. "DG-CTT".
    pub fn code(&self) -> &'static str {
        match self {
            StateGrant::AllocatedWithLevy => "DG-CTT",
            StateGrant::AllocatedWithoutLevy => "DG-KTT",
            StateGrant::LeasedAnnualRent => "DT-THN",
            StateGrant::LeasedOneOffRent => "DT-TML",
            StateGrant::RecognisedWithLevy => "CNQ-CTT",
            StateGrant::RecognisedWithoutLevy => "CNQ-KTT",
        }
    }

    /// The phrase written on certificates.
    pub fn label(&self) -> &'static str {
        match self {
            StateGrant::AllocatedWithLevy => "Nhà nước giao đất có thu tiền sử dụng đất",
            StateGrant::AllocatedWithoutLevy => "Nhà nước giao đất không thu tiền sử dụng đất",
            StateGrant::LeasedAnnualRent => "Nhà nước cho thuê đất trả tiền hàng năm",
            StateGrant::LeasedOneOffRent => "Nhà nước cho thuê đất trả tiền một lần",
            StateGrant::RecognisedWithLevy => "Công nhận QSDĐ như giao đất có thu tiền sử dụng đất",
            StateGrant::RecognisedWithoutLevy => {
                "Công nhận QSDĐ như giao đất không thu tiền sử dụng đất"
            }
        }
    }

    /// Reads a catalogue code, case-insensitively.
    pub fn parse(input: &str) -> Result<StateGrant, ValueError> {
        let code = input.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(ValueError::Required);
        }
        StateGrant::ALL
            .into_iter()
            .find(|g| g.code() == code)
            .ok_or(ValueError::UnknownOrigin {
                value: input.trim().to_owned(),
            })
    }
}

/// How the present user received a right first granted to someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Acquisition {
    /// Nhận chuyển nhượng: bought.
    Transfer,
    /// Nhận chuyển đổi: exchanged for other agricultural land.
    Exchange,
    /// Nhận thừa kế: inherited.
    Inheritance,
    /// Được tặng cho: received as a gift.
    Gift,
    /// Nhận góp vốn: contributed as capital.
    CapitalContribution,
    /// Trúng đấu giá: won at auction.
    Auction,
    /// Theo bản án, quyết định: awarded by a court or an enforcement decision.
    Judgment,
}

impl Acquisition {
    /// Every kind, in catalogue order.
    pub const ALL: [Acquisition; 7] = [
        Acquisition::Transfer,
        Acquisition::Exchange,
        Acquisition::Inheritance,
        Acquisition::Gift,
        Acquisition::CapitalContribution,
        Acquisition::Auction,
        Acquisition::Judgment,
    ];

    /// The code in the import layout, e.g. "transfer".
    pub fn code(&self) -> &'static str {
        match self {
            Acquisition::Transfer => "transfer",
            Acquisition::Exchange => "exchange",
            Acquisition::Inheritance => "inheritance",
            Acquisition::Gift => "gift",
            Acquisition::CapitalContribution => "capital_contribution",
            Acquisition::Auction => "auction",
            Acquisition::Judgment => "judgment",
        }
    }

    /// The phrase written on certificates.
    pub fn label(&self) -> &'static str {
        match self {
            Acquisition::Transfer => "Nhận chuyển nhượng đất",
            Acquisition::Exchange => "Nhận chuyển đổi đất",
            Acquisition::Inheritance => "Nhận thừa kế đất",
            Acquisition::Gift => "Được tặng cho đất",
            Acquisition::CapitalContribution => "Nhận góp vốn đất",
            Acquisition::Auction => "Nhận chuyển quyền do trúng đấu giá đất",
            Acquisition::Judgment => "Nhận chuyển quyền theo bản án",
        }
    }

    /// Reads a code; an empty text means the user received the right from the State directly.
    pub fn parse_optional(input: &str) -> Result<Option<Acquisition>, ValueError> {
        let code = input.trim().to_ascii_lowercase();
        if code.is_empty() {
            return Ok(None);
        }
        Acquisition::ALL
            .into_iter()
            .find(|a| a.code() == code)
            .map(Some)
            .ok_or(ValueError::UnknownAcquisition {
                value: input.trim().to_owned(),
            })
    }
}

/// The origin of use of a parcel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct UseOrigin {
    /// The State grant at the root of the right.
    pub grant: StateGrant,
    /// How the present user received it, when not from the State directly.
    pub acquired_by: Option<Acquisition>,
}

impl fmt::Display for UseOrigin {
    /// The phrase as a certificate writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.acquired_by {
            Some(a) => write!(f, "{} được {}", a.label(), lower_first(self.grant.label())),
            None => f.write_str(self.grant.label()),
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Serialize for StateGrant {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl Serialize for Acquisition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}
