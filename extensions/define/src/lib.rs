//! `define`: SQL functions and table-valued functions written in SQL, as sqlean's `define`
//! makes them, kept in the database's `sqlean_define` table (`name text primary key, type
//! text, body text`) as sqlean keeps them.
//!
//! - `define(name, body)`: the scalar function `name`, whose value is `SELECT body` with the
//!   call's arguments bound to the body's parameters (`:n * (:n + 1) / 2`), as many arguments
//!   as the body has parameters. Stored with type `scalar`.
//! - `undefine(name)`: removes it (its row, and the function from the connection); a name
//!   not defined is no error, as in sqlean.
//! - `define_free()`: sqlean frees its compiled bodies; here a body is compiled at each call
//!   (an extension's statements last one call), so there is nothing to free and it answers
//!   NULL.
//! - `CREATE VIRTUAL TABLE name USING define((SELECT ...))`: a table-valued function, `SELECT *
//!   FROM name(arg, ...)`, whose columns are the query's and whose arguments are its
//!   parameters (hidden columns of the parameters' names); a parameter not given is NULL.
//!   Stored with type `table`, and removed by DROP TABLE.
//!
//! The functions of `sqlean_define` are defined on the connection lazily, at the first call
//! of any of this extension's functions or tables on it (sqlean defines them when it loads,
//! but an extension runs no SQL before SQLite calls it).

mod sql;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use sqlink_sdk::{
    Error, Filter, FunctionFlags, IndexInfo, ModuleArgs, Plan, TableRow, TableRows, Value, VirtualCursor, VirtualTable, codes, connection,
    export_extension, op, sqlite_scalar,
};

thread_local! {
    /// Whether `sqlean_define`'s functions were defined on this instance's connection.
    static LOADED: Cell<bool> = const { Cell::new(false) };
    /// The arity of each function defined here, by its name in lower case.
    static ARITIES: RefCell<HashMap<String, i32>> = RefCell::new(HashMap::new());
}

/// Parameters a body may have: SQLite's limit on a function's arguments.
const MAX_ARITY: u32 = 127;

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn table_exists() -> Result<bool, Error> {
    let rows = connection::execute("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'sqlean_define'", &[])?;
    Ok(!rows.is_empty())
}

fn create_table() -> Result<(), Error> {
    connection::execute("CREATE TABLE IF NOT EXISTS main.sqlean_define(name text primary key, type text, body text)", &[])?;
    Ok(())
}

/// The stored definition of `name`: its type and body.
fn stored(name: &str) -> Result<Option<(String, String)>, Error> {
    if !table_exists()? {
        return Ok(None);
    }
    let rows = connection::execute("SELECT type, body FROM main.sqlean_define WHERE name = ?", &[Value::Text(name.to_owned())])?;
    Ok(rows.into_iter().next().and_then(|row| match <[Value; 2]>::try_from(row) {
        Ok([Value::Text(kind), Value::Text(body)]) => Some((kind, body)),
        _ => None,
    }))
}

/// How many parameters the compiled `statement` has: the largest index that binds.
fn parameter_count(statement: &connection::Statement) -> Result<u32, Error> {
    let mut count = 0;
    while statement.bind(count + 1, Value::Null).is_ok() {
        count += 1;
        if count > MAX_ARITY {
            return Err(Error::new(format!("more than {MAX_ARITY} parameters")));
        }
    }
    Ok(count)
}

/// Compile `SELECT body`: its parameter count, or why it is no function body.
fn compile_scalar(body: &str) -> Result<(String, i32), Error> {
    let sql = format!("SELECT {body}");
    if sql::has_second_statement(&sql) {
        return Err(Error::new("the body must be one SQL expression, not several statements"));
    }
    let statement = connection::prepare(&sql).map_err(|e| Error::with_code(e.code, format!("the body does not compile: {}", e.message)))?;
    let columns = statement.column_names().len();
    if columns != 1 {
        return Err(Error::new(format!("the body must be one SQL expression, not {columns} values")));
    }
    let arity = parameter_count(&statement)?;
    Ok((sql, arity as i32))
}

/// Define `name` on the connection with the compiled `sql` of `arity` parameters. The host
/// runs the body itself (a function whose body is SQL), so a body may call other defined
/// functions, as in sqlean.
fn create(name: &str, sql: String, arity: i32) -> Result<(), Error> {
    connection::create_sql_function(name, arity, FunctionFlags::default(), &sql)?;
    ARITIES.with(|arities| arities.borrow_mut().insert(name.to_ascii_lowercase(), arity));
    Ok(())
}

/// Define the functions of `sqlean_define` on this connection, once. A body that no longer
/// compiles (it names a table or function gone since), or a name the connection has from
/// elsewhere, is left out, as sqlean leaves it.
fn load() -> Result<(), Error> {
    if LOADED.get() {
        return Ok(());
    }
    if table_exists()? {
        let rows = connection::execute("SELECT name, body FROM main.sqlean_define WHERE type = 'scalar'", &[])?;
        for row in rows {
            if let Ok([Value::Text(name), Value::Text(body)]) = <[Value; 2]>::try_from(row)
                && let Ok((sql, arity)) = compile_scalar(&body)
            {
                let _ = create(&name, sql, arity);
            }
        }
    }
    LOADED.set(true);
    Ok(())
}

/// Define the SQL function `name(...)` as `SELECT body`, kept in the database
/// (`define('sumn', ':n * (:n + 1) / 2')`).
#[sqlite_scalar]
pub fn define(name: &str, body: &str) -> Result<(), Error> {
    load()?;
    let fail = |why: String| Error::new(format!("define({name}): {why}"));
    if name.trim().is_empty() {
        return Err(Error::new("define: a function needs a name"));
    }
    if let Some((kind, _)) = stored(name)? {
        let what = if kind == "table" { "a table" } else { "a function" };
        return Err(fail(format!("{what} of that name is defined already; undefine('{name}') (or DROP TABLE) first")));
    }
    let (sql, arity) = compile_scalar(body).map_err(|e| Error::with_code(e.code, format!("define({name}): {}", e.message)))?;
    create(name, sql, arity).map_err(|e| Error::with_code(e.code, format!("define: {}", e.message)))?;
    let saved = create_table().and_then(|()| {
        connection::execute(
            "INSERT INTO main.sqlean_define(name, type, body) VALUES (?, 'scalar', ?)",
            &[Value::Text(name.to_owned()), Value::Text(body.to_owned())],
        )
    });
    if let Err(error) = saved {
        let _ = remove(name);
        return Err(fail(format!("cannot keep it in sqlean_define: {}", error.message)));
    }
    Ok(())
}

/// Remove function `name` from the connection, if defined here.
fn remove(name: &str) -> Result<(), Error> {
    let arity = ARITIES.with(|arities| arities.borrow_mut().remove(&name.to_ascii_lowercase()));
    match arity {
        Some(arity) => connection::delete_function(name, arity),
        None => Ok(()),
    }
}

/// Remove the function `define` made, from the connection and the database (nothing for a
/// name it did not make, as sqlean).
#[sqlite_scalar]
pub fn undefine(name: Option<&str>) -> Result<(), Error> {
    load()?;
    // NULL names nothing, as in sqlean.
    let Some(name) = name else { return Ok(()) };
    match stored(name)? {
        // sqlean answers NULL for a name it does not have (a typo is silent there too).
        None => Ok(()),
        Some((kind, _)) if kind == "table" => {
            Err(Error::new(format!("undefine({name}): it is a table; DROP TABLE {} removes it", quoted(name))))
        }
        Some(_) => {
            remove(name).map_err(|e| Error::with_code(e.code, format!("undefine({name}): {}", e.message)))?;
            connection::execute("DELETE FROM main.sqlean_define WHERE name = ?", &[Value::Text(name.to_owned())])?;
            Ok(())
        }
    }
}

/// sqlean frees its cache of compiled bodies; bodies are compiled at each call here, so
/// there is nothing to free. Loads the stored definitions, as every function here does.
#[sqlite_scalar]
pub fn define_free() -> Result<(), Error> {
    load()
}

/// A table-valued function: a query whose parameters are its arguments.
pub struct Defined {
    /// The query, without the parentheses around it.
    sql: String,
    /// How many result columns come before the parameters' hidden columns.
    columns: usize,
    parameters: usize,
    table: String,
}

impl Defined {
    /// `(SELECT ...)` as given: the query inside, compiled: its columns and parameters.
    fn compile(text: &str) -> Result<(String, Vec<String>, Vec<String>), Error> {
        let trimmed = text.trim();
        let Some(inner) = trimmed.strip_prefix('(').and_then(|rest| rest.strip_suffix(')')) else {
            return Err(Error::new(format!("define: the table's query must be in parentheses: USING define((SELECT ...)), not {trimmed}")));
        };
        if sql::has_second_statement(inner) {
            return Err(Error::new("define: the table's query must be one statement"));
        }
        let statement = connection::prepare(inner)
            .map_err(|e| Error::with_code(e.code, format!("define: the query does not compile: {}", e.message)))?;
        let columns = statement.column_names();
        if columns.is_empty() {
            return Err(Error::new("define: the query returns no columns"));
        }
        let count = parameter_count(&statement)? as usize;
        let mut names = sql::parameters(inner);
        if names.len() != count {
            names = (1..=count).map(|i| format!("?{i}")).collect();
        }
        Ok((inner.to_owned(), columns, names))
    }
}

impl VirtualTable for Defined {
    const NAME: &'static str = "define";
    const DOC: &'static str = "CREATE VIRTUAL TABLE name USING define((SELECT ...)): a table-valued function of the query's parameters.";
    type Cursor = DefinedCursor;

    fn connect(args: &ModuleArgs, create: bool) -> Result<(String, Self), Error> {
        load()?;
        let [text] = args.args.as_slice() else {
            return Err(Error::new("define: CREATE VIRTUAL TABLE name USING define((SELECT ...)) takes one query in parentheses"));
        };
        let (sql, columns, parameters) = Defined::compile(text)?;
        if create {
            if stored(&args.table)?.is_some() {
                return Err(Error::new(format!("define: {} is defined already; undefine it first", args.table)));
            }
            create_table()?;
            connection::execute(
                "INSERT INTO main.sqlean_define(name, type, body) VALUES (?, 'table', ?)",
                &[Value::Text(args.table.clone()), Value::Text(text.trim().to_owned())],
            )?;
        }
        let declared: Vec<String> =
            columns.iter().map(|c| quoted(c)).chain(parameters.iter().map(|p| format!("{} HIDDEN", quoted(p)))).collect();
        let schema = format!("CREATE TABLE x({})", declared.join(", "));
        Ok((schema, Defined { sql, columns: columns.len(), parameters: parameters.len(), table: args.table.clone() }))
    }

    fn best_index(&self, info: &IndexInfo) -> Result<Plan, Error> {
        let mut plan = Plan::full_scan(info);
        let mut given = Vec::new();
        for (index, constraint) in info.constraints.iter().enumerate() {
            let Ok(column) = usize::try_from(constraint.column) else { continue };
            if column < self.columns || constraint.op != op::EQ {
                continue;
            }
            // A parameter's value that only a later table of the join has: plan that first.
            if !constraint.usable {
                return Err(Error::with_code(codes::CONSTRAINT, "define: an argument is not known yet"));
            }
            plan = plan.argument(index, true);
            given.push((column - self.columns + 1).to_string());
        }
        let rows = 100_i64.saturating_sub(given.len() as i64 * 10).max(1);
        Ok(plan.string(given.join(",")).cost(rows as f64, rows))
    }

    fn open(&self) -> Result<DefinedCursor, Error> {
        Ok(DefinedCursor)
    }

    fn rename(&mut self, new_name: &str) -> Result<(), Error> {
        connection::execute(
            "UPDATE main.sqlean_define SET name = ? WHERE name = ? AND type = 'table'",
            &[Value::Text(new_name.to_owned()), Value::Text(self.table.clone())],
        )?;
        self.table = new_name.to_owned();
        Ok(())
    }

    fn destroy(&mut self) -> Result<(), Error> {
        if table_exists()? {
            connection::execute("DELETE FROM main.sqlean_define WHERE name = ? AND type = 'table'", &[Value::Text(self.table.clone())])?;
        }
        Ok(())
    }
}

pub struct DefinedCursor;

impl VirtualCursor<Defined> for DefinedCursor {
    fn filter(&mut self, table: &Defined, filter: Filter) -> Result<TableRows, Error> {
        let mut bound = vec![Value::Null; table.parameters];
        let positions = filter.index_string.unwrap_or_default();
        for (position, value) in positions.split(',').filter(|p| !p.is_empty()).zip(filter.args) {
            let slot = position.parse::<usize>().ok().and_then(|p| bound.get_mut(p.wrapping_sub(1)));
            if let Some(slot) = slot {
                *slot = value;
            }
        }
        let rows = connection::execute(&table.sql, &bound)?;
        let rows = rows.into_iter().zip(1..).map(move |(mut row, rowid)| {
            row.extend(bound.iter().cloned());
            Ok(TableRow { rowid, columns: row })
        });
        Ok(Box::new(rows.collect::<Vec<_>>().into_iter()))
    }
}

export_extension! {
    name: "define",
    scalars: [define, undefine, define_free],
    modules: [Defined],
}
