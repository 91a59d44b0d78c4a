//! EDAM benchmarks: parsing the 1.25 release, a full sync into a fresh SQLite database, and picker
//! searches against the in-memory index. Run with `cargo bench --bench edam`; figures are recorded in
//! docs/performance.md. Uses `../shared/data/edam/EDAM_1.25.owl` when present, else the built-in seed.

use criterion::{Criterion, criterion_group, criterion_main};
use service_registry::config::DatabaseConfig;
use service_registry::edam::model::{BranchFilter, Release};
use service_registry::edam::search::EdamIndex;
use std::hint::black_box;

fn owl_bytes() -> Option<Vec<u8>> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/edam/EDAM_1.25.owl");
    std::fs::read(path).ok()
}

fn release() -> Release {
    match owl_bytes() {
        Some(b) => service_registry::edam::owl::parse(&b).expect("parse EDAM_1.25.owl"),
        None => service_registry::edam::seed::release().expect("built-in seed"),
    }
}

fn parse(c: &mut Criterion) {
    if let Some(bytes) = owl_bytes() {
        c.bench_function("parse EDAM_1.25.owl", |b| {
            b.iter(|| service_registry::edam::owl::parse(black_box(&bytes)).expect("parse"))
        });
    } else {
        eprintln!("SKIPPED parse bench: ../shared/data/edam/EDAM_1.25.owl is absent");
    }
    c.bench_function("parse built-in TSV seed (gunzip + parse)", |b| {
        b.iter(|| service_registry::edam::seed::release().expect("seed"))
    });
}

fn full_sync(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let release = release();
    let mut group = c.benchmark_group("sync");
    group.sample_size(10);
    group.bench_function(
        "full sync of 3471 terms into an empty SQLite database",
        |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let cfg = DatabaseConfig::Sqlite {
                        path: dir.path().join("bench.sqlite3"),
                    };
                    let db = rt.block_on(async {
                        service_registry::db::migrate_up(&cfg, None)
                            .await
                            .expect("migrate");
                        service_registry::db::connect(&cfg).await.expect("connect")
                    });
                    (dir, db)
                },
                |(dir, db)| {
                    rt.block_on(service_registry::edam::sync::sync(
                        &db,
                        &release,
                        BranchFilter::All,
                        false,
                    ))
                    .expect("sync");
                    drop(dir);
                },
                criterion::BatchSize::PerIteration,
            )
        },
    );
    group.finish();
}

fn search(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = DatabaseConfig::Sqlite {
        path: dir.path().join("bench.sqlite3"),
    };
    let index = rt.block_on(async {
        service_registry::db::migrate_up(&cfg, None)
            .await
            .expect("migrate");
        let db = service_registry::db::connect(&cfg).await.expect("connect");
        service_registry::edam::sync::sync(&db, &release(), BranchFilter::All, false)
            .await
            .expect("sync");
        EdamIndex::load(&db).await.expect("index")
    });
    use service_registry::edam::model::Branch;
    c.bench_function("search topic 'prote'", |b| {
        b.iter(|| index.search(Some(Branch::Topic), black_box("prote"), 20))
    });
    c.bench_function("search all branches 'sequence alignment'", |b| {
        b.iter(|| index.search(None, black_box("sequence alignment"), 20))
    });
}

criterion_group!(benches, parse, full_sync, search);
criterion_main!(benches);
