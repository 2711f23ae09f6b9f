//! Bulk jobs: each partner sees its own, only a running job changes status, and records come back
//! in the order written, page after page.

use gdap_store::{BulkJob, BulkJobStore, JobStatus};
use time::Duration;

use crate::support::*;

fn job(partner: TenantId, minutes_ago: i64) -> BulkJob {
    BulkJob {
        id: uuid::Uuid::new_v4(),
        partner,
        client_id: "11111111-cccc-4ccc-8ccc-000000000001".into(),
        mode: "onboard".into(),
        rows: 3,
        status: JobStatus::Running,
        summary: None,
        created_at: now() - Duration::minutes(minutes_ago),
        updated_at: now() - Duration::minutes(minutes_ago),
    }
}

async fn a_partner_sees_only_its_own_jobs_and_only_running_ones_change(store: SqlStore) {
    let (mine, theirs) = (TenantId::new_random(), TenantId::new_random());
    let (old, new, other) = (job(mine, 10), job(mine, 1), job(theirs, 5));
    for j in [&old, &new, &other] {
        store.create_bulk_job(j, "{\"old\":true}").await.unwrap();
    }
    assert_eq!(
        store.bulk_job(mine, old.id).await.unwrap().as_ref(),
        Some(&old)
    );
    assert_eq!(store.bulk_job(mine, other.id).await.unwrap(), None);
    assert_eq!(
        store.bulk_job_request(old.id).await.unwrap().as_deref(),
        Some("{\"old\":true}")
    );
    let listed: Vec<_> = store
        .bulk_jobs(mine, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(
        listed,
        vec![new.id, old.id],
        "newest first, the partner's own"
    );
    assert_eq!(store.bulk_jobs(mine, 1).await.unwrap().len(), 1);

    // Cancelled while running; then neither completed nor cancelled again.
    assert!(store
        .update_bulk_job(old.id, JobStatus::Cancelled, None, now())
        .await
        .unwrap());
    assert!(!store
        .update_bulk_job(old.id, JobStatus::Completed, Some("{}"), now())
        .await
        .unwrap());
    let got = store.bulk_job(mine, old.id).await.unwrap().unwrap();
    assert_eq!(got.status, JobStatus::Cancelled);
    assert_eq!(got.summary, None);
    // Completed with its summary, kept when a later update gives none.
    assert!(store
        .update_bulk_job(new.id, JobStatus::Completed, Some(r#"{"done":3}"#), now())
        .await
        .unwrap());
    let got = store.bulk_job(mine, new.id).await.unwrap().unwrap();
    assert_eq!(got.summary.as_deref(), Some(r#"{"done":3}"#));
    let running: Vec<_> = store
        .running_bulk_jobs()
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(running, vec![other.id]);
}

async fn a_jobs_records_come_back_in_order_page_after_page(store: SqlStore) {
    let (a, b) = (
        job(TenantId::new_random(), 1),
        job(TenantId::new_random(), 1),
    );
    store.create_bulk_job(&a, "{}").await.unwrap();
    store.create_bulk_job(&b, "{}").await.unwrap();
    let lines: Vec<String> = (0..25).map(|i| format!(r#"{{"row":{i}}}"#)).collect();
    store.append_bulk_records(a.id, &lines[..10]).await.unwrap();
    store
        .append_bulk_records(b.id, &["other".to_owned()])
        .await
        .unwrap();
    for l in &lines[10..] {
        store
            .append_bulk_records(a.id, std::slice::from_ref(l))
            .await
            .unwrap();
    }
    let mut read = Vec::new();
    let mut after = 0;
    loop {
        let page = store.bulk_records(a.id, after, 7).await.unwrap();
        let Some((last, _)) = page.last() else { break };
        after = *last;
        read.extend(page.into_iter().map(|(_, l)| l));
    }
    assert_eq!(read, lines);
    let theirs = store.bulk_records(b.id, 0, 100).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].1, "other");
}

suite!(
    a_partner_sees_only_its_own_jobs_and_only_running_ones_change,
    a_jobs_records_come_back_in_order_page_after_page,
);
