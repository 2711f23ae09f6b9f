//! Identifiers, each a newtype that can only be built by parsing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// A string that is not a well-formed identifier of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind}")]
pub struct IdError {
    /// What kind of identifier was expected, in words (`tenant id`, `relationship id` …).
    pub kind: &'static str,
    /// The rejected input, shortened when very long.
    pub value: String,
}

impl IdError {
    pub(crate) fn new(kind: &'static str, value: &str) -> Self {
        let value: String = value.chars().take(80).collect();
        Self { kind, value }
    }
}

/// Parses a GUID in its hyphenated 36-character form only (the form Graph uses in paths and bodies).
pub(crate) fn parse_guid(kind: &'static str, s: &str) -> Result<Uuid, IdError> {
    if s.len() != 36 {
        return Err(IdError::new(kind, s));
    }
    Uuid::try_parse(s).map_err(|_| IdError::new(kind, s))
}

macro_rules! guid_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// Parses the hyphenated GUID form, case-insensitively.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                parse_guid($kind, s).map(Self)
            }

            /// A fresh random identifier.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }

            /// Wraps an existing GUID.
            pub const fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }

            /// The underlying GUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut buf = Uuid::encode_buffer();
                s.serialize_str(self.0.hyphenated().encode_lower(&mut buf))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

guid_id!(
    /// An Entra tenant (partner or customer).
    TenantId,
    "tenant id"
);
guid_id!(
    /// A user object in a tenant's directory.
    UserId,
    "user id"
);
guid_id!(
    /// A security group in a tenant's directory.
    GroupId,
    "group id"
);
guid_id!(
    /// An application (client) id.
    ClientId,
    "client id"
);
guid_id!(
    /// An application's object id in its tenant's directory (Graph's `id`, beside `appId`).
    ApplicationId,
    "application id"
);
guid_id!(
    /// A built-in Entra role template id (`roleDefinitionId` in Graph).
    RoleDefinitionId,
    "role definition id"
);
guid_id!(
    /// A relationship request (`lockForApproval`, `terminate` …).
    RequestId,
    "request id"
);
guid_id!(
    /// An access assignment of a security group on a relationship.
    AssignmentId,
    "access assignment id"
);
guid_id!(
    /// A long-running operation on a relationship.
    OperationId,
    "operation id"
);

/// A delegated admin relationship id: a GUID and the partner tenant id joined by `-` (73 characters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationshipId {
    guid: Uuid,
    partner: TenantId,
}

impl RelationshipId {
    /// A new id for a relationship of `partner`.
    pub fn new_for(partner: TenantId) -> Self {
        Self {
            guid: Uuid::new_v4(),
            partner,
        }
    }

    /// Parses the 73-character two-GUID form.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let err = || IdError::new("relationship id", s);
        if s.len() != 73 || s.as_bytes()[36] != b'-' {
            return Err(err());
        }
        let guid = parse_guid("relationship id", &s[..36]).map_err(|_| err())?;
        let partner = TenantId::parse(&s[37..]).map_err(|_| err())?;
        Ok(Self { guid, partner })
    }

    /// The partner tenant encoded in the id.
    pub const fn partner(&self) -> TenantId {
        self.partner
    }

    /// The 73-character text of the id, written into `buf` rather than through the formatting
    /// machinery: ids are in every answer.
    pub fn encode<'b>(&self, buf: &'b mut [u8; 73]) -> &'b str {
        self.guid.hyphenated().encode_lower(&mut buf[..36]);
        buf[36] = b'-';
        self.partner.0.hyphenated().encode_lower(&mut buf[37..]);
        // Both halves are ASCII hexadecimal digits and hyphens.
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

impl fmt::Display for RelationshipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.guid.hyphenated(), self.partner)
    }
}

impl fmt::Debug for RelationshipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RelationshipId({self})")
    }
}

impl FromStr for RelationshipId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for RelationshipId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.encode(&mut [0u8; 73]))
    }
}

impl<'de> Deserialize<'de> for RelationshipId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_ids_order_as_their_text_does() {
        let partners = [TenantId::new_random(), TenantId::new_random()];
        let mut ids: Vec<RelationshipId> = (0..500)
            .map(|i| RelationshipId::new_for(partners[i % 2]))
            .collect();
        let mut texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
        ids.sort();
        texts.sort();
        let sorted: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(sorted, texts);
    }

    #[test]
    fn a_relationship_id_round_trips_and_names_its_partner() {
        let s = "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836";
        let id = RelationshipId::parse(s).unwrap();
        assert_eq!(id.to_string(), s);
        assert_eq!(
            id.partner().to_string(),
            "8777b240-c6f0-4469-9e98-a3205431b836"
        );
    }

    #[test]
    fn ids_are_parsed_case_insensitively_and_printed_lower_case() {
        let id = TenantId::parse("4FDBFF88-9D6B-42E0-9713-45C922BA8001").unwrap();
        assert_eq!(id.to_string(), "4fdbff88-9d6b-42e0-9713-45c922ba8001");
    }

    #[test]
    fn malformed_ids_are_refused_with_their_kind() {
        for bad in [
            "",
            "not-a-guid",
            "4fdbff889d6b42e0971345c922ba8001",
            "{4fdbff88-9d6b-42e0-9713-45c922ba8001}",
        ] {
            let e = TenantId::parse(bad).unwrap_err();
            assert_eq!(e.kind, "tenant id");
        }
        assert!(RelationshipId::parse("5d027261-d21f-4aa9-b7db-7fa1f56fb163").is_err());
        assert!(RelationshipId::parse(
            "5d027261-d21f-4aa9-b7db-7fa1f56fb163x8777b240-c6f0-4469-9e98-a3205431b836"
        )
        .is_err());
    }

    #[test]
    fn ids_serialize_as_their_lower_case_text_and_read_back() {
        let rel = RelationshipId::parse(
            "5D027261-d21f-4aa9-b7db-7fa1f56fb163-8777B240-c6f0-4469-9e98-a3205431b836",
        )
        .unwrap();
        let tenant = TenantId::parse("4FDBFF88-9D6B-42E0-9713-45C922BA8001").unwrap();
        let json = serde_json::to_string(&(rel, tenant)).unwrap();
        assert_eq!(
            json,
            format!(r#"["{rel}","{tenant}"]"#),
            "the same text as Display"
        );
        assert!(!json.chars().any(|c| c.is_ascii_uppercase()));
        let back: (RelationshipId, TenantId) = serde_json::from_str(&json).unwrap();
        assert_eq!(back, (rel, tenant));
    }
}
