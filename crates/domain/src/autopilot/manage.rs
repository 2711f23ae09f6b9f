//! Who may do what with a customer's Autopilot devices and profiles: the partner's consent in that
//! customer (by partner kind and channel), its agents' roles, and who added the device. Every
//! decision carries the reason the check API and the refusals quote.

use super::{consent, Channel, Consent, ConsentRefusal};
use crate::customer::PartnerLink;
use crate::ids::TenantId;

/// What a partner asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceAction {
    /// Register devices (a batch by the API, or a CSV upload).
    AddDevices,
    /// List batches and devices, read job status.
    ReadDevices,
    /// Deregister a device.
    DeleteDevice,
    /// Create, replace or delete Autopilot profiles (and read them).
    ManageProfiles,
    /// Assign a profile to devices, or take it off.
    ApplyProfile,
}

impl DeviceAction {
    /// Every action.
    pub const ALL: [Self; 5] = [
        Self::AddDevices,
        Self::ReadDevices,
        Self::DeleteDevice,
        Self::ManageProfiles,
        Self::ApplyProfile,
    ];

    /// The name the check API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AddDevices => "autopilot/devices/create",
            Self::ReadDevices => "autopilot/devices/read",
            Self::DeleteDevice => "autopilot/devices/delete",
            Self::ManageProfiles => "autopilot/profiles/update",
            Self::ApplyProfile => "autopilot/devices/profile/update",
        }
    }

    /// The action of a check API name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether Sales Agents may do it (Admin Agents may do every action).
    fn sales_agents_may(self) -> bool {
        matches!(
            self,
            Self::AddDevices | Self::ReadDevices | Self::DeleteDevice
        )
    }

    /// Whether it deals with profiles, which an OEM (no delegated admin) never touches.
    fn is_profile_work(self) -> bool {
        matches!(self, Self::ManageProfiles | Self::ApplyProfile)
    }
}

/// The caller's Partner Center roles that matter for Autopilot: membership of its tenant's
/// Admin Agents and Sales Agents groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgentRoles {
    /// A member of Admin Agents.
    pub admin_agent: bool,
    /// A member of Sales Agents.
    pub sales_agent: bool,
}

/// Who added a device to the Autopilot database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddedBy {
    /// A partner (by Partner Center, the partner portal or an OEM's API).
    Partner(TenantId),
    /// The customer itself (through Intune): no partner manages it.
    Customer,
}

/// A decision that lets the partner act, and under which consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The consent it acts under.
    pub consent: Consent,
    /// Why, in a sentence.
    pub reason: String,
}

/// Why a partner may not act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The caller is in neither group the action needs.
    Role {
        /// The action refused.
        action: DeviceAction,
    },
    /// The customer gave this partner no consent that covers the channel.
    Consent(ConsentRefusal),
    /// An OEM registers and deregisters devices; profiles are the customer's and its CSP's.
    OemProfiles,
    /// The customer added the device itself.
    CustomerDevice,
}

impl Refusal {
    /// The check API's reason code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Role { .. } => "autopilotRoleMissing",
            Self::Consent(ConsentRefusal::NoConsent) => "autopilotNoConsent",
            Self::Consent(ConsentRefusal::CsvUploadOnly) => "autopilotCsvUploadOnly",
            Self::OemProfiles => "autopilotOemProfiles",
            Self::CustomerDevice => "autopilotCustomerDevice",
        }
    }

    /// Why, in a sentence.
    pub fn reason(self) -> String {
        match self {
            Self::Role { action } if action.sales_agents_may() => {
                "only members of the partner's Admin Agents or Sales Agents groups add, read and delete Autopilot devices".into()
            }
            Self::Role { .. } => {
                "only members of the partner's Admin Agents group create and apply Autopilot profiles".into()
            }
            Self::Consent(ConsentRefusal::NoConsent) => {
                "the customer has not given this partner consent to manage its Autopilot devices: it rides on an accepted reseller relationship (or an OEM's own link); DAP and GDAP alone do not give it".into()
            }
            Self::Consent(ConsentRefusal::CsvUploadOnly) => {
                "an indirect reseller registers devices through the partner portal's CSV upload; its indirect provider uses the API".into()
            }
            Self::OemProfiles => {
                "an OEM registers and deregisters devices; Autopilot profiles are managed by the customer and its CSP partners".into()
            }
            Self::CustomerDevice => {
                "the customer registered this device itself; partners do not manage devices a customer added".into()
            }
        }
    }
}

fn consent_name(c: Consent) -> &'static str {
    match c {
        Consent::DirectCsp => {
            "a direct CSP partner whose reseller relationship the customer accepted"
        }
        Consent::IndirectProvider => {
            "an indirect provider, through its indirect reseller's accepted relationship"
        }
        Consent::IndirectReseller => {
            "an indirect reseller whose relationship the customer accepted"
        }
        Consent::Oem => "an OEM whose invitation the customer accepted",
    }
}

/// Whether `partner`, holding `roles`, may do `action` in the customer of `tie` (`None`: no
/// tie at all) through `channel`, on a device added by `device` when the action concerns one.
pub fn decide(
    partner: TenantId,
    roles: AgentRoles,
    action: DeviceAction,
    tie: Option<&PartnerLink>,
    channel: Channel,
    device: Option<AddedBy>,
) -> Result<Allowed, Refusal> {
    let role_ok = roles.admin_agent || (roles.sales_agent && action.sales_agents_may());
    if !role_ok {
        return Err(Refusal::Role { action });
    }
    let tie = tie.ok_or(Refusal::Consent(ConsentRefusal::NoConsent))?;
    let kind = consent(tie, channel).map_err(Refusal::Consent)?;
    if kind == Consent::Oem && action.is_profile_work() {
        return Err(Refusal::OemProfiles);
    }
    let whose = match device {
        Some(AddedBy::Customer) => return Err(Refusal::CustomerDevice),
        Some(AddedBy::Partner(p)) if p == partner => "; the device is one this partner added",
        Some(AddedBy::Partner(_)) => {
            "; another partner added the device, which any consented partner may manage"
        }
        None => "",
    };
    Ok(Allowed {
        consent: kind,
        reason: format!("allowed: {}{whose}", consent_name(kind)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ties::LinkType;

    fn tie(partner: TenantId, reseller: bool, kinds: &[LinkType]) -> PartnerLink {
        PartnerLink {
            customer: TenantId::new_random(),
            partner,
            reseller,
            dap: false,
            since: time::OffsetDateTime::UNIX_EPOCH,
            dap_removed_at: None,
            other_types: kinds.to_vec(),
            associated_partner: None,
        }
    }

    const ADMIN: AgentRoles = AgentRoles {
        admin_agent: true,
        sales_agent: false,
    };
    const SALES: AgentRoles = AgentRoles {
        admin_agent: false,
        sales_agent: true,
    };

    #[test]
    fn sales_agents_add_devices_but_only_admin_agents_touch_profiles() {
        let p = TenantId::new_random();
        let t = tie(p, true, &[]);
        for action in DeviceAction::ALL {
            assert!(decide(p, ADMIN, action, Some(&t), Channel::Api, None).is_ok());
            let sales = decide(p, SALES, action, Some(&t), Channel::Api, None);
            assert_eq!(sales.is_ok(), action.sales_agents_may(), "{action:?}");
            assert_eq!(
                decide(
                    p,
                    AgentRoles::default(),
                    action,
                    Some(&t),
                    Channel::Api,
                    None
                ),
                Err(Refusal::Role { action })
            );
        }
    }

    #[test]
    fn devices_the_customer_added_are_never_a_partners_and_others_are_any_consented_partners() {
        let p = TenantId::new_random();
        let t = tie(p, true, &[]);
        let act = |d| {
            decide(
                p,
                ADMIN,
                DeviceAction::DeleteDevice,
                Some(&t),
                Channel::Api,
                Some(d),
            )
        };
        assert_eq!(act(AddedBy::Customer), Err(Refusal::CustomerDevice));
        assert!(act(AddedBy::Partner(p)).is_ok());
        let other = act(AddedBy::Partner(TenantId::new_random())).unwrap();
        assert!(other.reason.contains("another partner"), "{}", other.reason);
        // Without consent, not even a device the partner added.
        assert_eq!(
            decide(
                p,
                ADMIN,
                DeviceAction::DeleteDevice,
                None,
                Channel::Api,
                Some(AddedBy::Partner(p))
            ),
            Err(Refusal::Consent(ConsentRefusal::NoConsent))
        );
    }

    #[test]
    fn an_oem_registers_devices_but_manages_no_profiles() {
        let p = TenantId::new_random();
        let t = tie(p, false, &[LinkType::Oem]);
        assert_eq!(
            decide(
                p,
                ADMIN,
                DeviceAction::AddDevices,
                Some(&t),
                Channel::Api,
                None
            )
            .map(|a| a.consent),
            Ok(Consent::Oem)
        );
        assert_eq!(
            decide(
                p,
                ADMIN,
                DeviceAction::ApplyProfile,
                Some(&t),
                Channel::Api,
                None
            ),
            Err(Refusal::OemProfiles)
        );
    }

    #[test]
    fn every_refusal_and_action_has_a_reason_and_a_check_name() {
        for action in DeviceAction::ALL {
            assert_eq!(DeviceAction::parse(action.as_str()), Some(action));
        }
        for r in [
            Refusal::Role {
                action: DeviceAction::AddDevices,
            },
            Refusal::Role {
                action: DeviceAction::ApplyProfile,
            },
            Refusal::Consent(ConsentRefusal::NoConsent),
            Refusal::Consent(ConsentRefusal::CsvUploadOnly),
            Refusal::OemProfiles,
            Refusal::CustomerDevice,
        ] {
            assert!(r.reason().len() > 40, "{r:?}");
            assert!(r.code().starts_with("autopilot"), "{r:?}");
        }
    }
}
