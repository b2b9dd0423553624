//! The DNS wire format (RFC 1035 §4, RFC 3596, RFC 6891, RFC 3597): names,
//! header, questions, records, EDNS, whole messages and a zero-copy view.

mod compress;
mod edns;
mod header;
mod message;
mod name;
mod rdata;
mod record;
mod tcp;
mod types;
mod view;

pub use compress::Compressor;
pub use edns::{ADVERTISED_UDP_SIZE, ClientSubnet, Edns, EdnsOption, OPTION_CLIENT_SUBNET};
pub use header::{Flags, HEADER_LEN, Header};
pub use message::{CLASSIC_UDP_LIMIT, MAX_MESSAGE_LEN, Message, MessageWriter, Section, rrsets};
pub(crate) use name::unescape;
pub use name::{
    Labels, MAX_LABEL_LEN, MAX_NAME_LEN, MAX_POINTER_HOPS, Name, NameError, walk_labels,
};
pub use rdata::{RData, Soa};
pub use record::{Question, Record};
pub use tcp::{TcpFramer, frame};
pub use types::{Class, Opcode, Rcode, RecordType};
pub use view::{LowerName, MessageView, QuestionView};
