//! `gdap-bench --authz`: the authorization index in process, on the generated data of
//! [`crate::authz_data`]. One thread, so the figures are per core.

use std::time::Instant;

use gdap_domain::authz::CheckRequest;

use crate::authz_data::{generate, index_of};
use crate::pct;

const CHECKS: usize = 2_000_000;

/// Runs the benchmark and prints its Markdown rows.
pub fn run() -> anyhow::Result<()> {
    let data = generate(CHECKS);
    let t0 = Instant::now();
    let ix = index_of(&data);
    let build = t0.elapsed();
    let now = data.now;
    let action_ids: Vec<_> = data.actions.iter().map(|a| ix.actions().get(a)).collect();
    let work: Vec<_> = data
        .work
        .iter()
        .map(|(u, c, a)| (data.users[*u].id, data.customers[*c], *a))
        .collect();
    let actions = &data.actions;
    // Warm up, then five timed passes of each kind; the median is reported (the machine is shared).
    for (u, c, a) in work.iter().take(100_000) {
        std::hint::black_box(ix.check_known(*u, *c, action_ids[*a], &actions[*a], now));
    }
    let mut allowed = 0usize;
    let mut known_runs = Vec::new();
    let mut name_runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        allowed = 0;
        for (u, c, a) in &work {
            allowed += usize::from(
                ix.check_known(*u, *c, action_ids[*a], &actions[*a], now)
                    .allowed(),
            );
        }
        known_runs.push(t.elapsed());
        let t = Instant::now();
        for (u, c, a) in &work {
            let req = CheckRequest {
                user: *u,
                tenant: *c,
                action: actions[*a].clone(),
                target: None,
            };
            std::hint::black_box(ix.check(&req, now));
        }
        name_runs.push(t.elapsed());
    }
    known_runs.sort();
    name_runs.sort();
    let (known, by_name) = (known_runs[2], name_runs[2]);
    let mut lat = Vec::with_capacity(200_000);
    for (u, c, a) in work.iter().take(200_000) {
        let t = Instant::now();
        std::hint::black_box(ix.check_known(*u, *c, action_ids[*a], &actions[*a], now));
        lat.push(t.elapsed().as_nanos() as f64);
    }
    let rate = |d: std::time::Duration| CHECKS as f64 / d.as_secs_f64() / 1e6;
    println!("| index (one core) | checks/s | mean | p50 | p99 | allowed | index memory | build |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| actions pre-numbered | {:.2} M | {:.0} ns | {:.0} ns | {:.0} ns | {:.1} % | {:.1} MB | {:.2} s |",
        rate(known),
        known.as_nanos() as f64 / CHECKS as f64,
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        allowed as f64 * 100.0 / CHECKS as f64,
        ix.heap_bytes() as f64 / 1e6,
        build.as_secs_f64()
    );
    println!(
        "| actions by name | {:.2} M | {:.0} ns | | | | | |",
        rate(by_name),
        by_name.as_nanos() as f64 / CHECKS as f64
    );
    Ok(())
}
