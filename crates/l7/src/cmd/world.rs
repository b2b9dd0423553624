//! `l7 world status` and `l7 world hosts`.

use l7_world::World;
use l7_world::state::{WorldState, default_path};

use crate::cli::{Global, HostsArgs, StateArgs};
use crate::output::json_line;

pub fn status(a: StateArgs, g: &Global) -> anyhow::Result<i32> {
    let path = a.state.unwrap_or_else(default_path);
    let Some(state) = WorldState::load_running(&path) else {
        if g.json {
            json_line(&serde_json::json!({"running": false}));
        } else {
            println!(
                "no world is running (no live state file at {}); start one with `l7 up`",
                path.display()
            );
        }
        return Ok(1);
    };
    if g.json {
        let mut v = serde_json::to_value(&state)?;
        v["running"] = true.into();
        json_line(&v);
        return Ok(0);
    }
    println!(
        "world {:?} is running (pid {}, ports below 1024 moved by {})",
        state.world, state.pid, state.ports.offset
    );
    for h in &state.hosts {
        if h.services.is_empty() {
            continue;
        }
        println!("  {:<26} {}", h.name, h.address);
        for s in &h.services {
            match &s.error {
                None => println!("      {:<8} {}/{}", s.role, s.port, s.transport),
                Some(e) => println!("      {:<8} {}/{} FAILED: {e}", s.role, s.port, s.transport),
            }
        }
    }
    Ok(0)
}

pub fn hosts(a: HostsArgs, g: &Global) -> anyhow::Result<i32> {
    let rows: Vec<(String, String, String)> = match (
        &a.world,
        WorldState::load_running(&a.state.unwrap_or_else(default_path)),
    ) {
        (None, Some(state)) => state
            .hosts
            .iter()
            .map(|h| (h.name.clone(), h.address.to_string(), h.about.clone()))
            .collect(),
        (path, _) => {
            let w = match path {
                Some(p) => World::load(p)?,
                None => World::textbook(),
            };
            w.hosts
                .iter()
                .map(|h| (h.name.clone(), h.address.to_string(), h.about.clone()))
                .collect()
        }
    };
    if g.json {
        let v: Vec<_> = rows
            .iter()
            .map(|(n, a, about)| serde_json::json!({"name": n, "address": a, "about": about}))
            .collect();
        json_line(&serde_json::Value::Array(v));
    } else {
        for (n, addr, about) in rows {
            println!("{n:<26} {addr:<16} {about}");
        }
    }
    Ok(0)
}
