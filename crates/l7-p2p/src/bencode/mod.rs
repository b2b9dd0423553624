//! Bencode (BEP 3 "bencoding"): the owned [`Value`], a strict parser with
//! limits ([`decode`], [`parse`], [`Limits`]) that also exposes the raw bytes
//! of dictionary values as received ([`raw_dict_value`], [`raw_value_at`]), and canonical
//! emission ([`Value::emit`], keys sorted).

mod error;
mod parse;
mod value;

pub use error::BencodeError;
pub use parse::{Limits, decode, decode_with_limits, parse, raw_dict_value, raw_value_at};
pub use value::Value;
