//! Addresses for the synthetic population: residence, place of origin and head offices.
//!
//! The five centrally-run cities are described district by district with real ward and street
//! names; every other province has its capital city, a few other towns and a few rural districts,
//! filled with common ward, commune and street names. Addresses use the three-level layout that
//! identity cards and the registry carry (ward or commune, district, province), which matches the
//! 63-province table in `dinhdanh_domain::Province`.

use std::fmt::Write;

use dinhdanh_domain::Province;

use super::Rng;

/// A district (quận, huyện, thị xã, thành phố) with its wards or communes.
#[derive(Debug, Clone, Copy)]
pub(super) struct District {
    /// "quận", "huyện", "thị xã" or "thành phố".
    pub kind: &'static str,
    /// The district's name, e.g. "Ba Đình" or "1".
    pub name: &'static str,
    /// Wards (phường) of an urban district, communes (xã) of a rural one.
    pub units: &'static [&'static str],
    /// Streets of an urban district; empty for a rural one.
    pub streets: &'static [&'static str],
}

impl District {
    fn is_urban(&self) -> bool {
        !self.streets.is_empty()
    }
}

const fn urban(
    kind: &'static str,
    name: &'static str,
    units: &'static [&'static str],
    streets: &'static [&'static str],
) -> District {
    District {
        kind,
        name,
        units,
        streets,
    }
}

const fn rural(name: &'static str, units: &'static [&'static str]) -> District {
    District {
        kind: "huyện",
        name,
        units,
        streets: &[],
    }
}

// The tables below are laid out by hand, several names to a line: rustfmt would put each of the
// thousand names on a line of its own.

#[rustfmt::skip]
const NUMBERED_WARDS: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
];

#[rustfmt::skip]
const HA_NOI: &[District] = &[
    urban("quận", "Ba Đình",
        &["Điện Biên", "Kim Mã", "Ngọc Hà", "Đội Cấn", "Liễu Giai", "Cống Vị", "Giảng Võ",
          "Quán Thánh", "Ngọc Khánh", "Thành Công"],
        &["Kim Mã", "Đội Cấn", "Liễu Giai", "Hoàng Hoa Thám", "Nguyễn Thái Học", "Giảng Võ",
          "Ngọc Khánh", "Văn Cao"]),
    urban("quận", "Hoàn Kiếm",
        &["Hàng Bạc", "Hàng Bài", "Hàng Trống", "Tràng Tiền", "Lý Thái Tổ", "Hàng Bông", "Cửa Nam",
          "Phúc Tân", "Hàng Buồm", "Cửa Đông"],
        &["Hàng Bạc", "Hàng Bài", "Tràng Tiền", "Đinh Tiên Hoàng", "Hàng Gai", "Bà Triệu",
          "Hàng Bông", "Phùng Hưng"]),
    urban("quận", "Đống Đa",
        &["Láng Hạ", "Ô Chợ Dừa", "Kim Liên", "Trung Liệt", "Văn Miếu", "Quang Trung", "Khâm Thiên",
          "Láng Thượng", "Phương Mai", "Thịnh Quang"],
        &["Láng Hạ", "Tây Sơn", "Xã Đàn", "Tôn Đức Thắng", "Khâm Thiên", "Nguyễn Lương Bằng",
          "Chùa Bộc", "Thái Hà"]),
    urban("quận", "Hai Bà Trưng",
        &["Bạch Mai", "Bách Khoa", "Minh Khai", "Thanh Nhàn", "Vĩnh Tuy", "Lê Đại Hành", "Đồng Tâm",
          "Trương Định"],
        &["Bạch Mai", "Minh Khai", "Trần Khát Chân", "Đại Cồ Việt", "Lê Thanh Nghị", "Kim Ngưu",
          "Lò Đúc"]),
    urban("quận", "Cầu Giấy",
        &["Dịch Vọng", "Dịch Vọng Hậu", "Mai Dịch", "Nghĩa Đô", "Nghĩa Tân", "Quan Hoa",
          "Trung Hòa", "Yên Hòa"],
        &["Xuân Thủy", "Cầu Giấy", "Trần Duy Hưng", "Hoàng Quốc Việt", "Nguyễn Khánh Toàn",
          "Trần Thái Tông", "Duy Tân", "Nguyễn Phong Sắc"]),
    urban("quận", "Thanh Xuân",
        &["Khương Trung", "Khương Mai", "Nhân Chính", "Thanh Xuân Bắc", "Thanh Xuân Trung",
          "Hạ Đình", "Kim Giang", "Thượng Đình"],
        &["Nguyễn Trãi", "Khuất Duy Tiến", "Vũ Trọng Phụng", "Lê Văn Lương", "Khương Đình",
          "Nguyễn Tuân"]),
    urban("quận", "Hoàng Mai",
        &["Yên Sở", "Định Công", "Hoàng Liệt", "Tân Mai", "Tương Mai", "Vĩnh Hưng", "Lĩnh Nam",
          "Đại Kim"],
        &["Giải Phóng", "Tam Trinh", "Lĩnh Nam", "Kim Giang", "Định Công", "Nguyễn Hữu Thọ",
          "Trương Định"]),
    urban("quận", "Long Biên",
        &["Bồ Đề", "Gia Thụy", "Ngọc Lâm", "Phúc Đồng", "Thạch Bàn", "Việt Hưng", "Sài Đồng",
          "Đức Giang"],
        &["Nguyễn Văn Cừ", "Ngọc Lâm", "Nguyễn Sơn", "Ngô Gia Tự", "Cổ Linh", "Nguyễn Văn Linh"]),
    urban("quận", "Hà Đông",
        &["Mộ Lao", "Văn Quán", "Yết Kiêu", "Quang Trung", "La Khê", "Kiến Hưng", "Phú La",
          "Hà Cầu"],
        &["Quang Trung", "Trần Phú", "Nguyễn Trãi", "Tô Hiệu", "Lê Trọng Tấn", "Nguyễn Khuyến",
          "Vạn Phúc"]),
    urban("quận", "Nam Từ Liêm",
        &["Mỹ Đình 1", "Mỹ Đình 2", "Mễ Trì", "Phú Đô", "Cầu Diễn", "Xuân Phương", "Tây Mỗ",
          "Đại Mỗ"],
        &["Lê Đức Thọ", "Hàm Nghi", "Phạm Hùng", "Mễ Trì", "Hồ Tùng Mậu", "Trần Hữu Dực"]),
    rural("Hoài Đức",
        &["An Khánh", "An Thượng", "Đức Thượng", "Kim Chung", "Vân Canh", "Di Trạch", "Sơn Đồng",
          "Song Phương", "La Phù", "Đông La"]),
    rural("Đông Anh",
        &["Cổ Loa", "Hải Bối", "Vĩnh Ngọc", "Tiên Dương", "Xuân Nộn", "Uy Nỗ", "Liên Hà",
          "Kim Nỗ"]),
    rural("Gia Lâm",
        &["Bát Tràng", "Đa Tốn", "Kiêu Kỵ", "Phù Đổng", "Dương Xá", "Cổ Bi", "Đặng Xá",
          "Ninh Hiệp"]),
    rural("Ba Vì",
        &["Tản Lĩnh", "Ba Trại", "Vân Hòa", "Cẩm Lĩnh", "Thụy An", "Minh Quang", "Ba Vì",
          "Tòng Bạt"]),
    rural("Sóc Sơn",
        &["Phù Linh", "Mai Đình", "Tiên Dược", "Minh Phú", "Phú Cường", "Trung Giã", "Bắc Sơn"]),
    rural("Chương Mỹ",
        &["Thủy Xuân Tiên", "Ngọc Hòa", "Phụng Châu", "Đại Yên", "Tiên Phương"]),
    rural("Thường Tín",
        &["Nhị Khê", "Vân Tảo", "Hà Hồi", "Liên Phương", "Tô Hiệu"]),
];

#[rustfmt::skip]
const HO_CHI_MINH: &[District] = &[
    urban("quận", "1",
        &["Bến Nghé", "Bến Thành", "Đa Kao", "Nguyễn Thái Bình", "Phạm Ngũ Lão", "Cầu Ông Lãnh",
          "Tân Định", "Cô Giang", "Nguyễn Cư Trinh", "Cầu Kho"],
        &["Lê Lợi", "Nguyễn Huệ", "Đồng Khởi", "Hai Bà Trưng", "Lê Thánh Tôn", "Pasteur",
          "Nguyễn Thị Minh Khai", "Trần Hưng Đạo", "Nguyễn Trãi", "Điện Biên Phủ"]),
    urban("quận", "3",
        &["1", "2", "3", "4", "5", "9", "10", "11", "12", "13", "14", "Võ Thị Sáu"],
        &["Võ Văn Tần", "Nam Kỳ Khởi Nghĩa", "Cách Mạng Tháng Tám", "Lý Chính Thắng",
          "Trần Quốc Thảo", "Nguyễn Đình Chiểu", "Lê Văn Sỹ"]),
    urban("quận", "5",
        &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"],
        &["Trần Hưng Đạo", "Nguyễn Trãi", "An Dương Vương", "Châu Văn Liêm", "Hồng Bàng",
          "Hải Thượng Lãn Ông", "Trần Phú"]),
    urban("quận", "7",
        &["Tân Phong", "Tân Phú", "Tân Hưng", "Tân Kiểng", "Tân Quy", "Bình Thuận", "Phú Mỹ",
          "Phú Thuận", "Tân Thuận Đông", "Tân Thuận Tây"],
        &["Nguyễn Thị Thập", "Nguyễn Văn Linh", "Huỳnh Tấn Phát", "Lê Văn Lương", "Nguyễn Hữu Thọ",
          "Tân Mỹ"]),
    urban("quận", "10",
        &["1", "2", "4", "5", "6", "8", "9", "10", "12", "13", "14", "15"],
        &["3 Tháng 2", "Sư Vạn Hạnh", "Lý Thường Kiệt", "Tô Hiến Thành", "Thành Thái",
          "Ngô Gia Tự"]),
    urban("quận", "Bình Thạnh",
        &["1", "2", "3", "5", "7", "11", "12", "13", "14", "15", "17", "19", "22", "24", "25", "26",
          "27", "28"],
        &["Xô Viết Nghệ Tĩnh", "Điện Biên Phủ", "Bạch Đằng", "Phan Đăng Lưu", "Nơ Trang Long",
          "Đinh Bộ Lĩnh", "Ung Văn Khiêm"]),
    urban("quận", "Gò Vấp",
        &["1", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17"],
        &["Quang Trung", "Nguyễn Oanh", "Phan Văn Trị", "Lê Đức Thọ", "Nguyễn Văn Lượng",
          "Phạm Văn Chiêu"]),
    urban("quận", "Tân Bình",
        NUMBERED_WARDS,
        &["Cộng Hòa", "Hoàng Văn Thụ", "Trường Chinh", "Lạc Long Quân", "Âu Cơ", "Bàu Cát",
          "Phạm Văn Hai"]),
    urban("quận", "Tân Phú",
        &["Tân Sơn Nhì", "Tây Thạnh", "Sơn Kỳ", "Tân Quý", "Tân Thành", "Phú Thọ Hòa", "Phú Thạnh",
          "Hiệp Tân", "Hòa Thạnh", "Phú Trung", "Tân Thới Hòa"],
        &["Lũy Bán Bích", "Tân Kỳ Tân Quý", "Âu Cơ", "Thoại Ngọc Hầu", "Tân Sơn Nhì"]),
    urban("thành phố", "Thủ Đức",
        &["Linh Trung", "Linh Chiểu", "Hiệp Bình Chánh", "Thảo Điền", "An Phú", "Hiệp Phú",
          "Tăng Nhơn Phú A", "Long Thạnh Mỹ", "Bình Thọ", "Trường Thọ"],
        &["Võ Văn Ngân", "Kha Vạn Cân", "Xa lộ Hà Nội", "Lê Văn Việt", "Đỗ Xuân Hợp",
          "Phạm Văn Đồng", "Quốc Hương"]),
    rural("Củ Chi",
        &["Tân Thạnh Đông", "Phước Vĩnh An", "Trung An", "Phú Hòa Đông", "Tân Thông Hội",
          "An Nhơn Tây", "Thái Mỹ"]),
    rural("Bình Chánh",
        &["Vĩnh Lộc A", "Bình Hưng", "Tân Kiên", "Lê Minh Xuân", "Đa Phước", "Bình Chánh",
          "Phạm Văn Hai"]),
    rural("Hóc Môn",
        &["Xuân Thới Sơn", "Tân Xuân", "Bà Điểm", "Đông Thạnh", "Nhị Bình", "Tân Hiệp"]),
    rural("Nhà Bè",
        &["Phước Kiển", "Nhơn Đức", "Long Thới", "Hiệp Phước", "Phú Xuân"]),
    rural("Cần Giờ",
        &["Bình Khánh", "An Thới Đông", "Lý Nhơn", "Long Hòa", "Thạnh An"]),
];

#[rustfmt::skip]
const HAI_PHONG: &[District] = &[
    urban("quận", "Hồng Bàng",
        &["Hoàng Văn Thụ", "Minh Khai", "Quán Toan", "Sở Dầu", "Thượng Lý", "Hùng Vương",
          "Phan Bội Châu"],
        &["Hoàng Văn Thụ", "Điện Biên Phủ", "Tam Bạc", "Hùng Vương", "Quang Trung", "Minh Khai"]),
    urban("quận", "Lê Chân",
        &["An Biên", "Cát Dài", "Dư Hàng", "Hồ Nam", "Trại Cau", "Vĩnh Niệm", "Kênh Dương"],
        &["Tô Hiệu", "Lạch Tray", "Nguyễn Đức Cảnh", "Hai Bà Trưng", "Trần Nguyên Hãn", "Hồ Sen"]),
    urban("quận", "Ngô Quyền",
        &["Máy Chai", "Lạch Tray", "Đằng Giang", "Cầu Đất", "Gia Viên", "Lê Lợi", "Đông Khê"],
        &["Lạch Tray", "Lê Lợi", "Văn Cao", "Đà Nẵng", "Lê Hồng Phong", "Cầu Đất"]),
    urban("quận", "Hải An",
        &["Đằng Hải", "Đằng Lâm", "Nam Hải", "Thành Tô", "Tràng Cát"],
        &["Lê Hồng Phong", "Ngô Gia Tự", "Văn Cao", "Cát Bi"]),
    rural("An Lão",
        &["An Thắng", "An Thái", "Quang Trung", "Chiến Thắng", "Mỹ Đức", "Thái Sơn"]),
    rural("Tiên Lãng",
        &["Quyết Tiến", "Tiên Thắng", "Cấp Tiến", "Kiến Thiết", "Đại Thắng"]),
    rural("Vĩnh Bảo",
        &["Tân Hưng", "Vĩnh An", "Hòa Bình", "Cổ Am", "Tam Cường"]),
];

#[rustfmt::skip]
const DA_NANG: &[District] = &[
    urban("quận", "Hải Châu",
        &["Hải Châu I", "Hải Châu II", "Thạch Thang", "Thanh Bình", "Phước Ninh", "Hòa Thuận Tây",
          "Bình Hiên", "Nam Dương"],
        &["Bạch Đằng", "Lê Duẩn", "Trần Phú", "Nguyễn Văn Linh", "Hùng Vương", "Phan Châu Trinh",
          "Ông Ích Khiêm"]),
    urban("quận", "Thanh Khê",
        &["Tam Thuận", "Thạc Gián", "Chính Gián", "An Khê", "Xuân Hà", "Tân Chính",
          "Thanh Khê Tây"],
        &["Điện Biên Phủ", "Hà Huy Tập", "Lê Độ", "Nguyễn Tất Thành", "Trần Cao Vân"]),
    urban("quận", "Sơn Trà",
        &["An Hải Bắc", "An Hải Đông", "An Hải Tây", "Phước Mỹ", "Mân Thái", "Thọ Quang",
          "Nại Hiên Đông"],
        &["Võ Nguyên Giáp", "Ngô Quyền", "Phạm Văn Đồng", "Hồ Nghinh", "Trần Hưng Đạo"]),
    urban("quận", "Ngũ Hành Sơn",
        &["Mỹ An", "Khuê Mỹ", "Hòa Hải", "Hòa Quý"],
        &["Lê Văn Hiến", "Trường Sa", "Ngũ Hành Sơn", "Võ Nguyên Giáp"]),
    urban("quận", "Liên Chiểu",
        &["Hòa Khánh Bắc", "Hòa Khánh Nam", "Hòa Minh", "Hòa Hiệp Bắc", "Hòa Hiệp Nam"],
        &["Tôn Đức Thắng", "Nguyễn Lương Bằng", "Âu Cơ", "Nguyễn Sinh Sắc"]),
    rural("Hòa Vang",
        &["Hòa Châu", "Hòa Phước", "Hòa Tiến", "Hòa Khương", "Hòa Sơn", "Hòa Nhơn", "Hòa Phong"]),
];

#[rustfmt::skip]
const CAN_THO: &[District] = &[
    urban("quận", "Ninh Kiều",
        &["Tân An", "An Hòa", "Xuân Khánh", "Hưng Lợi", "An Khánh", "Cái Khế", "An Cư",
          "Thới Bình"],
        &["Hai Bà Trưng", "3 Tháng 2", "Nguyễn Văn Cừ", "Trần Hưng Đạo", "Mậu Thân", "30 Tháng 4",
          "Hòa Bình"]),
    urban("quận", "Bình Thủy",
        &["Bình Thủy", "An Thới", "Long Hòa", "Trà An", "Bùi Hữu Nghĩa"],
        &["Cách Mạng Tháng Tám", "Lê Hồng Phong", "Bùi Hữu Nghĩa", "Nguyễn Truyền Thanh"]),
    urban("quận", "Cái Răng",
        &["Lê Bình", "Hưng Phú", "Hưng Thạnh", "Ba Láng", "Phú Thứ"],
        &["Trần Hưng Đạo", "Quang Trung", "Võ Nguyên Giáp", "Lê Bình"]),
    rural("Phong Điền",
        &["Mỹ Khánh", "Nhơn Ái", "Giai Xuân", "Tân Thới", "Trường Long", "Nhơn Nghĩa"]),
    rural("Cờ Đỏ",
        &["Trung An", "Thới Hưng", "Đông Hiệp", "Thạnh Phú"]),
];

/// Every other province: code, capital city, other cities, rural districts.
#[rustfmt::skip]
const OTHER: &[(u16, &str, &[&str], &[&str])] = &[
    (2, "Hà Giang", &[], &["Đồng Văn", "Quản Bạ", "Bắc Quang"]),
    (4, "Cao Bằng", &[], &["Trùng Khánh", "Hòa An"]),
    (6, "Bắc Kạn", &[], &["Ba Bể", "Chợ Đồn"]),
    (8, "Tuyên Quang", &[], &["Sơn Dương", "Yên Sơn"]),
    (10, "Lào Cai", &[], &["Bát Xát", "Bảo Thắng"]),
    (11, "Điện Biên Phủ", &[], &["Điện Biên", "Tuần Giáo"]),
    (12, "Lai Châu", &[], &["Tam Đường", "Sìn Hồ"]),
    (14, "Sơn La", &[], &["Mộc Châu", "Mai Sơn"]),
    (15, "Yên Bái", &[], &["Văn Yên", "Trấn Yên"]),
    (17, "Hòa Bình", &[], &["Mai Châu", "Lương Sơn"]),
    (19, "Thái Nguyên", &[], &["Đại Từ", "Phú Bình"]),
    (20, "Lạng Sơn", &[], &["Cao Lộc", "Hữu Lũng"]),
    (22, "Hạ Long", &["Cẩm Phả", "Móng Cái"], &["Vân Đồn", "Tiên Yên"]),
    (24, "Bắc Giang", &[], &["Lục Ngạn", "Lạng Giang"]),
    (25, "Việt Trì", &[], &["Lâm Thao", "Thanh Sơn"]),
    (26, "Vĩnh Yên", &[], &["Tam Đảo", "Vĩnh Tường"]),
    (27, "Bắc Ninh", &[], &["Gia Bình", "Lương Tài"]),
    (30, "Hải Dương", &[], &["Cẩm Giàng", "Gia Lộc"]),
    (33, "Hưng Yên", &[], &["Văn Lâm", "Khoái Châu"]),
    (34, "Thái Bình", &[], &["Vũ Thư", "Kiến Xương"]),
    (35, "Phủ Lý", &[], &["Thanh Liêm", "Lý Nhân"]),
    (36, "Nam Định", &[], &["Hải Hậu", "Giao Thủy"]),
    (37, "Ninh Bình", &[], &["Gia Viễn", "Kim Sơn"]),
    (38, "Thanh Hóa", &["Sầm Sơn"], &["Hoằng Hóa", "Quảng Xương", "Thọ Xuân"]),
    (40, "Vinh", &[], &["Diễn Châu", "Quỳnh Lưu", "Nghi Lộc"]),
    (42, "Hà Tĩnh", &[], &["Can Lộc", "Cẩm Xuyên"]),
    (44, "Đồng Hới", &[], &["Bố Trạch", "Lệ Thủy"]),
    (45, "Đông Hà", &[], &["Hải Lăng", "Vĩnh Linh"]),
    (46, "Huế", &[], &["Phú Vang", "Quảng Điền"]),
    (49, "Tam Kỳ", &["Hội An"], &["Duy Xuyên", "Thăng Bình"]),
    (51, "Quảng Ngãi", &[], &["Bình Sơn", "Sơn Tịnh"]),
    (52, "Quy Nhơn", &[], &["Tuy Phước", "Phù Cát"]),
    (54, "Tuy Hòa", &[], &["Tuy An", "Sơn Hòa"]),
    (56, "Nha Trang", &["Cam Ranh"], &["Diên Khánh", "Cam Lâm"]),
    (58, "Phan Rang-Tháp Chàm", &[], &["Ninh Phước", "Ninh Hải"]),
    (60, "Phan Thiết", &[], &["Hàm Thuận Bắc", "Tuy Phong"]),
    (62, "Kon Tum", &[], &["Đắk Hà", "Ngọc Hồi"]),
    (64, "Pleiku", &[], &["Chư Păh", "Đức Cơ"]),
    (66, "Buôn Ma Thuột", &[], &["Krông Pắc", "Cư M'gar"]),
    (67, "Gia Nghĩa", &[], &["Đắk Mil", "Krông Nô"]),
    (68, "Đà Lạt", &["Bảo Lộc"], &["Đức Trọng", "Di Linh"]),
    (70, "Đồng Xoài", &[], &["Bù Đăng", "Lộc Ninh"]),
    (72, "Tây Ninh", &[], &["Gò Dầu", "Tân Biên"]),
    (74, "Thủ Dầu Một", &["Dĩ An", "Thuận An"], &["Bàu Bàng", "Dầu Tiếng"]),
    (75, "Biên Hòa", &["Long Khánh"], &["Nhơn Trạch", "Trảng Bom"]),
    (77, "Vũng Tàu", &["Bà Rịa"], &["Châu Đức", "Xuyên Mộc"]),
    (80, "Tân An", &[], &["Đức Hòa", "Bến Lức"]),
    (82, "Mỹ Tho", &[], &["Cái Bè", "Châu Thành"]),
    (83, "Bến Tre", &[], &["Mỏ Cày Nam", "Ba Tri"]),
    (84, "Trà Vinh", &[], &["Cầu Kè", "Trà Cú"]),
    (86, "Vĩnh Long", &[], &["Long Hồ", "Tam Bình"]),
    (87, "Cao Lãnh", &["Sa Đéc"], &["Lai Vung", "Tháp Mười"]),
    (89, "Long Xuyên", &["Châu Đốc"], &["Chợ Mới", "Tri Tôn"]),
    (91, "Rạch Giá", &["Phú Quốc"], &["Hòn Đất", "Giồng Riềng"]),
    (93, "Vị Thanh", &[], &["Phụng Hiệp", "Châu Thành A"]),
    (94, "Sóc Trăng", &[], &["Mỹ Xuyên", "Kế Sách"]),
    (95, "Bạc Liêu", &[], &["Hồng Dân", "Phước Long"]),
    (96, "Cà Mau", &[], &["Năm Căn", "U Minh"]),
];

/// Wards of provincial cities in the north and centre, which are mostly named.
#[rustfmt::skip]
const NAMED_WARDS: &[&str] = &[
    "Quang Trung", "Trần Phú", "Lê Lợi", "Minh Khai", "Hoàng Văn Thụ", "Tân Lập", "Phan Đình Phùng",
    "Hùng Vương", "Đông Thành", "Bắc Sơn", "Nam Hà", "Tân An", "Hưng Bình", "Lê Hồng Phong",
];

/// Communes found under the same name in many provinces.
#[rustfmt::skip]
const COMMUNES: &[&str] = &[
    "Tân Lập", "Tân Thành", "Tân Tiến", "Hòa Bình", "Đồng Tâm", "Thống Nhất", "Quang Trung",
    "Hưng Thịnh", "Phú Lộc", "Tân Hòa", "An Bình", "Vĩnh Thạnh", "Bình Minh", "Đông Hòa",
    "Xuân Phú", "Phúc Thành", "Minh Đức", "Trung Sơn", "Hợp Thành", "Tiến Thắng", "Nghĩa Hưng",
    "Thanh Sơn", "Long Hưng", "Phước Hòa",
];

/// Streets that nearly every Vietnamese city has.
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
    "Nguyễn Trãi", "Lê Duẩn", "Điện Biên Phủ", "Hùng Vương", "Phan Chu Trinh", "Nguyễn Du",
    "Trần Phú", "Lê Hồng Phong", "Nguyễn Văn Cừ", "Phan Đình Phùng", "Ngô Quyền", "Lý Thái Tổ",
    "Bà Triệu", "Nguyễn Thị Minh Khai", "Võ Thị Sáu", "Hoàng Văn Thụ", "Trần Quốc Toản",
    "Lê Thánh Tông", "Nguyễn Trung Trực", "Phạm Văn Đồng", "Võ Nguyên Giáp", "Tôn Đức Thắng",
    "Nguyễn Chí Thanh", "30 Tháng 4", "Cách Mạng Tháng Tám",
];

/// Hamlet names (thôn, xóm) of the Red River delta and the centre.
#[rustfmt::skip]
const NORTH_HAMLETS: &[&str] = &[
    "Đông", "Đoài", "Thượng", "Hạ", "Trung", "Nam", "Bắc", "Mới", "Chùa", "Đình", "1", "2", "3",
    "4", "5", "6", "7", "8",
];

/// Village names (bản) of the northern mountains.
#[rustfmt::skip]
const MOUNTAIN_HAMLETS: &[&str] = &[
    "Mới", "Nà Cà", "Pác Bó", "Nậm Cang", "Hua Pe", "1", "2", "3", "4",
];

/// Village names (buôn) of the Central Highlands.
#[rustfmt::skip]
const HIGHLAND_HAMLETS: &[&str] = &[
    "Ako Dhông", "Kô Siêr", "Ea Nao", "Đung", "1", "2", "3", "4", "5",
];

/// Hamlet names (ấp) of the south.
#[rustfmt::skip]
const SOUTH_HAMLETS: &[&str] = &[
    "Bình Hòa", "Tân Hiệp", "Phú Lợi", "An Thạnh", "Long Bình", "Mỹ Hòa", "Tân Phú", "Hòa Lợi", "1",
    "2", "3", "4", "5", "6",
];

/// The districts of one province, split by kind so a caller can ask for a city or a village.
struct ProvincePlaces {
    urban: Vec<District>,
    rural: Vec<District>,
}

/// Every province's districts, built once per generator.
pub(super) struct Places {
    by_province: Vec<ProvincePlaces>,
}

impl Places {
    /// Builds the table: the detailed cities as written, every other province from [`OTHER`].
    pub fn new() -> Places {
        let by_province = Province::all()
            .map(|p| {
                let districts: Vec<District> = match p.code() {
                    1 => HA_NOI.to_vec(),
                    79 => HO_CHI_MINH.to_vec(),
                    31 => HAI_PHONG.to_vec(),
                    48 => DA_NANG.to_vec(),
                    92 => CAN_THO.to_vec(),
                    code => other(code),
                };
                let (urban, rural) = districts.into_iter().partition(District::is_urban);
                ProvincePlaces { urban, rural }
            })
            .collect();
        Places { by_province }
    }

    fn district(&self, rng: &mut Rng, province: usize, urban: bool) -> &District {
        let places = &self.by_province[province];
        let list = if urban { &places.urban } else { &places.rural };
        rng.pick(list)
    }

    /// A full street or village address in a province: where someone lives.
    pub fn residence(
        &self,
        rng: &mut Rng,
        province: Province,
        index: usize,
        urban: bool,
    ) -> String {
        let district = self.district(rng, index, urban);
        let mut out = String::with_capacity(112);
        if district.is_urban() {
            street_part(&mut out, rng, province.code(), district);
        } else {
            let (words, names): (&[&str], &[&str]) = match province.code() {
                2..=18 | 20 => (&["bản", "thôn"], MOUNTAIN_HAMLETS),
                62..=67 => (&["buôn", "thôn"], HIGHLAND_HAMLETS),
                70.. => (&["ấp"], SOUTH_HAMLETS),
                _ => (&["thôn", "xóm"], NORTH_HAMLETS),
            };
            let _ = write!(out, "{} {}, ", rng.pick(words), rng.pick(names));
        }
        unit_part(&mut out, rng, province, district);
        out
    }

    /// A place of origin (quê quán): ward or commune, district, province.
    pub fn origin(&self, rng: &mut Rng, province: Province, index: usize) -> String {
        // Most families trace their origin to a village.
        let urban = rng.chance(0.2);
        let district = self.district(rng, index, urban);
        let mut out = String::with_capacity(80);
        unit_part(&mut out, rng, province, district);
        out
    }

    /// A street address in a city of the province, as a head office would have.
    pub fn street_address(&self, rng: &mut Rng, province: Province, index: usize) -> String {
        let district = self.district(rng, index, true);
        let mut out = String::with_capacity(112);
        street_part(&mut out, rng, province.code(), district);
        unit_part(&mut out, rng, province, district);
        out
    }
}

/// "Số 12, ngõ 45, đường Láng Hạ, " — the alley word differs between north, centre and south.
fn street_part(out: &mut String, rng: &mut Rng, code: u16, district: &District) {
    let _ = write!(out, "Số {}, ", 1 + rng.below(250));
    if rng.chance(0.3) {
        let alley = match code {
            44..=51 => "kiệt",
            52.. => "hẻm",
            _ => "ngõ",
        };
        let _ = write!(out, "{alley} {}, ", 1 + rng.below(400));
    }
    let _ = write!(out, "đường {}, ", rng.pick(district.streets));
}

/// "phường Bến Nghé, quận 1, TP Hồ Chí Minh" or "xã Vân Canh, huyện Hoài Đức, Hà Nội".
fn unit_part(out: &mut String, rng: &mut Rng, province: Province, district: &District) {
    let unit = if district.is_urban() {
        "phường"
    } else {
        "xã"
    };
    let _ = write!(
        out,
        "{unit} {}, {} {}, {}",
        rng.pick(district.units),
        district.kind,
        district.name,
        province.name()
    );
}

/// Districts of a province not described in detail, from [`OTHER`].
fn other(code: u16) -> Vec<District> {
    let (_, capital, cities, villages) = OTHER
        .iter()
        .find(|(c, ..)| *c == code)
        .copied()
        .unwrap_or((code, "", &[], &[]));
    // Southern cities and Đà Lạt number their wards; elsewhere they carry names.
    let wards = if code >= 68 {
        &NUMBERED_WARDS[..9]
    } else {
        NAMED_WARDS
    };
    std::iter::once(capital)
        .chain(cities.iter().copied())
        .filter(|name| !name.is_empty())
        .map(|name| urban("thành phố", name, wards, STREETS))
        .chain(villages.iter().map(|name| rural(name, COMMUNES)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dinhdanh_domain::normalize;

    #[test]
    fn every_province_has_towns_and_villages_in_nfc() {
        let places = Places::new();
        assert_eq!(places.by_province.len(), 63);
        for (p, places) in Province::all().zip(&places.by_province) {
            assert!(!places.urban.is_empty() && !places.rural.is_empty(), "{p}");
            for d in places.urban.iter().chain(&places.rural) {
                assert!(!d.units.is_empty(), "{p} {}", d.name);
                for text in [d.kind, d.name].iter().chain(d.units).chain(d.streets) {
                    assert_eq!(normalize(text), *text, "{p}: {text:?} is not NFC");
                }
            }
        }
        for text in NORTH_HAMLETS
            .iter()
            .chain(MOUNTAIN_HAMLETS)
            .chain(HIGHLAND_HAMLETS)
        {
            assert_eq!(normalize(text), *text);
        }
        for text in SOUTH_HAMLETS {
            assert_eq!(normalize(text), *text);
        }
        assert_eq!(OTHER.len() + 5, 63, "five cities are described in detail");
    }

    #[test]
    fn addresses_look_right() {
        let places = Places::new();
        let mut rng = Rng::new(7, 0);
        let hcm = Province::from_code(79).unwrap();
        let index = Province::all().position(|p| p == hcm).unwrap();
        let home = places.residence(&mut rng, hcm, index, true);
        assert!(home.starts_with("Số "), "{home}");
        assert!(home.ends_with(", TP Hồ Chí Minh"), "{home}");
        let village = places.residence(&mut rng, hcm, index, false);
        assert!(village.starts_with("ấp "), "{village}");
        assert!(village.contains(", xã "), "{village}");
        let origin = places.origin(&mut rng, hcm, index);
        assert!(!origin.starts_with("Số "), "{origin}");
    }
}
