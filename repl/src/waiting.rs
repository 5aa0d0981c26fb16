//! Calls of extensions that import `sqlite:extension/connection`, which may run SQL on the
//! connection calling them (ARCHITECTURE.md, "SQL from an extension").
//!
//! SQLite runs inside the runtime, and the runtime is in the middle of the `dispatch` call
//! that reached the extension: the host may not call back into it. So such an extension's
//! calls run on a worker thread. Its `connection` functions send their request to the host
//! and wait; the host's dispatch function returns "waiting" to the runtime, which runs the
//! request on the calling connection and hands back the reply through `resume`, which the
//! host passes to the worker, until the call completes. Extensions without the import never
//! come here: their calls stay on the runtime's thread, as before.

use std::any::Any;
use std::sync::mpsc::{self, Receiver, RecvError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlink_dispatch_bridge::{ConflictMode, FunctionFlags, SqlError, Value as BridgeValue};
use sqlink_host::bindings::dispatch::{Reply, Request, SqlBind, SqlCreateFunction, SqlCreateSqlFunction, SqlExecute, SqlReply, SqlRequest};
use sqlink_host::bindings::{FunctionFlags as WitFlags, Value};
use sqlink_host::connection::{SqlAccess, SqlSource, past_deadline};
use sqlink_host::extension::Extension;
use sqlink_host::values::{owned, result};

/// SQLite's code for a statement its progress handler stopped.
const SQLITE_INTERRUPT: i32 = 9;

/// What a call returns, typed by the dispatch function that made it.
pub type Outcome = Box<dyn Any + Send>;

type Run = Box<dyn FnOnce(&mut Extension) -> Outcome + Send>;

/// What the worker tells the host.
pub enum Told {
    /// The running call asks for this, and stops at `deadline`.
    Request(Request, Instant),
    /// The call completed; the extension comes back with its outcome.
    Done(Outcome, Box<Extension>),
}

/// How long a thread that waits for the other one's next word keeps looking before it
/// sleeps. A call that runs SQL passes the turn between the two threads four times or more
/// (the call, each request, its reply, the outcome), each within microseconds; waking a
/// sleeping thread costs tens of microseconds on a virtual machine, which made a `kv` point
/// lookup in the REPL about 100 us. Past this, the waiter sleeps as before (an idle REPL
/// costs nothing).
const LOOK_BEFORE_SLEEPING: Duration = Duration::from_micros(200);

/// The next message on `channel`: looked for without sleeping for a while, then waited for.
fn next_soon<T>(channel: &Receiver<T>) -> Result<T, RecvError> {
    let started = Instant::now();
    let mut looks = 0_u32;
    loop {
        match channel.try_recv() {
            Ok(message) => return Ok(message),
            Err(TryRecvError::Disconnected) => return Err(RecvError),
            Err(TryRecvError::Empty) => {}
        }
        looks += 1;
        if looks < 64 {
            std::hint::spin_loop();
            continue;
        }
        // The other thread may need this core (two threads on one CPU): give it up each time.
        std::thread::yield_now();
        if looks.is_multiple_of(16) && started.elapsed() >= LOOK_BEFORE_SLEEPING {
            return channel.recv();
        }
    }
}

/// The thread that runs the calls of extensions that may run SQL, one at a time.
pub struct Worker {
    jobs: Sender<(Box<Extension>, Run)>,
    told: Receiver<Told>,
    replies: Sender<Reply>,
    source: SqlSource,
}

/// Its native stack: wasm's (wasmtime's default limit, 512 KiB) and the host's calls below.
const STACK: usize = 8 << 20;

impl Worker {
    pub fn spawn() -> std::io::Result<Worker> {
        let (jobs, queued) = mpsc::channel::<(Box<Extension>, Run)>();
        let (tell, told) = mpsc::channel();
        let (replies, replied) = mpsc::channel();
        let done = tell.clone();
        std::thread::Builder::new().name(String::from("sqlink-sql-calls")).stack_size(STACK).spawn(move || {
            while let Ok((mut extension, run)) = next_soon(&queued) {
                let outcome = run(&mut extension);
                if done.send(Told::Done(outcome, extension)).is_err() {
                    break;
                }
            }
        })?;
        let replied = Arc::new(Mutex::new(replied));
        let source: SqlSource = Arc::new(move |deadline| Box::new(Waiting { tell: tell.clone(), replied: Arc::clone(&replied), deadline }));
        Ok(Worker { jobs, told, replies, source })
    }

    /// How the extensions it runs reach their connection.
    pub fn source(&self) -> SqlSource {
        Arc::clone(&self.source)
    }

    /// Start `run` on `extension`. The extension is the worker's until the call is done; if
    /// the worker is gone, it comes back at once.
    pub fn start(&self, extension: Box<Extension>, run: Run) -> Result<(), Box<Extension>> {
        self.jobs.send((extension, run)).map_err(|mpsc::SendError((extension, _))| extension)
    }

    /// The running call's next word; none if the worker has ended.
    pub fn next(&self) -> Option<Told> {
        next_soon(&self.told).ok()
    }

    /// Hand the reply to the running call's request.
    pub fn reply(&self, reply: Reply) -> bool {
        self.replies.send(reply).is_ok()
    }
}

/// One call's `connection` on the worker: each function is a request to the host, and waits.
struct Waiting {
    tell: Sender<Told>,
    replied: Arc<Mutex<Receiver<Reply>>>,
    deadline: Instant,
}

fn gone() -> SqlError {
    SqlError::new(1, "the REPL ended the extension's call")
}

fn unexpected() -> SqlError {
    SqlError::new(1, "the runtime answered another request")
}

/// The contract's flags of a function, as the runtime's request carries them.
fn wit_flags(flags: FunctionFlags) -> WitFlags {
    let mut wit = WitFlags::empty();
    for (flag, as_wit) in [
        (FunctionFlags::DETERMINISTIC, WitFlags::DETERMINISTIC),
        (FunctionFlags::DIRECT_ONLY, WitFlags::DIRECT_ONLY),
        (FunctionFlags::INNOCUOUS, WitFlags::INNOCUOUS),
    ] {
        if flags.contains(flag) {
            wit |= as_wit;
        }
    }
    wit
}

fn row(values: Vec<Value>) -> Vec<BridgeValue> {
    values.into_iter().map(result).collect()
}

impl Waiting {
    /// Send `request` and wait for its reply. SQL stopped by the runtime's progress handler
    /// past the deadline (the host's `interrupt.pending()` says so then) says why.
    fn ask(&mut self, request: SqlRequest) -> Result<SqlReply, SqlError> {
        if Instant::now() >= self.deadline {
            return Err(past_deadline());
        }
        self.tell.send(Told::Request(Request::Sql(request), self.deadline)).map_err(|_| gone())?;
        let reply = next_soon(&self.replied.lock().unwrap_or_else(|p| p.into_inner())).map_err(|_| gone())?;
        let Reply::Sql(reply) = reply;
        match reply {
            SqlReply::Failed(e) if e.code == SQLITE_INTERRUPT && Instant::now() >= self.deadline => Err(past_deadline()),
            SqlReply::Failed(e) => Err(SqlError::new(e.code, e.message)),
            reply => Ok(reply),
        }
    }
}

impl SqlAccess for Waiting {
    fn prepare(&mut self, sql: &str) -> Result<u64, SqlError> {
        match self.ask(SqlRequest::Prepare(sql.to_owned()))? {
            SqlReply::Statement(id) => Ok(id),
            _ => Err(unexpected()),
        }
    }

    fn bind(&mut self, statement: u64, index: u32, value: BridgeValue) -> Result<(), SqlError> {
        self.ask(SqlRequest::Bind(SqlBind { statement, index, value: owned(value) })).map(drop)
    }

    fn step(&mut self, statement: u64) -> Result<Option<Vec<BridgeValue>>, SqlError> {
        match self.ask(SqlRequest::Step(statement))? {
            SqlReply::Row(values) => Ok(values.map(row)),
            _ => Err(unexpected()),
        }
    }

    fn reset(&mut self, statement: u64) -> Result<(), SqlError> {
        self.ask(SqlRequest::Reset(statement)).map(drop)
    }

    fn column_names(&mut self, statement: u64) -> Result<Vec<String>, SqlError> {
        match self.ask(SqlRequest::ColumnNames(statement))? {
            SqlReply::ColumnNames(names) => Ok(names),
            _ => Err(unexpected()),
        }
    }

    fn finalize(&mut self, statement: u64) {
        // Past the deadline too: the runtime finalizes what is left when the call ends anyway.
        let _ = self.ask(SqlRequest::Finalize(statement));
    }

    fn execute(&mut self, sql: &str, params: Vec<BridgeValue>) -> Result<Vec<Vec<BridgeValue>>, SqlError> {
        let params = params.into_iter().map(owned).collect();
        match self.ask(SqlRequest::Execute(SqlExecute { sql: sql.to_owned(), params }))? {
            SqlReply::Rows(rows) => Ok(rows.into_iter().map(row).collect()),
            _ => Err(unexpected()),
        }
    }

    fn changes(&mut self) -> i64 {
        match self.ask(SqlRequest::Changes) {
            Ok(SqlReply::Number(n)) => n,
            _ => 0,
        }
    }

    fn last_insert_rowid(&mut self) -> i64 {
        match self.ask(SqlRequest::LastInsertRowid) {
            Ok(SqlReply::Number(n)) => n,
            _ => 0,
        }
    }

    fn on_conflict(&mut self) -> Result<ConflictMode, SqlError> {
        // SQLite's codes (sqlite3.h), as the runtime answers them.
        match self.ask(SqlRequest::OnConflict)? {
            SqlReply::Number(1) => Ok(ConflictMode::Rollback),
            SqlReply::Number(2) => Ok(ConflictMode::Ignore),
            SqlReply::Number(3) => Ok(ConflictMode::Fail),
            SqlReply::Number(5) => Ok(ConflictMode::Replace),
            SqlReply::Number(_) => Ok(ConflictMode::Abort),
            _ => Err(unexpected()),
        }
    }

    fn create_function(&mut self, name: &str, arity: i32, flags: FunctionFlags, id: u32) -> Result<(), SqlError> {
        let flags = wit_flags(flags);
        self.ask(SqlRequest::CreateFunction(SqlCreateFunction { name: name.to_owned(), arity, flags, id })).map(drop)
    }

    fn delete_function(&mut self, name: &str, arity: i32) -> Result<(), SqlError> {
        self.ask(SqlRequest::DeleteFunction((name.to_owned(), arity))).map(drop)
    }

    fn create_sql_function(&mut self, name: &str, arity: i32, flags: FunctionFlags, body: &str) -> Result<(), SqlError> {
        let flags = wit_flags(flags);
        let request = SqlCreateSqlFunction { name: name.to_owned(), arity, flags, body: body.to_owned() };
        self.ask(SqlRequest::CreateSqlFunction(request)).map(drop)
    }
}
