//! The words of the partner portal's Devices pages (a customer's Autopilot devices, the CSV
//! upload and its results), in Japanese and English.

use gdap_domain::autopilot::csv::{CsvError, LineProblem, HEADER};
use gdap_domain::autopilot::manage::Refusal;
use gdap_domain::autopilot::ConsentRefusal;
use gdap_domain::mail::Language;

/// The words of one language.
#[derive(Debug)]
pub struct DevicesText {
    /// `{customer}` stands for the customer's name.
    pub title: &'static str,
    pub intro: &'static str,
    pub lists: &'static str,
    pub no_lists: &'static str,
    pub list_name: &'static str,
    pub created_by: &'static str,
    pub created: &'static str,
    pub count: &'static str,
    pub add_title: &'static str,
    pub add_intro: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub file_label: &'static str,
    pub file_hint: &'static str,
    pub upload: &'static str,
    pub name_missing: &'static str,
    pub name_taken: &'static str,
    pub file_missing: &'static str,
    pub bad_file_title: &'static str,
    pub bad_file_intro: &'static str,
    pub result_title: &'static str,
    /// `{ok}` and `{failed}` stand for counts.
    pub result_summary: &'static str,
    pub line: &'static str,
    pub serial: &'static str,
    pub product_id: &'static str,
    pub model: &'static str,
    pub result: &'static str,
    pub back: &'static str,
    pub devices_of: &'static str,
    pub added_by: &'static str,
    pub uploaded: &'static str,
    pub profile: &'static str,
    pub next_page: &'static str,
    pub refused_title: &'static str,
    pub devices_link: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
}

/// Japanese.
pub static JA: DevicesText = DevicesText {
    title: "{customer} のデバイス",
    intro: "Windows Autopilot に登録した、この顧客のデバイスです。お客様がリセラー関係を承認していれば、委任された管理者特権がなくてもデバイスを登録できます。",
    lists: "デバイス リスト",
    no_lists: "まだデバイス リストはありません。",
    list_name: "名前",
    created_by: "作成者",
    created: "作成日",
    count: "デバイス数",
    add_title: "デバイスの追加",
    add_intro: "Get-WindowsAutoPilotInfo.ps1 -Partner で作成した CSV ファイルをアップロードします。1 つのファイルに登録できるデバイスは 10,000 台までです。",
    name_label: "デバイス リストの名前",
    name_hint: "この顧客のデバイス リストの中で重複しない名前を付けてください。",
    file_label: "CSV ファイル",
    file_hint: "1 行目は次の見出しにしてください:",
    upload: "アップロード",
    name_missing: "デバイス リストの名前を入力してください。",
    name_taken: "この名前のデバイス リストは既にあります。別の名前を付けてください。",
    file_missing: "アップロードする CSV ファイルを選んでください。",
    bad_file_title: "ファイルを読み取れませんでした",
    bad_file_intro: "デバイスは 1 台も登録されていません。ファイルを修正して、もう一度アップロードしてください。",
    result_title: "アップロードの結果",
    result_summary: "{ok} 台のデバイスを登録しました。登録できなかったデバイスは {failed} 台です。",
    line: "行",
    serial: "シリアル番号",
    product_id: "Windows プロダクト ID",
    model: "製造元 / モデル",
    result: "結果",
    back: "デバイスの一覧に戻る",
    devices_of: "デバイス リスト「{name}」",
    added_by: "登録したパートナー",
    uploaded: "登録日",
    profile: "プロファイル",
    next_page: "次のページ",
    refused_title: "この操作は許可されていません",
    devices_link: "デバイス",
    not_found_title: "見つかりません",
    not_found_body: "顧客、デバイス リスト、またはアップロードの結果が見つかりません。",
};

/// English.
pub static EN: DevicesText = DevicesText {
    title: "Devices of {customer}",
    intro: "This customer's devices registered with Windows Autopilot. Once the customer has accepted your reseller relationship, you can register devices without delegated admin privileges.",
    lists: "Device lists",
    no_lists: "No device lists yet.",
    list_name: "Name",
    created_by: "Created by",
    created: "Created",
    count: "Devices",
    add_title: "Add devices",
    add_intro: "Upload the CSV file that Get-WindowsAutoPilotInfo.ps1 -Partner writes. One file registers up to 10,000 devices.",
    name_label: "Device list name",
    name_hint: "A name no other device list of this customer has.",
    file_label: "CSV file",
    file_hint: "Its first line must be this header:",
    upload: "Upload",
    name_missing: "Enter a name for the device list.",
    name_taken: "A device list of this name exists. Choose another name.",
    file_missing: "Choose the CSV file to upload.",
    bad_file_title: "The file could not be read",
    bad_file_intro: "No device was registered. Correct the file and upload it again.",
    result_title: "Upload results",
    result_summary: "{ok} devices were registered. {failed} could not be registered.",
    line: "Line",
    serial: "Serial number",
    product_id: "Windows Product ID",
    model: "Manufacturer / model",
    result: "Result",
    back: "Back to the devices",
    devices_of: "Device list “{name}”",
    added_by: "Registered by",
    uploaded: "Registered",
    profile: "Profile",
    next_page: "Next page",
    refused_title: "You can't do this",
    devices_link: "Devices",
    not_found_title: "Not found",
    not_found_body: "The customer, device list or upload results were not found.",
};

/// The words of `lang`.
pub fn text(lang: Language) -> &'static DevicesText {
    match lang {
        Language::Ja => &JA,
        Language::En => &EN,
    }
}

/// Why a file is not a device list, in words.
pub fn csv_error(lang: Language, e: &CsvError) -> String {
    let header = HEADER.join(",");
    match (lang, e) {
        (Language::Ja, CsvError::Empty) => "ファイルが空です。".into(),
        (Language::Ja, CsvError::Header(found)) => format!(
            "1 行目が見出しではありません。1 行目は「{header}」にしてください (読み取った内容: 「{found}」)。"
        ),
        (Language::Ja, CsvError::Line(n, LineProblem::Columns(c))) => {
            format!("{n} 行目の列の数が {c} 個です。見出しと同じ 5 個にしてください。")
        }
        (Language::Ja, CsvError::Line(n, LineProblem::NotText)) => {
            format!("{n} 行目が UTF-8 のテキストではありません。")
        }
        (Language::Ja, CsvError::Line(n, LineProblem::NotCsv)) => {
            format!("{n} 行目を CSV として読み取れません (引用符が閉じていない可能性があります)。")
        }
        (Language::Ja, CsvError::TooMany) => {
            "デバイスが 10,000 台を超えています。ファイルを分けてアップロードしてください。".into()
        }
        (Language::En, CsvError::Empty) => "The file is empty.".into(),
        (Language::En, CsvError::Header(found)) => format!(
            "The first line is not the header. It must be “{header}” (found “{found}”)."
        ),
        (Language::En, CsvError::Line(n, LineProblem::Columns(c))) => {
            format!("Line {n} has {c} columns; it needs the header's 5.")
        }
        (Language::En, CsvError::Line(n, LineProblem::NotText)) => {
            format!("Line {n} is not UTF-8 text.")
        }
        (Language::En, CsvError::Line(n, LineProblem::NotCsv)) => {
            format!("Line {n} is not a CSV line (a quote may be left open).")
        }
        (Language::En, CsvError::TooMany) => {
            "The file holds more than 10,000 devices. Upload it in several files.".into()
        }
    }
}

/// A per-device error code, explained.
pub fn device_error(lang: Language, code: &str) -> &'static str {
    match (lang, code) {
        (Language::Ja, "801") => "デバイスを識別する列の組み合わせが正しくありません。ハードウェア ハッシュ、Windows プロダクト ID (13 桁)、または製造元名・シリアル番号・モデルの組み合わせを指定してください。",
        (Language::Ja, "802") => "ハードウェア ハッシュが正しくありません。4K ハードウェア ハッシュ全体を指定してください。",
        (Language::Ja, "803") => "シリアル番号も Windows プロダクト ID もありません。",
        (Language::Ja, "806") => "このデバイスは既にこの顧客に登録されています。",
        (Language::Ja, "808") => "このデバイスは別の組織に登録されています。",
        (Language::Ja, _) => "このデバイスは登録できませんでした。",
        (Language::En, "801") => "The columns that identify the device are not a valid combination: give the hardware hash, the 13-digit Windows Product ID, or manufacturer, serial number and model.",
        (Language::En, "802") => "The hardware hash is not valid: give the whole 4K hardware hash.",
        (Language::En, "803") => "The device has neither a serial number nor a Windows Product ID.",
        (Language::En, "806") => "This device is already registered to this customer.",
        (Language::En, "808") => "This device is registered to another organization.",
        (Language::En, _) => "This device could not be registered.",
    }
}

/// Why a partner may not act on a customer's devices, in words.
pub fn refusal(lang: Language, r: Refusal) -> &'static str {
    match (lang, r) {
        (Language::Ja, Refusal::Role { .. }) => "デバイスの追加、表示、削除ができるのは、パートナー組織の AdminAgents グループまたは SalesAgents グループのメンバーです。プロファイルの作成と割り当ては AdminAgents グループのメンバーだけが行えます。",
        (Language::Ja, Refusal::Consent(ConsentRefusal::NoConsent)) => "この顧客からデバイスを登録する承認を得ていません。承認は、お客様がリセラー関係 (または OEM の招待) を承認すると与えられます。DAP や GDAP だけでは与えられません。",
        (Language::Ja, Refusal::Consent(ConsentRefusal::CsvUploadOnly)) => "間接リセラーは、パートナー ポータルで CSV ファイルをアップロードしてデバイスを登録します。",
        (Language::Ja, Refusal::OemProfiles) => "OEM が行えるのはデバイスの登録と登録解除です。",
        (Language::Ja, Refusal::CustomerDevice) => "お客様が自分で登録したデバイスは、パートナーが管理することはできません。",
        (Language::En, Refusal::Role { .. }) => "Members of your organization's AdminAgents or SalesAgents groups add, view and delete devices; only AdminAgents members create and assign profiles.",
        (Language::En, Refusal::Consent(ConsentRefusal::NoConsent)) => "This customer has not authorized you to register its devices. Authorization comes with the customer's acceptance of your reseller relationship (or an OEM's invitation); DAP or GDAP alone does not give it.",
        (Language::En, Refusal::Consent(ConsentRefusal::CsvUploadOnly)) => "An indirect reseller registers devices by uploading a CSV file in the partner portal.",
        (Language::En, Refusal::OemProfiles) => "An OEM registers and deregisters devices only.",
        (Language::En, Refusal::CustomerDevice) => "Partners don't manage devices the customer registered itself.",
    }
}
