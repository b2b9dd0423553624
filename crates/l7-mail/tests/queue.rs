//! The durable queue stepped in virtual time (unix seconds passed in):
//! crash and reload, retry schedule, expiry and bounces.

use l7_mail::queue::{Queue, QueueId, RecipientState, RetryPolicy};
use l7_mail::smtp::address::{Mailbox, ReversePath};
use l7_mail::smtp::client::{DeliveryStatus, RecipientResult};
use l7_mail::smtp::reply::{EnhancedStatus, Reply};
use l7_mail::store::Maildir;
use std::fs;
use std::path::Path;

const T0: i64 = 1_700_000_000;
const MSG: &[u8] = b"From: alice@crepes.fr\r\nSubject: ketchup\r\n\r\nDo you like ketchup?\r\n";

fn mb(s: &str) -> Mailbox {
    Mailbox::parse(s).unwrap()
}

fn alice() -> ReversePath {
    ReversePath::Mailbox(mb("alice@crepes.fr"))
}

fn open(dir: &Path) -> Queue {
    Queue::open(dir, "mail.crepes.fr", 4242, RetryPolicy::default()).unwrap()
}

fn result(rcpt: &str, status: DeliveryStatus, code: u16, e: (u8, u16, u16)) -> RecipientResult {
    RecipientResult {
        recipient: mb(rcpt),
        status,
        reply: Reply::new(
            code,
            Some(EnhancedStatus::new(e.0, e.1, e.2)),
            "remote says so",
        ),
    }
}

fn transient(rcpt: &str) -> RecipientResult {
    result(rcpt, DeliveryStatus::Transient, 451, (4, 3, 0))
}

#[test]
fn acknowledged_messages_survive_a_crash_and_leftovers_go() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    // Group commit: three sessions stage, one commit covers them all.
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut incoming = q.begin().unwrap();
        incoming.write(MSG).unwrap();
        incoming.write(format!("part {i}\r\n").as_bytes()).unwrap();
        ids.push(
            q.stage(incoming, alice(), vec![mb("bob@hamburger.edu")], T0)
                .unwrap(),
        );
    }
    q.commit().unwrap();
    // A message still streaming when the process is killed (no Drop runs).
    let mut partial = q.begin().unwrap();
    partial.write(b"half a message").unwrap();
    std::mem::forget(partial);
    // A data file whose envelope never made it (killed between the two).
    fs::write(dir.path().join("data/ORPHAN"), b"x").unwrap();
    drop(q);

    let q = open(dir.path());
    let listed = q.list().unwrap();
    let listed_ids: Vec<QueueId> = listed.iter().map(|m| m.id.clone()).collect();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(listed_ids, expected);
    assert_eq!(q.data(&ids[1]).unwrap(), [MSG, b"part 1\r\n"].concat());
    assert_eq!(listed[0].size, (MSG.len() + 8) as u64);
    assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    assert!(!dir.path().join("data/ORPHAN").exists());
    assert_eq!(q.due(T0).unwrap().len(), 3, "first attempt is due at once");
}

#[test]
fn transient_failures_back_off_and_delivered_recipients_are_never_retried() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = q
        .enqueue(
            alice(),
            vec![mb("bob@hamburger.edu"), mb("carol@hamburger.edu")],
            MSG,
            T0,
        )
        .unwrap();
    let out = q
        .record_attempt(
            &id,
            &[
                result(
                    "bob@hamburger.edu",
                    DeliveryStatus::Delivered,
                    250,
                    (2, 0, 0),
                ),
                transient("carol@hamburger.edu"),
            ],
            T0,
        )
        .unwrap();
    assert_eq!(
        (out.bounce, out.finished, out.next_attempt),
        (None, false, Some(T0 + 300))
    );
    assert!(q.due(T0 + 299).unwrap().is_empty());
    let due = q.due(T0 + 300).unwrap();
    assert_eq!(due.len(), 1);
    let states: Vec<_> = due[0]
        .envelope
        .recipients
        .iter()
        .map(|r| r.state.clone())
        .collect();
    assert_eq!(states, [RecipientState::Delivered, RecipientState::Pending]);
    // Reloaded after a crash, bob stays delivered.
    drop(q);
    let q = open(dir.path());
    let next = q
        .record_attempt(&id, &[transient("carol@hamburger.edu")], T0 + 300)
        .unwrap();
    assert_eq!(next.next_attempt, Some(T0 + 300 + 600));
    assert_eq!(q.flush(T0 + 400).unwrap(), 1);
    assert_eq!(q.due(T0 + 400).unwrap().len(), 1, "flush makes it due now");
    let done = q
        .record_attempt(
            &id,
            &[result(
                "carol@hamburger.edu",
                DeliveryStatus::Delivered,
                250,
                (2, 0, 0),
            )],
            T0 + 400,
        )
        .unwrap();
    assert!(done.finished);
    assert!(q.list().unwrap().is_empty());
}

#[test]
fn permanent_failure_bounces_once_and_bounces_never_bounce() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = q
        .enqueue(
            alice(),
            vec![mb("nobody@hamburger.edu"), mb("bob@hamburger.edu")],
            MSG,
            T0,
        )
        .unwrap();
    // Simulate a crash after the bounce was queued but before the envelope
    // recorded the failure: restore the old envelope afterwards.
    let env_path = dir.path().join("env").join(id.as_str());
    let before = fs::read(&env_path).unwrap();
    let failure = [
        result(
            "nobody@hamburger.edu",
            DeliveryStatus::Permanent,
            550,
            (5, 1, 1),
        ),
        transient("bob@hamburger.edu"),
    ];
    let first = q.record_attempt(&id, &failure, T0).unwrap();
    fs::write(&env_path, &before).unwrap();
    let again = q.record_attempt(&id, &failure, T0).unwrap();
    assert_eq!(
        first.bounce, again.bounce,
        "the same bounce, not a second one"
    );
    let bounce_id = first.bounce.unwrap();
    let all = q.list().unwrap();
    assert_eq!(all.len(), 2);
    let bounce = all.iter().find(|m| m.id == bounce_id).unwrap();
    assert_eq!(bounce.envelope.sender, ReversePath::Null);
    assert_eq!(bounce.envelope.recipients[0].address, mb("alice@crepes.fr"));
    let dsn = String::from_utf8(q.data(&bounce_id).unwrap()).unwrap();
    assert!(
        dsn.contains(
            "Final-Recipient: rfc822; nobody@hamburger.edu\r\nAction: failed\r\nStatus: 5.1.1"
        ),
        "{dsn}"
    );
    assert!(
        !dsn.contains("bob@hamburger.edu"),
        "only the failed recipient is reported"
    );
    // The bounce itself fails permanently: dropped, no bounce of a bounce.
    let out = q
        .record_attempt(
            &bounce_id,
            &[result(
                "alice@crepes.fr",
                DeliveryStatus::Permanent,
                550,
                (5, 1, 1),
            )],
            T0,
        )
        .unwrap();
    assert_eq!((out.bounce, out.finished), (None, true));
    assert_eq!(q.list().unwrap().len(), 1);
}

#[test]
fn expiry_after_five_days_gives_exactly_one_bounce() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(dir.path());
    let id = q
        .enqueue(alice(), vec![mb("bob@hamburger.edu")], MSG, T0)
        .unwrap();
    let mut now = T0;
    let mut bounces = Vec::new();
    let mut attempts = 0;
    // A destination that always answers 4xx, retried on schedule.
    while let Some(m) = q.due(now).unwrap().into_iter().find(|m| m.id == id) {
        let out = q
            .record_attempt(&m.id, &[transient("bob@hamburger.edu")], now)
            .unwrap();
        attempts += 1;
        bounces.extend(out.bounce);
        match out.next_attempt {
            Some(next) => now = next,
            None => break,
        }
    }
    assert!(
        now - T0 >= 5 * 86_400 && now - T0 < 5 * 86_400 + 4 * 3600,
        "gave up at {}",
        now - T0
    );
    assert_eq!(
        attempts, 36,
        "5+10+...+160 minutes, then every 4 hours for 5 days"
    );
    assert_eq!(bounces.len(), 1);
    let remaining = q.list().unwrap();
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].id, bounces[0]);
    let dsn = String::from_utf8(q.data(&bounces[0]).unwrap()).unwrap();
    assert!(
        dsn.contains("Status: 4.4.7") && dsn.contains("451 4.3.0 remote says so"),
        "{dsn}"
    );
    // The bounce (null sender) expiring in turn produces nothing.
    let later = now + 6 * 86_400;
    let out = q
        .record_attempt(&bounces[0], &[transient("alice@crepes.fr")], later)
        .unwrap();
    assert_eq!((out.bounce, out.finished), (None, true));
    assert!(q.list().unwrap().is_empty());
}

#[test]
fn local_delivery_is_idempotent_across_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(&dir.path().join("queue"));
    q.enqueue(alice(), vec![mb("bob@hamburger.edu")], MSG, T0)
        .unwrap();
    let md = Maildir::create(dir.path().join("maildir/hamburger.edu/bob")).unwrap();
    let m = &q.due(T0).unwrap()[0];
    let name = q.maildir_name(m, 0);
    assert!(!md.contains(&name).unwrap());
    md.deliver(&name, &q.data(&m.id).unwrap()).unwrap();
    // Killed before record_attempt: the retry sees the copy and skips it.
    drop(q);
    let q = open(&dir.path().join("queue"));
    let m = &q.due(T0).unwrap()[0];
    assert!(md.contains(&q.maildir_name(m, 0)).unwrap());
    assert_eq!(md.new_messages().unwrap().len(), 1);
}
