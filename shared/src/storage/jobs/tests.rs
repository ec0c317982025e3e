//! The job state machine, decided once for every engine.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::transitions::{self, Claim};
use super::*;

fn t(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_773_100_800_000 + ms).expect("time")
}

fn queued(max_attempts: u32) -> Job {
    transitions::enqueued(
        &NewJob {
            id: "j1".into(),
            kind: JobKind::Export,
            key: "export:2026-03-10".into(),
            params: json!({ "date": "2026-03-10" }),
            max_attempts,
        },
        t(0),
    )
}

fn started(job: &Job, owner: &str, lease_ms: i64, now_ms: i64) -> Job {
    match transitions::claim(job, owner, t(lease_ms), t(now_ms)) {
        Claim::Start(j) => j,
        other => panic!("expected a start, got {other:?}"),
    }
}

#[test]
fn a_new_job_is_queued_and_due_at_once() {
    let j = queued(3);
    assert_eq!((j.status, j.attempts, j.version), (JobStatus::Queued, 0, 0));
    assert_eq!(j.run_after, t(0));
    assert!(j.lease_owner.is_none() && j.result.is_none());
}

#[test]
fn a_claim_starts_an_attempt_under_a_lease() {
    let j = started(&queued(3), "w1", 60_000, 10);
    assert_eq!(j.status, JobStatus::Running);
    assert_eq!(j.attempts, 1);
    assert_eq!(j.started_at, Some(t(10)));
    assert_eq!(j.lease_owner.as_deref(), Some("w1"));
    assert_eq!(j.lease_until, Some(t(60_000)));
}

#[test]
fn a_job_is_not_claimed_before_it_is_due_nor_while_its_lease_holds() {
    let mut j = queued(3);
    j.run_after = t(5_000);
    assert_eq!(transitions::claim(&j, "w", t(9_000), t(4_999)), Claim::Skip);
    let running = started(&j, "w1", 60_000, 5_000);
    assert_eq!(
        transitions::claim(&running, "w2", t(90_000), t(60_000)),
        Claim::Skip,
        "a lease holds up to and including its last millisecond"
    );
    let taken = started(&running, "w2", 90_000, 60_001);
    assert_eq!(
        (taken.attempts, taken.lease_owner.as_deref()),
        (2, Some("w2"))
    );
}

#[test]
fn an_expired_last_attempt_fails_and_keeps_the_reported_error() {
    let mut j = started(&queued(1), "w1", 1_000, 0);
    match transitions::claim(&j, "w2", t(9_000), t(1_001)) {
        Claim::GiveUp(f) => {
            assert_eq!(f.status, JobStatus::Failed);
            assert_eq!(f.finished_at, Some(t(1_001)));
            assert_eq!(
                f.error.as_deref(),
                Some(transitions::LEASE_EXPIRED_ON_LAST_ATTEMPT)
            );
            assert!(f.lease_owner.is_none());
        }
        other => panic!("expected to give up, got {other:?}"),
    }
    j.error = Some("S3 said no".into());
    match transitions::claim(&j, "w2", t(9_000), t(1_001)) {
        Claim::GiveUp(f) => assert_eq!(f.error.as_deref(), Some("S3 said no")),
        other => panic!("expected to give up, got {other:?}"),
    }
}

#[test]
fn finished_and_cancelled_jobs_are_never_claimed() {
    let j = started(&queued(3), "w", 1_000, 0);
    let done = transitions::finish(
        &j,
        "w",
        &Finish::Succeeded { result: json!({}) },
        &JobProgress::default(),
        t(500),
    )
    .expect("held");
    assert_eq!(
        transitions::claim(&done, "x", t(9_000), t(5_000)),
        Claim::Skip
    );
    let cancelled = transitions::cancel(&queued(3), t(1)).expect("cancel");
    assert_eq!(
        transitions::claim(&cancelled, "x", t(9_000), t(5_000)),
        Claim::Skip
    );
}

#[test]
fn only_the_lease_holder_beats_and_a_cancel_request_is_passed_on() {
    let j = started(&queued(3), "w1", 1_000, 0);
    let progress = JobProgress {
        events_processed: 5,
        ..Default::default()
    };
    let (next, answer) = transitions::heartbeat(&j, "w1", t(2_000), &progress).expect("held");
    assert_eq!(answer, Heartbeat::Held);
    assert_eq!(next.lease_until, Some(t(2_000)));
    assert_eq!(next.progress, progress);
    assert_eq!(
        transitions::heartbeat(&j, "w2", t(2_000), &progress).map(|(_, h)| h),
        Err(Heartbeat::Lost)
    );
    let flagged = transitions::cancel(&next, t(1_500)).expect("flag");
    assert_eq!(flagged.status, JobStatus::Running);
    assert!(flagged.cancel_requested);
    assert_eq!(
        transitions::heartbeat(&flagged, "w1", t(3_000), &progress).map(|(_, h)| h),
        Ok(Heartbeat::CancelRequested)
    );
}

#[test]
fn each_outcome_ends_the_attempt_as_it_says() {
    let j = started(&queued(3), "w", 1_000, 0);
    let p = JobProgress {
        bytes_processed: 10,
        ..Default::default()
    };
    let ok = transitions::finish(
        &j,
        "w",
        &Finish::Succeeded {
            result: json!({"n": 1}),
        },
        &p,
        t(9),
    )
    .expect("held");
    assert_eq!(
        (ok.status, ok.finished_at, ok.result.clone()),
        (JobStatus::Succeeded, Some(t(9)), Some(json!({"n": 1})))
    );
    assert!(ok.lease_owner.is_none() && !ok.status.is_active());
    assert_eq!(ok.progress, p);

    let again = Finish::Failed {
        error: "boom".into(),
        retry_at: Some(t(5_000)),
    };
    let q = transitions::finish(&j, "w", &again, &p, t(9)).expect("held");
    assert_eq!((q.status, q.run_after), (JobStatus::Queued, t(5_000)));
    assert_eq!((q.error.as_deref(), q.finished_at), (Some("boom"), None));
    assert_eq!(q.attempts, 1, "the attempt stays counted");

    let fail = Finish::Failed {
        error: "bad params".into(),
        retry_at: None,
    };
    let f = transitions::finish(&j, "w", &fail, &p, t(9)).expect("held");
    assert_eq!((f.status, f.finished_at), (JobStatus::Failed, Some(t(9))));

    let c = transitions::finish(&j, "w", &Finish::Cancelled, &p, t(9)).expect("held");
    assert_eq!(c.status, JobStatus::Cancelled);

    assert!(transitions::finish(&j, "other", &Finish::Cancelled, &p, t(9)).is_none());
    assert!(transitions::finish(&ok, "w", &Finish::Cancelled, &p, t(9)).is_none());
}

#[test]
fn a_released_claim_is_queued_again_without_counting_the_attempt() {
    let j = started(&started(&queued(3), "w1", 1_000, 0), "w2", 5_000, 1_001);
    assert_eq!(j.attempts, 2);
    assert!(
        transitions::release(&j, "w1").is_none(),
        "only the holder releases"
    );
    let r = transitions::release(&j, "w2").expect("held");
    assert_eq!((r.status, r.attempts), (JobStatus::Queued, 1));
    assert!(r.lease_owner.is_none() && r.lease_until.is_none());
    assert_eq!(
        transitions::claim(&r, "w3", t(9_000), t(1_002)),
        Claim::Start(Job {
            status: JobStatus::Running,
            attempts: 2,
            started_at: Some(t(1_002)),
            lease_owner: Some("w3".into()),
            lease_until: Some(t(9_000)),
            ..r.clone()
        })
    );
}

#[test]
fn only_final_jobs_are_retried_and_only_active_ones_cancelled() {
    let q = queued(3);
    assert_eq!(
        transitions::retry(&q, t(1)),
        Err(JobChangeError::WrongStatus("queued"))
    );
    let c = transitions::cancel(&q, t(1)).expect("cancel");
    assert_eq!(
        (c.status, c.finished_at),
        (JobStatus::Cancelled, Some(t(1)))
    );
    assert_eq!(
        transitions::cancel(&c, t(2)),
        Err(JobChangeError::WrongStatus("cancelled"))
    );
    let mut failed = started(&q, "w", 1_000, 0);
    failed.cancel_requested = true;
    let failed = transitions::finish(
        &failed,
        "w",
        &Finish::Failed {
            error: "x".into(),
            retry_at: None,
        },
        &JobProgress {
            events_processed: 3,
            ..Default::default()
        },
        t(5),
    )
    .expect("held");
    let r = transitions::retry(&failed, t(10)).expect("retry");
    assert_eq!(
        (r.status, r.attempts, r.run_after),
        (JobStatus::Queued, 0, t(10))
    );
    assert!(r.error.is_none() && r.finished_at.is_none() && !r.cancel_requested);
    assert_eq!(r.progress, JobProgress::default());
    assert_eq!(
        (r.id.as_str(), r.key.as_str()),
        (q.id.as_str(), q.key.as_str())
    );
}

#[test]
fn backoff_doubles_per_attempt_up_to_its_cap() {
    let ms = |a| transitions::backoff(a, 1_000, 10_000).num_milliseconds();
    assert_eq!(
        [ms(1), ms(2), ms(3), ms(4), ms(5)],
        [1_000, 2_000, 4_000, 8_000, 10_000]
    );
    assert_eq!(ms(500), 10_000);
}

#[test]
fn an_error_is_retried_while_attempts_are_left_and_it_is_worth_it() {
    let j = started(&queued(2), "w", 1_000, 0);
    match transitions::after_error(&j, "e".into(), true, (1_000, 60_000), t(100)) {
        Finish::Failed { retry_at, .. } => assert_eq!(retry_at, Some(t(1_100))),
        other => panic!("{other:?}"),
    }
    match transitions::after_error(&j, "e".into(), false, (1_000, 60_000), t(100)) {
        Finish::Failed { retry_at, .. } => assert_eq!(retry_at, None),
        other => panic!("{other:?}"),
    }
    let last = started(&j, "w2", 9_000, 1_001);
    match transitions::after_error(&last, "e".into(), true, (1_000, 60_000), t(100)) {
        Finish::Failed { retry_at, .. } => assert_eq!(retry_at, None),
        other => panic!("{other:?}"),
    }
}
