//! Zone transfer out (RFC 5936 §2.2: SOA, every record, SOA again, split
//! over as many messages as needed) and NOTIFY messages (RFC 1996 §3.7).

use crate::wire::{Flags, Message, MessageWriter, Opcode, Question, Rcode, RecordType, Section};
use crate::zone::Zone;

/// Size of each AXFR message (well under TCP's 65535).
pub const AXFR_MESSAGE_LIMIT: usize = 16 * 1024;

/// The messages of an AXFR response to query `id` for `zone`.
pub(crate) fn axfr_messages(zone: &Zone, id: u16, question: &Question) -> Vec<Vec<u8>> {
    let header = Message {
        id,
        flags: Flags {
            response: true,
            authoritative: true,
            ..Flags::default()
        },
        ..Message::default()
    }
    .header();
    let mut messages = Vec::new();
    let records = zone.transfer_records();
    let mut next = 0;
    while next < records.len() {
        let mut out = Vec::with_capacity(AXFR_MESSAGE_LIMIT);
        let mut w = MessageWriter::new(&mut out, header, AXFR_MESSAGE_LIMIT, None);
        // RFC 5936 §2.2.1: the question goes in the first message.
        if messages.is_empty() {
            w.question(question);
        }
        let first = next;
        while next < records.len() && w.rrset(Section::Answer, [records[next]]) {
            next += 1;
        }
        w.finish(None, Rcode::NOERROR);
        if next == first {
            // A single record larger than a message cannot be sent; stop.
            break;
        }
        // A message that ended because it was full is not truncated (TC off).
        out[2] &= !0x02;
        messages.push(out);
    }
    messages
}

/// A NOTIFY for `zone` (RFC 1996 §3.7): opcode NOTIFY, AA set, the apex
/// SOA as question and its current record in the answer.
pub fn notify(id: u16, zone: &Zone) -> Vec<u8> {
    Message {
        id,
        opcode: Opcode::NOTIFY,
        flags: Flags {
            authoritative: true,
            ..Flags::default()
        },
        questions: vec![Question::new(zone.apex().clone(), RecordType::SOA)],
        answers: vec![zone.soa().clone()],
        ..Message::default()
    }
    .to_bytes()
}
