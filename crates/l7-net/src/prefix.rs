//! Address prefixes for allow-lists (who may transfer a zone, who may use a
//! resolver): the type lives in l7-wire so the sans-IO cores share it.

pub use l7_wire::prefix::Prefix;
