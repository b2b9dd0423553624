//! "Alice sends e-mail to Bob" through the whole core, sans-IO, with the
//! test as driver: alice submits to mail.crepes.fr (STARTTLS + AUTH), the
//! message is queued durably before the 250, the queue relays it with the
//! client session to hamburger.edu's server session, which delivers it into
//! bob's Maildir.

use l7_mail::accounts::Accounts;
use l7_mail::message::{ReceivedInfo, complete_submission, received_field};
use l7_mail::queue::{Queue, RetryPolicy};
use l7_mail::smtp::address::{ForwardPath, Mailbox, ReversePath};
use l7_mail::smtp::client::{
    ClientConfig, ClientEvent, ClientSession, DeliveryStatus, OutgoingMessage, RecipientResult,
    TlsPolicy,
};
use l7_mail::smtp::server::{Envelope, ServerConfig, ServerEvent, ServerSession};
use l7_mail::store::{Directory, Maildir, Resolution, UniqueName};
use l7_wire::Instant;
use std::path::Path;

const NOW: i64 = 1_700_000_000;
const T: Instant = Instant::ZERO;

/// Plays a client session against a server session until both are quiet;
/// `tls` upgrades happen in place (the bytes would be encrypted by the driver).
/// The client streams `body` when asked; its results are returned.
fn converse<P: l7_mail::smtp::server::RecipientPolicy>(
    client: &mut ClientSession,
    body: &[u8],
    server: &mut ServerSession<P>,
    mut on_server_event: impl FnMut(&mut ServerSession<P>, ServerEvent),
) -> Vec<RecipientResult> {
    let mut results = None;
    for _ in 0..50 {
        let mut progress = false;
        if let Some(bytes) = server.poll_transmit() {
            client.handle_input(T, &bytes);
            progress = true;
        }
        while let Some(e) = client.poll_event() {
            match e {
                ClientEvent::SendBody => {
                    client.push_body(body);
                    client.end_body(T);
                }
                ClientEvent::Finished(r) => results = Some(r),
                _ => {}
            }
        }
        while let Some(e) = server.poll_event() {
            if e == ServerEvent::StartTls {
                // The 220 already reached the client: both sides handshake.
                server.tls_established(T);
                client.tls_established(T);
            } else {
                on_server_event(server, e);
            }
            progress = true;
        }
        if let Some(bytes) = client.poll_transmit() {
            server.handle_input(T, &bytes);
            progress = true;
        }
        if !progress {
            break;
        }
    }
    results.expect("the client session did not finish")
}

fn submit(queue: &Queue, accounts: &Accounts) {
    let mut config = ServerConfig::new("mail.crepes.fr");
    config.starttls_available = true;
    config.auth_enabled = true;
    config.require_auth = true;
    let mut directory = Directory::new();
    accounts.users().for_each(|u| directory.add_user(u));
    let mut server = ServerSession::new(config, std::sync::Arc::new(directory), T);
    let body = b"From: alice@crepes.fr\r\nTo: bob@hamburger.edu\r\nSubject: ketchup\r\n\r\nDo you like ketchup?\r\nHow about pickles?\r\n";
    let message = OutgoingMessage::for_body(
        ReversePath::Mailbox(Mailbox::parse("alice@crepes.fr").unwrap()),
        vec![Mailbox::parse("bob@hamburger.edu").unwrap()],
        body,
    );
    let client_config = ClientConfig {
        hostname: "alice-laptop.crepes.fr".into(),
        tls: TlsPolicy::Required,
        tls_active: false,
        credentials: Some(("alice@crepes.fr".into(), "ketchup".into())),
        trace: false,
    };
    let mut client = ClientSession::new(client_config, message, T);
    let mut incoming = None;
    let mut envelope: Option<Envelope> = None;
    let results = converse(
        &mut client,
        body,
        &mut server,
        |server, event| match event {
            ServerEvent::Authenticate { user, password, .. } => {
                server.auth_result(T, accounts.verify(&user, &password));
            }
            ServerEvent::MessageBegin(env) => {
                incoming = Some(queue.begin().unwrap());
                envelope = Some(env);
            }
            ServerEvent::MessageData(chunk) => incoming.as_mut().unwrap().write(&chunk).unwrap(),
            ServerEvent::MessageEnd => {
                let env = envelope.take().unwrap();
                let recipients = env
                    .recipients
                    .iter()
                    .filter_map(|r| match r {
                        ForwardPath::Mailbox(m) => Some(m.clone()),
                        ForwardPath::Postmaster => None,
                    })
                    .collect();
                let id = queue
                    .stage(incoming.take().unwrap(), env.sender, recipients, NOW)
                    .unwrap();
                queue.commit().unwrap();
                server.message_stored(T, id.as_str());
            }
            _ => {}
        },
    );
    assert_eq!(results[0].status, DeliveryStatus::Delivered, "{results:?}");
}

fn relay(queue: &Queue, maildirs: &Path) {
    let due = queue.due(NOW).unwrap();
    assert_eq!(due.len(), 1);
    let queued = &due[0];
    // The submission server adds what the user agent left out.
    let data = complete_submission(
        &queue.data(&queued.id).unwrap(),
        NOW,
        "u1",
        "mail.crepes.fr",
    );
    let message = OutgoingMessage::for_body(
        queued.envelope.sender.clone(),
        queued
            .envelope
            .recipients
            .iter()
            .map(|r| r.address.clone())
            .collect(),
        &data,
    );
    let mut client = ClientSession::new(
        ClientConfig {
            hostname: "mail.crepes.fr".into(),
            tls: TlsPolicy::Opportunistic,
            tls_active: false,
            credentials: None,
            trace: false,
        },
        message,
        T,
    );
    let mut bob_directory = Directory::new();
    bob_directory.add_user("bob@hamburger.edu");
    let resolver = bob_directory.clone();
    let mut mx = ServerSession::new(ServerConfig::new("hamburger.edu"), bob_directory, T);
    let mut body = Vec::new();
    let mut envelope = None;
    let mut seq = 0;
    let results = converse(&mut client, &data, &mut mx, |mx, event| match event {
        ServerEvent::MessageBegin(env) => envelope = Some(env),
        ServerEvent::MessageData(chunk) => body.extend(chunk),
        ServerEvent::MessageEnd => {
            let env: Envelope = envelope.take().unwrap();
            for rcpt in &env.recipients {
                let ForwardPath::Mailbox(m) = rcpt else {
                    continue;
                };
                let Resolution::Local(users) = resolver.resolve(m) else {
                    panic!("{m} is not local")
                };
                for user in users {
                    seq += 1;
                    let md = Maildir::create(Directory::maildir_path(maildirs, &user)).unwrap();
                    let received = received_field(&ReceivedInfo {
                        helo: &env.helo,
                        peer_ip: "127.0.20.1",
                        by: "hamburger.edu",
                        esmtp: env.esmtp,
                        tls: env.tls,
                        authenticated: false,
                        id: "H1",
                        for_recipient: Some(&user),
                        unix_time: NOW,
                    });
                    let mut delivery = md
                        .begin(&UniqueName::new(NOW, 7, seq, "hamburger.edu"))
                        .unwrap();
                    delivery.write(received.as_bytes()).unwrap();
                    delivery.write(&body).unwrap();
                    delivery.commit().unwrap();
                }
            }
            mx.message_stored(T, "H1");
        }
        _ => {}
    });
    let outcome = queue.record_attempt(&queued.id, &results, NOW).unwrap();
    assert!(outcome.finished && outcome.bounce.is_none(), "{outcome:?}");
}

#[test]
fn alice_sends_bob_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut accounts = Accounts::new();
    accounts
        .add("alice@crepes.fr", "ketchup", &[1; 16])
        .unwrap();
    let queue = Queue::open(
        dir.path().join("queue"),
        "mail.crepes.fr",
        1,
        RetryPolicy::default(),
    )
    .unwrap();
    submit(&queue, &accounts);
    relay(&queue, &dir.path().join("maildirs"));
    assert!(queue.list().unwrap().is_empty());
    let bob = Maildir::create(dir.path().join("maildirs/hamburger.edu/bob")).unwrap();
    let delivered = bob.new_messages().unwrap();
    assert_eq!(delivered.len(), 1);
    let text = String::from_utf8(std::fs::read(&delivered[0]).unwrap()).unwrap();
    assert!(
        text.starts_with(
            "Received: from mail.crepes.fr ([127.0.20.1])\r\n\tby hamburger.edu with ESMTP id H1"
        ),
        "{text}"
    );
    assert!(
        text.contains("Message-ID: <u1@mail.crepes.fr>\r\n")
            && text.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n")
    );
    assert!(
        text.ends_with("Subject: ketchup\r\n\r\nDo you like ketchup?\r\nHow about pickles?\r\n")
    );
}
