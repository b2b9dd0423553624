//! The bandwidth traces shipped in worlds/textbook/traces/ (written by
//! `l7 dash traces -o worlds/textbook/traces --seed 1`), embedded so
//! `l7 sim dash --trace steady` works anywhere. A test checks the files
//! are still exactly what the generator writes.

use l7_dash::trace::{Trace, TraceError};

/// (name, text) of every shipped trace.
pub const SHIPPED: [(&str, &str); 5] = [
    (
        "steady",
        include_str!("../../../../worlds/textbook/traces/steady.trace"),
    ),
    (
        "step-down",
        include_str!("../../../../worlds/textbook/traces/step-down.trace"),
    ),
    (
        "oscillating",
        include_str!("../../../../worlds/textbook/traces/oscillating.trace"),
    ),
    (
        "3g",
        include_str!("../../../../worlds/textbook/traces/3g.trace"),
    ),
    (
        "lte",
        include_str!("../../../../worlds/textbook/traces/lte.trace"),
    ),
];

/// The shipped trace called `name`.
pub fn shipped(name: &str) -> Option<Result<Trace, TraceError>> {
    SHIPPED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| Trace::parse(text))
}

#[cfg(test)]
mod tests {
    use l7_dash::trace::{Shape, generate};

    use super::*;

    #[test]
    fn shipped_files_are_the_generators_output() {
        for shape in Shape::ALL {
            let file = shipped(shape.name()).expect("shipped").expect("parses");
            assert_eq!(file, generate(shape, 600.0, 1), "{}", shape.name());
        }
    }
}
