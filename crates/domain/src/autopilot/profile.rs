//! Autopilot profiles (Partner Center's `ConfigurationPolicy`): the out-of-box-experience settings
//! a partner's Admin Agents create for a customer and assign to its devices.

use super::MAX_TEXT;

/// The one profile category Partner Center has: the out-of-box experience.
pub const OOBE: &str = "o_o_b_e";

/// A profile's out-of-box-experience settings, as Partner Center names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicySetting {
    /// `none`: no setting (stands alone).
    None,
    /// `remove_oem_preinstalls`.
    RemoveOemPreinstalls,
    /// `oobe_user_not_local_admin`: the user is a standard user, not a local administrator.
    OobeUserNotLocalAdmin,
    /// `skip_express_settings`: privacy settings skipped.
    SkipExpressSettings,
    /// `skip_oem_registration`.
    SkipOemRegistration,
    /// `skip_eula`: the licence terms page skipped.
    SkipEula,
}

impl PolicySetting {
    /// Every setting, in Partner Center's order.
    pub const ALL: [Self; 6] = [
        Self::None,
        Self::RemoveOemPreinstalls,
        Self::OobeUserNotLocalAdmin,
        Self::SkipExpressSettings,
        Self::SkipOemRegistration,
        Self::SkipEula,
    ];

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::RemoveOemPreinstalls => "remove_oem_preinstalls",
            Self::OobeUserNotLocalAdmin => "oobe_user_not_local_admin",
            Self::SkipExpressSettings => "skip_express_settings",
            Self::SkipOemRegistration => "skip_oem_registration",
            Self::SkipEula => "skip_eula",
        }
    }

    /// The setting of an API name (exact, as Partner Center's enum).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A profile as a partner sends it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileInput {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `category` (`o_o_b_e`, or `none` which stands for it).
    pub category: Option<String>,
    /// `policySettings`.
    pub settings: Vec<String>,
}

/// A profile that checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Its name, trimmed.
    pub name: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// Its settings, sorted, without duplicates (`none` only when alone).
    pub settings: Vec<PolicySetting>,
}

/// Checks a profile: a name, the one category, known settings; the message names the field.
pub fn check_profile(p: &ProfileInput) -> Result<Profile, String> {
    let name = p.name.trim();
    if name.is_empty() || name.len() > MAX_TEXT || name.chars().any(char::is_control) {
        return Err("`name` is required: 1 to 256 characters".into());
    }
    if let Some(c) = p.category.as_deref().filter(|c| *c != OOBE && *c != "none") {
        return Err(format!("`category` `{c}` is not supported: use `{OOBE}`"));
    }
    let description = p
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if description.as_ref().is_some_and(|d| d.len() > 1024) {
        return Err("`description` is longer than 1024 characters".into());
    }
    let mut settings = Vec::new();
    for s in &p.settings {
        let setting = PolicySetting::parse(s).ok_or_else(|| {
            format!(
                "`policySettings`: `{s}` is not one of {}",
                PolicySetting::ALL.map(PolicySetting::as_str).join(", ")
            )
        })?;
        settings.push(setting);
    }
    settings.sort();
    settings.dedup();
    if settings.len() > 1 {
        settings.retain(|s| *s != PolicySetting::None);
    }
    Ok(Profile {
        name: name.to_owned(),
        description,
        settings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, category: Option<&str>, settings: &[&str]) -> ProfileInput {
        ProfileInput {
            name: name.into(),
            description: None,
            category: category.map(str::to_owned),
            settings: settings.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn a_profile_keeps_known_settings_sorted_once_and_drops_none_beside_others() {
        let p = check_profile(&input(
            " Kiosk ",
            Some(OOBE),
            &["skip_eula", "none", "remove_oem_preinstalls", "skip_eula"],
        ))
        .unwrap();
        assert_eq!(p.name, "Kiosk");
        assert_eq!(
            p.settings,
            [PolicySetting::RemoveOemPreinstalls, PolicySetting::SkipEula]
        );
        assert_eq!(
            check_profile(&input("x", None, &["none"]))
                .unwrap()
                .settings,
            [PolicySetting::None]
        );
    }

    #[test]
    fn an_unknown_setting_category_or_an_empty_name_is_refused_by_field() {
        for (p, field) in [
            (input("", None, &[]), "`name`"),
            (input("x", Some("other"), &[]), "`category`"),
            (input("x", None, &["Skip_EULA"]), "`policySettings`"),
        ] {
            let e = check_profile(&p).unwrap_err();
            assert!(e.contains(field), "{e}");
        }
    }
}
