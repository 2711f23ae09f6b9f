//! The roles in the reader's language: Japanese names and descriptions of the built-in roles as
//! Microsoft's Japanese documentation words them (embedded data; names gdap translated itself are
//! marked as such), and the Japanese words of the tasks and areas of the roles-by-task guidance.

use std::collections::HashMap;
use std::sync::OnceLock;

use gdap_domain::ids::RoleDefinitionId;
use gdap_domain::mail::Language;
use gdap_domain::roles::Role;
use serde::Deserialize;

const NAMES_JSON: &str = include_str!("../../../../data/entra-role-names-ja.json");
const TASKS_JSON: &str = include_str!("../../../../data/gdap-roles-by-task-ja.json");

/// Where a Japanese word comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Microsoft's Japanese documentation or admin center.
    Microsoft,
    /// gdap's own translation (Microsoft has none, or a broken one).
    Gdap,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    id: RoleDefinitionId,
    ja: String,
    source: Source,
    description: Option<String>,
}

#[derive(Deserialize)]
struct Names {
    roles: Vec<Entry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskWords {
    capabilities: HashMap<String, String>,
    tasks: HashMap<String, String>,
    feature_areas: HashMap<String, String>,
}

fn names() -> &'static HashMap<RoleDefinitionId, Entry> {
    static NAMES: OnceLock<HashMap<RoleDefinitionId, Entry>> = OnceLock::new();
    NAMES.get_or_init(|| {
        // INVARIANT: embedded at build time and checked by the tests below.
        serde_json::from_str::<Names>(NAMES_JSON)
            .map(|n| n.roles.into_iter().map(|e| (e.id, e)).collect())
            .unwrap_or_default()
    })
}

fn task_words() -> &'static TaskWords {
    static WORDS: OnceLock<TaskWords> = OnceLock::new();
    WORDS.get_or_init(|| serde_json::from_str(TASKS_JSON).unwrap_or_default())
}

/// A role's name for readers of `lang`: in Japanese the Japanese name with the English one
/// beside it (the name partners and Microsoft's English pages use), in English the English name.
pub fn role_name(lang: Language, role: &Role) -> String {
    match (lang, names().get(&role.id)) {
        (Language::Ja, Some(e)) => format!("{} ({})", e.ja, role.display_name),
        _ => role.display_name.clone(),
    }
}

/// Whether the Japanese name of `role` is gdap's own translation rather than Microsoft's.
pub fn own_translation(role: &Role) -> bool {
    names()
        .get(&role.id)
        .is_some_and(|e| e.source == Source::Gdap)
}

/// A role's description for readers of `lang` (the English one when no Japanese one is known).
pub fn role_description(lang: Language, role: &Role) -> &str {
    match (
        lang,
        names().get(&role.id).and_then(|e| e.description.as_deref()),
    ) {
        (Language::Ja, Some(d)) => d,
        _ => &role.description,
    }
}

fn word<'a>(lang: Language, table: &'a HashMap<String, String>, english: &'a str) -> &'a str {
    match lang {
        Language::Ja => table.get(english).map_or(english, String::as_str),
        Language::En => english,
    }
}

/// A capability of the guidance (`Users` …) in the reader's language.
pub fn capability(lang: Language, english: &str) -> &str {
    word(lang, &task_words().capabilities, english)
}

/// A task of the guidance in the reader's language.
pub fn task(lang: Language, english: &str) -> &str {
    word(lang, &task_words().tasks, english)
}

/// A feature area of Entra's delegate-by-task list in the reader's language.
pub fn area(lang: Language, english: &str) -> &str {
    word(lang, &task_words().feature_areas, english)
}

/// Text folded for searching: lower case, full-width letters and digits as ASCII, no spaces.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdap_domain::roles::Catalogue;
    use gdap_domain::tasks::Guidance;

    #[test]
    fn every_built_in_role_has_a_japanese_name_and_description() {
        for r in Catalogue::builtin().all() {
            let e = names()
                .get(&r.id)
                .unwrap_or_else(|| panic!("{}", r.display_name));
            assert!(!e.ja.is_empty() && !e.ja.contains(&r.display_name));
            assert!(
                e.description.as_deref().is_some_and(|d| !d.is_empty()),
                "{} has no Japanese description",
                r.display_name
            );
        }
        let ga = Catalogue::builtin()
            .all()
            .iter()
            .find(|r| r.display_name == "Global Administrator")
            .unwrap();
        assert_eq!(
            role_name(Language::Ja, ga),
            "グローバル管理者 (Global Administrator)"
        );
        assert_eq!(role_name(Language::En, ga), "Global Administrator");
        assert!(!own_translation(ga));
    }

    #[test]
    fn every_task_capability_and_area_of_the_guidance_has_japanese_words() {
        let g = Guidance::builtin();
        let w = task_words();
        for t in &g.tasks {
            assert!(w.tasks.contains_key(&t.task), "{}", t.task);
            assert!(w.capabilities.contains_key(&t.capability));
        }
        for a in &g.areas {
            assert!(w.feature_areas.contains_key(&a.name), "{}", a.name);
        }
        assert_eq!(task(Language::Ja, "Create user"), "ユーザーの作成");
        assert_eq!(task(Language::En, "Create user"), "Create user");
    }

    #[test]
    fn search_text_ignores_case_spaces_and_full_width_letters() {
        assert_eq!(fold("Ｐａｓｓｗｏｒｄ Admin"), "passwordadmin");
        assert_eq!(fold("パスワード 管理者"), "パスワード管理者");
    }
}
