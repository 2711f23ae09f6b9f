//! Least-privileged roles by task, embedded data: Partner Center's GDAP guidance (a task such as
//! "Reset password for nonadmin" and the least-privileged Entra role for it, grouped by capability)
//! and the feature areas of Entra's delegate-by-task list, which give every role a home.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::ids::RoleDefinitionId;

const TASKS_JSON: &str = include_str!("../../../data/gdap-roles-by-task.json");

/// One task of Partner Center's guidance with the least-privileged built-in role for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRole {
    /// The capability it belongs to (`Users`, `Groups`, `Licenses`, `Support`).
    pub capability: String,
    /// The task, in English as the guidance words it.
    pub task: String,
    /// The least-privileged built-in role.
    pub role: RoleDefinitionId,
}

/// One feature area of Entra's delegate-by-task list with the roles least privileged for some
/// task in it, in the order first met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// The area, in English (`Users`, `Enterprise applications` …).
    pub name: String,
    /// Its roles.
    pub roles: Vec<RoleDefinitionId>,
}

/// The embedded guidance.
#[derive(Debug, Default)]
pub struct Guidance {
    /// Partner Center's tasks that a built-in role covers, in the source order.
    pub tasks: Vec<TaskRole>,
    /// Entra's feature areas, in the source order.
    pub areas: Vec<Area>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Source {
    partner_center: PartnerCenter,
    entra_delegate_by_task: Vec<EntraRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartnerCenter {
    least_privileged_role_by_task: Vec<PartnerCenterRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PartnerCenterRow {
    capability: String,
    task: String,
    least_privileged_role: RoleRef,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntraRow {
    feature_area: String,
    least_privileged_role: RoleRef,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleRef {
    kind: String,
    role_id: Option<String>,
}

impl RoleRef {
    /// The built-in role it names; owners, default permissions and Azure roles are no GDAP role.
    fn builtin(&self) -> Option<RoleDefinitionId> {
        if self.kind != "entraBuiltInRole" {
            return None;
        }
        self.role_id
            .as_deref()
            .and_then(|id| RoleDefinitionId::parse(id).ok())
    }
}

impl Guidance {
    /// The embedded guidance, parsed once.
    pub fn builtin() -> &'static Guidance {
        static GUIDANCE: OnceLock<Guidance> = OnceLock::new();
        GUIDANCE.get_or_init(|| {
            // INVARIANT: the file is embedded at build time and checked by the tests below, so a
            // parse failure is a build defect, not a runtime condition.
            serde_json::from_str::<Source>(TASKS_JSON)
                .map(Self::from_source)
                .unwrap_or_default()
        })
    }

    fn from_source(s: Source) -> Self {
        let tasks = s
            .partner_center
            .least_privileged_role_by_task
            .into_iter()
            .filter_map(|row| {
                Some(TaskRole {
                    role: row.least_privileged_role.builtin()?,
                    capability: row.capability,
                    task: row.task,
                })
            })
            .collect();
        let mut areas: Vec<Area> = Vec::new();
        for row in s.entra_delegate_by_task {
            let Some(role) = row.least_privileged_role.builtin() else {
                continue;
            };
            let i = match areas.iter().position(|a| a.name == row.feature_area) {
                Some(i) => i,
                None => {
                    areas.push(Area {
                        name: row.feature_area,
                        roles: Vec::new(),
                    });
                    areas.len() - 1
                }
            };
            if !areas[i].roles.contains(&role) {
                areas[i].roles.push(role);
            }
        }
        Self { tasks, areas }
    }

    /// The capabilities of [`Guidance::tasks`], in the order first met.
    pub fn capabilities(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in &self.tasks {
            if !out.contains(&t.capability.as_str()) {
                out.push(&t.capability);
            }
        }
        out
    }

    /// The tasks `role` is the least-privileged role for.
    pub fn tasks_of<'a>(
        &'a self,
        role: &'a RoleDefinitionId,
    ) -> impl Iterator<Item = &'a TaskRole> {
        self.tasks.iter().filter(move |t| t.role == *role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles::Catalogue;

    #[test]
    fn the_embedded_guidance_names_only_catalogue_roles() {
        let g = Guidance::builtin();
        let c = Catalogue::builtin();
        assert!(g.tasks.len() >= 30, "{}", g.tasks.len());
        assert!(g.areas.len() >= 30, "{}", g.areas.len());
        for r in g
            .tasks
            .iter()
            .map(|t| &t.role)
            .chain(g.areas.iter().flat_map(|a| &a.roles))
        {
            assert!(c.get(r).is_some(), "{r} is not a built-in role");
        }
        assert_eq!(g.capabilities(), ["Support", "Users", "Groups", "Licenses"]);
    }

    #[test]
    fn resetting_a_nonadmin_password_needs_only_the_password_administrator() {
        let g = Guidance::builtin();
        let t = g
            .tasks
            .iter()
            .find(|t| t.task == "Reset password for nonadmin")
            .unwrap();
        assert_eq!(t.role.to_string(), "966707d0-3269-4727-9be2-8c3a10f19b9d");
        // Tasks without a directory role (an owner's, say) are left out.
        assert!(g.tasks.iter().all(|t| t.task != "Update group owners"));
    }
}
