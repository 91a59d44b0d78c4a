//! Every real bio.tools record of `../shared/data/biotools` (skipped when absent) and our own fixture
//! `tests/fixtures/biotools/minitool.json` (always), served by wiremock as bio.tools would serve them,
//! read by the client and compared with their JSON, with the quirks the data README lists.

use std::path::{Path, PathBuf};

use serde_json::Value;
use service_registry::biotools::BioToolsEntry;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::biotools_client::{client, id, settings};

fn read_json(p: &Path) -> (Vec<u8>, Value) {
    let bytes = std::fs::read(p).expect("read fixture");
    let value = serde_json::from_slice(&bytes).expect("fixture is JSON");
    (bytes, value)
}

/// Serves each file as `/tool/<file stem>/?format=json`, as bio.tools would, and reads it back.
async fn fetch_all(files: &[PathBuf]) -> Vec<(String, Value, BioToolsEntry)> {
    let server = MockServer::start().await;
    for f in files {
        let stem = f.file_stem().and_then(|s| s.to_str()).expect("stem");
        let (bytes, _) = read_json(f);
        Mock::given(method("GET"))
            .and(path(format!("/tool/{stem}/")))
            .and(query_param("format", "json"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(settings(&server.uri()));
    let mut out = Vec::new();
    for f in files {
        let stem = f.file_stem().and_then(|s| s.to_str()).expect("stem");
        let entry = c
            .get_tool(&id(stem))
            .await
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        out.push((stem.to_string(), read_json(f).1, entry));
    }
    out
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in v.get(key).and_then(Value::as_array).into_iter().flatten() {
        if let Some(x) = x.as_str().map(str::to_string)
            && !out.contains(&x)
        {
            out.push(x);
        }
    }
    out
}

fn list<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn uris(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in list(v, key) {
        let u = s(x, "uri");
        if !u.is_empty() && !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// The mapped entry says what the JSON says (the fixtures are short enough that nothing is cut).
fn assert_matches_json(name: &str, json: &Value, e: &BioToolsEntry) {
    assert_eq!(e.raw, *json, "{name}: raw");
    assert_eq!(e.biotools_id, s(json, "biotoolsID"), "{name}");
    assert_eq!(e.name, s(json, "name"), "{name}");
    assert_eq!(e.description, s(json, "description"), "{name}");
    assert_eq!(e.homepage, s(json, "homepage"), "{name}");
    assert_eq!(e.versions, strs(json, "version"), "{name}");
    let first5: Vec<String> = strs(json, "version").into_iter().take(5).collect();
    assert_eq!(e.version, first5.join(", "), "{name}");
    for (got, key) in [
        (&e.license, "license"),
        (&e.maturity, "maturity"),
        (&e.cost, "cost"),
    ] {
        assert_eq!(*got, s(json, key), "{name}: {key}");
    }
    assert_eq!(e.tool_type, strs(json, "toolType"), "{name}");
    assert_eq!(e.operating_system, strs(json, "operatingSystem"), "{name}");
    assert_eq!(e.edam_topic_uris(), uris(json, "topic"), "{name}");

    let pubs = list(json, "publication");
    assert_eq!(e.publications.len(), pubs.len(), "{name}: publications");
    for (p, j) in e.publications.iter().zip(pubs) {
        assert_eq!(
            (&p.doi, &p.pmid, &p.pmcid),
            (&s(j, "doi"), &s(j, "pmid"), &s(j, "pmcid")),
            "{name}"
        );
        assert_eq!(p.kind, strs(j, "type"), "{name}");
    }
    for (got, key) in [(&e.documentation, "documentation"), (&e.links, "link")] {
        let want: Vec<String> = list(json, key).iter().map(|d| s(d, "url")).collect();
        let got: Vec<String> = got.iter().map(|l| l.url.clone()).collect();
        assert_eq!(got, want, "{name}: {key}");
    }
    let downloads: Vec<(String, String, String)> = list(json, "download")
        .iter()
        .map(|d| (s(d, "url"), s(d, "type"), s(d, "version")))
        .collect();
    let got: Vec<(String, String, String)> = e
        .download
        .iter()
        .map(|d| (d.url.clone(), d.kind.clone(), d.version.clone()))
        .collect();
    assert_eq!(got, downloads, "{name}: download");

    let blocks = list(json, "function");
    assert_eq!(e.functions.len(), blocks.len(), "{name}: functions");
    for (f, j) in e.functions.iter().zip(blocks) {
        let ops: Vec<String> = f.operations.iter().map(|o| o.uri.clone()).collect();
        assert_eq!(ops, uris(j, "operation"), "{name}");
        assert_eq!(f.cmd, s(j, "cmd"), "{name}");
        assert_eq!(f.note, s(j, "note"), "{name}");
        for (slots, key) in [(&f.inputs, "input"), (&f.outputs, "output")] {
            let want: Vec<(String, Vec<String>)> = list(j, key)
                .iter()
                .map(|x| {
                    let data = x.get("data").cloned().unwrap_or_default();
                    (s(&data, "uri"), uris(x, "format"))
                })
                .collect();
            let got: Vec<(String, Vec<String>)> = slots
                .iter()
                .map(|x| {
                    let formats = x.formats.iter().map(|f| f.uri.clone()).collect();
                    (x.data.uri.clone(), formats)
                })
                .collect();
            assert_eq!(got, want, "{name}: {key}");
        }
    }
}

#[tokio::test]
async fn every_real_record_maps_to_what_its_json_says() {
    let Some(dir) = crate::support::shared_data("biotools") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 14, "{} fixtures", files.len());
    let all = fetch_all(&files).await;
    for (name, json, entry) in &all {
        assert_matches_json(name, json, entry);
    }
    let get = |n: &str| {
        all.iter()
            .find(|(name, _, _)| name == n)
            .map(|(_, _, e)| e)
            .unwrap_or_else(|| panic!("{n} missing"))
    };

    // bwa: six blocks in bio.tools' order, 13 inputs / 6 outputs / 12 formats, each with a note;
    // the same data term repeating within one block is kept.
    let bwa = get("bwa");
    let firsts: Vec<&str> = bwa
        .functions
        .iter()
        .map(|f| f.operations[0].term.as_str())
        .collect();
    assert_eq!(
        firsts,
        [
            "Genome indexing",
            "Sequence alignment",
            "Read mapping",
            "Generation",
            "Generation",
            "Sequence alignment"
        ]
    );
    let count = |f: fn(&service_registry::biotools::BioToolsFunction) -> usize| {
        bwa.functions.iter().map(f).sum::<usize>()
    };
    assert_eq!(count(|f| f.inputs.len()), 13);
    assert_eq!(count(|f| f.outputs.len()), 6);
    assert_eq!(
        count(|f| f
            .inputs
            .iter()
            .chain(&f.outputs)
            .map(|s| s.formats.len())
            .sum()),
        12
    );
    assert!(bwa.functions.iter().all(|f| !f.note.is_empty()));
    assert_eq!(
        bwa.functions[2].inputs[0].data,
        bwa.functions[2].inputs[1].data
    );

    // The minimal record: no function list, topics, publications or tool types at all.
    let minimal = get("2100_bioanalyzer");
    assert!(minimal.functions.is_empty() && minimal.edam_topics.is_empty());
    assert!(minimal.publications.is_empty() && minimal.tool_type.is_empty());
    assert_eq!(minimal.name, "2100 Bioanalyzer");

    // bowtie2: the old list-valued accessibility; the topic listed twice is kept once.
    let bowtie2 = get("bowtie2");
    assert_eq!(bowtie2.accessibility, ["Open access"]);
    assert_eq!(get("blast").accessibility, ["Open access"]);
    assert_eq!(
        bowtie2.edam_topic_uris(),
        [
            "http://edamontology.org/topic_0102",
            "http://edamontology.org/topic_0622"
        ]
    );
    assert_eq!(list(&bowtie2.raw, "topic").len(), 3);

    // Ids: mixed case kept as bio.tools spells it (fetched lower-cased), digits-only, dotted.
    assert_eq!(get("jalview").biotools_id, "Jalview");
    assert!(get("jalview").functions[0].note.contains('\n'));
    assert_eq!(
        (get("2018").biotools_id.as_str(), get("2018").name.as_str()),
        ("2018", "2018")
    );
    assert_eq!(get("3.6.3").biotools_id, "3.6.3");
    assert_eq!(get("3.6.3").license, "Not licensed");

    // samtools: 24 versions in the file's (string-sorted) order; the column takes the first five.
    let samtools = get("samtools");
    assert_eq!(samtools.versions.len(), 24);
    assert_eq!(samtools.version, "1.0, 1.1, 1.10, 1.11, 1.12");
    assert_eq!(get("clustalo").versions, ["1.0 - 1.2"]);
    assert!(get("clustalo").description.contains('Ω'));

    // Blocks without inputs, outputs or formats.
    assert!(get("deeptools").functions[0].inputs.is_empty());
    let multiqc = &get("multiqc").functions[0];
    assert!(multiqc.inputs.is_empty() && !multiqc.cmd.is_empty());
    assert_eq!(multiqc.outputs[0].formats.len(), 5);
    let ipr = &get("interproscan_ebi").functions[0];
    assert!(
        ipr.inputs
            .iter()
            .chain(&ipr.outputs)
            .all(|s| s.formats.is_empty())
    );
    assert_eq!(get("interproscan_ebi").maturity, "");
}

#[tokio::test]
async fn our_fixture_with_live_api_nulls_maps() {
    let file = crate::support::repo_path("tests/fixtures/biotools/minitool.json");
    let all = fetch_all(std::slice::from_ref(&file)).await;
    let (_, json, e) = &all[0];
    assert_eq!(e.raw, *json);
    assert_eq!(e.biotools_id, "MiniTool");
    assert_eq!(e.name, "MiniTool");
    assert!(
        e.description.starts_with("A small made-up tool record"),
        "{}",
        e.description
    );
    assert_eq!(e.versions, ["2.0", "1.5"]);
    assert_eq!(e.version, "2.0, 1.5");
    assert_eq!((e.license.as_str(), e.maturity.as_str()), ("", ""));
    assert_eq!(e.cost, "Free of charge");
    assert_eq!(e.accessibility, ["Open access"]);
    assert_eq!(e.edam_topic_uris().len(), 2);
    assert_eq!(e.publications.len(), 1);
    assert_eq!(e.publications[0].doi, "10.1000/xyz123");
    assert_eq!(e.publications[0].pmid, "");
    assert_eq!(e.links[0].url, "https://github.com/example/minitool");
    assert_eq!(e.download[0].version, "");
    assert_eq!(e.functions.len(), 2);
    let [one, two] = [&e.functions[0], &e.functions[1]];
    assert_eq!(
        one.operations.len(),
        1,
        "the repeated operation is kept once"
    );
    assert_eq!(one.inputs.len(), 2, "both inputs of the same data kept");
    assert_eq!(one.cmd, "minitool <in.fa >out.aln");
    assert_eq!((one.note.as_str(), two.cmd.as_str()), ("", ""));
    assert_eq!(two.note, "Second block.");
    assert!(two.outputs[0].formats.is_empty());
    let stored = serde_json::to_value(&one.inputs[0]).expect("json");
    assert_eq!(
        stored,
        serde_json::json!({"data": {"uri": "http://edamontology.org/data_2044", "term": "Sequence"},
            "formats": [{"uri": "http://edamontology.org/format_1929", "term": "FASTA"}]})
    );
}
