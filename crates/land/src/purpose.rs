//! Land-use purpose codes (mục đích sử dụng đất), as written on certificates and cadastral maps.
//!
//! Land Law 2024 (Law 31/2024/QH15) Art. 9 sorts land into three groups — agricultural,
//! non-agricultural and unused — and adds concentrated livestock land (đất chăn nuôi tập trung)
//! to the agricultural group. The codes are those of Circular 08/2024/TT-BTNMT, Appendix II,
//! section A, in force 1 August 2024 (congbao.chinhphu.vn/van-ban/thong-tu-so-08-2024-tt-btnmt-42595/51505.htm).
//! The official text was not at hand: the table below is the part on which public
//! transcriptions of that appendix agree and which matches the earlier table of Circular
//! 25/2014/TT-BTNMT Art. 8 where the code did not change
//! (lawnet.vn/thong-tin-phap-luat/en/dat-dai-nha-o/signing-of-land-types-on-cadastral-maps-in-vietnam-102499.html).
//! Codes on which the transcriptions disagree (industrial parks and clusters, building-material
//! land, relic sites, cemeteries) are left out rather than guessed; add them once checked
//! against the official text.
//!
//! Certificates issued under the earlier table carry codes the 2024 table no longer has: BHK
//! and NHK (annual crops on flat or upland fields; the 2024 table has one code, HNK) and LUN
//! (upland rice). They are in the catalogue land-registration software still uses for exchange
//! files (GitHub haitnmt/Elis-Tools-TraCuuGcn, `src/Haihv.Elis.Tool.VbdLis/DanhMuc/DanhMucLoaiMucDichSuDung.cs`).
//! A national database must read the certificates people hold, so these parse too and are
//! marked [`LandUseCode::is_legacy`].

use std::fmt;

use serde::{Serialize, Serializer};

use crate::error::ValueError;

/// The three groups of Land Law 2024 Art. 9(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LandGroup {
    /// Nhóm đất nông nghiệp.
    Agricultural,
    /// Nhóm đất phi nông nghiệp.
    NonAgricultural,
    /// Nhóm đất chưa sử dụng.
    Unused,
}

macro_rules! land_use_codes {
    ($( $variant:ident = $code:literal, $group:ident, $legacy:literal, $label:literal; )*) => {
        /// A land-use purpose code; see the module documentation for its source.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LandUseCode {
            $(
                #[doc = $label]
                $variant,
            )*
        }

        impl LandUseCode {
            /// Every code, in table order.
            pub const ALL: &'static [LandUseCode] = &[$(LandUseCode::$variant),*];

            /// The three-letter code, e.g. "ONT".
            pub fn code(&self) -> &'static str {
                match self { $(LandUseCode::$variant => $code,)* }
            }

            /// The Vietnamese name, e.g. "Đất ở tại nông thôn".
            pub fn label(&self) -> &'static str {
                match self { $(LandUseCode::$variant => $label,)* }
            }

            /// The group of Land Law 2024 Art. 9.
            pub fn group(&self) -> LandGroup {
                match self { $(LandUseCode::$variant => LandGroup::$group,)* }
            }

            /// True for a code of the 2014 table that the 2024 table no longer has.
            pub fn is_legacy(&self) -> bool {
                match self { $(LandUseCode::$variant => $legacy,)* }
            }
        }
    };
}

land_use_codes! {
    SpecialisedRice = "LUC", Agricultural, false, "Đất chuyên trồng lúa";
    OtherRice = "LUK", Agricultural, false, "Đất trồng lúa còn lại";
    UplandRice = "LUN", Agricultural, true, "Đất trồng lúa nương";
    OtherAnnualCrops = "HNK", Agricultural, false, "Đất trồng cây hằng năm khác";
    FlatAnnualCrops = "BHK", Agricultural, true, "Đất bằng trồng cây hằng năm khác";
    UplandAnnualCrops = "NHK", Agricultural, true, "Đất nương rẫy trồng cây hằng năm khác";
    PerennialCrops = "CLN", Agricultural, false, "Đất trồng cây lâu năm";
    SpecialUseForest = "RDD", Agricultural, false, "Đất rừng đặc dụng";
    ProtectionForest = "RPH", Agricultural, false, "Đất rừng phòng hộ";
    ProductionForest = "RSX", Agricultural, false, "Đất rừng sản xuất";
    Aquaculture = "NTS", Agricultural, false, "Đất nuôi trồng thủy sản";
    ConcentratedLivestock = "CNT", Agricultural, false, "Đất chăn nuôi tập trung";
    Salt = "LMU", Agricultural, false, "Đất làm muối";
    OtherAgricultural = "NKH", Agricultural, false, "Đất nông nghiệp khác";
    RuralResidential = "ONT", NonAgricultural, false, "Đất ở tại nông thôn";
    UrbanResidential = "ODT", NonAgricultural, false, "Đất ở tại đô thị";
    AgencyOffices = "TSC", NonAgricultural, false, "Đất xây dựng trụ sở cơ quan";
    Defence = "CQP", NonAgricultural, false, "Đất quốc phòng";
    Security = "CAN", NonAgricultural, false, "Đất an ninh";
    Culture = "DVH", NonAgricultural, false, "Đất xây dựng cơ sở văn hóa";
    Health = "DYT", NonAgricultural, false, "Đất xây dựng cơ sở y tế";
    Education = "DGD", NonAgricultural, false, "Đất xây dựng cơ sở giáo dục và đào tạo";
    Sports = "DTT", NonAgricultural, false, "Đất xây dựng cơ sở thể dục thể thao";
    Science = "DKH", NonAgricultural, false, "Đất xây dựng cơ sở khoa học và công nghệ";
    TradeAndServices = "TMD", NonAgricultural, false, "Đất thương mại, dịch vụ";
    NonAgriculturalProduction = "SKC", NonAgricultural, false, "Đất cơ sở sản xuất phi nông nghiệp";
    Mining = "SKS", NonAgricultural, false, "Đất sử dụng cho hoạt động khoáng sản";
    Transport = "DGT", NonAgricultural, false, "Đất giao thông";
    Irrigation = "DTL", NonAgricultural, false, "Đất thủy lợi";
    WasteDisposal = "DRA", NonAgricultural, false, "Đất bãi thải, xử lý chất thải";
    OtherPublicWorks = "DCK", NonAgricultural, false, "Đất công trình công cộng khác";
    Religion = "TON", NonAgricultural, false, "Đất cơ sở tôn giáo";
    Belief = "TIN", NonAgricultural, false, "Đất cơ sở tín ngưỡng";
    Waterways = "SON", NonAgricultural, false, "Đất sông, ngòi, kênh, rạch, suối";
    SpecialisedWaterSurface = "MNC", NonAgricultural, false, "Đất có mặt nước chuyên dùng";
    OtherNonAgricultural = "PNK", NonAgricultural, false, "Đất phi nông nghiệp khác";
    UnusedFlat = "BCS", Unused, false, "Đất bằng chưa sử dụng";
    UnusedHills = "DCS", Unused, false, "Đất đồi núi chưa sử dụng";
    BareRockMountain = "NCS", Unused, false, "Núi đá không có rừng cây";
}

impl LandUseCode {
    /// Reads a code, case-insensitively, surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<LandUseCode, ValueError> {
        let code = input.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(ValueError::Required);
        }
        LandUseCode::ALL
            .iter()
            .copied()
            .find(|c| c.code() == code)
            .ok_or(ValueError::UnknownPurpose {
                code: input.trim().to_owned(),
            })
    }

    /// Residential land (ONT, ODT), which Land Law 2024 Art. 171(1) puts in long-term stable use
    /// (ja.laodong.vn/bat-dong-san/dat-tho-cu-co-phai-gia-han-thoi-han-su-dung-hay-khong-1643003.ldo).
    pub fn is_residential(&self) -> bool {
        matches!(
            self,
            LandUseCode::RuralResidential | LandUseCode::UrbanResidential
        )
    }
}

impl fmt::Display for LandUseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for LandUseCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}
