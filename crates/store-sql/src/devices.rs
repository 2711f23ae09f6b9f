//! `DeviceStore` over SQL: a row per device, a row per key a device is known by (the primary key
//! that keeps a device in one tenant), batches, jobs and profiles.

use async_trait::async_trait;
use gdap_domain::audit::AuditEntry;
use gdap_domain::ids::TenantId;
use gdap_domain::timefmt::{from_micros, to_micros};
use gdap_store::devices::{Device, DeviceBatch, DeviceJob, DeviceProfile, DeviceStore, NewDevice};
use gdap_store::StoreError;

use crate::db::{Row, Step};
use crate::sql::{Param, Sql};
use crate::SqlStore;

/// Rows per multi-row statement (well under both engines' parameter limits).
const CHUNK: usize = 500;

const DEVICE_COLS: &str = "id, customer_id, batch_id, added_by, serial_number, product_key, \
     has_hash, manufacturer, model, profile_id, uploaded_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt Autopilot {what}"))
}

fn tenant(r: &Row, col: &str) -> Result<TenantId, StoreError> {
    TenantId::parse(&r.text(col)?).map_err(|_| corrupt(col))
}

fn uuid_of(s: &str, what: &str) -> Result<uuid::Uuid, StoreError> {
    s.parse().map_err(|_| corrupt(what))
}

fn device(r: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: uuid_of(&r.text("id")?, "device id")?,
        customer: tenant(r, "customer_id")?,
        batch: r.opt_text("batch_id")?,
        added_by: r
            .opt_text("added_by")?
            .map(|t| TenantId::parse(&t).map_err(|_| corrupt("added_by")))
            .transpose()?,
        serial_number: r.opt_text("serial_number")?,
        product_key: r.opt_text("product_key")?,
        has_hash: r.int("has_hash")? != 0,
        manufacturer: r.opt_text("manufacturer")?,
        model: r.opt_text("model")?,
        profile: r
            .opt_text("profile_id")?
            .map(|p| uuid_of(&p, "profile id"))
            .transpose()?,
        uploaded_at: from_micros(r.int("uploaded_at")?),
    })
}

fn batch(r: &Row) -> Result<DeviceBatch, StoreError> {
    Ok(DeviceBatch {
        customer: tenant(r, "customer_id")?,
        id: r.text("id")?,
        created_by: tenant(r, "created_by")?,
        created_at: from_micros(r.int("created_at")?),
        device_count: u64::try_from(r.int("n")?).unwrap_or(0),
    })
}

fn job(r: &Row) -> Result<DeviceJob, StoreError> {
    Ok(DeviceJob {
        id: uuid_of(&r.text("id")?, "job id")?,
        customer: tenant(r, "customer_id")?,
        partner: tenant(r, "partner_id")?,
        status: r.text("status")?,
        started_at: from_micros(r.int("started_at")?),
        completed_at: r.opt_int("completed_at")?.map(from_micros),
        results: r.text("results")?,
    })
}

fn profile(r: &Row) -> Result<DeviceProfile, StoreError> {
    Ok(DeviceProfile {
        id: uuid_of(&r.text("id")?, "profile id")?,
        customer: tenant(r, "customer_id")?,
        name: r.text("name")?,
        description: r.opt_text("description")?,
        settings: serde_json::from_str(&r.text("settings")?).map_err(|_| corrupt("settings"))?,
        created_at: from_micros(r.int("created_at")?),
        modified_at: from_micros(r.int("modified_at")?),
        devices_assigned: u64::try_from(r.int("n")?).unwrap_or(0),
    })
}

fn job_step(j: &DeviceJob) -> Step {
    let mut q = Sql::new(
        "INSERT INTO autopilot_jobs (id, customer_id, partner_id, status, started_at, \
         completed_at, results) VALUES (",
    );
    q.text(j.id.to_string())
        .push(", ")
        .text(j.customer.to_string())
        .push(", ")
        .text(j.partner.to_string())
        .push(", ")
        .text(j.status.clone())
        .push(", ")
        .int(to_micros(j.started_at))
        .push(", ")
        .bind(Param::OptInt(j.completed_at.map(to_micros)))
        .push(", ")
        .text(j.results.clone())
        .push(")");
    Step::plain(q)
}

fn opt(v: &Option<String>) -> Param {
    Param::OptText(v.clone())
}

fn device_rows(devices: &[NewDevice]) -> Vec<Step> {
    devices
        .chunks(CHUNK)
        .map(|chunk| {
            let mut q = Sql::new(&format!(
                "INSERT INTO autopilot_devices ({DEVICE_COLS}) VALUES "
            ));
            for (i, n) in chunk.iter().enumerate() {
                let d = &n.device;
                q.push(if i == 0 { "(" } else { ", (" })
                    .text(d.id.to_string())
                    .push(", ")
                    .text(d.customer.to_string())
                    .push(", ")
                    .bind(opt(&d.batch))
                    .push(", ")
                    .bind(Param::OptText(d.added_by.map(|t| t.to_string())))
                    .push(", ")
                    .bind(opt(&d.serial_number))
                    .push(", ")
                    .bind(opt(&d.product_key))
                    .push(", ")
                    .int(i64::from(d.has_hash))
                    .push(", ")
                    .bind(opt(&d.manufacturer))
                    .push(", ")
                    .bind(opt(&d.model))
                    .push(", ")
                    .bind(Param::OptText(d.profile.map(|p| p.to_string())))
                    .push(", ")
                    .int(to_micros(d.uploaded_at))
                    .push(")");
            }
            Step::plain(q)
        })
        .collect()
}

fn key_rows(devices: &[NewDevice]) -> Vec<Step> {
    let keys: Vec<(&str, &Device)> = devices
        .iter()
        .flat_map(|n| n.keys.iter().map(move |k| (k.as_str(), &n.device)))
        .collect();
    keys.chunks(CHUNK)
        .map(|chunk| {
            let mut q =
                Sql::new("INSERT INTO autopilot_device_keys (key, device_id, customer_id) VALUES ");
            for (i, (key, d)) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" })
                    .text(*key)
                    .push(", ")
                    .text(d.id.to_string())
                    .push(", ")
                    .text(d.customer.to_string())
                    .push(")");
            }
            Step {
                sql: q,
                checked: false,
                on_unique: Some(StoreError::DeviceKeyTaken),
            }
        })
        .collect()
}

/// `IN (…)` over text values.
fn in_list(q: &mut Sql, values: &[String]) {
    q.push("(");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.text(v.clone());
    }
    q.push(")");
}

const BATCH_SELECT: &str = "SELECT b.customer_id, b.id, b.created_by, b.created_at, \
     (SELECT COUNT(*) FROM autopilot_devices d WHERE d.customer_id = b.customer_id \
     AND d.batch_id = b.id) AS n FROM autopilot_batches b WHERE b.customer_id = ";

const PROFILE_SELECT: &str = "SELECT p.id, p.customer_id, p.name, p.description, p.settings, \
     p.created_at, p.modified_at, (SELECT COUNT(*) FROM autopilot_devices d WHERE \
     d.customer_id = p.customer_id AND d.profile_id = p.id) AS n FROM autopilot_profiles p \
     WHERE p.customer_id = ";

#[async_trait]
impl DeviceStore for SqlStore {
    async fn device_key_owners(
        &self,
        keys: &[String],
    ) -> Result<Vec<(String, TenantId)>, StoreError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let mut q =
                Sql::new("SELECT key, customer_id FROM autopilot_device_keys WHERE key IN ");
            in_list(&mut q, chunk);
            out.extend(
                self.fetch_all(q, |r| Ok((r.text("key")?, tenant(r, "customer_id")?)))
                    .await?,
            );
        }
        Ok(out)
    }

    async fn register_devices(
        &self,
        new_batch: Option<&DeviceBatch>,
        devices: &[NewDevice],
        job: Option<&DeviceJob>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut steps = Vec::new();
        if let Some(b) = new_batch {
            let mut q = Sql::new(
                "INSERT INTO autopilot_batches (customer_id, id, created_by, created_at) VALUES (",
            );
            q.text(b.customer.to_string())
                .push(", ")
                .text(b.id.clone())
                .push(", ")
                .text(b.created_by.to_string())
                .push(", ")
                .int(to_micros(b.created_at))
                .push(")");
            steps.push(Step {
                sql: q,
                checked: false,
                on_unique: Some(StoreError::Duplicate(format!("device batch `{}`", b.id))),
            });
        }
        steps.extend(device_rows(devices));
        steps.extend(key_rows(devices));
        steps.extend(job.map(job_step));
        steps.push(crate::audit::insert_step(audit));
        self.transaction(steps).await
    }

    async fn device_batch(
        &self,
        customer: TenantId,
        id: &str,
    ) -> Result<Option<DeviceBatch>, StoreError> {
        let mut q = Sql::new(BATCH_SELECT);
        q.text(customer.to_string()).push(" AND b.id = ").text(id);
        self.fetch_optional(q, batch).await
    }

    async fn has_device_batch(&self, customer: TenantId, id: &str) -> Result<bool, StoreError> {
        let mut q = Sql::new("SELECT COUNT(*) AS n FROM autopilot_batches WHERE customer_id = ");
        q.text(customer.to_string()).push(" AND id = ").text(id);
        Ok(self.count(q).await? > 0)
    }

    async fn device_batches(&self, customer: TenantId) -> Result<Vec<DeviceBatch>, StoreError> {
        let mut q = Sql::new(BATCH_SELECT);
        q.text(customer.to_string())
            .push(" ORDER BY b.created_at, b.id");
        self.fetch_all(q, batch).await
    }

    async fn devices(
        &self,
        customer: TenantId,
        batch: Option<&str>,
        after: Option<uuid::Uuid>,
        limit: u32,
    ) -> Result<Vec<Device>, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {DEVICE_COLS} FROM autopilot_devices WHERE customer_id = "
        ));
        q.text(customer.to_string());
        if let Some(b) = batch {
            q.push(" AND batch_id = ").text(b);
        }
        if let Some(a) = after {
            q.push(" AND id > ").text(a.to_string());
        }
        q.push(" ORDER BY id LIMIT ").int(i64::from(limit));
        self.fetch_all(q, device).await
    }

    async fn devices_by_ids(
        &self,
        customer: TenantId,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<Device>, StoreError> {
        let ids: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let mut q = Sql::new(&format!(
                "SELECT {DEVICE_COLS} FROM autopilot_devices WHERE customer_id = "
            ));
            q.text(customer.to_string()).push(" AND id IN ");
            in_list(&mut q, chunk);
            out.extend(self.fetch_all(q, device).await?);
        }
        Ok(out)
    }

    async fn delete_device(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut keys = Sql::new("DELETE FROM autopilot_device_keys WHERE device_id = ");
        keys.text(id.to_string())
            .push(" AND customer_id = ")
            .text(customer.to_string());
        let mut row = Sql::new("DELETE FROM autopilot_devices WHERE id = ");
        row.text(id.to_string())
            .push(" AND customer_id = ")
            .text(customer.to_string());
        self.exactly_one_among(
            vec![Step::plain(keys)],
            row,
            vec![crate::audit::insert_step(audit)],
        )
        .await
    }

    async fn assign_profiles(
        &self,
        customer: TenantId,
        changes: &[(uuid::Uuid, Option<uuid::Uuid>)],
        job: &DeviceJob,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut steps: Vec<Step> = changes
            .iter()
            .map(|(device, profile)| {
                let mut q = Sql::new("UPDATE autopilot_devices SET profile_id = ");
                q.bind(Param::OptText(profile.map(|p| p.to_string())))
                    .push(" WHERE id = ")
                    .text(device.to_string())
                    .push(" AND customer_id = ")
                    .text(customer.to_string());
                Step::plain(q)
            })
            .collect();
        steps.push(job_step(job));
        steps.push(crate::audit::insert_step(audit));
        self.transaction(steps).await
    }

    async fn device_job(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<DeviceJob>, StoreError> {
        let mut q = Sql::new(
            "SELECT id, customer_id, partner_id, status, started_at, completed_at, results \
             FROM autopilot_jobs WHERE id = ",
        );
        q.text(id.to_string())
            .push(" AND customer_id = ")
            .text(customer.to_string());
        self.fetch_optional(q, job).await
    }

    async fn device_profiles(&self, customer: TenantId) -> Result<Vec<DeviceProfile>, StoreError> {
        let mut q = Sql::new(PROFILE_SELECT);
        q.text(customer.to_string())
            .push(" ORDER BY p.created_at, p.id");
        self.fetch_all(q, profile).await
    }

    async fn device_profile(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
    ) -> Result<Option<DeviceProfile>, StoreError> {
        let mut q = Sql::new(PROFILE_SELECT);
        q.text(customer.to_string())
            .push(" AND p.id = ")
            .text(id.to_string());
        self.fetch_optional(q, profile).await
    }

    async fn put_device_profile(
        &self,
        p: &DeviceProfile,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let settings =
            serde_json::to_string(&p.settings).map_err(|e| StoreError::Internal(e.to_string()))?;
        let mut del = Sql::new("DELETE FROM autopilot_profiles WHERE id = ");
        del.text(p.id.to_string())
            .push(" AND customer_id = ")
            .text(p.customer.to_string());
        let mut q = Sql::new(
            "INSERT INTO autopilot_profiles (id, customer_id, name, description, settings, \
             created_at, modified_at) VALUES (",
        );
        q.text(p.id.to_string())
            .push(", ")
            .text(p.customer.to_string())
            .push(", ")
            .text(p.name.clone())
            .push(", ")
            .bind(opt(&p.description))
            .push(", ")
            .text(settings)
            .push(", ")
            .int(to_micros(p.created_at))
            .push(", ")
            .int(to_micros(p.modified_at))
            .push(")");
        self.transaction(vec![
            Step::plain(del),
            Step::plain(q),
            crate::audit::insert_step(audit),
        ])
        .await
    }

    async fn delete_device_profile(
        &self,
        customer: TenantId,
        id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut off =
            Sql::new("UPDATE autopilot_devices SET profile_id = NULL WHERE customer_id = ");
        off.text(customer.to_string())
            .push(" AND profile_id = ")
            .text(id.to_string());
        let mut del = Sql::new("DELETE FROM autopilot_profiles WHERE id = ");
        del.text(id.to_string())
            .push(" AND customer_id = ")
            .text(customer.to_string());
        self.exactly_one_among(
            vec![Step::plain(off)],
            del,
            vec![crate::audit::insert_step(audit)],
        )
        .await
    }
}
