//! Model-based property test of the relationship lifecycle: random sequences of partner, customer
//! and clock events are applied both to the real state machine and to a small reference model, and
//! the two must agree after every event, with the invariants of the relationship holding throughout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code fails loudly on broken assumptions"
)]

use gdap_domain::enums::RelationshipStatus as S;
use gdap_domain::ids::{RoleDefinitionId, TenantId};
use gdap_domain::relationship::{
    ga_id, AutoExtend, CustomerParticipant, PatchOutcome, Relationship, RelationshipDraft,
    RelationshipPatch,
};
use gdap_domain::roles::Catalogue;
use gdap_domain::Timings;
use proptest::prelude::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const HELPDESK: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

#[derive(Debug, Clone)]
enum Event {
    Lock,
    Approve,
    Terminate,
    Advance(i64),
    ToggleAutoExtend,
    RemoveGa,
    Rename(u8),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        2 => Just(Event::Lock),
        2 => Just(Event::Approve),
        1 => Just(Event::Terminate),
        4 => (0i64..=400 * 86_400).prop_map(Event::Advance),
        1 => Just(Event::ToggleAutoExtend),
        1 => Just(Event::RemoveGa),
        1 => any::<u8>().prop_map(Event::Rename),
    ]
}

/// The reference: what a careful reader of the documentation expects.
#[derive(Debug, Clone)]
struct Model {
    status: S,
    locked_at: Option<OffsetDateTime>,
    /// When the current provisioning or deprovisioning phase started (approval or termination).
    phase_at: Option<OffsetDateTime>,
    activated_at: Option<OffsetDateTime>,
    end_at: Option<OffsetDateTime>,
    auto_extend: bool,
    has_ga: bool,
    duration: Duration,
}

impl Model {
    /// Runs the model's clock to `now`.
    fn run(&mut self, now: OffsetDateTime, t: &Timings) {
        loop {
            match self.status {
                S::ApprovalPending if now >= self.locked_at.unwrap() + t.invitation_ttl => {
                    self.status = S::Expired;
                    self.end_at = Some(self.locked_at.unwrap() + t.invitation_ttl);
                }
                S::Approved if now >= self.phase_at.unwrap() + t.step => {
                    self.status = S::Activating
                }
                S::Activating if now >= self.phase_at.unwrap() + t.step * 2 => {
                    let at = self.phase_at.unwrap() + t.step * 2;
                    self.status = S::Active;
                    self.activated_at = Some(at);
                    self.end_at = Some(at + self.duration);
                }
                S::Active if now >= self.end_at.unwrap() => {
                    if self.auto_extend && !self.has_ga {
                        self.end_at = Some(self.end_at.unwrap() + Duration::days(180));
                    } else {
                        self.status = S::Expiring;
                        self.phase_at = self.end_at;
                    }
                }
                S::Expiring if now >= self.phase_at.unwrap() + t.step => self.status = S::Expired,
                S::TerminationRequested if now >= self.phase_at.unwrap() + t.step => {
                    self.status = S::Terminating
                }
                S::Terminating if now >= self.phase_at.unwrap() + t.step * 2 => {
                    self.status = S::Terminated;
                    self.end_at = Some(self.phase_at.unwrap() + t.step * 2);
                }
                _ => return,
            }
        }
    }
}

fn run_real(rel: &mut Relationship, now: OffsetDateTime, t: &Timings) {
    while rel.advance(now, t).is_some() {}
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_state_machine_agrees_with_the_reference_model(
        with_ga in any::<bool>(),
        auto in any::<bool>(),
        days in 1u32..=730,
        events in proptest::collection::vec(event(), 1..40),
    ) {
        let t = Timings { step: Duration::seconds(2), invitation_ttl: Duration::days(90) };
        let catalogue = Catalogue::builtin();
        let partner = TenantId::new_random();
        let customer = TenantId::new_random();
        let mut roles = vec![RoleDefinitionId::parse(HELPDESK).unwrap()];
        if with_ga {
            roles.push(ga_id());
        }
        let auto = auto && !with_ga;
        let mut now = datetime!(2026-01-01 0:00 UTC);
        let draft = RelationshipDraft {
            display_name: "model".into(),
            duration: format!("P{days}D"),
            auto_extend: Some(if auto { "P180D" } else { "PT0S" }.into()),
            roles,
            customer: None,
        };
        let mut rel = Relationship::create(partner, draft, catalogue, now).unwrap();
        let mut m = Model {
            status: S::Created, locked_at: None, phase_at: None, activated_at: None, end_at: None,
            auto_extend: auto, has_ga: with_ga, duration: Duration::days(i64::from(days)),
        };
        for e in events {
            let before = rel.clone();
            match e {
                Event::Lock => {
                    let ok = rel.lock_for_approval(now, &t).is_ok();
                    prop_assert_eq!(ok, m.status == S::Created);
                    if ok { m.status = S::ApprovalPending; m.locked_at = Some(now); }
                }
                Event::Approve => {
                    let c = CustomerParticipant { tenant_id: customer, display_name: None };
                    let ok = rel.approve_as_customer(c, now, &t).is_ok();
                    let expected = m.status == S::ApprovalPending && now < m.locked_at.unwrap() + t.invitation_ttl;
                    prop_assert_eq!(ok, expected);
                    if ok { m.status = S::Approved; m.phase_at = Some(now); }
                }
                Event::Terminate => {
                    let ok = rel.request_termination(now, &t).is_ok();
                    prop_assert_eq!(ok, m.status == S::Active);
                    if ok { m.status = S::TerminationRequested; m.phase_at = Some(now); }
                }
                Event::Advance(secs) => {
                    now += Duration::seconds(secs);
                    run_real(&mut rel, now, &t);
                    m.run(now, &t);
                }
                Event::ToggleAutoExtend => {
                    let want = if m.auto_extend { "PT0S" } else { "P180D" };
                    let r = rel.apply_patch(RelationshipPatch { auto_extend: Some(want.into()), ..Default::default() }, catalogue, now);
                    let allowed = matches!(m.status, S::Created | S::Active) && !(want == "P180D" && m.has_ga);
                    prop_assert_eq!(r.is_ok(), allowed, "{:?}", r);
                    if allowed { m.auto_extend = !m.auto_extend; }
                }
                Event::RemoveGa => {
                    let kept = vec![RoleDefinitionId::parse(HELPDESK).unwrap()];
                    let r = rel.apply_patch(RelationshipPatch { roles: Some(kept.clone()), ..Default::default() }, catalogue, now);
                    match m.status {
                        S::Created => {
                            prop_assert!(r.is_ok());
                            m.has_ga = false;
                        }
                        S::Active if m.has_ga => {
                            prop_assert_eq!(r.unwrap(), PatchOutcome::RemoveGlobalAdministrator { remaining: kept.clone() });
                            // The operation succeeds: the lifecycle applies the new roles.
                            rel.roles = kept;
                            m.has_ga = false;
                        }
                        S::Active => prop_assert_eq!(r.unwrap(), PatchOutcome::Unchanged),
                        _ => prop_assert!(r.is_err()),
                    }
                }
                Event::Rename(n) => {
                    let name = format!("model {n}");
                    let same = name == before.display_name;
                    let r = rel.apply_patch(RelationshipPatch { display_name: Some(name), ..Default::default() }, catalogue, now);
                    prop_assert_eq!(r.is_ok(), m.status == S::Created || (m.status == S::Active && same));
                }
            }
            // Agreement with the model.
            prop_assert_eq!(rel.status, m.status);
            if m.activated_at.is_some() {
                prop_assert_eq!(rel.activated_at, m.activated_at);
            }
            if matches!(m.status, S::Active | S::Expired | S::Terminated) {
                prop_assert_eq!(rel.end_at, m.end_at);
            }
            prop_assert_eq!(rel.auto_extend == AutoExtend::SixMonths, m.auto_extend);
            // Invariants.
            if before.status.is_terminal() {
                prop_assert_eq!(rel.status, before.status, "terminal states never change");
            }
            prop_assert!(!(rel.auto_extend == AutoExtend::SixMonths && rel.has_role(&ga_id())), "never auto-extend with Global Administrator");
            prop_assert_eq!(rel.due_at.is_none(), matches!(rel.status, S::Created | S::Expired | S::Terminated));
            if let (Some(a), Some(e)) = (rel.activated_at, rel.end_at) {
                prop_assert!(e >= a);
            }
            prop_assert!(rel.last_modified_at >= before.last_modified_at);
        }
    }
}
