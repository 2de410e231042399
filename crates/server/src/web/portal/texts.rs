//! The texts of the portal's pages: (key, Vietnamese, English).

/// The texts of these pages: key, Vietnamese, English.
pub(crate) const TEXTS: &[(&str, &str, &str)] = &[
    // Navigation
    (
        "portal.nav.label",
        "Cổng Dịch vụ công",
        "Public Service Portal",
    ),
    ("portal.nav.catalogue", "Thủ tục hành chính", "Procedures"),
    ("portal.nav.mine", "Hồ sơ của tôi", "My applications"),
    (
        "portal.nav.status",
        "Tra cứu hồ sơ",
        "Look up an application",
    ),
    (
        "portal.nav.login",
        "Đăng nhập Cổng",
        "Sign in to the portal",
    ),
    (
        "portal.nav.logout",
        "Đăng xuất khỏi Cổng",
        "Sign out of the portal",
    ),
    // Sign-in
    (
        "portal.signin.title",
        "Đăng nhập Cổng Dịch vụ công",
        "Signing in to the portal",
    ),
    (
        "portal.signin.expired",
        "Phiên đăng nhập này không do trình duyệt của bạn bắt đầu, đã hết hạn hoặc đã được dùng. Hãy đăng nhập lại.",
        "This sign-in was not started by your browser, has expired or was already used. Please sign in again.",
    ),
    (
        "portal.signin.declined",
        "Bạn chưa đồng ý cho Cổng biết số định danh cá nhân, nên chưa thể đăng nhập. Bạn có thể đăng nhập lại bất cứ lúc nào.",
        "You did not let the portal know your personal ID number, so you are not signed in. You can sign in again at any time.",
    ),
    (
        "portal.signin.failed",
        "Không hoàn tất được việc đăng nhập: câu trả lời của hệ thống định danh không hợp lệ. Hãy đăng nhập lại.",
        "The sign-in could not be completed: the identity provider's answer is not valid. Please sign in again.",
    ),
    (
        "portal.signin.no_person",
        "Chỉ tài khoản định danh điện tử của cá nhân mới nộp được hồ sơ trên Cổng.",
        "Only a person's own electronic identity account can file applications on the portal.",
    ),
    (
        "portal.signin.unavailable",
        "Tạm thời chưa đăng nhập được Cổng. Hãy thử lại sau ít phút.",
        "Signing in to the portal is not possible right now. Please try again in a few minutes.",
    ),
    // Catalogue
    (
        "portal.catalogue.title",
        "Thủ tục hành chính trực tuyến",
        "Online administrative procedures",
    ),
    (
        "portal.catalogue.intro",
        "Tìm thủ tục, xem giấy tờ cần có, thời hạn và lệ phí, rồi nộp hồ sơ trực tuyến bằng tài khoản định danh điện tử. Thông tin Nhà nước đã có sẽ được điền sẵn.",
        "Find a procedure, see the documents it needs, how long it takes and what it costs, and apply online with your electronic identity. What the state already knows is filled in for you.",
    ),
    ("portal.catalogue.search", "Tên thủ tục", "Procedure name"),
    ("portal.catalogue.field", "Lĩnh vực", "Field"),
    ("portal.catalogue.agency", "Cơ quan thực hiện", "Agency"),
    ("portal.catalogue.all", "Tất cả", "All"),
    ("portal.catalogue.apply_filter", "Tìm kiếm", "Search"),
    (
        "portal.catalogue.count",
        "{count} thủ tục",
        "{count} procedures",
    ),
    // A procedure
    ("portal.procedure.code", "Mã thủ tục", "Procedure code"),
    ("portal.procedure.field", "Lĩnh vực", "Field"),
    ("portal.procedure.agency", "Cơ quan thực hiện", "Agency"),
    (
        "portal.procedure.level",
        "Mức độ dịch vụ công trực tuyến",
        "Online service level",
    ),
    (
        "portal.procedure.channels",
        "Cách thức thực hiện",
        "How to apply",
    ),
    (
        "portal.procedure.time",
        "Thời hạn giải quyết",
        "Processing time",
    ),
    ("portal.procedure.fee", "Phí, lệ phí", "Fees"),
    (
        "portal.procedure.applicants",
        "Đối tượng thực hiện",
        "Who may apply",
    ),
    ("portal.procedure.result", "Kết quả thực hiện", "Result"),
    ("portal.procedure.steps", "Trình tự thực hiện", "Steps"),
    (
        "portal.procedure.documents",
        "Thành phần hồ sơ",
        "Documents",
    ),
    (
        "portal.procedure.no_documents",
        "Không cần nộp kèm giấy tờ.",
        "No documents are needed.",
    ),
    (
        "portal.procedure.prefill",
        "Thông tin được điền sẵn",
        "Filled in for you",
    ),
    (
        "portal.procedure.prefill_intro",
        "Khi bạn nộp trực tuyến, Cổng lấy các thông tin sau từ",
        "When you apply online, the portal reads the following from",
    ),
    (
        "portal.procedure.legal_basis",
        "Căn cứ pháp lý",
        "Legal basis",
    ),
    (
        "portal.procedure.apply",
        "Nộp hồ sơ trực tuyến",
        "Apply online",
    ),
    (
        "portal.procedure.apply_signin",
        "Bạn sẽ đăng nhập bằng tài khoản định danh điện tử, rồi quay lại đây.",
        "You will sign in with your electronic identity account and come back here.",
    ),
    (
        "portal.level.full",
        "Toàn trình (mức độ 4)",
        "Fully online (level 4)",
    ),
    (
        "portal.level.partial",
        "Một phần (mức độ 3)",
        "Partly online (level 3)",
    ),
    ("portal.channel.online", "Trực tuyến", "Online"),
    (
        "portal.channel.counter",
        "Tại Bộ phận một cửa",
        "At the one-stop counter",
    ),
    ("portal.channel.post", "Qua dịch vụ bưu chính", "By post"),
    ("portal.fee.free", "Miễn phí", "Free"),
    ("portal.fee.amount", "{amount} đồng", "{amount} VND"),
    (
        "portal.time.days",
        "{days} ngày làm việc",
        "{days} working days",
    ),
    (
        "portal.time.hours",
        "{hours} giờ làm việc",
        "{hours} working hours",
    ),
    ("portal.document.required", "bắt buộc", "required"),
    ("portal.document.optional", "không bắt buộc", "optional"),
    ("portal.document.at_most", "tối đa {size}", "at most {size}"),
    // My applications
    ("portal.mine.title", "Hồ sơ của tôi", "My applications"),
    (
        "portal.mine.none",
        "Bạn chưa có hồ sơ nào. Chọn một thủ tục để bắt đầu.",
        "You have no applications yet. Choose a procedure to start.",
    ),
    (
        "portal.mine.back",
        "Về danh sách hồ sơ của tôi",
        "Back to my applications",
    ),
    ("portal.application.code", "Mã hồ sơ", "Application code"),
    ("portal.application.procedure", "Thủ tục", "Procedure"),
    ("portal.application.status", "Trạng thái", "Status"),
    ("portal.application.deadline", "Hạn", "Due"),
    (
        "portal.application.next",
        "Việc bạn cần làm",
        "What you need to do",
    ),
    ("portal.application.overdue", "(quá hạn)", "(overdue)"),
    ("portal.application.filed", "Ngày nộp", "Filed"),
    (
        "portal.application.reception_due",
        "Hạn tiếp nhận",
        "Reception due",
    ),
    (
        "portal.application.processing_due",
        "Hẹn trả kết quả",
        "Result due",
    ),
    (
        "portal.application.first_due",
        "(hẹn lần đầu: {at})",
        "(first appointment: {at})",
    ),
    (
        "portal.application.outcome",
        "Kết quả giải quyết",
        "Decision",
    ),
    (
        "portal.application.result",
        "Văn bản kết quả",
        "Result document",
    ),
    (
        "portal.application.result_link",
        "Xem, kiểm tra chữ ký và tải văn bản kết quả",
        "View the result, check its signature and download it",
    ),
    ("portal.outcome.approved", "Chấp thuận", "Approved"),
    ("portal.outcome.refused", "Từ chối", "Refused"),
    // Statuses (the portal's codes 1-10) and what to do next
    (
        "portal.status.draft",
        "Bản nháp, chưa nộp",
        "Draft, not filed",
    ),
    (
        "portal.status.new",
        "Mới đăng ký",
        "Filed, waiting for reception",
    ),
    ("portal.status.accepted", "Đã tiếp nhận", "Accepted"),
    (
        "portal.status.not_accepted",
        "Không được tiếp nhận",
        "Not accepted",
    ),
    ("portal.status.processing", "Đang xử lý", "Being processed"),
    (
        "portal.status.supplement_requested",
        "Yêu cầu bổ sung giấy tờ",
        "More documents requested",
    ),
    (
        "portal.status.payment_requested",
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Fee requested",
    ),
    ("portal.status.withdrawn", "Đã rút hồ sơ", "Withdrawn"),
    ("portal.status.stopped", "Dừng xử lý", "Processing stopped"),
    ("portal.status.processed", "Đã xử lý xong", "Decided"),
    (
        "portal.status.result_returned",
        "Đã trả kết quả",
        "Result returned",
    ),
    (
        "portal.next.draft",
        "Hoàn thiện và nộp hồ sơ",
        "Complete and file the application",
    ),
    (
        "portal.next.new",
        "Chờ cơ quan tiếp nhận",
        "Nothing: the agency is checking it",
    ),
    (
        "portal.next.accepted",
        "Chờ kết quả",
        "Nothing: wait for the result",
    ),
    (
        "portal.next.not_accepted",
        "Xem lý do; có thể nộp hồ sơ mới",
        "Read the reason; you may file a new application",
    ),
    (
        "portal.next.processing",
        "Chờ kết quả",
        "Nothing: wait for the result",
    ),
    (
        "portal.next.supplement_requested",
        "Bổ sung theo yêu cầu rồi nộp lại",
        "Add what was asked for and hand it in",
    ),
    (
        "portal.next.payment_requested",
        "Nộp phí, lệ phí trực tuyến",
        "Pay the fee online",
    ),
    ("portal.next.withdrawn", "Không cần làm gì", "Nothing"),
    (
        "portal.next.stopped",
        "Xem lý do dừng xử lý",
        "Read why processing stopped",
    ),
    (
        "portal.next.processed",
        "Chờ nhận kết quả",
        "Wait for the result to be returned",
    ),
    ("portal.next.result_returned", "Đã hoàn thành", "Done"),
    // Flash messages
    (
        "portal.done.started",
        "Đã tạo hồ sơ. Thông tin từ Cơ sở dữ liệu quốc gia đã được điền sẵn; hãy khai phần còn lại và tải giấy tờ lên.",
        "Your application is started. What the national databases know is filled in; add the rest and upload the documents.",
    ),
    ("portal.done.saved", "Đã lưu thông tin.", "Saved."),
    (
        "portal.done.uploaded",
        "Đã tải tệp lên.",
        "The file is uploaded.",
    ),
    (
        "portal.done.filed",
        "Đã nộp hồ sơ. Hãy ghi lại mã hồ sơ để tra cứu.",
        "Your application is filed. Keep its code to look it up.",
    ),
    (
        "portal.done.withdrawn",
        "Đã rút hồ sơ.",
        "The application is withdrawn.",
    ),
    (
        "portal.done.supplemented",
        "Đã nộp bổ sung; hồ sơ được chuyển lại cho bộ phận tiếp nhận.",
        "The supplement is handed in; the application is back with reception.",
    ),
    // Registry data
    (
        "portal.prefill.title",
        "Thông tin từ Cơ sở dữ liệu quốc gia",
        "From the national databases",
    ),
    (
        "portal.prefill.registry",
        "Cơ sở dữ liệu quốc gia về dân cư",
        "the National Population Database",
    ),
    (
        "portal.prefill.from",
        "Lấy từ {source}; bạn không sửa được ở đây (nếu sai, hãy yêu cầu cơ quan quản lý chỉnh sửa).",
        "Read from {source}; you cannot change them here (if something is wrong, ask the authority to correct it).",
    ),
    (
        "portal.prefill.basis",
        "Căn cứ: {basis}.",
        "Under: {basis}.",
    ),
    (
        "portal.prefill.access",
        "Lần đọc này có trong lịch sử truy cập dữ liệu của bạn.",
        "This read is in your data access history.",
    ),
    (
        "portal.prefill.withheld",
        "Không được cung cấp (cán bộ sẽ kiểm tra với bạn):",
        "Not provided (the officer will check these with you):",
    ),
    ("portal.value.male", "Nam", "Male"),
    ("portal.value.female", "Nữ", "Female"),
    // The applicant's fields
    ("portal.fields.title", "Thông tin bạn khai", "Your details"),
    ("portal.fields.save", "Lưu", "Save"),
    (
        "portal.hint.text",
        "Tối đa {max} ký tự.",
        "At most {max} characters.",
    ),
    (
        "portal.hint.date",
        "Ngày theo dạng năm-tháng-ngày.",
        "A date as year-month-day.",
    ),
    (
        "portal.hint.number",
        "Số nguyên từ {min} đến {max}.",
        "A whole number from {min} to {max}.",
    ),
    (
        "portal.hint.choice",
        "Chọn một trong danh sách.",
        "Choose one of the list.",
    ),
    (
        "portal.hint.personal_id",
        "Số định danh cá nhân gồm 12 chữ số.",
        "A personal ID number of 12 digits.",
    ),
    // Documents and uploads
    ("portal.documents.title", "Giấy tờ kèm theo", "Documents"),
    (
        "portal.documents.limits",
        "Nhận tệp {types}, tối đa {size}.",
        "{types} files, at most {size}.",
    ),
    ("portal.documents.given", "Đã nộp:", "Given:"),
    ("portal.documents.choose", "Chọn tệp", "Choose a file"),
    ("portal.documents.upload", "Tải lên", "Upload"),
    ("portal.documents.replace", "Thay tệp khác", "Replace"),
    (
        "portal.upload.empty",
        "Tệp trống: hãy chọn lại tệp.",
        "The file is empty: choose it again.",
    ),
    (
        "portal.upload.no_file",
        "Hãy chọn một tệp để tải lên.",
        "Choose a file to upload.",
    ),
    (
        "portal.upload.too_large",
        "Tệp có dung lượng {size}; giấy tờ này nhận tối đa {max}.",
        "The file is {size}; this document takes at most {max}.",
    ),
    (
        "portal.upload.over_limit",
        "Tệp lớn hơn mức Cổng nhận ({max}).",
        "The file is larger than the portal accepts ({max}).",
    ),
    (
        "portal.upload.not_recognised",
        "Tệp không phải PDF, JPEG hoặc PNG (Cổng kiểm tra nội dung tệp, không dựa vào tên tệp); giấy tờ này nhận {types}.",
        "The file is not a PDF, JPEG or PNG (the portal checks what the file contains, not its name); this document takes {types}.",
    ),
    (
        "portal.upload.not_accepted",
        "Giấy tờ này không nhận tệp {kind}; hãy nộp tệp {types}.",
        "This document does not take {kind} files; send {types}.",
    ),
    (
        "portal.upload.bad_name",
        "Tên tệp phải có từ 1 đến 200 ký tự và không chứa ký tự điều khiển.",
        "The file name must have 1 to 200 characters and no control characters.",
    ),
    // Filing
    ("portal.file.title", "Nộp hồ sơ", "File the application"),
    (
        "portal.file.complete",
        "Hồ sơ đã đủ thông tin và giấy tờ bắt buộc.",
        "Every required detail and document is there.",
    ),
    (
        "portal.file.missing",
        "Còn thiếu trước khi nộp:",
        "Still missing before you can file:",
    ),
    ("portal.file.submit", "Nộp hồ sơ", "File the application"),
    (
        "portal.supplement.title",
        "Cơ quan yêu cầu bổ sung",
        "The agency asks for more",
    ),
    (
        "portal.supplement.hand_in",
        "Nộp bổ sung",
        "Hand in the supplement",
    ),
    // Withdrawing
    (
        "portal.withdraw.title",
        "Rút hồ sơ",
        "Withdraw the application",
    ),
    (
        "portal.withdraw.question",
        "Bạn có chắc muốn rút hồ sơ {code}? Cơ quan sẽ dừng giải quyết và bạn không thể khôi phục hồ sơ này.",
        "Do you really want to withdraw application {code}? The agency stops handling it and it cannot be restored.",
    ),
    (
        "portal.withdraw.reason",
        "Lý do (không bắt buộc)",
        "Reason (optional)",
    ),
    (
        "portal.withdraw.confirm",
        "Xác nhận rút hồ sơ",
        "Withdraw it",
    ),
    (
        "portal.withdraw.keep",
        "Không rút, quay lại hồ sơ",
        "Keep it and go back",
    ),
    (
        "portal.withdraw.not_now",
        "Hồ sơ ở trạng thái này không rút được nữa.",
        "The application can no longer be withdrawn.",
    ),
    // History
    ("portal.history.title", "Quá trình xử lý", "History"),
    ("portal.history.you", "Bạn", "You"),
    ("portal.history.officer", "Cán bộ", "An officer"),
    ("portal.history.system", "Hệ thống", "The platform"),
    (
        "portal.history.new_due",
        "hẹn mới: {at}",
        "new appointment: {at}",
    ),
    ("portal.step.file", "Nộp hồ sơ", "Filed"),
    (
        "portal.step.record",
        "Tiếp nhận tại Bộ phận một cửa",
        "Received at the counter",
    ),
    (
        "portal.step.apologize",
        "Thư xin lỗi và hẹn lại ngày trả kết quả",
        "Apology with a new appointment",
    ),
    ("portal.step.accept", "Tiếp nhận hồ sơ", "Accepted"),
    ("portal.step.refuse", "Từ chối tiếp nhận", "Not accepted"),
    (
        "portal.step.request_supplement",
        "Yêu cầu bổ sung",
        "More requested",
    ),
    (
        "portal.step.supplement",
        "Nộp bổ sung",
        "Supplement handed in",
    ),
    (
        "portal.step.start_processing",
        "Bắt đầu xử lý",
        "Processing started",
    ),
    (
        "portal.step.request_payment",
        "Yêu cầu nộp phí, lệ phí",
        "Fee requested",
    ),
    ("portal.step.paid", "Đã nộp phí, lệ phí", "Fee paid"),
    ("portal.step.decide", "Có quyết định", "Decided"),
    (
        "portal.step.return_result",
        "Trả kết quả",
        "Result returned",
    ),
    ("portal.step.withdraw", "Rút hồ sơ", "Withdrawn"),
    ("portal.step.stop", "Dừng xử lý", "Processing stopped"),
    // Fees
    ("portal.payment.title", "Phí, lệ phí", "Fees"),
    (
        "portal.payment.asked",
        "Cơ quan yêu cầu nộp {amount}. Bạn có thể thanh toán trực tuyến.",
        "The agency asks for {amount}. You can pay online.",
    ),
    (
        "portal.payment.open_attempt",
        "Một lần thanh toán bắt đầu lúc {at} vẫn đang chờ kết quả; nếu bạn đã trả tiền, hãy chờ xác nhận thay vì trả lại.",
        "A payment started at {at} is still waiting for its result; if you already paid, wait for the confirmation rather than paying again.",
    ),
    ("portal.payment.pay", "Nộp phí, lệ phí", "Pay the fee"),
    ("portal.payment.started", "Thời gian", "Started"),
    ("portal.payment.amount", "Số tiền", "Amount"),
    ("portal.payment.state", "Tình trạng", "State"),
    ("portal.payment.receipt", "Biên lai", "Receipt"),
    (
        "portal.attempt.open",
        "Đang chờ thanh toán",
        "Waiting for payment",
    ),
    (
        "portal.attempt.expired",
        "Hết thời gian thanh toán",
        "Expired",
    ),
    ("portal.attempt.paid", "Đã thanh toán", "Paid"),
    ("portal.attempt.failed", "Không thành công", "Not paid"),
    (
        "portal.payment.not_asked",
        "Hồ sơ này hiện không có yêu cầu nộp phí.",
        "No fee is asked for this application now.",
    ),
    (
        "portal.payment.already_paid",
        "Phí của hồ sơ này đã được nộp (biên lai {receipt}).",
        "The fee for this application is already paid (receipt {receipt}).",
    ),
    (
        "portal.payment.unavailable",
        "Tạm thời chưa thanh toán được. Hãy thử lại sau ít phút.",
        "Paying is not possible right now. Please try again in a few minutes.",
    ),
    (
        "portal.payment.return_invalid",
        "Không xác minh được kết quả thanh toán này (chữ ký không hợp lệ hoặc thiếu thông tin). Không có gì thay đổi.",
        "This payment result cannot be verified (its signature is wrong or something is missing). Nothing has changed.",
    ),
    (
        "portal.payment.paid",
        "Đã nộp phí, lệ phí.",
        "The fee is paid.",
    ),
    (
        "portal.payment.see_receipt",
        "Xem biên lai",
        "See the receipt",
    ),
    (
        "portal.payment.confirming",
        "Cổng thanh toán báo bạn đã trả tiền; Cổng đang chờ xác nhận từ cổng thanh toán. Việc này thường chỉ mất ít giây.",
        "The payment gateway says you paid; the portal is waiting for the gateway's confirmation. This usually takes a few seconds.",
    ),
    ("portal.payment.reload", "Tải lại trang", "Reload"),
    (
        "portal.payment.not_paid",
        "Chưa nộp được phí:",
        "The fee is not paid:",
    ),
    ("portal.payment.back", "Về hồ sơ", "Back to the application"),
    (
        "portal.receipt.title",
        "Biên lai thu phí, lệ phí",
        "Fee receipt",
    ),
    ("portal.receipt.number", "Số biên lai", "Receipt number"),
    ("portal.receipt.for", "Nội dung", "For"),
    ("portal.receipt.paid_at", "Thời gian thanh toán", "Paid"),
    ("portal.receipt.transaction", "Mã giao dịch", "Transaction"),
    ("portal.receipt.bank", "Ngân hàng", "Bank"),
    (
        "portal.receipt.flagged",
        "Khoản thanh toán này đang được đối soát; cơ quan sẽ liên hệ nếu cần hoàn tiền.",
        "This payment is being reconciled; the agency will contact you if a refund is due.",
    ),
    (
        "portal.receipt.not_paid",
        "Lần thanh toán này chưa thành công nên chưa có biên lai.",
        "This payment has not gone through, so there is no receipt.",
    ),
    // The public status check
    (
        "portal.check.title",
        "Tra cứu hồ sơ",
        "Look up an application",
    ),
    (
        "portal.check.intro",
        "Nhập mã hồ sơ và số định danh cá nhân của người nộp để xem trạng thái và thời hạn.",
        "Enter the application code and the applicant's personal ID number to see its status and deadline.",
    ),
    (
        "portal.check.personal_id",
        "Số định danh cá nhân của người nộp",
        "The applicant's personal ID number",
    ),
    ("portal.check.submit", "Tra cứu", "Look up"),
    (
        "portal.check.not_found",
        "Không tìm thấy hồ sơ có mã này với số định danh cá nhân này.",
        "No application has this code with this personal ID number.",
    ),
    // Refusals
    (
        "portal.error.title",
        "Không thực hiện được",
        "This could not be done",
    ),
    (
        "portal.error.field",
        "{field}: giá trị chưa hợp lệ. {hint}",
        "{field}: the value is not valid. {hint}",
    ),
    (
        "portal.error.invalid",
        "Thông tin chưa hợp lệ ({field}).",
        "Something is not valid ({field}).",
    ),
    (
        "portal.error.locked",
        "Hồ sơ ở trạng thái này không còn sửa hay nộp được.",
        "The application can no longer be changed or filed in this state.",
    ),
    (
        "portal.error.code",
        "Mã hồ sơ có dạng 000.00.12.H29-260105-0001.",
        "An application code looks like 000.00.12.H29-260105-0001.",
    ),
    (
        "portal.error.personal_id",
        "Số định danh cá nhân gồm 12 chữ số.",
        "A personal ID number has 12 digits.",
    ),
    (
        "portal.error.missing",
        "Còn thiếu: {what}.",
        "Missing: {what}.",
    ),
    (
        "portal.error.upload",
        "{document}: tệp không được nhận.",
        "{document}: the file is refused.",
    ),
    (
        "portal.error.unknown_procedure",
        "Không có thủ tục này trong danh mục.",
        "There is no such procedure in the catalogue.",
    ),
    (
        "portal.error.not_online",
        "Thủ tục này chưa nộp trực tuyến được; hãy nộp tại Bộ phận một cửa của cơ quan.",
        "This procedure cannot be filed online; file it at the agency's one-stop counter.",
    ),
    (
        "portal.error.not_found",
        "Không tìm thấy hồ sơ.",
        "There is no such application.",
    ),
    (
        "portal.error.not_allowed",
        "Hồ sơ đang ở trạng thái “{status}” nên không làm được việc này.",
        "The application is “{status}”, so this cannot be done.",
    ),
    (
        "portal.error.not_yours",
        "Việc này do cơ quan thực hiện.",
        "This is for the agency to do.",
    ),
    (
        "portal.error.changed",
        "Hồ sơ vừa thay đổi trong khi bạn đang xem; hãy tải lại trang rồi thử lại.",
        "The application changed while you were looking at it; reload the page and try again.",
    ),
    (
        "portal.error.not_a_person",
        "Chỉ tài khoản của cá nhân mới nộp được hồ sơ; hãy đăng nhập bằng tài khoản của chính bạn.",
        "Only a person's own account can file applications; sign in with your own account.",
    ),
    (
        "portal.error.too_many_checks",
        "Bạn tra cứu quá nhiều lần; hãy thử lại sau {seconds} giây.",
        "Too many look-ups; try again in {seconds} seconds.",
    ),
    (
        "portal.error.prefill",
        "Chưa lấy được thông tin từ Cơ sở dữ liệu quốc gia; hãy thử lại sau ít phút.",
        "The national databases could not be read; please try again in a few minutes.",
    ),
    (
        "portal.error.unavailable",
        "Cổng tạm thời gặp sự cố; hãy thử lại sau ít phút.",
        "The portal has a problem right now; please try again in a few minutes.",
    ),
];
