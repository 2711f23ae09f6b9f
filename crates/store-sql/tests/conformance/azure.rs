//! Azure: subscriptions with their first assignments, assignments per tenant (a name once), and
//! resource groups one per name whatever its case.

use gdap_domain::azure::{Assignment, PrincipalType, OWNER};
use gdap_store::azure::{AzureStore, AzureSubscription, ResourceGroup};
use gdap_store::StoreError;

use crate::support::*;

fn audit() -> gdap_domain::audit::AuditEntry {
    gdap_domain::audit::AuditEntry {
        at: now(),
        actor: "agent@partner.example".into(),
        actor_tenant: None,
        partner: None,
        customer: None,
        relationship: None,
        assignment: None,
        role: None,
        action: "azure-test".into(),
        target: "x".into(),
        result: "success".into(),
    }
}

async fn subscriptions_keep_their_assignments_and_groups_per_tenant(store: SqlStore) {
    let (customer, partner, other) = (
        TenantId::new_random(),
        TenantId::new_random(),
        TenantId::new_random(),
    );
    let s = AzureSubscription {
        id: uuid::Uuid::new_v4(),
        customer,
        partner,
        display_name: "Production".into(),
        created_at: now(),
    };
    let owner = Assignment {
        id: uuid::Uuid::new_v4(),
        scope: format!("/subscriptions/{}", s.id),
        role: OWNER.into(),
        principal: uuid::Uuid::new_v4(),
        principal_type: PrincipalType::ForeignGroup,
    };
    store
        .create_subscription(&s, std::slice::from_ref(&owner), &audit())
        .await
        .unwrap();
    assert_eq!(
        store.azure_subscription(s.id).await.unwrap().as_ref(),
        Some(&s)
    );
    assert_eq!(
        store.azure_subscriptions_of(customer).await.unwrap(),
        vec![s.clone()]
    );
    assert!(store
        .azure_subscriptions_of(other)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.role_assignments(customer).await.unwrap(),
        vec![owner.clone()]
    );
    assert!(store.role_assignments(other).await.unwrap().is_empty());
    assert!(store
        .holds_azure_role(customer, &[uuid::Uuid::new_v4(), owner.principal])
        .await
        .unwrap());
    assert!(!store
        .holds_azure_role(other, &[owner.principal])
        .await
        .unwrap());
    assert!(matches!(
        store.add_role_assignment(customer, &owner, &audit()).await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(!store
        .delete_role_assignment(other, owner.id, &audit())
        .await
        .unwrap());
    assert!(store
        .delete_role_assignment(customer, owner.id, &audit())
        .await
        .unwrap());
    assert!(store.role_assignments(customer).await.unwrap().is_empty());
    let g = ResourceGroup {
        subscription: s.id,
        name: "Web-Prod".into(),
        location: "japaneast".into(),
    };
    assert!(store.put_resource_group(&g, &audit()).await.unwrap());
    let again = ResourceGroup {
        name: "web-prod".into(),
        ..g.clone()
    };
    assert!(!store.put_resource_group(&again, &audit()).await.unwrap());
    assert_eq!(store.resource_groups(s.id).await.unwrap(), vec![g]);
}

suite!(subscriptions_keep_their_assignments_and_groups_per_tenant);
