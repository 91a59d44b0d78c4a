//! `service-registry db copy --from <sqlite url> --to <postgres url>`: every table of an SQLite
//! database into an empty PostgreSQL database, in dependency order, in one transaction on the target,
//! each table's row count checked before the commit.
//!
//! The target's schema is authoritative: `db copy` migrates it, copies the tables it has (SQLite's own
//! full-text tables have no PostgreSQL counterpart and are skipped) and casts every value to the target
//! column's type. The source is read in one read transaction, so a running server may keep writing.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait, Value,
};
use std::collections::{BTreeMap, BTreeSet};

use crate::config::DatabaseConfig;

/// Rows per INSERT statement (PostgreSQL allows 65535 parameters per statement).
const BATCH_PARAMS: usize = 30_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// (table, rows copied), in the order they were copied.
    pub tables: Vec<(String, u64)>,
    /// Source tables the target has no counterpart for.
    pub skipped: Vec<String>,
}

struct Column {
    name: String,
    udt: String,
}

/// A table's columns, and its foreign keys to itself as (column, referenced column).
#[derive(Default)]
struct Table {
    columns: Vec<Column>,
    self_refs: Vec<(String, String)>,
}

pub async fn copy_sqlite_to_postgres(
    from: &DatabaseConfig,
    to: &DatabaseConfig,
    to_search_path: Option<&str>,
) -> anyhow::Result<CopyReport> {
    if !matches!(from, DatabaseConfig::Sqlite { .. }) {
        anyhow::bail!("--from must be an SQLite database (sqlite://PATH).");
    }
    if !matches!(to, DatabaseConfig::Postgres { .. }) {
        anyhow::bail!("--to must be a PostgreSQL database (postgres://…).");
    }
    if let DatabaseConfig::Sqlite { path } = from
        && !path.is_file()
    {
        anyhow::bail!("There is no SQLite database at {}.", path.display());
    }
    let source = crate::db::connect_with(from, None, Some(1)).await?;
    let pending = crate::db::pending_migrations(&source).await?;
    if pending > 0 {
        anyhow::bail!(
            "The source database has {pending} pending migration(s): run `service-registry migrate up` \
             on it first, so both schemas are the same."
        );
    }
    crate::db::migrate_up(to, to_search_path).await?;
    let target = crate::db::connect_with(to, to_search_path, Some(1)).await?;
    let (order, columns) = target_tables(&target).await?;
    for table in &order {
        let n = count(&target, DbBackend::Postgres, table).await?;
        if n > 0 {
            anyhow::bail!(
                "The target database is not empty (table {table} has {n} row(s)); db copy writes only \
                 into a new, empty database."
            );
        }
    }
    let source_tables = sqlite_tables(&source).await?;
    let skipped: Vec<String> = source_tables
        .iter()
        .filter(|t| !columns.contains_key(*t))
        .cloned()
        .collect();

    let read = source.begin().await?;
    let write = target.begin().await?;
    let mut report = Vec::new();
    for table in &order {
        if !source_tables.contains(table) {
            anyhow::bail!("The source database has no table {table}; is it this application's?");
        }
        let cols = &columns[table].columns;
        let mut rows = read_rows(&read, table, cols).await?;
        for (child, parent) in &columns[table].self_refs {
            rows = parents_first(rows, cols, child, parent)?;
        }
        insert_rows(&write, table, cols, &rows).await?;
        let expected = rows.len() as u64;
        let copied = count(&write, DbBackend::Postgres, table).await?;
        if copied != expected {
            anyhow::bail!(
                "{table}: {expected} row(s) read but {copied} in the target; nothing was committed."
            );
        }
        reset_sequences(&write, table, cols).await?;
        report.push((table.clone(), copied));
    }
    write.commit().await?;
    read.commit().await?;
    let _ = source.close().await;
    let _ = target.close().await;
    Ok(CopyReport {
        tables: report,
        skipped,
    })
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

async fn count<C: ConnectionTrait>(db: &C, backend: DbBackend, table: &str) -> anyhow::Result<u64> {
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT count(*) AS n FROM {}", quote(table)),
        ))
        .await?;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(n as u64)
}

/// The target's tables (without the migration table) in dependency order, and their columns.
async fn target_tables(
    db: &DatabaseConnection,
) -> anyhow::Result<(Vec<String>, BTreeMap<String, Table>)> {
    let pg = |sql: &str| Statement::from_string(DbBackend::Postgres, sql);
    let mut columns: BTreeMap<String, Table> = BTreeMap::new();
    for r in db
        .query_all_raw(pg(
            "SELECT c.table_name::text AS t, c.column_name::text AS c, c.udt_name::text AS u \
             FROM information_schema.columns c JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
               AND c.table_name <> 'seaql_migrations' AND c.is_generated = 'NEVER' \
             ORDER BY c.table_name, c.ordinal_position",
        ))
        .await?
    {
        columns
            .entry(r.try_get("", "t")?)
            .or_default()
            .columns
            .push(Column {
                name: r.try_get("", "c")?,
                udt: r.try_get("", "u")?,
            });
    }
    let mut parents: BTreeMap<String, BTreeSet<String>> = columns
        .keys()
        .map(|t| (t.clone(), BTreeSet::new()))
        .collect();
    for r in db
        .query_all_raw(pg(
            "SELECT ch.relname::text AS child, pa.relname::text AS parent, \
               a.attname::text AS col, af.attname::text AS ref, cardinality(k.conkey) AS n \
             FROM pg_constraint k \
             JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid \
             JOIN pg_namespace ns ON ns.oid = ch.relnamespace \
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
             JOIN pg_attribute af ON af.attrelid = k.confrelid AND af.attnum = k.confkey[1] \
             WHERE k.contype = 'f' AND ns.nspname = current_schema()",
        ))
        .await?
    {
        let (child, parent): (String, String) = (r.try_get("", "child")?, r.try_get("", "parent")?);
        if child == parent {
            let n: i32 = r.try_get("", "n")?;
            if n != 1 {
                anyhow::bail!("{child}: a foreign key to itself over {n} columns is not supported");
            }
            if let Some(t) = columns.get_mut(&child) {
                t.self_refs
                    .push((r.try_get("", "col")?, r.try_get("", "ref")?));
            }
        } else if let Some(p) = parents.get_mut(&child) {
            p.insert(parent);
        }
    }
    let mut order = Vec::new();
    while !parents.is_empty() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, ps)| ps.iter().all(|p| !parents.contains_key(p)))
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            anyhow::bail!(
                "The target's foreign keys form a cycle: {:?}",
                parents.keys()
            );
        }
        for t in ready {
            parents.remove(&t);
            order.push(t);
        }
    }
    Ok((order, columns))
}

/// Orders rows so that a row referenced through `child` → `parent` (a tree such as EDAM's parents)
/// comes before the rows referencing it.
fn parents_first(
    rows: Vec<Vec<Cell>>,
    cols: &[Column],
    child: &str,
    parent: &str,
) -> anyhow::Result<Vec<Vec<Cell>>> {
    let index = |name: &str| {
        cols.iter()
            .position(|c| c.name == name)
            .ok_or_else(|| anyhow::anyhow!("column {name} is not copied"))
    };
    let (ci, pi) = (index(child)?, index(parent)?);
    let key = |c: &Cell| match c {
        Cell::Text(s) => Some(s.clone()),
        _ => None,
    };
    let by_key: BTreeMap<String, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| key(&r[pi]).map(|k| (k, i)))
        .collect();
    let mut placed = vec![false; rows.len()];
    let mut order = Vec::with_capacity(rows.len());
    for start in 0..rows.len() {
        // Walk up to the first unplaced ancestor chain, then place it top-down.
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            if placed[i] || chain.contains(&i) {
                break;
            }
            chain.push(i);
            at = key(&rows[i][ci]).and_then(|k| by_key.get(&k).copied());
        }
        for &i in chain.iter().rev() {
            placed[i] = true;
            order.push(i);
        }
    }
    let mut slots: Vec<Option<Vec<Cell>>> = rows.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

async fn sqlite_tables(db: &DatabaseConnection) -> anyhow::Result<BTreeSet<String>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> 'seaql_migrations'",
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "name").map_err(Into::into))
        .collect()
}

/// A source value: SQL NULL, text (every non-blob storage class, as SQLite renders it) or bytes.
enum Cell {
    Null,
    Text(String),
    Bytes(Vec<u8>),
}

async fn read_rows(
    db: &DatabaseTransaction,
    table: &str,
    cols: &[Column],
) -> anyhow::Result<Vec<Vec<Cell>>> {
    // One text column per value, tagged: `x` + hex for blobs, `v` + the text form otherwise.
    let select = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let q = quote(&c.name);
            format!(
                "CASE WHEN {q} IS NULL THEN NULL WHEN typeof({q}) = 'blob' THEN 'x' || hex({q}) \
                 ELSE 'v' || CAST({q} AS TEXT) END AS c{i}"
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {select} FROM {} ORDER BY rowid", quote(table));
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await
        .map_err(|e| anyhow::anyhow!("reading {table}: {e}"))?;
    rows.iter()
        .map(|r| {
            (0..cols.len())
                .map(|i| {
                    let v: Option<String> = r.try_get("", &format!("c{i}"))?;
                    Ok(match v {
                        None => Cell::Null,
                        Some(s) if s.starts_with('x') => Cell::Bytes(hex::decode(&s[1..])?),
                        Some(s) => Cell::Text(s[1..].to_string()),
                    })
                })
                .collect()
        })
        .collect()
}

/// The value bound for one target column, cast in SQL to the column's type.
fn bind(cell: &Cell, col: &Column, table: &str) -> anyhow::Result<Value> {
    Ok(match cell {
        Cell::Null => Value::String(None),
        Cell::Text(s) => Value::String(Some(s.clone())),
        Cell::Bytes(b) if col.udt == "bytea" => Value::Bytes(Some(b.clone())),
        Cell::Bytes(b) if col.udt == "uuid" => Value::String(Some(
            uuid::Uuid::from_slice(b)
                .map_err(|e| anyhow::anyhow!("{table}.{}: not a UUID ({e})", col.name))?
                .to_string(),
        )),
        Cell::Bytes(_) => anyhow::bail!(
            "{table}.{}: binary data for a column of type {}",
            col.name,
            col.udt
        ),
    })
}

async fn insert_rows(
    db: &DatabaseTransaction,
    table: &str,
    cols: &[Column],
    rows: &[Vec<Cell>],
) -> anyhow::Result<()> {
    let names = cols
        .iter()
        .map(|c| quote(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let per_batch = (BATCH_PARAMS / cols.len().max(1)).max(1);
    for chunk in rows.chunks(per_batch) {
        let mut values = Vec::with_capacity(chunk.len() * cols.len());
        let mut tuples = Vec::with_capacity(chunk.len());
        for row in chunk {
            let mut tuple = Vec::with_capacity(cols.len());
            for (cell, col) in row.iter().zip(cols) {
                let bound = bind(cell, col, table)?;
                let cast = if matches!(bound, Value::Bytes(_)) {
                    String::new()
                } else {
                    format!("::{}", quote(&col.udt))
                };
                values.push(bound);
                tuple.push(format!("${}{cast}", values.len()));
            }
            tuples.push(format!("({})", tuple.join(", ")));
        }
        let sql = format!(
            "INSERT INTO {} ({names}) VALUES {}",
            quote(table),
            tuples.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await
        .map_err(|e| anyhow::anyhow!("copying {table}: {e}"))?;
    }
    Ok(())
}

/// Moves each serial/identity sequence past the copied ids, so the next insert does not collide.
async fn reset_sequences(
    db: &DatabaseTransaction,
    table: &str,
    cols: &[Column],
) -> anyhow::Result<()> {
    for c in cols
        .iter()
        .filter(|c| matches!(c.udt.as_str(), "int2" | "int4" | "int8"))
    {
        let sql = format!(
            "SELECT setval(s, COALESCE((SELECT MAX({col}) FROM {t}), 0) + 1, false) \
             FROM pg_get_serial_sequence($1, $2) AS s WHERE s IS NOT NULL",
            col = quote(&c.name),
            t = quote(table),
        );
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [quote(table).into(), c.name.clone().into()],
        ))
        .await?;
    }
    Ok(())
}
