//! The cookie demo shop's driver ([`l7_http::shop`] decides the pages): the
//! back-end database is SQLite (rusqlite, compiled in), holding each visitor
//! ID, every visit and the cart. Requests that are not for the shop go to
//! the file server.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;

use l7_http::files::upload::Upload;
use l7_http::files::{FileResponse, FileServer};
use l7_http::shop::{Memory, ShopAction, ShopRequest, page, shop_request, visitor_id};
use l7_http::wire::RequestHead;
use l7_http::wire::date::format_http_date;
use rusqlite::{Connection, OptionalExtension, params};

use super::server::{Action, Handler, error_response};

/// Most items one cart holds; further adds are ignored.
const MAX_CART: i64 = 100;

const SCHEMA: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS visitors (id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS visits (visitor TEXT NOT NULL REFERENCES visitors(id),
                                       at INTEGER NOT NULL, target TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS cart (visitor TEXT NOT NULL REFERENCES visitors(id),
                                     item TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS visits_by_visitor ON visits(visitor);
    CREATE INDEX IF NOT EXISTS cart_by_visitor ON cart(visitor);
";

/// The file server plus the shop under `/shop`.
pub struct DemoShop {
    files: FileServer,
    db: Mutex<Connection>,
}

impl DemoShop {
    /// Opens (or creates) the shop's database at `db`.
    pub fn open(files: FileServer, db: &Path) -> Result<Self, String> {
        // Two servers (HTTP and HTTPS) may share one database: wait for
        // the other's write instead of failing.
        let conn = Connection::open(db)
            .and_then(|c| c.busy_timeout(std::time::Duration::from_secs(5)).map(|_| c))
            .and_then(|c| c.execute_batch(SCHEMA).map(|_| c))
            .map_err(|e| format!("cannot open the shop's database {}: {e}", db.display()))?;
        Ok(DemoShop {
            files,
            db: Mutex::new(conn),
        })
    }

    /// Records this visit (and a new visitor or cart item) and returns what
    /// the database remembers, all in one transaction.
    fn remember(&self, req: &ShopRequest, target: &str, now: u64) -> rusqlite::Result<Memory> {
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let tx = db.transaction()?;
        let known = match &req.visitor {
            Some(id) => tx
                .query_row("SELECT first_seen FROM visitors WHERE id = ?1", [id], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
                .map(|first| (id.clone(), first)),
            None => None,
        };
        let new = known.is_none();
        let (id, first) = match known {
            Some(k) => k,
            None => {
                let id = visitor_id(rand::random());
                tx.execute(
                    "INSERT INTO visitors (id, first_seen) VALUES (?1, ?2)",
                    params![id, now as i64],
                )?;
                (id, now as i64)
            }
        };
        tx.execute(
            "INSERT INTO visits (visitor, at, target) VALUES (?1, ?2, ?3)",
            params![id, now as i64, target],
        )?;
        if let ShopAction::Add(item) = &req.action {
            tx.execute(
                "INSERT INTO cart (visitor, item) SELECT ?1, ?2
                 WHERE (SELECT count(*) FROM cart WHERE visitor = ?1) < ?3",
                params![id, item, MAX_CART],
            )?;
        }
        let visits: i64 = tx.query_row(
            "SELECT count(*) FROM visits WHERE visitor = ?1",
            [&id],
            |r| r.get(0),
        )?;
        let cart = tx
            .prepare("SELECT item FROM cart WHERE visitor = ?1 ORDER BY rowid")?
            .query_map([&id], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(Memory {
            id,
            new,
            visits: visits as u64,
            first_seen: format_http_date(first as u64),
            cart,
        })
    }
}

impl Handler for DemoShop {
    fn request(&self, peer: SocketAddr, head: &RequestHead<'_>) -> Action {
        let Some(req) = shop_request(head) else {
            return self.files.request(peer, head);
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Action::Respond(match self.remember(&req, &head.target, now) {
            Ok(memory) => page(&memory),
            Err(e) => {
                tracing::warn!("the shop's database failed: {e}");
                error_response(500, "the shop's database failed")
            }
        })
    }

    fn finish_upload(&self, upload: Upload) -> FileResponse {
        self.files.finish_upload(upload)
    }
}
