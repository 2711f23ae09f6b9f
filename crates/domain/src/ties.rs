//! The nine kinds of tie a partner can have with a customer, as Microsoft's page on managing
//! partner relationships lists them, and the roles each carries.

use serde::{Deserialize, Serialize};

/// A kind of partner tie, in the order a customer's page lists a partner's kinds: the ties gdap
/// creates and ends (reseller, DAP, GDAP) first, then those declared for a world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LinkType {
    /// Reseller: sells Microsoft products to the customer; no roles.
    Reseller,
    /// Advisor: delegated admin privileges (DAP), Admin Agents → Global Administrator and
    /// Helpdesk Agents → Helpdesk Administrator, until the customer removes them.
    Advisor,
    /// Partner with GDAP access: the roles of its granular relationships.
    Gdap,
    /// Indirect reseller: sells through an indirect provider, which bills the customer; no roles.
    IndirectReseller,
    /// Independent software vendor; no roles.
    Isv,
    /// Line-of-business partner: builds the customer's own apps; not available for assignment.
    LineOfBusiness,
    /// Microsoft Products & Services Agreement partner: sees the other MPSA partners' purchases.
    Mpsa,
    /// Original equipment manufacturer: registers Autopilot devices outside the tenant; no roles.
    Oem,
    /// Partner: works through user accounts the customer gives it, with any Entra role.
    Partner,
}

/// How a kind's roles come about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carries {
    /// No roles are assigned.
    Nothing,
    /// Global Administrator and Helpdesk Administrator.
    DapRoles,
    /// The roles of its relationships, or any Entra role the customer gives its accounts.
    AnyRole,
    /// Roles cannot be assigned to it.
    NotAssignable,
}

impl LinkType {
    /// Every kind, in order.
    pub const ALL: [Self; 9] = [
        Self::Reseller,
        Self::Advisor,
        Self::Gdap,
        Self::IndirectReseller,
        Self::Isv,
        Self::LineOfBusiness,
        Self::Mpsa,
        Self::Oem,
        Self::Partner,
    ];

    /// The kinds a world may declare; of these, gdap's flows create only the indirect reseller's
    /// tie (through an indirect reseller's link), and reseller, DAP and GDAP come from their own
    /// flows.
    pub const DECLARED: [Self; 6] = [
        Self::IndirectReseller,
        Self::Isv,
        Self::LineOfBusiness,
        Self::Mpsa,
        Self::Oem,
        Self::Partner,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reseller => "reseller",
            Self::Advisor => "advisor",
            Self::Gdap => "gdap",
            Self::IndirectReseller => "indirectReseller",
            Self::Isv => "isv",
            Self::LineOfBusiness => "lineOfBusiness",
            Self::Mpsa => "mpsa",
            Self::Oem => "oem",
            Self::Partner => "partner",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The roles the kind carries.
    pub fn carries(self) -> Carries {
        match self {
            Self::Advisor => Carries::DapRoles,
            Self::Gdap | Self::Partner => Carries::AnyRole,
            Self::LineOfBusiness => Carries::NotAssignable,
            Self::Reseller | Self::IndirectReseller | Self::Isv | Self::Mpsa | Self::Oem => {
                Carries::Nothing
            }
        }
    }
}

/// Joins kinds for storage: their names, comma-separated.
pub fn join(types: &[LinkType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Splits stored kinds; `None` when one is unknown.
pub fn split(s: &str) -> Option<Vec<LinkType>> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(LinkType::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_survives_storage_and_an_unknown_one_is_refused() {
        assert_eq!(
            split(&join(&LinkType::ALL)).unwrap(),
            LinkType::ALL.to_vec()
        );
        assert_eq!(split("").unwrap(), Vec::<LinkType>::new());
        assert_eq!(split("oem,bogus"), None);
    }

    #[test]
    fn only_dap_carries_the_two_fixed_roles_and_only_lob_is_unassignable() {
        let dap: Vec<_> = LinkType::ALL
            .into_iter()
            .filter(|k| k.carries() == Carries::DapRoles)
            .collect();
        assert_eq!(dap, vec![LinkType::Advisor]);
        let lob: Vec<_> = LinkType::ALL
            .into_iter()
            .filter(|k| k.carries() == Carries::NotAssignable)
            .collect();
        assert_eq!(lob, vec![LinkType::LineOfBusiness]);
    }

    #[test]
    fn the_serde_names_are_the_stored_names() {
        for k in LinkType::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
