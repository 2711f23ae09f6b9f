//! The role picker of the partner portal, without JavaScript: the roles chosen so far; a search
//! by Japanese or English name or by task (a submit button that re-renders the form, keeping what
//! was entered); Partner Center's least-privileged role for each task, by capability; and every
//! role a partner may request, by the Entra area it is least privileged for. Global Administrator
//! is marked, with its effect on auto-extend said before the form is sent.

use gdap_domain::ids::RoleDefinitionId;
use gdap_domain::mail::Language;
use gdap_domain::roles::{Catalogue, Role, GLOBAL_ADMINISTRATOR};
use gdap_domain::tasks::Guidance;
use maud::{html, Markup};

use super::context::Web;
use super::layout;
use super::text::{self, roles::fold};

/// Where the search button sends the form (it re-renders it).
pub const SEARCH_ACTION: &str = "/partner/relationships/new";

/// The longest search kept.
const MAX_QUERY: usize = 100;

/// What the picker starts from: the roles chosen so far and the search.
pub struct Picker<'a> {
    chosen: Vec<&'static Role>,
    query: String,
    /// The search folded for matching.
    folded: String,
    web: &'a Web,
}

impl<'a> Picker<'a> {
    /// The picker for `chosen` role ids (unknown and repeated ones dropped) and a search.
    pub fn new<'b>(web: &'a Web, chosen: impl Iterator<Item = &'b str>, query: &str) -> Self {
        let c = Catalogue::builtin();
        let mut roles: Vec<&'static Role> = Vec::new();
        for id in chosen.filter_map(|s| RoleDefinitionId::parse(s).ok()) {
            if let Some(r) = c.get(&id).filter(|r| r.gdap_refusal.is_none()) {
                if !roles.iter().any(|x| x.id == r.id) {
                    roles.push(r);
                }
            }
        }
        let query: String = query.trim().chars().take(MAX_QUERY).collect();
        Self {
            chosen: roles,
            folded: fold(&query),
            query,
            web,
        }
    }

    fn lang(&self) -> Language {
        self.web.lang
    }

    fn is_chosen(&self, r: &RoleDefinitionId) -> bool {
        self.chosen.iter().any(|x| x.id == *r)
    }

    /// Whether a role (or a task it covers) matches the search; everything matches no search.
    fn matches(&self, role: &Role, task: Option<&str>) -> bool {
        let q = &self.folded;
        if q.is_empty() {
            return true;
        }
        let mut hay = vec![
            fold(&role.display_name),
            fold(&text::role_name(Language::Ja, role)),
        ];
        if let Some(t) = task {
            hay.push(fold(t));
            hay.push(fold(text::roles::task(Language::Ja, t)));
        }
        hay.iter().any(|h| h.contains(q.as_str()))
    }

    fn checkbox(&self, section: &str, role: &Role, checked: bool) -> Markup {
        let lang = self.lang();
        let id = format!("role-{section}-{}", role.id);
        let tasks: Vec<&str> = Guidance::builtin()
            .tasks_of(&role.id)
            .map(|t| text::roles::task(lang, &t.task))
            .collect();
        html! {
            div.role data-role=(role.id.to_string()) {
                input id=(id) type="checkbox" name="role" value=(role.id.to_string()) checked[checked];
                " "
                label for=(id) {
                    span.role-name { (text::role_name(lang, role)) }
                    (layout::own_mark(lang, role))
                    @if role.id.to_string() == GLOBAL_ADMINISTRATOR {
                        " " mark.privileged { (self.web.t.most_privileged) }
                    }
                }
                br;
                small.role-desc { (text::role_description(lang, role)) }
                @if !tasks.is_empty() {
                    br;
                    small.hint { (self.web.t.picker.least_for) ": " (tasks.join("、")) }
                }
            }
        }
    }

    /// The fieldset.
    pub fn render(&self) -> Markup {
        let t = self.web.t;
        let p = t.picker;
        let lang = self.lang();
        let c = Catalogue::builtin();
        let g = Guidance::builtin();
        let searching = !self.query.is_empty();
        // Every eligible role not chosen, each once, under the first area that names it.
        let mut placed: Vec<RoleDefinitionId> = Vec::new();
        let mut areas: Vec<(&str, Vec<&Role>)> = Vec::new();
        for a in &g.areas {
            let mut roles: Vec<&Role> = a
                .roles
                .iter()
                .filter(|r| !placed.contains(r))
                .filter_map(|r| c.get(r))
                .filter(|r| r.gdap_refusal.is_none())
                .collect();
            placed.extend(roles.iter().map(|r| r.id));
            roles.retain(|r| !self.is_chosen(&r.id) && self.matches(r, None));
            roles.sort_by_cached_key(|r| text::role_name(lang, r));
            if !roles.is_empty() {
                areas.push((text::roles::area(lang, &a.name), roles));
            }
        }
        let mut others: Vec<&Role> = c
            .gdap_eligible()
            .filter(|r| !placed.contains(&r.id) && !self.is_chosen(&r.id))
            .filter(|r| self.matches(r, None))
            .collect();
        others.sort_by_cached_key(|r| text::role_name(lang, r));
        if !others.is_empty() {
            areas.push((p.other_roles, others));
        }
        let tasks: Vec<(&str, Vec<(&str, &Role)>)> = g
            .capabilities()
            .into_iter()
            .map(|cap| {
                let rows = g
                    .tasks
                    .iter()
                    .filter(|x| x.capability == cap && !self.is_chosen(&x.role))
                    .filter_map(|x| Some((x.task.as_str(), c.get(&x.role)?)))
                    .filter(|(task, r)| r.gdap_refusal.is_none() && self.matches(r, Some(task)))
                    .collect();
                (cap, rows)
            })
            .filter(|(_, rows): &(&str, Vec<_>)| !rows.is_empty())
            .collect();
        let found = areas.iter().map(|(_, r)| r.len()).sum::<usize>();
        let ga_chosen = self
            .chosen
            .iter()
            .any(|r| r.id.to_string() == GLOBAL_ADMINISTRATOR);
        html! {
            fieldset.roles.picker {
                legend { (t.roles) }
                div.search {
                    label for="role-search" { (p.search_label) }
                    input id="role-search" type="search" name="q" maxlength=(MAX_QUERY) value=(self.query) aria-describedby="role-search-hint";
                    button type="submit" name="search" value="1" formaction=(SEARCH_ACTION) formnovalidate { (p.search) }
                    small id="role-search-hint" { (p.search_hint) }
                }
                h3 { (p.selected) " (" (self.chosen.len()) ")" }
                @if self.chosen.is_empty() {
                    p.hint { (p.none_selected) }
                } @else {
                    @for r in &self.chosen { (self.checkbox("chosen", r, true)) }
                }
                @if ga_chosen { p.notice role="status" data-warning="ga-auto-extend" { (p.ga_auto_extend) } }
                @if searching {
                    p role="status" {
                        @if found == 0 && tasks.is_empty() { (p.no_match) }
                        @else { (p.matches.replace("{n}", &found.to_string()).replace("{q}", &self.query)) }
                    }
                }
                h3 { (p.by_task) }
                p.hint { (p.by_task_hint) }
                @for (cap, rows) in &tasks {
                    details open[searching] {
                        summary { (text::roles::capability(lang, cap)) " (" (rows.len()) ")" }
                        ul.tasks {
                            @for (i, (task, r)) in rows.iter().enumerate() {
                                li {
                                    span.task { (text::roles::task(lang, task)) }
                                    (self.checkbox(&format!("{cap}-{i}"), r, false))
                                }
                            }
                        }
                    }
                }
                h3 { (p.all_roles) }
                @for (name, roles) in &areas {
                    details open[searching] {
                        summary { (name) " (" (roles.len()) ")" }
                        @for r in roles { (self.checkbox("all", r, false)) }
                    }
                }
            }
        }
    }
}
