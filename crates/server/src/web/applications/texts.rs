//! The texts of the officer console and the statistics page: (key, Vietnamese, English).

/// The texts of these pages: key, Vietnamese, English.
pub(crate) const TEXTS: &[(&str, &str, &str)] = &[
    // The queue.
    (
        "applications.queue_title",
        "Hồ sơ thủ tục hành chính",
        "Administrative applications",
    ),
    (
        "applications.step_up_link",
        "Xác thực bằng khóa truy cập hoặc ứng dụng xác thực",
        "Confirm with a passkey or an authenticator app",
    ),
    ("applications.your_units", "Đơn vị của bạn:", "Your units:"),
    (
        "applications.counts",
        "{count} hồ sơ, {overdue} hồ sơ quá hạn.",
        "{count} applications, {overdue} overdue.",
    ),
    (
        "applications.counter_title",
        "Ghi nhận hồ sơ nộp trực tiếp",
        "Record an application received at the counter",
    ),
    (
        "applications.statistics_title",
        "Thống kê giải quyết thủ tục hành chính",
        "Public-service statistics",
    ),
    (
        "applications.filter",
        "Lọc theo trạng thái",
        "Filter by status",
    ),
    (
        "applications.filter_open",
        "Đang chờ xử lý",
        "Waiting for someone",
    ),
    (
        "applications.queue_empty",
        "Không có hồ sơ nào.",
        "There are no applications.",
    ),
    ("applications.code", "Mã hồ sơ", "Code"),
    ("applications.procedure", "Thủ tục", "Procedure"),
    ("applications.applicant", "Người nộp", "Applicant"),
    ("applications.filing", "Hình thức nộp", "Filed"),
    ("applications.filing.online", "Trực tuyến", "Online"),
    ("applications.filing.counter", "Trực tiếp", "At the counter"),
    ("applications.status", "Trạng thái", "Status"),
    ("applications.deadline", "Hạn xử lý", "Deadline"),
    ("applications.overdue", "quá hạn", "overdue"),
    // Statuses: the portal's synchronisation codes 1–10.
    ("applications.status.new", "Mới đăng ký", "Newly filed"),
    ("applications.status.accepted", "Được tiếp nhận", "Accepted"),
    (
        "applications.status.not_accepted",
        "Không được tiếp nhận",
        "Not accepted",
    ),
    (
        "applications.status.processing",
        "Đang xử lý",
        "Being processed",
    ),
    (
        "applications.status.supplement_requested",
        "Yêu cầu bổ sung giấy tờ",
        "Supplement requested",
    ),
    (
        "applications.status.payment_requested",
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Fee requested",
    ),
    (
        "applications.status.withdrawn",
        "Công dân yêu cầu rút hồ sơ",
        "Withdrawn by the applicant",
    ),
    (
        "applications.status.stopped",
        "Dừng xử lý",
        "Processing stopped",
    ),
    (
        "applications.status.processed",
        "Đã xử lý xong",
        "Processed",
    ),
    (
        "applications.status.result_returned",
        "Đã trả kết quả",
        "Result returned",
    ),
    // Moves.
    ("applications.move.accept", "Tiếp nhận", "Accept"),
    ("applications.move.refuse", "Từ chối tiếp nhận", "Refuse"),
    (
        "applications.move.request_supplement",
        "Yêu cầu bổ sung",
        "Request a supplement",
    ),
    (
        "applications.move.supplement",
        "Bổ sung hồ sơ",
        "Hand in the supplement",
    ),
    (
        "applications.move.start_processing",
        "Bắt đầu xử lý",
        "Start processing",
    ),
    (
        "applications.move.request_payment",
        "Yêu cầu nộp phí, lệ phí",
        "Request the fee",
    ),
    ("applications.move.paid", "Đã nộp phí, lệ phí", "Fee paid"),
    ("applications.move.decide", "Quyết định", "Decide"),
    (
        "applications.move.return_result",
        "Trả kết quả",
        "Return the result",
    ),
    ("applications.move.withdraw", "Rút hồ sơ", "Withdraw"),
    ("applications.move.stop", "Dừng xử lý", "Stop processing"),
    ("applications.step.file", "Nộp hồ sơ", "Filed"),
    (
        "applications.step.record",
        "Ghi nhận hồ sơ nộp trực tiếp",
        "Recorded at the counter",
    ),
    (
        "applications.step.apologize",
        "Xin lỗi và hẹn lại ngày trả kết quả",
        "Apology with a new appointment",
    ),
    // One application.
    (
        "applications.application_title",
        "Hồ sơ {code}",
        "Application {code}",
    ),
    (
        "applications.done.moved",
        "Đã chuyển hồ sơ sang bước tiếp theo.",
        "The application has moved on.",
    ),
    (
        "applications.done.apologize",
        "Đã gửi thư xin lỗi và hẹn lại ngày trả kết quả.",
        "The apology with the new appointment has been sent.",
    ),
    (
        "applications.done.recorded",
        "Đã ghi nhận và tiếp nhận hồ sơ.",
        "The application is recorded and accepted.",
    ),
    ("applications.unit", "Cơ quan giải quyết", "Agency"),
    ("applications.level", "Mức độ", "Level"),
    (
        "applications.level.full",
        "Toàn trình (mức độ 4)",
        "Fully online (level 4)",
    ),
    (
        "applications.level.partial",
        "Một phần (mức độ 3)",
        "Partly online (level 3)",
    ),
    ("applications.filed_at", "Ngày nộp", "Filed on"),
    (
        "applications.first_deadline",
        "Hạn ban đầu",
        "First deadline",
    ),
    (
        "applications.apologies",
        "Số lần xin lỗi, hẹn lại",
        "Apologies sent",
    ),
    ("applications.fee", "Phí, lệ phí", "Fee"),
    ("applications.decision", "Kết quả giải quyết", "Decision"),
    ("applications.outcome.approved", "Chấp thuận", "Approved"),
    ("applications.outcome.refused", "Từ chối", "Refused"),
    (
        "applications.result_channel",
        "Hình thức trả kết quả",
        "How the result goes out",
    ),
    (
        "applications.result.electronic",
        "Bản điện tử",
        "Electronically",
    ),
    ("applications.result.paper", "Bản giấy", "On paper"),
    (
        "applications.prefilled",
        "Thông tin lấy từ cơ sở dữ liệu quốc gia",
        "Read from the national databases",
    ),
    (
        "applications.prefilled_help",
        "Cổng dịch vụ công đọc các thông tin này qua nền tảng chia sẻ dữ liệu; người nộp không tự khai. Mỗi lần đọc được ghi vào sổ truy cập.",
        "The portal read these through the data-sharing platform; the applicant did not type them. Each read is recorded in the access ledger.",
    ),
    (
        "applications.prefilled_none",
        "Không có thông tin nào được điền sẵn.",
        "Nothing was filled in from the registry.",
    ),
    ("applications.field", "Thông tin", "Field"),
    ("applications.value", "Giá trị", "Value"),
    ("applications.legal_basis", "Căn cứ pháp lý", "Legal basis"),
    (
        "applications.ledger_entry",
        "Bản ghi sổ truy cập",
        "Ledger entry",
    ),
    (
        "applications.withheld",
        "Không được cung cấp (người nộp bổ sung khi cần):",
        "Withheld (the applicant provides them if needed):",
    ),
    (
        "applications.answers",
        "Thông tin người nộp khai",
        "The applicant's answers",
    ),
    (
        "applications.answers_none",
        "Người nộp không khai thêm thông tin nào.",
        "The applicant added nothing.",
    ),
    ("applications.documents", "Giấy tờ kèm theo", "Documents"),
    (
        "applications.documents_none",
        "Không có giấy tờ nào.",
        "There are no documents.",
    ),
    ("applications.document", "Giấy tờ", "Document"),
    ("applications.file", "Tệp", "File"),
    ("applications.uploaded_at", "Tải lên lúc", "Uploaded"),
    ("applications.moves", "Xử lý hồ sơ", "What you can do now"),
    (
        "applications.no_moves",
        "Hồ sơ ở trạng thái này không còn bước nào cho cán bộ.",
        "There is nothing for an officer to do in this status.",
    ),
    (
        "applications.reason",
        "Lý do (người nộp sẽ đọc)",
        "Reason (the applicant reads it)",
    ),
    (
        "applications.reason_help",
        "Nêu rõ lý do và việc người nộp cần làm.",
        "Say why, and what the applicant needs to do.",
    ),
    (
        "applications.reason_refusal",
        "Lý do từ chối (bắt buộc khi từ chối)",
        "Reason for a refusal (required when refusing)",
    ),
    (
        "applications.fee_help",
        "Người nộp sẽ được yêu cầu nộp {fee} trực tuyến; hồ sơ tự động trở lại bước xử lý khi thanh toán xong.",
        "The applicant will be asked to pay {fee} online; the application returns to processing by itself once paid.",
    ),
    (
        "applications.apology",
        "Xin lỗi và hẹn lại ngày trả kết quả",
        "Apologise and set a new appointment",
    ),
    (
        "applications.apology_help",
        "Hồ sơ đã quá hạn. Gửi người nộp thư xin lỗi (Mẫu 04, Thông tư 01/2018/TT-VPCP) với ngày hẹn mới; hạn ban đầu vẫn được giữ để thống kê.",
        "The application is overdue. Send the applicant an apology (Form 04, Circular 01/2018/TT-VPCP) with a new appointment; the first deadline stays on record for the statistics.",
    ),
    (
        "applications.new_appointment",
        "Ngày giờ hẹn mới (giờ Việt Nam)",
        "New appointment (Vietnam time)",
    ),
    (
        "applications.apology_reason",
        "Lý do chậm",
        "Reason for the delay",
    ),
    (
        "applications.send_apology",
        "Gửi thư xin lỗi",
        "Send the apology",
    ),
    ("applications.history", "Quá trình xử lý", "History"),
    ("applications.actor.applicant", "người nộp", "the applicant"),
    (
        "applications.actor.officer",
        "cán bộ (tài khoản {account})",
        "officer (account {account})",
    ),
    (
        "applications.actor.system",
        "hệ thống (cổng thanh toán)",
        "the platform (payment gateway)",
    ),
    ("applications.detail.order_ref", "mã giao dịch", "order"),
    ("applications.detail.amount_vnd", "số tiền", "amount"),
    (
        "applications.detail.transaction_no",
        "mã giao dịch tại cổng thanh toán",
        "gateway transaction",
    ),
    (
        "applications.detail.receipt_number",
        "số biên lai",
        "receipt",
    ),
    ("applications.detail.outcome", "kết quả", "decision"),
    (
        "applications.detail.new_due_at",
        "hẹn mới",
        "new appointment",
    ),
    (
        "applications.detail.previous_due_at",
        "hẹn trước đó",
        "previous appointment",
    ),
    (
        "applications.back_queue",
        "Quay lại danh sách hồ sơ",
        "Back to the applications",
    ),
    // Recording at the counter.
    (
        "applications.counter_help",
        "Hồ sơ nộp trực tiếp được tiếp nhận ngay và đánh số chung với hồ sơ trực tuyến; hạn xử lý tính từ bây giờ.",
        "An application received at the counter is accepted at once and numbered with the online ones; its deadline runs from now.",
    ),
    ("applications.choose", "Chọn", "Choose"),
    (
        "applications.applicant_id",
        "Số định danh cá nhân của người nộp",
        "The applicant's personal ID",
    ),
    ("applications.optional", "(không bắt buộc)", "(optional)"),
    (
        "applications.record",
        "Ghi nhận và tiếp nhận",
        "Record and accept",
    ),
    // Statistics.
    (
        "applications.statistics_intro",
        "Các chỉ số theo Quyết định 766/QĐ-TTg về tiến độ, kết quả giải quyết và cung cấp dịch vụ công trực tuyến, tính từ hồ sơ trên hệ thống.",
        "The Decision 766/QĐ-TTg figures on progress, results and online services, computed from the applications on the platform.",
    ),
    ("applications.period_from", "Từ ngày", "From"),
    ("applications.period_to", "Đến ngày", "To"),
    (
        "applications.all_agencies",
        "Tất cả cơ quan",
        "All agencies",
    ),
    ("applications.show", "Xem", "Show"),
    (
        "applications.period_shown",
        "Hồ sơ nộp từ {from} đến hết {to}.",
        "Applications filed from {from} to {to}, both included.",
    ),
    (
        "applications.download_csv",
        "Tải về dạng CSV",
        "Download as CSV",
    ),
    ("applications.by_agency", "Theo cơ quan", "By agency"),
    ("applications.by_procedure", "Theo thủ tục", "By procedure"),
    ("applications.agency", "Cơ quan", "Agency"),
    ("applications.procedures", "Số thủ tục", "Procedures"),
    ("applications.filed", "Số hồ sơ", "Applications"),
    ("applications.total", "Tổng cộng", "Total"),
    (
        "applications.figure.full_online",
        "Tỷ lệ thủ tục trực tuyến toàn trình",
        "Procedures fully online",
    ),
    (
        "applications.figure.online",
        "Tỷ lệ hồ sơ nộp trực tuyến",
        "Applications filed online",
    ),
    (
        "applications.figure.on_time",
        "Tỷ lệ hồ sơ giải quyết đúng hạn",
        "Decided on time",
    ),
    (
        "applications.figure.electronic",
        "Tỷ lệ trả kết quả điện tử",
        "Results returned electronically",
    ),
    (
        "applications.rules_title",
        "Cách tính",
        "How the figures are counted",
    ),
    (
        "applications.rule.period",
        "Hồ sơ được tính theo ngày nộp (giờ Việt Nam); hồ sơ nộp trực tiếp tính từ khi được ghi nhận.",
        "An application counts by the day it was filed (Vietnam time); a counter application from when it was recorded.",
    ),
    (
        "applications.rule.on_time",
        "Đúng hạn so với hạn ban đầu khi tiếp nhận; thư xin lỗi hẹn lại không làm hồ sơ trễ hạn thành đúng hạn; hồ sơ còn đang xử lý đã quá hạn vào cuối kỳ được tính là trễ hạn.",
        "On time means by the first deadline given at acceptance; an apology with a new appointment never makes a late application on time; one still open past its deadline at the end of the period counts as late.",
    ),
    (
        "applications.rule.empty",
        "Khi không có gì để tính, chỉ số để trống (—), không ghi 0 %.",
        "When there is nothing to count, the share is left empty (—), never 0 %.",
    ),
    // Refusals.
    (
        "applications.error.step_up_required",
        "Cán bộ phải đăng nhập bằng khóa truy cập hoặc ứng dụng xác thực để xử lý hồ sơ.",
        "Officers must sign in with a passkey or an authenticator app to handle applications.",
    ),
    (
        "applications.error.not_an_officer",
        "Bạn không phải cán bộ của cơ quan giải quyết hồ sơ này.",
        "You are not an officer of the agency that handles this application.",
    ),
    (
        "applications.error.not_a_person",
        "Chỉ tài khoản của cá nhân mới nộp được hồ sơ.",
        "Only a person's own account can file applications.",
    ),
    (
        "applications.error.not_found",
        "Không có hồ sơ này, hoặc hồ sơ không thuộc đơn vị của bạn.",
        "There is no such application, or it is not one of your units'.",
    ),
    (
        "applications.error.changed",
        "Hồ sơ vừa được thay đổi trong khi bạn đang xem. Hãy tải lại trang và thử lại.",
        "The application changed while you were looking at it. Reload the page and try again.",
    ),
    (
        "applications.error.not_allowed",
        "Hồ sơ đang ở trạng thái “{status}”, không thể thực hiện “{move}”.",
        "The application is “{status}”; “{move}” cannot be done from there.",
    ),
    (
        "applications.error.not_yours",
        "“{move}” không phải việc của cán bộ.",
        "“{move}” is not an officer's to do.",
    ),
    (
        "applications.error.reason_required",
        "Hãy nêu lý do; người nộp sẽ đọc lý do này.",
        "Give the reason; the applicant will read it.",
    ),
    (
        "applications.error.reason_invalid",
        "Lý do dài tối đa {max} ký tự và không chứa ký tự điều khiển.",
        "The reason has at most {max} characters and no control characters.",
    ),
    (
        "applications.error.decision_required",
        "Hãy chọn kết quả: chấp thuận hoặc từ chối.",
        "Choose the decision: approved or refused.",
    ),
    (
        "applications.error.channel_required",
        "Hãy chọn hình thức trả kết quả: bản điện tử hoặc bản giấy.",
        "Choose how the result goes out: electronically or on paper.",
    ),
    (
        "applications.error.not_overdue",
        "Hồ sơ chưa quá hạn; chỉ gửi thư xin lỗi khi hồ sơ đã quá hạn.",
        "The application is not overdue; an apology is sent only when it is.",
    ),
    (
        "applications.error.appointment_past",
        "Ngày hẹn mới phải ở tương lai.",
        "The new appointment must be in the future.",
    ),
    (
        "applications.error.appointment_format",
        "Hãy chọn ngày và giờ hẹn mới.",
        "Choose the date and time of the new appointment.",
    ),
    (
        "applications.error.form",
        "Biểu mẫu không đầy đủ. Hãy tải lại trang và thử lại.",
        "The form is incomplete. Reload the page and try again.",
    ),
    (
        "applications.error.field_invalid",
        "“{label}”: {expected}.",
        "“{label}”: {expected}.",
    ),
    (
        "applications.error.field_required",
        "“{label}” là thông tin bắt buộc.",
        "“{label}” is required.",
    ),
    (
        "applications.error.unknown_field",
        "Thủ tục này không có mục “{field}”.",
        "This procedure has no field “{field}”.",
    ),
    (
        "applications.error.invalid",
        "Giá trị “{field}” không hợp lệ: {problem}",
        "“{field}” is not valid: {problem}",
    ),
    (
        "applications.error.missing",
        "Còn thiếu: {what}",
        "Missing: {what}",
    ),
    (
        "applications.error.unknown_procedure",
        "Không có thủ tục {code} trong danh mục.",
        "There is no procedure {code} in the catalogue.",
    ),
    (
        "applications.error.not_online",
        "Thủ tục {code} không nộp trực tuyến được.",
        "Procedure {code} cannot be filed online.",
    ),
    (
        "applications.error.not_your_procedure",
        "Hãy chọn một thủ tục của đơn vị bạn.",
        "Choose a procedure of one of your units.",
    ),
    (
        "applications.error.personal_id",
        "Số định danh cá nhân gồm 12 chữ số hợp lệ.",
        "A personal ID is 12 valid digits.",
    ),
    (
        "applications.error.bad_upload",
        "Tệp “{document}” không được nhận: {problem}",
        "The file for “{document}” is refused: {problem}",
    ),
    (
        "applications.error.bad_catalogue",
        "Danh mục thủ tục có lỗi: {problem}",
        "The procedure catalogue has an error: {problem}",
    ),
    (
        "applications.error.too_many_checks",
        "Tra cứu quá nhiều lần; hãy thử lại sau {seconds} giây.",
        "Too many checks; try again in {seconds} s.",
    ),
    (
        "applications.error.unavailable",
        "Hệ thống đang bận; hãy thử lại sau ít phút.",
        "The service is unavailable; try again in a few minutes.",
    ),
    (
        "applications.error.unknown_status",
        "“{value}” không phải là trạng thái hồ sơ.",
        "“{value}” is not an application status.",
    ),
    (
        "applications.error.period_date",
        "Hãy nhập ngày theo dạng năm-tháng-ngày, ví dụ 2026-01-31.",
        "Write the days as year-month-day, e.g. 2026-01-31.",
    ),
    (
        "applications.error.period_order",
        "Ngày kết thúc không được trước ngày bắt đầu.",
        "The last day must not come before the first.",
    ),
    (
        "applications.error.unit",
        "Mã đơn vị có dạng 000.00.12.H29.",
        "A unit code looks like 000.00.12.H29.",
    ),
    // What a form field takes.
    (
        "applications.expect.text",
        "tối đa {max} ký tự, không chứa ký tự điều khiển",
        "at most {max} characters, without control characters",
    ),
    (
        "applications.expect.date",
        "một ngày, ví dụ 2026-03-15",
        "a date, e.g. 2026-03-15",
    ),
    (
        "applications.expect.number",
        "một số nguyên từ {min} đến {max}",
        "a whole number from {min} to {max}",
    ),
    (
        "applications.expect.choice",
        "hãy chọn một trong các lựa chọn",
        "choose one of the options",
    ),
    (
        "applications.expect.personal_id",
        "số định danh cá nhân gồm 12 chữ số hợp lệ",
        "a personal ID of 12 valid digits",
    ),
];
