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
];

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| TEXTS.iter().map(|(k, vi, en)| (*k, (*vi, *en))).collect())
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
        let families: [(&str, &[&str]); 9] = [
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
        for (key, vi, en) in TEXTS {
            assert!(!vi.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(table().len(), TEXTS.len(), "a key is listed twice");
    }

    #[test]
    fn vietnamese_is_the_default() {
        assert_eq!(Lang::default(), Lang::Vi);
        assert_eq!(t(Lang::Vi, "nav.login"), "Đăng nhập");
        assert_eq!(t(Lang::En, "nav.login"), "Sign in");
    }
}
