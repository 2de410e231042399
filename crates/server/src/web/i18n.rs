//! Vietnamese and English texts of the web pages. Vietnamese is the default; a visitor picks
//! English with `?lang=en`, remembered in a cookie.

use std::collections::HashMap;
use std::sync::OnceLock;

use dinhdanh_accounts::AccountError;

/// A page language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Vi => "Tiếng Việt",
            Lang::En => "English",
        }
    }
}

/// (key, Vietnamese, English)
const TEXTS: &[(&str, &str, &str)] = &[
    (
        "site.name",
        "Định danh điện tử",
        "Electronic identification",
    ),
    (
        "site.footer",
        "Tài khoản định danh điện tử theo Nghị định 69/2024/NĐ-CP. Dữ liệu của bạn chỉ được chia sẻ khi có căn cứ pháp lý hoặc sự đồng ý của bạn.",
        "e-ID accounts under Decree 69/2024/ND-CP. Your data is shared only on a legal basis or with your consent.",
    ),
    (
        "nav.skip",
        "Chuyển đến nội dung chính",
        "Skip to main content",
    ),
    ("nav.label", "Điều hướng chính", "Main navigation"),
    ("nav.account", "Tài khoản của tôi", "My account"),
    ("nav.officer", "Bàn làm việc cán bộ", "Officer console"),
    ("nav.logout", "Đăng xuất", "Sign out"),
    ("nav.login", "Đăng nhập", "Sign in"),
    ("nav.register", "Đăng ký", "Register"),
    ("nav.home", "Trang chủ", "Home"),
    ("nav.back", "Quay lại", "Back"),
    (
        "home.title",
        "Tài khoản định danh điện tử",
        "Your electronic identity account",
    ),
    (
        "home.intro",
        "Một tài khoản để đăng nhập mọi dịch vụ công trực tuyến, cổng thông tin bộ, ngành, địa phương và ngân hàng, không phải khai lại những gì Nhà nước đã biết.",
        "One account to sign in to every online public service, ministry and province portal and bank, without retyping what the state already knows.",
    ),
    (
        "home.register",
        "Đăng ký tài khoản mức 1",
        "Register a level 1 account",
    ),
    ("home.login", "Đăng nhập", "Sign in"),
    (
        "home.activate",
        "Kích hoạt bằng mã được gửi",
        "Activate with a code you received",
    ),
    ("home.levels", "Hai mức tài khoản", "Two account levels"),
    (
        "home.level1",
        "Tự đăng ký trực tuyến: thông tin đối chiếu với Cơ sở dữ liệu quốc gia về dân cư, số điện thoại được xác thực bằng mã.",
        "Self-registration online: your details are checked against the national population database and your phone is proven by a code.",
    ),
    (
        "home.level2",
        "Đăng ký trực tiếp tại cơ quan Công an: cán bộ kiểm tra thẻ căn cước và vân tay.",
        "In person at a police registration point: an officer checks your identity card and fingerprints.",
    ),
    ("level.1", "Mức 1", "Level 1"),
    ("level.2", "Mức 2", "Level 2"),
    (
        "field.personal_id",
        "Số định danh cá nhân (12 số)",
        "Personal ID number (12 digits)",
    ),
    (
        "field.full_name",
        "Họ, chữ đệm và tên (có dấu)",
        "Full name (with diacritics)",
    ),
    ("field.birth_date", "Ngày sinh", "Date of birth"),
    (
        "field.phone",
        "Số điện thoại di động",
        "Mobile phone number",
    ),
    (
        "field.code",
        "Mã xác thực (6 số)",
        "Verification code (6 digits)",
    ),
    ("field.password", "Mật khẩu", "Password"),
    (
        "field.password_confirm",
        "Nhập lại mật khẩu",
        "Repeat the password",
    ),
    (
        "field.portrait",
        "Ảnh chân dung (JPEG hoặc PNG, tối đa 2 MB)",
        "Portrait photo (JPEG or PNG, at most 2 MB)",
    ),
    (
        "field.totp_code",
        "Mã từ ứng dụng xác thực",
        "Code from your authenticator app",
    ),
    ("field.label", "Tên gợi nhớ", "Name to recognise it by"),
    (
        "register.title",
        "Đăng ký tài khoản định danh điện tử mức 1",
        "Register a level 1 e-ID account",
    ),
    (
        "register.intro",
        "Nhập đúng thông tin như trên thẻ căn cước. Nếu thông tin khớp với Cơ sở dữ liệu quốc gia về dân cư, chúng tôi gửi mã xác thực đến số điện thoại của bạn.",
        "Enter your details exactly as on your identity card. If they match the national population database, we send a code to your phone.",
    ),
    ("register.submit", "Gửi mã xác thực", "Send the code"),
    ("verify.title", "Nhập mã xác thực", "Enter the code"),
    (
        "verify.intro",
        "Nếu thông tin bạn nhập khớp với Cơ sở dữ liệu quốc gia về dân cư, một mã 6 số đã được gửi đến điện thoại của bạn. Mã có hiệu lực 5 phút, nhập sai tối đa 5 lần.",
        "If your details match the national population database, a six-digit code has been sent to your phone. It is valid for 5 minutes and 5 attempts.",
    ),
    ("verify.submit", "Xác thực", "Verify"),
    (
        "activate.title",
        "Kích hoạt tài khoản",
        "Activate your account",
    ),
    (
        "activate.intro",
        "Nhập số định danh và mã kích hoạt được gửi đến điện thoại sau khi đăng ký tại cơ quan Công an (hoặc mã cho tài khoản của con bạn).",
        "Enter your personal ID and the activation code sent to your phone after registering in person (or the code for your child's account).",
    ),
    ("activate.submit", "Kích hoạt", "Activate"),
    ("setup.title", "Thiết lập tài khoản", "Set up your account"),
    (
        "setup.pending",
        "Tài khoản sẽ được kích hoạt khi bạn thiết lập phương thức đăng nhập đầu tiên.",
        "Your account is activated as soon as you set your first way to sign in.",
    ),
    (
        "setup.active",
        "Tài khoản của bạn đã được kích hoạt.",
        "Your account is active.",
    ),
    (
        "setup.to_account",
        "Đến trang tài khoản",
        "Go to your account",
    ),
    ("setup.portrait", "Ảnh chân dung", "Portrait"),
    (
        "setup.portrait_help",
        "Chụp ảnh khuôn mặt rõ nét, nhìn thẳng. Ảnh được lưu để đối chiếu sinh trắc học.",
        "Take a clear photo of your face, looking straight ahead. It is kept for biometric matching.",
    ),
    ("setup.portrait_submit", "Tải ảnh lên", "Upload the photo"),
    ("setup.password", "Mật khẩu", "Password"),
    (
        "setup.password_help",
        "Ít nhất 10 ký tự; không dùng mật khẩu phổ biến, số định danh, số điện thoại hay ngày sinh. Một câu dài dễ nhớ là lựa chọn tốt.",
        "At least 10 characters; no common password, personal ID, phone number or birth date. A long sentence you remember is a good choice.",
    ),
    ("setup.password_submit", "Lưu mật khẩu", "Save the password"),
    ("setup.totp", "Ứng dụng xác thực", "Authenticator app"),
    (
        "setup.totp_link",
        "Thêm ứng dụng xác thực (mã 6 số)",
        "Add an authenticator app (six-digit codes)",
    ),
    ("setup.passkey", "Khóa truy cập (passkey)", "Passkey"),
    (
        "totp.title",
        "Thêm ứng dụng xác thực",
        "Add an authenticator app",
    ),
    (
        "totp.intro",
        "Quét mã QR bằng ứng dụng xác thực trên điện thoại, rồi nhập mã 6 số mà ứng dụng hiển thị.",
        "Scan the QR code with the authenticator app on your phone, then type the six-digit code it shows.",
    ),
    (
        "totp.qr_alt",
        "Mã QR để thêm tài khoản vào ứng dụng xác thực",
        "QR code for adding the account to an authenticator app",
    ),
    (
        "totp.manual",
        "Hoặc nhập khóa thủ công:",
        "Or type this key by hand:",
    ),
    ("totp.submit", "Xác nhận", "Confirm"),
    ("passkey.add", "Thêm khóa truy cập", "Add a passkey"),
    (
        "passkey.label_hint",
        "ví dụ: Điện thoại của tôi",
        "e.g. My phone",
    ),
    (
        "passkey.cancelled",
        "Bạn đã hủy thao tác với khóa truy cập.",
        "The passkey request was cancelled.",
    ),
    (
        "passkey.failed",
        "Không dùng được khóa truy cập. Vui lòng thử lại.",
        "The passkey could not be used. Please try again.",
    ),
    (
        "authorize.error_title",
        "Không thể đăng nhập vào dịch vụ",
        "Cannot sign in to the service",
    ),
    (
        "authorize.error_intro",
        "Yêu cầu đăng nhập từ dịch vụ không hợp lệ. Hãy quay lại dịch vụ và thử lại; nếu lỗi lặp lại, hãy báo cho đơn vị cung cấp dịch vụ.",
        "The service's sign-in request is not valid. Go back to the service and try again; if the error repeats, tell the service's provider.",
    ),
    (
        "consent.title",
        "Chia sẻ thông tin",
        "Share your information",
    ),
    (
        "consent.intro",
        "Dịch vụ sau đề nghị nhận thông tin của bạn:",
        "This service asks to receive your information:",
    ),
    ("consent.purpose", "Mục đích:", "Purpose:"),
    (
        "consent.security_level",
        "Cấp độ an toàn hệ thống thông tin (Nghị định 85/2016/NĐ-CP):",
        "Security level of its information system (Decree 85/2016/ND-CP):",
    ),
    (
        "consent.revocable",
        "Bạn có thể rút lại sự đồng ý bất cứ lúc nào trong trang tài khoản.",
        "You can withdraw your consent at any time on your account page.",
    ),
    ("consent.allow", "Đồng ý", "Allow"),
    ("consent.deny", "Từ chối", "Deny"),
    (
        "scope.openid",
        "Xác nhận bạn đã đăng nhập (một mã định danh riêng cho dịch vụ này, không phải số định danh cá nhân)",
        "That you signed in (an identifier for this service only, not your personal ID number)",
    ),
    (
        "scope.profile",
        "Họ, chữ đệm và tên; ngày sinh; giới tính",
        "Family, middle and given names; date of birth; sex",
    ),
    ("scope.address", "Nơi thường trú", "Permanent residence"),
    (
        "scope.phone",
        "Số điện thoại đã xác thực",
        "Your verified phone number",
    ),
    (
        "scope.personal_id",
        "Số định danh cá nhân (12 chữ số)",
        "Your personal ID number (12 digits)",
    ),
    ("scope.service", "Quyền truy cập dịch vụ", "Service access"),
    (
        "consents.title",
        "Dịch vụ bạn đã đồng ý chia sẻ thông tin",
        "Services you share information with",
    ),
    (
        "consents.none",
        "Bạn chưa đồng ý chia sẻ thông tin với dịch vụ nào.",
        "You have not shared information with any service.",
    ),
    ("consents.revoke", "Rút lại", "Withdraw"),
    (
        "consents.revoked",
        "Đã rút lại sự đồng ý.",
        "Consent withdrawn.",
    ),
    ("login.title", "Đăng nhập", "Sign in"),
    ("login.submit", "Đăng nhập", "Sign in"),
    (
        "login.recovery",
        "Tôi dùng mã khôi phục thay cho mật khẩu",
        "I am using a recovery code instead of my password",
    ),
    ("login.or", "hoặc", "or"),
    (
        "login.passkey",
        "Đăng nhập bằng khóa truy cập",
        "Sign in with a passkey",
    ),
    ("login.no_account", "Chưa có tài khoản?", "No account yet?"),
    ("second.title", "Xác thực bước hai", "Second step"),
    (
        "second.intro",
        "Nhập mã từ ứng dụng xác thực để nâng mức bảo đảm của phiên đăng nhập.",
        "Enter the code from your authenticator app to raise the assurance of this session.",
    ),
    (
        "second.recovery",
        "Đây là mã khôi phục",
        "This is a recovery code",
    ),
    ("second.submit", "Xác thực", "Verify"),
    (
        "second.or_passkey",
        "Hoặc dùng khóa truy cập:",
        "Or use a passkey:",
    ),
    (
        "second.skip",
        "Bỏ qua (mức bảo đảm thấp)",
        "Skip (low assurance)",
    ),
    ("account.title", "Tài khoản của tôi", "My account"),
    ("account.summary", "Tổng quan", "Summary"),
    ("account.level", "Mức tài khoản", "Account level"),
    (
        "account.assurance",
        "Mức bảo đảm của phiên",
        "Session assurance",
    ),
    ("account.factors", "Yếu tố đã dùng", "Factors used"),
    ("account.portrait", "Ảnh chân dung của bạn", "Your portrait"),
    (
        "account.setup_more",
        "Ảnh, mật khẩu và phương thức đăng nhập",
        "Portrait, password and sign-in methods",
    ),
    (
        "account.record",
        "Thông tin của tôi trong Cơ sở dữ liệu quốc gia về dân cư",
        "My record in the national population database",
    ),
    (
        "account.record_help",
        "Nếu thông tin chưa đúng, hãy đề nghị cơ quan Công an nơi cư trú điều chỉnh.",
        "If something is wrong, ask the police of your place of residence to correct it.",
    ),
    (
        "account.sessions",
        "Phiên đăng nhập và thiết bị",
        "Sessions and devices",
    ),
    (
        "account.authenticators",
        "Phương thức đăng nhập",
        "Sign-in methods",
    ),
    ("account.secure", "Bảo vệ tài khoản", "Secure my account"),
    (
        "account.secure_help",
        "Bạn có thể tạm khóa từng phương thức đăng nhập, hoặc khóa cả tài khoản nếu nghi bị lộ. Mở khóa tài khoản cần đến cơ quan Công an.",
        "You can switch off any sign-in method, or lock the whole account if you suspect misuse. Unlocking the account is done in person.",
    ),
    (
        "account.children",
        "Tài khoản của con",
        "Children's accounts",
    ),
    ("account.organizations", "Tổ chức", "Organizations"),
    ("account.history", "Lịch sử tài khoản", "Account history"),
    ("record.origin", "Quê quán", "Place of origin"),
    ("record.residence", "Nơi thường trú", "Permanent residence"),
    ("record.card", "Thẻ căn cước", "Identity card"),
    ("sessions.device", "Thiết bị", "Device"),
    ("sessions.address", "Địa chỉ IP", "IP address"),
    ("sessions.since", "Từ", "Since"),
    ("sessions.this", "Phiên này", "This session"),
    ("sessions.end", "Đăng xuất phiên này", "Sign out there"),
    (
        "sessions.end_all",
        "Đăng xuất khỏi mọi thiết bị",
        "Sign out everywhere",
    ),
    ("auth.method", "Phương thức", "Method"),
    ("auth.added", "Thêm lúc", "Added"),
    ("auth.used", "Dùng lần cuối", "Last used"),
    ("auth.remove", "Gỡ bỏ", "Remove"),
    ("auth.unused", "chưa dùng", "unused"),
    ("method.password", "Mật khẩu", "Password"),
    ("method.totp", "Ứng dụng xác thực", "Authenticator app"),
    ("method.passkey", "Khóa truy cập", "Passkey"),
    ("method.recovery", "Mã khôi phục", "Recovery codes"),
    ("secure.locked", "đã khóa", "locked"),
    ("secure.open", "đang dùng", "on"),
    ("secure.lock", "Khóa", "Lock"),
    ("secure.unlock", "Mở khóa", "Unlock"),
    (
        "lock.confirm",
        "Tôi muốn khóa toàn bộ tài khoản",
        "I want to lock my whole account",
    ),
    ("lock.submit", "Khóa tài khoản", "Lock my account"),
    (
        "recovery.new",
        "Tạo 10 mã khôi phục mới",
        "Create 10 new recovery codes",
    ),
    ("recovery.title", "Mã khôi phục", "Recovery codes"),
    (
        "recovery.intro",
        "Mỗi mã dùng được một lần khi bạn mất các phương thức khác. Hãy in hoặc ghi lại: chúng chỉ hiển thị lần này. Các mã cũ không còn hiệu lực.",
        "Each code works once if you lose your other methods. Print or write them down: they are shown only now. Earlier codes no longer work.",
    ),
    (
        "recovery.done",
        "Tôi đã lưu các mã",
        "I have saved the codes",
    ),
    (
        "children.personal_id",
        "Số định danh của con (dưới 14 tuổi)",
        "Your child's personal ID (under 14)",
    ),
    (
        "children.submit",
        "Đăng ký tài khoản cho con",
        "Register my child",
    ),
    (
        "organizations.code",
        "Mã số doanh nghiệp / mã số thuế",
        "Enterprise or tax code",
    ),
    (
        "organizations.submit",
        "Đăng ký tài khoản tổ chức",
        "Register the organization",
    ),
    (
        "member.representative",
        "Người đại diện theo pháp luật",
        "Legal representative",
    ),
    ("member.administrator", "Quản trị", "Administrator"),
    ("member.staff", "Nhân viên", "Staff"),
    ("history.when", "Thời gian", "When"),
    ("history.what", "Sự kiện", "What"),
    ("history.who", "Người thực hiện", "By"),
    ("event.created", "Tạo tài khoản", "Account created"),
    ("event.activated", "Kích hoạt", "Activated"),
    (
        "event.authenticator_added",
        "Thêm phương thức đăng nhập",
        "Sign-in method added",
    ),
    (
        "event.authenticator_removed",
        "Gỡ phương thức đăng nhập",
        "Sign-in method removed",
    ),
    ("event.password_changed", "Đổi mật khẩu", "Password changed"),
    (
        "event.recovery_codes_issued",
        "Tạo mã khôi phục",
        "Recovery codes created",
    ),
    (
        "event.method_locked",
        "Khóa một phương thức",
        "Method locked",
    ),
    (
        "event.method_unlocked",
        "Mở khóa một phương thức",
        "Method unlocked",
    ),
    (
        "event.portrait_set",
        "Cập nhật ảnh chân dung",
        "Portrait updated",
    ),
    ("event.locked", "Khóa tài khoản", "Account locked"),
    ("event.unlocked", "Mở khóa tài khoản", "Account unlocked"),
    ("event.revoked", "Thu hồi tài khoản", "Account revoked"),
    ("event.level_raised", "Nâng lên mức 2", "Raised to level 2"),
    ("event.role_granted", "Cấp vai trò", "Role granted"),
    ("event.role_revoked", "Thu hồi vai trò", "Role withdrawn"),
    ("event.member_added", "Thêm thành viên", "Member added"),
    ("event.member_removed", "Bớt thành viên", "Member removed"),
    (
        "reason.holder_request",
        "theo yêu cầu của chủ tài khoản",
        "at the holder's request",
    ),
    (
        "reason.terms_breach",
        "vi phạm thỏa thuận sử dụng",
        "breach of the terms of use",
    ),
    (
        "reason.card_invalid",
        "thẻ căn cước bị thu hồi, tạm giữ hoặc hết hạn",
        "identity card revoked, retained or expired",
    ),
    (
        "reason.death",
        "chủ tài khoản đã chết",
        "the holder has died",
    ),
    (
        "reason.authority_request",
        "theo yêu cầu của cơ quan có thẩm quyền",
        "at a competent authority's request",
    ),
    (
        "assurance.none",
        "chưa xác thực (đang đăng ký)",
        "none (enrolment only)",
    ),
    ("assurance.low", "thấp", "low"),
    ("assurance.substantial", "đáng kể", "substantial"),
    ("assurance.high", "cao", "high"),
    (
        "done.consent_revoked",
        "Đã rút lại sự đồng ý chia sẻ thông tin.",
        "Consent withdrawn.",
    ),
    ("done.portrait", "Đã lưu ảnh chân dung.", "Portrait saved."),
    ("done.password", "Đã lưu mật khẩu.", "Password saved."),
    (
        "done.totp",
        "Đã thêm ứng dụng xác thực.",
        "Authenticator app added.",
    ),
    ("done.passkey", "Đã thêm khóa truy cập.", "Passkey added."),
    (
        "done.removed",
        "Đã gỡ phương thức đăng nhập.",
        "Sign-in method removed.",
    ),
    ("done.method", "Đã cập nhật.", "Updated."),
    (
        "done.session_ended",
        "Đã đăng xuất phiên đó.",
        "That session is signed out.",
    ),
    (
        "done.child",
        "Đã đăng ký tài khoản cho con; mã kích hoạt đã gửi đến điện thoại của bạn.",
        "Your child's account is registered; the activation code was sent to your phone.",
    ),
    (
        "done.organization",
        "Đã đăng ký tài khoản tổ chức.",
        "The organization's account is registered.",
    ),
    ("done.member", "Đã thêm thành viên.", "Member added."),
    (
        "done.enrolled",
        "Đã ghi nhận đăng ký mức 2.",
        "Level 2 enrolment recorded.",
    ),
    ("done.locked", "Đã khóa tài khoản.", "Account locked."),
    ("done.unlocked", "Đã mở khóa.", "Unlocked."),
    ("error.title", "Không thực hiện được", "That did not work"),
    (
        "error.portrait_too_big",
        "Ảnh quá lớn (tối đa 2 MB).",
        "The photo is too large (2 MB at most).",
    ),
    (
        "error.password_mismatch",
        "Hai mật khẩu không giống nhau.",
        "The two passwords differ.",
    ),
    ("csrf.title", "Yêu cầu không hợp lệ", "Request refused"),
    (
        "csrf.body",
        "Biểu mẫu đã hết hạn hoặc không gửi từ trang này. Vui lòng tải lại trang và thử lại.",
        "The form expired or did not come from this site. Reload the page and try again.",
    ),
    (
        "officer.title",
        "Bàn làm việc cán bộ đăng ký",
        "Enrolment officer console",
    ),
    (
        "officer.step_up",
        "Cán bộ phải đăng nhập bằng khóa truy cập hoặc ứng dụng xác thực, không chỉ bằng mật khẩu.",
        "Officers must sign in with a passkey or an authenticator app, never a password alone.",
    ),
    ("officer.step_up_link", "Xác thực bước hai", "Second step"),
    ("officer.find", "Tra cứu", "Find"),
    ("officer.account", "Tài khoản định danh", "e-ID account"),
    ("officer.no_account", "chưa có tài khoản", "no account"),
    (
        "officer.enrol",
        "Đăng ký mức 2 trực tiếp",
        "Level 2 enrolment in person",
    ),
    ("officer.point", "Nơi đăng ký", "Registration point"),
    (
        "officer.card_checked",
        "Đã kiểm tra thẻ căn cước và đọc chip",
        "Identity card inspected and chip read",
    ),
    (
        "officer.fingerprints_checked",
        "Đã thu nhận và đối chiếu vân tay",
        "Fingerprints taken and matched",
    ),
    (
        "officer.phone_help",
        "Bắt buộc khi công dân chưa có tài khoản: mã kích hoạt sẽ gửi đến số này.",
        "Required when the citizen has no account yet: the activation code goes to this number.",
    ),
    (
        "officer.enrol_submit",
        "Ghi nhận và nâng lên mức 2",
        "Record and raise to level 2",
    ),
    ("officer.lifecycle", "Khóa và mở khóa", "Lock and unlock"),
    ("officer.reason", "Lý do", "Reason"),
    (
        "officer.note",
        "Ghi chú (số văn bản, nội dung)",
        "Note (document number, details)",
    ),
    ("officer.lock", "Khóa tài khoản", "Lock the account"),
    ("officer.unlock", "Mở khóa", "Unlock"),
    (
        "outbox.title",
        "Hộp thư đi (chế độ trình diễn)",
        "Outbox (demo mode)",
    ),
    (
        "outbox.intro",
        "Tin nhắn SMS lẽ ra được gửi đi. Chỉ hiển thị ở chế độ trình diễn.",
        "The SMS messages that would have been sent. Shown in demo mode only.",
    ),
    ("outbox.to", "Đến", "To"),
    ("outbox.text", "Nội dung", "Text"),
    ("outbox.status", "Trạng thái", "Status"),
    // "Who accessed my data" (access.rs) and the ledger's words for what an entry says.
    (
        "access.title",
        "Ai đã truy cập dữ liệu của tôi",
        "Who accessed my data",
    ),
    (
        "access.dashboard_help",
        "Xem cán bộ, cơ quan hay dịch vụ nào đã đọc dữ liệu cá nhân của bạn, khi nào, vì sao, và bằng chứng của từng lần.",
        "See which officer, agency or service read your personal data, when and why, with a proof for each time.",
    ),
    (
        "access.open",
        "Xem ai đã truy cập dữ liệu của tôi",
        "See who accessed my data",
    ),
    (
        "access.intro",
        "Mỗi lần cán bộ, cơ quan hay dịch vụ đọc dữ liệu cá nhân của bạn, việc đó được ghi vào sổ truy cập: một sổ công khai chỉ được ghi thêm, không ai sửa hay xóa được mà không bị phát hiện. Dưới đây là mọi mục về bạn, mới nhất trước. Nghị định 13/2023/NĐ-CP cho bạn quyền được biết ai xử lý dữ liệu cá nhân của mình.",
        "Every time an officer, an agency or a service reads your personal data, it is written in the access ledger: a public log that only grows, and that nobody can change or delete without it showing. Below is every entry about you, newest first. Decree 13/2023/ND-CP gives you the right to know who processes your personal data.",
    ),
    ("access.actor", "Bên truy cập", "Who"),
    ("access.actor_all", "Tất cả", "Everyone"),
    ("access.from", "Từ ngày", "From"),
    ("access.to", "Đến ngày", "To"),
    (
        "access.dates_help",
        "Theo giờ Việt Nam (UTC+7), tính cả hai ngày.",
        "Vietnam time (UTC+7), both days included.",
    ),
    ("access.apply", "Lọc", "Filter"),
    ("access.clear", "Bỏ lọc", "Clear the filter"),
    (
        "access.empty",
        "Chưa có ai truy cập dữ liệu của bạn. Khi có, việc đó sẽ hiện ở đây.",
        "Nobody has accessed your data yet. When someone does, it will show here.",
    ),
    (
        "access.no_match",
        "Không có mục nào khớp với bộ lọc.",
        "No entry matches the filter.",
    ),
    ("access.older", "Các mục cũ hơn", "Older entries"),
    ("access.newest", "Về các mục mới nhất", "Back to the newest"),
    (
        "access.when",
        "Thời gian (giờ Việt Nam)",
        "When (Vietnam time)",
    ),
    ("access.who", "Ai", "Who"),
    ("access.how", "Chi tiết", "Details"),
    ("access.fields", "Dữ liệu", "Data"),
    ("access.purpose", "Mục đích", "Purpose"),
    ("access.legal_basis", "Căn cứ pháp lý", "Legal basis"),
    ("access.proof", "Bằng chứng", "Proof"),
    (
        "access.proof_link",
        "Bằng chứng của mục số",
        "Proof of entry no.",
    ),
    ("access.only_this", "chỉ xem bên này", "only this one"),
    ("access.not_stated", "không ghi", "not stated"),
    (
        "access.unknown_client",
        "dịch vụ không còn đăng ký",
        "a service no longer registered",
    ),
    (
        "access.officer",
        "Cán bộ cơ quan quản lý dân cư, tài khoản số",
        "An officer of the population registry, account no.",
    ),
    (
        "access.officer_plain",
        "Cán bộ cơ quan quản lý dân cư",
        "An officer of the population registry",
    ),
    ("access.agency", "Cơ quan", "Agency"),
    ("access.citizen", "Bạn", "You"),
    (
        "access.system",
        "Hệ thống định danh điện tử",
        "The e-ID platform",
    ),
    ("access.consent", "Sự đồng ý của bạn", "Your consent"),
    (
        "access.unavailable",
        "Hiện không đọc được sổ truy cập. Vui lòng thử lại sau.",
        "The access ledger cannot be read right now. Please try again later.",
    ),
    (
        "access.not_personal",
        "Trang này dành cho tài khoản cá nhân: nó cho chủ tài khoản biết ai đã truy cập dữ liệu cá nhân của họ. Tài khoản này không gắn với số định danh cá nhân nào.",
        "This page is for personal accounts: it shows the holder who accessed their personal data. This account is not tied to a personal ID number.",
    ),
    (
        "access.bad_date",
        "không phải là một ngày. Hãy nhập theo dạng năm-tháng-ngày (2025-01-31) hoặc ngày/tháng/năm (31/01/2025).",
        "is not a date. Enter it as year-month-day (2025-01-31) or day/month/year (31/01/2025).",
    ),
    (
        "access.bad_order",
        "“Từ ngày” phải trước hoặc trùng “Đến ngày”.",
        "“From” must not be after “To”.",
    ),
    (
        "access.bad_before",
        "Vị trí trang không hợp lệ; hãy bắt đầu lại từ các mục mới nhất.",
        "The page position is not valid; start again from the newest entries.",
    ),
    (
        "access.bad_actor",
        "Giá trị “Bên truy cập” quá dài hoặc có ký tự không hợp lệ.",
        "The “Who” value is too long or has characters that are not allowed.",
    ),
    (
        "access.proof_title",
        "Bằng chứng nghĩa là gì, và cách tự kiểm tra",
        "What the proof means, and how to check it yourself",
    ),
    (
        "access.proof_what",
        "Mỗi mục có một số thứ tự trong sổ. Liên kết “Bằng chứng” mở một tệp JSON gồm: điểm kiểm tra (checkpoint) mới nhất của sổ, được ký bằng khóa Ed25519 của sổ; nguyên văn mục đó; và các giá trị băm nối mục đó với gốc cây Merkle đã ký (bằng chứng bao hàm theo RFC 9162). Nếu ai đó, kể cả đơn vị vận hành, sửa hay xóa mục này, bằng chứng sẽ không còn khớp với chữ ký.",
        "Each entry has a number in the log. The “Proof” link opens a JSON file with: the log's latest checkpoint, signed with the log's Ed25519 key; the exact bytes of the entry; and the hashes that tie the entry to the signed Merkle root (an RFC 9162 inclusion proof). If anyone, the operator included, changed or deleted this entry, the proof would no longer match the signature.",
    ),
    (
        "access.proof_privacy",
        "Sổ là công khai nhưng không chứa số định danh hay dữ liệu của bạn: bạn được nêu bằng một mã băm có khóa, và mỗi mục chỉ ghi ai, khi nào, trường dữ liệu nào và vì sao.",
        "The log is public but holds neither your ID number nor your data: you are named by a keyed hash, and an entry says only who, when, which fields and why.",
    ),
    (
        "access.proof_how",
        "Để kiểm tra độc lập, hãy lưu tệp bằng chứng (ví dụ entry-42.json) và lấy khóa kiểm tra của sổ tại",
        "To check it independently, save the proof file (for example entry-42.json) and take the log's verifier key from",
    ),
    (
        "access.proof_compare",
        "Hãy so sánh khóa này với khóa được công bố ở một nơi khác mà bạn tin cậy: việc kiểm tra chỉ đáng tin bằng chính khóa đó. Khóa hiện tại:",
        "Compare it with the key published somewhere else you trust: the check is only as good as the key. The current key:",
    ),
    (
        "access.proof_run",
        "Rồi chạy (thay N bằng số của mục):",
        "Then run (with N the entry's number):",
    ),
    (
        "access.proof_other",
        "Mọi công cụ kiểm tra theo RFC 9162 và chuẩn C2SP signed-note đều làm được việc này; mã nguồn mở của dinhdanh có sẵn một công cụ Python độc lập (interop/ledger/verify.py).",
        "Any verifier of RFC 9162 proofs and C2SP signed notes can do it; the dinhdanh sources include an independent one written in Python (interop/ledger/verify.py).",
    ),
    ("ledger.kind.data.read", "Đọc dữ liệu", "Data read"),
    (
        "ledger.kind.data.refused",
        "Yêu cầu đọc dữ liệu bị từ chối",
        "Data request refused",
    ),
    (
        "ledger.kind.claims.released",
        "Thông tin được chia sẻ khi đăng nhập",
        "Claims released at sign-in",
    ),
    (
        "ledger.kind.record.viewed",
        "Xem hồ sơ dân cư",
        "Record viewed",
    ),
    (
        "ledger.kind.consent.given",
        "Bạn đồng ý chia sẻ",
        "Consent given",
    ),
    (
        "ledger.kind.consent.withdrawn",
        "Bạn rút lại sự đồng ý",
        "Consent withdrawn",
    ),
    (
        "ledger.kind.account.changed",
        "Tài khoản thay đổi",
        "Account changed",
    ),
    (
        "ledger.kind.registry.changed",
        "Hồ sơ dân cư thay đổi",
        "Registry record changed",
    ),
    (
        "ledger.kind.credential.issued",
        "Cấp giấy tờ số vào ví",
        "Credential issued to your wallet",
    ),
    (
        "ledger.kind.credential.presented",
        "Giấy tờ số được xuất trình",
        "Credential presented",
    ),
    (
        "ledger.detail.id_token",
        "Gửi trong mã thông báo định danh (ID token)",
        "Sent in an ID token",
    ),
    (
        "ledger.detail.userinfo",
        "Gửi qua điểm cuối userinfo",
        "Sent at the userinfo endpoint",
    ),
    (
        "ledger.detail.record",
        "Hồ sơ hiện tại",
        "The current record",
    ),
    (
        "ledger.detail.history",
        "Lịch sử thay đổi hồ sơ",
        "The record's change history",
    ),
    (
        "ledger.service.population",
        "Cơ sở dữ liệu quốc gia về dân cư",
        "National population database",
    ),
    (
        "ledger.service.oidc",
        "Đăng nhập bằng tài khoản định danh điện tử",
        "Sign-in with the e-ID account",
    ),
    (
        "ledger.service.land",
        "Cơ sở dữ liệu quốc gia về đất đai",
        "National land database",
    ),
    (
        "ledger.service.credentials",
        "Giấy tờ số (ví giấy tờ)",
        "Digital documents (wallet credentials)",
    ),
    (
        "ledger.purpose.registry_administration",
        "Quản lý cơ sở dữ liệu dân cư",
        "Registry administration",
    ),
    (
        "ledger.purpose.public-service-application",
        "Điền sẵn hồ sơ thủ tục hành chính bạn nộp trực tuyến",
        "Pre-filling an application you made online",
    ),
    ("ledger.field.*", "Toàn bộ hồ sơ", "The whole record"),
    (
        "ledger.field.sub",
        "Mã định danh riêng cho dịch vụ",
        "Identifier for this service",
    ),
    ("ledger.field.name", "Họ, chữ đệm và tên", "Full name"),
    ("ledger.field.full_name", "Họ, chữ đệm và tên", "Full name"),
    ("ledger.field.family_name", "Họ", "Family name"),
    ("ledger.field.middle_name", "Chữ đệm", "Middle name"),
    ("ledger.field.given_name", "Tên", "Given name"),
    ("ledger.field.birthdate", "Ngày sinh", "Date of birth"),
    ("ledger.field.birth_date", "Ngày sinh", "Date of birth"),
    ("ledger.field.gender", "Giới tính", "Sex"),
    ("ledger.field.sex", "Giới tính", "Sex"),
    (
        "ledger.field.address",
        "Địa chỉ (nơi thường trú)",
        "Address (permanent residence)",
    ),
    (
        "ledger.field.permanent_residence",
        "Nơi thường trú",
        "Permanent residence",
    ),
    (
        "ledger.field.current_residence",
        "Nơi ở hiện tại",
        "Current residence",
    ),
    (
        "ledger.field.place_of_origin",
        "Quê quán",
        "Place of origin",
    ),
    ("ledger.field.nationality", "Quốc tịch", "Nationality"),
    ("ledger.field.ethnicity", "Dân tộc", "Ethnicity"),
    ("ledger.field.religion", "Tôn giáo", "Religion"),
    ("ledger.field.father", "Cha", "Father"),
    (
        "ledger.field.father_id",
        "Số định danh của cha",
        "Father's personal ID",
    ),
    ("ledger.field.mother", "Mẹ", "Mother"),
    (
        "ledger.field.mother_id",
        "Số định danh của mẹ",
        "Mother's personal ID",
    ),
    ("ledger.field.spouse", "Vợ hoặc chồng", "Spouse"),
    (
        "ledger.field.spouse_id",
        "Số định danh của vợ hoặc chồng",
        "Spouse's personal ID",
    ),
    ("ledger.field.id_card", "Thẻ căn cước", "Identity card"),
    (
        "ledger.field.id_card_number",
        "Số thẻ căn cước",
        "Identity card number",
    ),
    (
        "ledger.field.id_card_issued",
        "Ngày cấp thẻ căn cước",
        "Identity card issue date",
    ),
    (
        "ledger.field.id_card_expires",
        "Ngày hết hạn thẻ căn cước",
        "Identity card expiry date",
    ),
    (
        "ledger.field.status",
        "Tình trạng (còn sống, đã mất…)",
        "Life status",
    ),
    ("ledger.field.death_date", "Ngày mất", "Date of death"),
    (
        "ledger.field.personal_id",
        "Số định danh cá nhân",
        "Personal ID number",
    ),
    ("ledger.field.phone_number", "Số điện thoại", "Phone number"),
    (
        "ledger.field.phone_number_verified",
        "Số điện thoại đã được xác thực",
        "That the phone number is verified",
    ),
    ("ledger.field.portrait", "Ảnh chân dung", "Portrait"),
    // "My documents" (documents.rs).
    ("documents.title", "Giấy tờ của tôi", "My documents"),
    (
        "documents.intro",
        "Giấy tờ do cơ quan có thẩm quyền cấp, đã được tích hợp vào tài khoản định danh điện tử của bạn. Bạn có thể thêm từng giấy tờ vào ví giấy tờ số hoặc in bản có mã QR để người khác kiểm tra.",
        "Documents issued by the competent authorities and integrated into your e-ID account. You can put each one in a digital-document wallet, or print a copy with a QR code that others can check.",
    ),
    (
        "documents.held",
        "Giấy tờ đã tích hợp",
        "Integrated documents",
    ),
    (
        "documents.empty",
        "Bạn chưa tích hợp giấy tờ nào.",
        "You have not integrated any document yet.",
    ),
    ("documents.number", "Số", "Number"),
    ("documents.authority", "Cơ quan cấp", "Issuing authority"),
    ("documents.status", "Tình trạng", "Status"),
    ("documents.status.valid", "Còn hiệu lực", "Valid"),
    ("documents.status.revoked", "Đã bị thu hồi", "Revoked"),
    (
        "documents.status.suspended",
        "Đang bị tạm đình chỉ",
        "Suspended",
    ),
    ("documents.reason", "lý do:", "reason:"),
    ("documents.integrated_at", "Tích hợp lúc", "Integrated"),
    (
        "documents.not_valid_help",
        "Giấy tờ không còn hiệu lực thì không thể thêm vào ví hoặc in; hãy liên hệ cơ quan cấp.",
        "A document that is not valid cannot be put in a wallet or printed; contact the issuing authority.",
    ),
    ("documents.to_wallet", "Thêm vào ví", "Add to a wallet"),
    ("documents.print", "Bản in", "Printable copy"),
    (
        "documents.integrate",
        "Tích hợp giấy tờ",
        "Integrate a document",
    ),
    (
        "documents.integrate_help",
        "Chọn loại giấy tờ và nhập số của giấy tờ. Giấy tờ chỉ được tích hợp khi hồ sơ của cơ quan cấp ghi đúng số định danh cá nhân của bạn.",
        "Choose the kind of document and type its number. A document is integrated only when the issuing authority's record names your personal ID.",
    ),
    ("documents.type", "Loại giấy tờ", "Kind of document"),
    (
        "documents.id_card_option",
        "không cần nhập số, chỉ tài khoản mức 2",
        "no number needed, level-2 accounts only",
    ),
    (
        "documents.id_card_help",
        "Căn cước điện tử được lập từ Cơ sở dữ liệu quốc gia về dân cư, không cần nhập số, và chỉ dành cho tài khoản định danh điện tử mức 2.",
        "The electronic identity card is made from the National Population Database; it needs no number and comes only with a level-2 e-ID account.",
    ),
    (
        "documents.level_1_note",
        "Tài khoản của bạn đang ở mức 1.",
        "Your account is at level 1.",
    ),
    (
        "documents.number_help",
        "Để trống nếu chọn Căn cước điện tử.",
        "Leave empty for the electronic identity card.",
    ),
    ("documents.integrate_submit", "Tích hợp", "Integrate"),
    (
        "documents.done.integrated",
        "Đã tích hợp giấy tờ vào tài khoản.",
        "The document is integrated into your account.",
    ),
    (
        "documents.id_card_level_2",
        "Không thể tích hợp Căn cước điện tử: chỉ tài khoản định danh điện tử mức 2 mới có. Hãy đến điểm đăng ký để được xác minh danh tính và nâng lên mức 2.",
        "The electronic identity card cannot be integrated: it comes only with a level-2 e-ID account. Have your identity checked at a registration point to reach level 2.",
    ),
    (
        "documents.no_such_number",
        "Không tìm thấy giấy tờ của bạn với loại và số này. Hãy kiểm tra lại loại giấy tờ và số; chưa có gì thay đổi.",
        "No document of yours has this kind and number. Check the kind and the number; nothing was changed.",
    ),
    (
        "documents.unknown_type",
        "Loại giấy tờ không hợp lệ.",
        "That kind of document does not exist.",
    ),
    (
        "documents.invalid",
        "Không thể tích hợp giấy tờ; chưa có gì thay đổi.",
        "The document could not be integrated; nothing was changed.",
    ),
    (
        "documents.refused",
        "Yêu cầu bị từ chối.",
        "The request was refused.",
    ),
    (
        "documents.unknown",
        "Không có giấy tờ này trong tài khoản của bạn.",
        "There is no such document in your account.",
    ),
    ("documents.not_valid", "Giấy tờ này", "This document is"),
    (
        "documents.not_personal",
        "Chỉ tài khoản của cá nhân mới có giấy tờ.",
        "Only a person's account holds documents.",
    ),
    (
        "documents.not_active",
        "Tài khoản chưa được kích hoạt hoặc đang bị khóa nên không dùng được giấy tờ.",
        "The account is not active or is locked, so its documents cannot be used.",
    ),
    (
        "documents.failed",
        "Không thể xử lý yêu cầu lúc này. Vui lòng thử lại.",
        "This could not be done right now. Please try again.",
    ),
    (
        "documents.back",
        "Quay lại Giấy tờ của tôi",
        "Back to My documents",
    ),
    (
        "documents.offer.title",
        "Thêm giấy tờ vào ví",
        "Add a document to a wallet",
    ),
    (
        "documents.offer.step_scan",
        "Mở ứng dụng ví giấy tờ số và quét mã QR dưới đây.",
        "Open your digital-document wallet and scan the QR code below.",
    ),
    (
        "documents.offer.step_code",
        "Khi ví hỏi, nhập mã giao dịch gồm 6 chữ số hiển thị bên dưới.",
        "When the wallet asks, type the 6-digit transaction code shown below.",
    ),
    (
        "documents.offer.qr_label",
        "Mã QR đề nghị cấp giấy tờ cho ví",
        "QR code offering the document to a wallet",
    ),
    (
        "documents.offer.qr_caption",
        "Quét bằng ví giấy tờ số.",
        "Scan with a digital-document wallet.",
    ),
    (
        "documents.offer.code_label",
        "Mã giao dịch (nhập vào ví):",
        "Transaction code (type it into the wallet):",
    ),
    (
        "documents.offer.expires",
        "Mã QR và mã giao dịch có hiệu lực đến",
        "The QR code and the transaction code can be used until",
    ),
    (
        "documents.offer.once",
        "Chỉ dùng được một lần.",
        "They work once.",
    ),
    (
        "documents.offer.secret",
        "Không chia sẻ mã giao dịch với ai: chỉ người có cả mã QR và mã giao dịch mới nhận được giấy tờ.",
        "Do not share the transaction code: only someone with both the QR code and the code receives the document.",
    ),
    (
        "documents.offer.same_device",
        "Ví trên chính thiết bị này",
        "A wallet on this device",
    ),
    (
        "documents.offer.open_wallet",
        "Mở bằng ví trên thiết bị này",
        "Open in the wallet on this device",
    ),
    ("documents.print_title", "Bản in", "Printable copy"),
    (
        "documents.print_help",
        "Dùng lệnh In của trình duyệt (Ctrl+P) để in trang này; thanh điều hướng không được in.",
        "Use the browser's Print command (Ctrl+P) to print this page; the navigation is left out.",
    ),
    (
        "documents.print_qr_label",
        "Mã QR chứa giấy tờ có chữ ký số",
        "QR code holding the signed document",
    ),
    (
        "documents.print_qr_caption",
        "Mã QR chứa giấy tờ dạng SD-JWT VC có chữ ký số của nền tảng; quét để kiểm tra.",
        "The QR code holds the document as an SD-JWT VC signed by the platform; scan it to check it.",
    ),
    (
        "documents.qr_too_long",
        "Giấy tờ quá dài để đưa vào một mã QR; hãy dùng văn bản của giấy tờ bên dưới.",
        "The document is too long for a QR code; use the document's text below.",
    ),
    (
        "documents.printed_at",
        "Bản in được cấp lúc",
        "This copy was issued",
    ),
    (
        "documents.copy_valid_until",
        "Mã QR có hiệu lực đến",
        "The QR code is valid until",
    ),
    (
        "documents.verify_help",
        "Có thể kiểm tra giấy tờ, cả khi không có mạng, bằng khóa công khai của nền tảng, ví dụ với lệnh",
        "The document can be checked, offline too, with the platform's public keys, for example with",
    ),
    (
        "documents.credential_text",
        "Văn bản của giấy tờ (để sao chép)",
        "The document's text (to copy)",
    ),
    // The public check of digital documents (verify_page.rs).
    (
        "doccheck.title",
        "Kiểm tra giấy tờ số",
        "Check a digital document",
    ),
    (
        "doccheck.intro",
        "Trang này dành cho người được xem giấy tờ số (cửa hàng, chủ nhà, cơ quan…), không cần đăng nhập: yêu cầu người giữ xuất trình giấy tờ từ ví của họ, hoặc kiểm tra một giấy tờ được dán vào (ví dụ nội dung mã QR của bản in).",
        "This page is for whoever is shown a digital document (a shop, a landlord, an office…), without signing in: ask the holder to present it from their wallet, or check a document pasted here (for example the text of a printed copy's QR code).",
    ),
    (
        "doccheck.back",
        "Quay lại trang kiểm tra giấy tờ",
        "Back to the document check",
    ),
    (
        "doccheck.failed",
        "Hệ thống tạm thời không thực hiện được việc này; vui lòng thử lại sau.",
        "The system cannot do this at the moment; please try again later.",
    ),
    ("doccheck.refused", "Không hợp lệ.", "Not valid."),
    ("doccheck.valid", "Hợp lệ.", "Valid."),
    ("doccheck.verified", "Đã xác minh.", "Verified."),
    (
        "doccheck.self_declared",
        "tên do người yêu cầu tự khai",
        "name given by the requester, not checked",
    ),
    (
        "doccheck.why.malformed",
        "Không đọc được giấy tờ: đây không phải một giấy tờ số SD-JWT hoàn chỉnh (có thể bị cắt mất khi sao chép).",
        "The document cannot be read: this is not a complete SD-JWT document (part of it may have been lost when copied).",
    ),
    (
        "doccheck.why.wrong_type",
        "Đây không phải giấy tờ số (SD-JWT VC).",
        "This is not a digital document (SD-JWT VC).",
    ),
    (
        "doccheck.why.bad_signature",
        "Chữ ký số không hợp lệ: giấy tờ đã bị sửa đổi hoặc không do nền tảng cấp.",
        "The digital signature is not valid: the document was altered or was not issued by the platform.",
    ),
    (
        "doccheck.why.unknown_issuer_key",
        "Khóa đã ký giấy tờ không còn được nền tảng công bố (đã bị rút vì lý do an toàn) hoặc chưa từng tồn tại.",
        "The key that signed the document is no longer published by the platform (withdrawn for safety) or never existed.",
    ),
    (
        "doccheck.why.untrusted_issuer",
        "Giấy tờ do một bên khác phát hành; trang này chỉ kiểm tra giấy tờ do nền tảng này cấp.",
        "The document was issued by someone else; this page checks only documents issued by this platform.",
    ),
    (
        "doccheck.why.bad_disclosure",
        "Một phần thông tin của giấy tờ đã bị sửa đổi hoặc không thuộc giấy tờ này.",
        "Part of the document's information was altered or does not belong to this document.",
    ),
    (
        "doccheck.why.expired",
        "Giấy tờ số đã hết hạn; người giữ cần lấy bản mới.",
        "The digital document has expired; the holder needs a new one.",
    ),
    (
        "doccheck.why.not_yet_valid",
        "Giấy tờ số chưa có hiệu lực (hãy kiểm tra đồng hồ của thiết bị).",
        "The digital document is not valid yet (check the device's clock).",
    ),
    (
        "doccheck.why.missing_claim",
        "Giấy tờ thiếu một thông tin bắt buộc.",
        "The document lacks a required item.",
    ),
    (
        "doccheck.why.bad_key_binding",
        "Bằng chứng rằng người xuất trình giữ giấy tờ (ràng buộc khóa) không hợp lệ.",
        "The proof that the presenter holds the document (key binding) is not valid.",
    ),
    (
        "doccheck.why.revoked",
        "Giấy tờ đã bị cơ quan cấp thu hồi.",
        "The issuing agency has revoked the document.",
    ),
    (
        "doccheck.why.suspended",
        "Giấy tờ đang bị cơ quan cấp tạm đình chỉ.",
        "The issuing agency has suspended the document.",
    ),
    (
        "doccheck.why.status_unavailable",
        "Không xác định được tình trạng hiệu lực của giấy tờ; hãy thử lại sau.",
        "The document's status cannot be established; try again later.",
    ),
    (
        "doccheck.why.other",
        "Giấy tờ bị từ chối.",
        "The document was refused.",
    ),
    (
        "doccheck.ask.title",
        "Yêu cầu xuất trình từ ví",
        "Ask a wallet",
    ),
    (
        "doccheck.ask.help",
        "Chọn loại giấy tờ, rồi chọn đúng những thông tin bạn cần xem; người giữ quét mã QR bằng ví giấy tờ số và đồng ý chia sẻ. Việc xuất trình được ghi vào lịch sử của người giữ, kèm tên và mục đích bạn khai.",
        "Choose the type of document, then only the information you need to see; the holder scans the QR code with their digital-document wallet and agrees to share. The presentation is recorded in the holder's history, with the name and purpose you give.",
    ),
    ("doccheck.ask.type", "Loại giấy tờ", "Type of document"),
    (
        "doccheck.ask.choose",
        "Chọn thông tin cần xem",
        "Choose the information",
    ),
    (
        "doccheck.ask.claims",
        "Thông tin cần xem",
        "Information to see",
    ),
    (
        "doccheck.ask.claims_help",
        "Chỉ chọn những gì thực sự cần cho mục đích của bạn.",
        "Choose only what your purpose really needs.",
    ),
    (
        "doccheck.ask.verifier",
        "Tên của bạn hoặc của cơ sở",
        "Your name or your organization's",
    ),
    (
        "doccheck.ask.verifier_help",
        "Ví dụ: Cửa hàng cho thuê xe Minh Anh. Người giữ thấy tên này trong lịch sử của mình, ghi rõ là tự khai.",
        "For example: Minh Anh motorbike rental. The holder sees this name in their history, marked as self-declared.",
    ),
    ("doccheck.ask.purpose", "Mục đích", "Purpose"),
    (
        "doccheck.ask.purpose_help",
        "Ví dụ: Kiểm tra giấy phép lái xe trước khi cho thuê xe.",
        "For example: checking the driving licence before renting a motorbike.",
    ),
    ("doccheck.ask.submit", "Tạo mã QR", "Make the QR code"),
    (
        "doccheck.ask.unknown_type",
        "Không có loại giấy tờ này; hãy chọn trong danh sách.",
        "There is no such type of document; choose one from the list.",
    ),
    (
        "doccheck.ask.no_claims",
        "Hãy chọn ít nhất một thông tin cần xem.",
        "Choose at least one item to see.",
    ),
    (
        "doccheck.ask.unknown_claim",
        "Một thông tin được chọn không có trong loại giấy tờ này.",
        "An item chosen is not part of this type of document.",
    ),
    (
        "doccheck.ask.bad_verifier",
        "Hãy nhập tên (tối đa 150 ký tự).",
        "Enter a name (at most 150 characters).",
    ),
    (
        "doccheck.ask.bad_purpose",
        "Hãy nhập mục đích (tối đa 150 ký tự).",
        "Enter the purpose (at most 150 characters).",
    ),
    (
        "doccheck.ask.invalid",
        "Yêu cầu chưa hợp lệ.",
        "The request is not valid.",
    ),
    (
        "doccheck.request.title",
        "Mã QR để xuất trình giấy tờ",
        "QR code to present the document",
    ),
    (
        "doccheck.request.step_scan",
        "Người giữ quét mã QR này bằng ví giấy tờ số của họ.",
        "The holder scans this QR code with their digital-document wallet.",
    ),
    (
        "doccheck.request.step_consent",
        "Ví cho họ thấy những thông tin được yêu cầu; họ đồng ý chia sẻ.",
        "The wallet shows them the information asked for; they agree to share it.",
    ),
    (
        "doccheck.request.step_result",
        "Bấm «Xem kết quả» để thấy giấy tờ đã được xác minh hay bị từ chối.",
        "Press “See the result” to find out whether the document was verified or refused.",
    ),
    (
        "doccheck.request.qr_label",
        "Mã QR của yêu cầu xuất trình giấy tờ",
        "QR code of the request to present the document",
    ),
    (
        "doccheck.request.qr_caption",
        "Yêu cầu OpenID4VP: quét bằng ví giấy tờ số.",
        "An OpenID4VP request: scan it with a digital-document wallet.",
    ),
    (
        "doccheck.request.qr_too_long",
        "Yêu cầu quá dài để đưa vào một mã QR; hãy chọn ít thông tin hơn.",
        "The request is too long for a QR code; choose fewer items.",
    ),
    (
        "doccheck.request.expires",
        "Ví có thể trả lời đến",
        "A wallet can answer until",
    ),
    (
        "doccheck.request.once",
        "Mỗi yêu cầu chỉ được trả lời một lần.",
        "Each request is answered once.",
    ),
    (
        "doccheck.request.see_result",
        "Xem kết quả",
        "See the result",
    ),
    (
        "doccheck.request.same_device",
        "Ví ở ngay trên thiết bị này?",
        "Is the wallet on this device?",
    ),
    (
        "doccheck.request.open_wallet",
        "Mở yêu cầu trong ví",
        "Open the request in the wallet",
    ),
    (
        "doccheck.request.private",
        "Địa chỉ trang kết quả là bí mật: ai có địa chỉ này đều xem được thông tin người giữ chia sẻ. Đừng gửi nó cho người khác.",
        "The result page's address is secret: whoever has it can see what the holder shares. Do not pass it on.",
    ),
    (
        "doccheck.result.title",
        "Kết quả xuất trình giấy tờ",
        "Result of the presentation",
    ),
    ("doccheck.result.document", "Loại giấy tờ", "Document"),
    (
        "doccheck.result.asked",
        "Thông tin yêu cầu",
        "Information asked for",
    ),
    ("doccheck.result.verifier", "Người yêu cầu", "Requested by"),
    ("doccheck.result.purpose", "Mục đích", "Purpose"),
    (
        "doccheck.result.unknown",
        "Không có yêu cầu xuất trình nào ở địa chỉ này.",
        "There is no presentation request at this address.",
    ),
    (
        "doccheck.result.pending",
        "Đang chờ ví của người giữ trả lời…",
        "Waiting for the holder's wallet to answer…",
    ),
    (
        "doccheck.result.auto",
        "Trang tự tải lại sau vài giây.",
        "This page reloads itself every few seconds.",
    ),
    ("doccheck.result.stop", "Dừng tự tải lại", "Stop reloading"),
    ("doccheck.result.refresh", "Tải lại", "Reload"),
    (
        "doccheck.result.pending_help",
        "Nếu người giữ chưa quét được mã QR, hãy tạo một yêu cầu mới.",
        "If the holder could not scan the QR code, make a new request.",
    ),
    (
        "doccheck.result.verified_help",
        "Giấy tờ do nền tảng cấp, không bị sửa đổi, còn hiệu lực, và người xuất trình giữ ví được cấp giấy tờ này.",
        "The platform issued the document, it was not altered, it is valid, and the presenter holds the wallet it was issued to.",
    ),
    (
        "doccheck.result.expired",
        "Yêu cầu đã hết hạn mà không có ví nào trả lời.",
        "The request expired without an answer from a wallet.",
    ),
    (
        "doccheck.result.new",
        "Tạo yêu cầu mới",
        "Make a new request",
    ),
    (
        "doccheck.claims.authority",
        "Cơ quan cấp",
        "Issuing authority",
    ),
    (
        "doccheck.claims.issuer",
        "Bên phát hành giấy tờ số",
        "Issuer of the digital document",
    ),
    (
        "doccheck.claims.issued_at",
        "Giấy tờ số được cấp lúc",
        "Digital document issued",
    ),
    (
        "doccheck.claims.valid_until",
        "Có hiệu lực đến",
        "Valid until",
    ),
    (
        "doccheck.check.title",
        "Kiểm tra giấy tờ được dán vào",
        "Check a pasted document",
    ),
    (
        "doccheck.check.paste",
        "Giấy tờ số (SD-JWT VC)",
        "Digital document (SD-JWT VC)",
    ),
    (
        "doccheck.check.help",
        "Dán nội dung mã QR trên bản in của giấy tờ, hoặc văn bản của giấy tờ. Chữ ký, thời hạn và tình trạng thu hồi đều được kiểm tra.",
        "Paste the text of the QR code on a printed copy, or the document's text. The signature, the validity period and whether it was revoked are all checked.",
    ),
    ("doccheck.check.submit", "Kiểm tra", "Check"),
    (
        "doccheck.check.empty",
        "Hãy dán giấy tờ cần kiểm tra.",
        "Paste the document to check.",
    ),
    (
        "doccheck.check.too_long",
        "Văn bản quá dài để là một giấy tờ số.",
        "The text is too long to be a digital document.",
    ),
    (
        "doccheck.check.valid_help",
        "Giấy tờ do nền tảng cấp, không bị sửa đổi và còn hiệu lực.",
        "The platform issued the document, it was not altered and it is valid.",
    ),
    (
        "doccheck.check.bound",
        "Giấy tờ này gắn với ví của người được cấp: bản dán vào không chứng minh người đưa nó là người giữ. Hãy yêu cầu xuất trình từ ví (phần trên).",
        "This document is bound to its holder's wallet: a pasted copy does not prove that whoever gave it is the holder. Ask their wallet instead (above).",
    ),
    (
        "doccheck.check.presentation",
        "Đây là một lần xuất trình từ ví (có ràng buộc khóa), chỉ dành cho bên đã yêu cầu nó; hãy dùng «Yêu cầu xuất trình từ ví» ở trên.",
        "This is a presentation from a wallet (with key binding), meant only for the verifier that asked for it; use “Ask a wallet” above.",
    ),
    (
        "home.verify_document",
        "Kiểm tra giấy tờ số",
        "Check a digital document",
    ),
];

/// The texts of every page: the shared ones above, and those a page module keeps beside its code.
const TABLES: &[&[(&str, &str, &str)]] = &[
    TEXTS,
    super::consents::TEXTS,
    super::rights::TEXTS,
    super::portal::TEXTS,
    super::export::TEXTS,
    super::results::TEXTS,
    super::applications::TEXTS,
];

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        TABLES
            .iter()
            .flat_map(|texts| texts.iter())
            .map(|(k, vi, en)| (*k, (*vi, *en)))
            .collect()
    })
}

/// The text for `key` in `lang`; a missing key shows as `?` (the tests list every key in use).
pub(crate) fn t(lang: Lang, key: &str) -> &'static str {
    match table().get(key) {
        Some((vi, en)) => match lang {
            Lang::Vi => vi,
            Lang::En => en,
        },
        None => "?",
    }
}

/// The text for `key` in `lang`, when the catalogue has one (for names read from data, such as
/// a ledger entry's field names, that fall back to the raw name).
pub(crate) fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    table().get(key).map(|(vi, en)| match lang {
        Lang::Vi => *vi,
        Lang::En => *en,
    })
}

/// A person-readable account error in `lang`.
pub(crate) fn error_text(lang: Lang, error: &AccountError) -> String {
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        AccountError::Invalid { field, message } => {
            format!("Thông tin chưa hợp lệ ({field}): {message}")
        }
        AccountError::LoginFailed => "Số định danh hoặc thông tin đăng nhập không đúng.".into(),
        AccountError::WrongCode { remaining } => {
            format!("Mã không đúng (còn {remaining} lần thử).")
        }
        AccountError::CodeSpent => "Mã này không còn dùng được; hãy yêu cầu mã mới.".into(),
        AccountError::CodeExpired => "Mã đã hết hạn; hãy yêu cầu mã mới.".into(),
        AccountError::TooManyAttempts { retry_after } => format!(
            "Thử sai quá nhiều lần; vui lòng thử lại sau {} giây.",
            retry_after.as_secs().max(1)
        ),
        AccountError::Locked(_) => "Tài khoản đang bị khóa.".into(),
        AccountError::Revoked => "Tài khoản đã bị thu hồi.".into(),
        AccountError::MethodLocked(_) => "Phương thức đăng nhập này đã bị bạn khóa.".into(),
        AccountError::NotActivated => "Tài khoản chưa được kích hoạt.".into(),
        AccountError::WeakPassword(rule) => format!("Mật khẩu chưa đạt yêu cầu: {rule}"),
        AccountError::NoSession => "Bạn chưa đăng nhập hoặc phiên đã hết hạn.".into(),
        AccountError::MissingRole(_) => "Bạn không có quyền thực hiện thao tác này.".into(),
        AccountError::StepUpRequired(_) => {
            "Thao tác này cần xác thực mạnh hơn (khóa truy cập hoặc ứng dụng xác thực).".into()
        }
        AccountError::Conflict(m) | AccountError::Forbidden(m) | AccountError::Registry(m) => {
            m.clone()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_the_pages_has_both_languages() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("layout.rs"),
            include_str!("enrol.rs"),
            include_str!("login.rs"),
            include_str!("account.rs"),
            include_str!("officer.rs"),
            include_str!("access.rs"),
            include_str!("documents.rs"),
            include_str!("verify_page.rs"),
        ];
        let mut missing = Vec::new();
        for source in sources {
            for piece in source.split("t(").skip(1) {
                let Some(rest) = piece.split_once(", \"").map(|(_, r)| r) else {
                    continue;
                };
                let Some((key, _)) = rest.split_once('"') else {
                    continue;
                };
                if key.contains('.')
                    && !key.contains(' ')
                    && !key.contains('{')
                    && table().get(key).is_none()
                {
                    missing.push(key.to_owned());
                }
            }
        }
        let families: [(&str, &[&str]); 13] = [
            (
                "ledger.kind",
                &[
                    "data.read",
                    "data.refused",
                    "claims.released",
                    "record.viewed",
                    "consent.given",
                    "consent.withdrawn",
                    "account.changed",
                    "registry.changed",
                    "credential.issued",
                    "credential.presented",
                ],
            ),
            (
                "ledger.detail",
                &["id_token", "userinfo", "record", "history"],
            ),
            (
                "ledger.service",
                &["population", "oidc", "land", "credentials"],
            ),
            (
                "ledger.field",
                &[
                    "*",
                    "sub",
                    "name",
                    "family_name",
                    "middle_name",
                    "given_name",
                    "birthdate",
                    "gender",
                    "address",
                    "personal_id",
                    "phone_number",
                    "phone_number_verified",
                ],
            ),
            ("assurance", &["none", "low", "substantial", "high"]),
            (
                "reason",
                &[
                    "holder_request",
                    "terms_breach",
                    "card_invalid",
                    "death",
                    "authority_request",
                ],
            ),
            ("member", &["representative", "administrator", "staff"]),
            ("method", &["password", "totp", "passkey", "recovery"]),
            ("secure", &["locked", "open", "lock", "unlock"]),
            (
                "event",
                &[
                    "created",
                    "activated",
                    "authenticator_added",
                    "authenticator_removed",
                    "password_changed",
                    "recovery_codes_issued",
                    "method_locked",
                    "method_unlocked",
                    "portrait_set",
                    "locked",
                    "unlocked",
                    "revoked",
                    "level_raised",
                    "role_granted",
                    "role_revoked",
                    "member_added",
                    "member_removed",
                ],
            ),
            (
                "done",
                &[
                    "portrait",
                    "password",
                    "totp",
                    "passkey",
                    "removed",
                    "method",
                    "session_ended",
                    "child",
                    "organization",
                    "member",
                    "enrolled",
                    "locked",
                    "unlocked",
                ],
            ),
            ("error", &["title", "portrait_too_big", "password_mismatch"]),
            ("level", &["1", "2"]),
        ];
        for (family, members) in families {
            for m in members {
                let key = format!("{family}.{m}");
                if table().get(key.as_str()).is_none() {
                    missing.push(key);
                }
            }
        }
        assert!(missing.is_empty(), "texts missing for {missing:?}");
        let all: Vec<_> = TABLES.iter().flat_map(|texts| texts.iter()).collect();
        for (key, vi, en) in &all {
            assert!(!vi.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(table().len(), all.len(), "a key is listed twice");
    }

    #[test]
    fn vietnamese_is_the_default() {
        assert_eq!(Lang::default(), Lang::Vi);
        assert_eq!(t(Lang::Vi, "nav.login"), "Đăng nhập");
        assert_eq!(t(Lang::En, "nav.login"), "Sign in");
    }
}
