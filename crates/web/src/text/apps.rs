//! The words of signing in to applications: the device code page, the second sign-in step and its
//! enrolment, and consent, in Japanese and English (one struct per language, as the rest).

/// The words of one language.
#[derive(Debug)]
pub struct AppText {
    pub device_title: &'static str,
    pub device_intro: &'static str,
    pub device_code: &'static str,
    pub device_bad_code: &'static str,
    /// `{app}` stands for the application's name.
    pub device_confirm: &'static str,
    pub device_caution: &'static str,
    pub cancel: &'static str,
    /// `{app}` stands for the application's name.
    pub device_done: &'static str,
    /// `{app}` stands for the application's name.
    pub device_declined: &'static str,
    pub mfa_title: &'static str,
    pub mfa_intro: &'static str,
    pub mfa_verify: &'static str,
    pub mfa_wrong: &'static str,
    pub mfa_setup_title: &'static str,
    pub mfa_setup_intro: &'static str,
    pub mfa_setup_key: &'static str,
    pub mfa_setup_open: &'static str,
    pub consent_title: &'static str,
    pub consent_intro: &'static str,
    pub consent_org: &'static str,
    pub consent_caution: &'static str,
    pub consent_admin_title: &'static str,
    /// `{app}` stands for the application's name.
    pub consent_admin_body: &'static str,
    pub consent_return: &'static str,
    pub consent_refused: &'static str,
}

/// Japanese.
pub static JA: AppText = AppText {
    device_title: "コードの入力",
    device_intro: "アプリまたはデバイスに表示されているコードを入力してください。",
    device_code: "コード",
    device_bad_code: "このコードは無効か、有効期限が切れています。コードを確認して、もう一度お試しください。",
    device_confirm: "{app} にサインインしようとしていますか?",
    device_caution: "信頼できるストアまたは Web サイトから入手したアプリの場合にのみ続行してください。",
    cancel: "キャンセル",
    device_done: "デバイスで {app} アプリケーションにサインインしました。このウィンドウを閉じてかまいません。",
    device_declined: "{app} へのサインインをキャンセルしました。このウィンドウを閉じてかまいません。",
    mfa_title: "コードの入力",
    mfa_intro: "認証アプリに表示されている確認コードを入力してください。",
    mfa_verify: "検証",
    mfa_wrong: "コードが正しくありません。認証アプリに表示されている現在のコードを入力してください。",
    mfa_setup_title: "多要素認証のセットアップ",
    mfa_setup_intro: "この組織では、サインインに 2 つ目の確認が必要です。Microsoft Authenticator など 6 桁のコードを表示する認証アプリに、次のキーでアカウントを追加し、アプリに表示されたコードを入力してください。",
    mfa_setup_key: "キー",
    mfa_setup_open: "認証アプリで開く",
    consent_title: "要求されているアクセス許可",
    consent_intro: "このアプリは次のことを行います:",
    consent_org: "組織の代理として同意する",
    consent_caution: "これらのアクセス許可を承諾すると、このアプリが利用規約とプライバシーに関する声明に従ってお客様のデータを使用することを許可したことになります。",
    consent_admin_title: "管理者の承認が必要",
    consent_admin_body: "{app} には、管理者だけが付与できる、組織内のリソースへのアクセス許可が必要です。このアプリを使用する前に、アプリへのアクセス許可を付与するよう管理者に依頼してください。",
    consent_return: "同意せずにアプリケーションに戻る",
    consent_refused: "これらのアクセス許可を付与できるのは管理者だけです。",
};

/// English.
pub static EN: AppText = AppText {
    device_title: "Enter code",
    device_intro: "Enter the code displayed on your app or device.",
    device_code: "Code",
    device_bad_code: "That code didn't work or has expired. Check the code and try again.",
    device_confirm: "Are you trying to sign in to {app}?",
    device_caution: "Only continue if you got the app from a store or website that you trust.",
    cancel: "Cancel",
    device_done: "You have signed in to the {app} application on your device. You may now close this window.",
    device_declined: "You cancelled the sign-in to {app}. You may now close this window.",
    mfa_title: "Enter code",
    mfa_intro: "Enter the code displayed in your authenticator app.",
    mfa_verify: "Verify",
    mfa_wrong: "That code is wrong. Enter the current code from your authenticator app.",
    mfa_setup_title: "Set up multifactor authentication",
    mfa_setup_intro: "Your organization requires a second step to sign in. Add an account with the key below to an authenticator app that shows six-digit codes, such as Microsoft Authenticator, then enter the code it shows.",
    mfa_setup_key: "Key",
    mfa_setup_open: "Open in an authenticator app",
    consent_title: "Permissions requested",
    consent_intro: "This app would like to:",
    consent_org: "Consent on behalf of your organization",
    consent_caution: "Accepting these permissions means that you allow this app to use your data as specified in its terms of service and privacy statement.",
    consent_admin_title: "Need admin approval",
    consent_admin_body: "{app} needs permission to access resources in your organization that only an admin can grant. Ask an admin to grant permission to this app before you can use it.",
    consent_return: "Return to the application without granting consent",
    consent_refused: "Only an administrator may grant these permissions.",
};
