//! RFC 1035 §5 master files: the lexer, the record reader with its
//! directives, presentation-format RDATA, and the checked, indexed [`Zone`].

mod index;
mod lexer;
mod parser;
mod rdata_text;

pub use index::{Found, Node, RRset, Zone};
pub use lexer::{Entry, Lexer, Token};
pub use parser::{
    IncludeResolver, Location, MAX_INCLUDE_DEPTH, NoIncludes, ZoneError, parse_master_file,
};
pub use rdata_text::{MAX_TTL, character_string, parse_ttl, rdata_from_text};
