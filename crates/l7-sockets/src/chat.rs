//! The chat room: every line a member sends reaches all the others with the
//! sender's name; joins and leaves are announced; `quit` leaves.
//!
//! The protocol is plain lines, so `nc` and `telnet` work as clients: the
//! server greets, the first line a client sends is its name, every later line
//! is a message. Lines from the server that are not messages start with `* `
//! (announcements) or `! ` (errors). The room is sans-IO: the driver reports
//! connections and bytes by member id and sends what [`ChatRoom::poll_output`]
//! yields.

use std::collections::{BTreeMap, VecDeque};

use crate::line::{Line, LineSplitter};

/// Identifies one connection to the room; chosen by the driver.
pub type MemberId = u64;

/// The longest name a member may take.
pub const MAX_NAME: usize = 32;

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send these bytes to the member.
    Send(MemberId, Vec<u8>),
    /// Close the member's connection (after sending what was queued for it).
    Close(MemberId),
}

#[derive(Debug)]
struct Member {
    name: Option<String>,
    lines: LineSplitter,
}

/// The room's state: members, their names and pending output.
#[derive(Debug)]
pub struct ChatRoom {
    members: BTreeMap<MemberId, Member>,
    output: VecDeque<Output>,
    max_line: usize,
}

impl ChatRoom {
    /// An empty room that accepts lines of at most `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        ChatRoom {
            members: BTreeMap::new(),
            output: VecDeque::new(),
            max_line,
        }
    }

    /// A new connection: greet it and wait for its name.
    pub fn connect(&mut self, id: MemberId) {
        self.members.insert(
            id,
            Member {
                name: None,
                lines: LineSplitter::new(self.max_line),
            },
        );
        self.send(
            id,
            "* welcome to the l7 chat room; what is your name?".to_string(),
        );
    }

    /// Bytes received from a member.
    pub fn handle_input(&mut self, id: MemberId, bytes: &[u8]) {
        let Some(member) = self.members.get_mut(&id) else {
            return;
        };
        let mut lines = Vec::new();
        member.lines.push(bytes, &mut lines);
        for line in lines {
            if !self.members.contains_key(&id) {
                return; // quit earlier in this same read
            }
            match line {
                Line::TooLong => self.send(
                    id,
                    format!(
                        "! line too long (at most {} bytes); it was not sent",
                        self.max_line
                    ),
                ),
                Line::Text(text) => self.handle_line(id, &String::from_utf8_lossy(&text)),
            }
        }
    }

    /// The member's connection closed (or failed).
    pub fn disconnect(&mut self, id: MemberId) {
        if let Some(Member {
            name: Some(name), ..
        }) = self.members.remove(&id)
        {
            self.broadcast(id, format!("* {name} left"));
        }
    }

    /// The next thing to do, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.output.pop_front()
    }

    /// Names of the members who have joined, in id order.
    pub fn names(&self) -> Vec<&str> {
        self.members
            .values()
            .filter_map(|m| m.name.as_deref())
            .collect()
    }

    fn handle_line(&mut self, id: MemberId, text: &str) {
        let text = text.trim();
        let name = self.members.get(&id).and_then(|m| m.name.clone());
        match name {
            None => self.take_name(id, text),
            Some(name) if text.eq_ignore_ascii_case("quit") => {
                self.send(id, "* bye".to_string());
                self.output.push_back(Output::Close(id));
                self.members.remove(&id);
                self.broadcast(id, format!("* {name} left"));
            }
            Some(_) if text.is_empty() => {}
            Some(name) => self.broadcast(id, format!("{name}: {text}")),
        }
    }

    fn take_name(&mut self, id: MemberId, name: &str) {
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control)
        {
            self.send(
                id,
                format!("! a name is 1 to {MAX_NAME} printable characters; try again"),
            );
            return;
        }
        if self.names().iter().any(|n| n.eq_ignore_ascii_case(name)) {
            self.send(id, format!("! {name} is taken; choose another name"));
            return;
        }
        let others = self.names().join(", ");
        let here = if others.is_empty() {
            "nobody else is here yet".to_string()
        } else {
            format!("here: {others}")
        };
        if let Some(m) = self.members.get_mut(&id) {
            m.name = Some(name.to_string());
        }
        self.send(id, format!("* you are {name}; {here}; type quit to leave"));
        self.broadcast(id, format!("* {name} joined"));
    }

    fn send(&mut self, id: MemberId, mut line: String) {
        line.push('\n');
        self.output.push_back(Output::Send(id, line.into_bytes()));
    }

    /// Sends `line` to every named member except `from`.
    fn broadcast(&mut self, from: MemberId, line: String) {
        let targets: Vec<MemberId> = self
            .members
            .iter()
            .filter(|(id, m)| **id != from && m.name.is_some())
            .map(|(id, _)| *id)
            .collect();
        for id in targets {
            self.send(id, line.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(room: &mut ChatRoom) -> Vec<Output> {
        std::iter::from_fn(|| room.poll_output()).collect()
    }

    fn said(to: MemberId, s: &str) -> Output {
        Output::Send(to, format!("{s}\n").into_bytes())
    }

    #[test]
    fn join_talk_and_leave() {
        let mut room = ChatRoom::new(100);
        room.connect(1);
        room.connect(2);
        drain(&mut room);
        room.handle_input(1, b"alice\n");
        assert_eq!(
            drain(&mut room),
            vec![said(
                1,
                "* you are alice; nobody else is here yet; type quit to leave"
            )]
        );
        room.handle_input(2, b"bob\r\n");
        assert_eq!(
            drain(&mut room),
            vec![
                said(2, "* you are bob; here: alice; type quit to leave"),
                said(1, "* bob joined")
            ]
        );
        room.handle_input(1, b"hi bob\nquit\n");
        assert_eq!(
            drain(&mut room),
            vec![
                said(2, "alice: hi bob"),
                said(1, "* bye"),
                Output::Close(1),
                said(2, "* alice left")
            ]
        );
        room.disconnect(1);
        assert_eq!(drain(&mut room), vec![]);
        assert_eq!(room.names(), vec!["bob"]);
    }

    #[test]
    fn unnamed_members_hear_nothing_and_names_are_unique() {
        let mut room = ChatRoom::new(100);
        room.connect(1);
        room.connect(2);
        room.handle_input(1, b"alice\n");
        drain(&mut room);
        room.handle_input(2, b"ALICE\n");
        assert_eq!(
            drain(&mut room),
            vec![said(2, "! ALICE is taken; choose another name")]
        );
        room.handle_input(1, b"anyone?\n");
        assert_eq!(drain(&mut room), vec![]);
    }

    #[test]
    fn long_lines_are_refused_not_broadcast() {
        let mut room = ChatRoom::new(8);
        room.connect(1);
        room.connect(2);
        room.handle_input(1, b"a\n");
        room.handle_input(2, b"b\n");
        drain(&mut room);
        room.handle_input(1, &[b'x'; 100]);
        room.handle_input(1, b"yy\nok\n");
        assert_eq!(
            drain(&mut room),
            vec![
                said(1, "! line too long (at most 8 bytes); it was not sent"),
                said(2, "a: ok")
            ]
        );
    }
}
