//! The words of the role picker of the partner portal, in Japanese and English.

/// The words of one language.
#[derive(Debug)]
pub struct PickerText {
    pub search_label: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub selected: &'static str,
    pub none_selected: &'static str,
    /// `{n}` stands for the number of roles, `{q}` for the search.
    pub matches: &'static str,
    pub no_match: &'static str,
    pub clear: &'static str,
    pub by_task: &'static str,
    pub by_task_hint: &'static str,
    pub all_roles: &'static str,
    pub other_roles: &'static str,
    pub own_translation: &'static str,
    pub ga_auto_extend: &'static str,
    pub least_for: &'static str,
}

/// Japanese.
pub static JA: PickerText = PickerText {
    search_label: "ロールを検索",
    search: "検索",
    search_hint: "ロールの日本語名・英語名、またはタスクで検索できます。",
    selected: "選択したロール",
    none_selected: "まだロールが選択されていません。",
    matches: "「{q}」に一致するロール: {n} 件",
    no_match: "一致するロールはありません。",
    clear: "検索をクリア",
    by_task: "タスク別の最小特権ロール",
    by_task_hint: "パートナー センターのガイダンスによる、各タスクに必要な最も権限の低いロールです。",
    all_roles: "すべてのロール (領域別)",
    other_roles: "その他のロール",
    own_translation: "gdap による訳",
    ga_auto_extend: "グローバル管理者を含むリレーションシップは自動延長できません。自動延長を使う場合は、より権限の低いロールを選択してください。",
    least_for: "最小特権のタスク",
};

/// English.
pub static EN: PickerText = PickerText {
    search_label: "Search roles",
    search: "Search",
    search_hint: "Search by a role's English or Japanese name, or by a task.",
    selected: "Selected roles",
    none_selected: "No role selected yet.",
    matches: "{n} roles match “{q}”",
    no_match: "No role matches.",
    clear: "Clear search",
    by_task: "Least-privileged role by task",
    by_task_hint: "Partner Center's guidance: the least privileged role each task needs.",
    all_roles: "All roles, by area",
    other_roles: "Other roles",
    own_translation: "gdap's translation",
    ga_auto_extend: "A relationship with Global Administrator cannot extend itself automatically. To use auto-extend, choose less privileged roles.",
    least_for: "Least privileged for",
};
