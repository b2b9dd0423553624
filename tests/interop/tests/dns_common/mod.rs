//! What the DNS interop tests share: python3 with the PyPI peers
//! (dnspython) that scripts/install-peers put in .tools/python.

use std::process::Command;

use l7_interop::tool;

/// python3 able to `import dns` (dnspython).
pub fn python_peer() -> Command {
    let mut c = tool("python3");
    c.env("PYTHONPATH", python_tools());
    c
}

fn python_tools() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.tools/python")
        .display()
        .to_string()
}
