//! EDAM parsing: the real 1.25 release, our own small fixture, the built-in TSV seed, hostile input.

use crate::support::{repo_path, shared_data};
use service_registry::edam::model::Branch;
use service_registry::edam::owl::{self, OwlError};
use std::collections::BTreeMap;

fn counts(r: &service_registry::edam::model::Release) -> BTreeMap<Branch, usize> {
    let mut m = BTreeMap::new();
    for t in &r.terms {
        *m.entry(t.branch).or_default() += 1;
    }
    m
}

#[test]
fn edam_1_25_owl_has_the_published_counts() {
    let Some(path) = shared_data("edam/EDAM_1.25.owl") else {
        return;
    };
    let release = owl::parse(&std::fs::read(path).expect("read")).expect("parse");
    assert_eq!(release.version, "1.25");
    let c = counts(&release);
    assert_eq!(c.get(&Branch::Topic), Some(&448));
    assert_eq!(c.get(&Branch::Operation), Some(&802));
    assert_eq!(c.get(&Branch::Data), Some(&1493));
    assert_eq!(c.get(&Branch::Format), Some(&728));
    assert_eq!(release.terms.len(), 3471);
    assert_eq!(
        release.terms.iter().filter(|t| !t.is_obsolete).count(),
        2358
    );
    let proteomics = release
        .terms
        .iter()
        .find(|t| t.accession == "topic_0121")
        .expect("topic_0121");
    assert_eq!(proteomics.label, "Proteomics");
    assert!(
        proteomics
            .definition
            .starts_with("Protein and peptide identification")
    );
    assert_eq!(
        proteomics.parent_uri.as_deref(),
        Some("http://edamontology.org/topic_3391")
    );
    assert!(proteomics.synonyms.iter().any(|s| s == "Metaproteomics"));
}

#[test]
fn builtin_seed_has_the_same_classes_as_the_owl_release() {
    let seed = service_registry::edam::seed::release().expect("built-in seed");
    assert_eq!(seed.version, "1.25");
    assert_eq!(seed.terms.len(), 3471);
    assert_eq!(seed.terms.iter().filter(|t| !t.is_obsolete).count(), 2358);
    let p = seed
        .terms
        .iter()
        .find(|t| t.accession == "topic_0121")
        .expect("topic_0121");
    assert_eq!(p.label, "Proteomics");
    assert!(
        !p.definition.starts_with('"'),
        "CSV quoting is undone: {}",
        p.definition
    );
    assert_eq!(
        p.parent_uri.as_deref(),
        Some("http://edamontology.org/topic_3391")
    );
}

#[test]
fn fixture_rules_definition_synonyms_parents_obsolete() {
    let bytes = std::fs::read(repo_path("tests/fixtures/edam_small.owl")).expect("fixture");
    let r = owl::parse(&bytes).expect("parse");
    assert_eq!(r.version, "9.1");
    let acc: Vec<&str> = r.terms.iter().map(|t| t.accession.as_str()).collect();
    // No label, not EDAM, and annotation properties are skipped.
    assert_eq!(
        acc,
        [
            "topic_0003",
            "topic_3391",
            "topic_0121",
            "topic_0078",
            "operation_0292",
            "topic_0001"
        ]
    );
    let t = &r.terms[2];
    assert_eq!(
        t.definition,
        "Protein and peptide identification & quantification."
    );
    assert_eq!(
        t.synonyms,
        ["Metaproteomics", "Peptidomics", "Protein analysis"],
        "exact, narrow, broad, related: sorted, no duplicates"
    );
    // The restriction is not a parent; of the named EDAM classes, the first in sorted order is.
    assert_eq!(
        t.parent_uri.as_deref(),
        Some("http://edamontology.org/topic_0003")
    );
    assert_eq!(t.sort_order, 121);
    let comment_only = &r.terms[3];
    assert_eq!(
        comment_only.definition,
        "Only a comment: it becomes the definition."
    );
    assert_eq!(
        comment_only.label, "Protéines – structure",
        "character references resolved"
    );
    assert!(r.terms[5].is_obsolete);
    assert!(!r.terms[2].is_obsolete);
}

#[test]
fn external_entities_and_entity_expansion_are_refused() {
    let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><x>&xxe;</x></rdf:RDF>"#;
    assert_eq!(owl::parse(xxe).err(), Some(OwlError::Dtd));
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [ <!ENTITY lol "lol"> <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&lol2;</rdf:RDF>"#;
    assert_eq!(owl::parse(laughs).err(), Some(OwlError::Dtd));
    // Without a DTD an entity reference cannot be defined at all.
    let undefined = br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:owl="http://www.w3.org/2002/07/owl#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
<owl:Class rdf:about="http://edamontology.org/topic_0001"><rdfs:label>&secret;</rdfs:label></owl:Class></rdf:RDF>"#;
    assert_eq!(
        owl::parse(undefined).err(),
        Some(OwlError::Entity("secret".into()))
    );
}

#[test]
fn garbage_truncation_and_foreign_documents_are_errors() {
    let huge = vec![b'x'; owl::MAX_INPUT_BYTES + 1];
    assert!(matches!(owl::parse(&huge), Err(OwlError::TooLarge(_))));
    let garbage: Vec<u8> = (0..4_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert!(owl::parse(&garbage).is_err());
    let full = std::fs::read(repo_path("tests/fixtures/edam_small.owl")).expect("fixture");
    let truncated = &full[..full.len() / 2];
    assert!(
        owl::parse(truncated).is_err(),
        "a truncated file must not parse"
    );
    assert_eq!(
        owl::parse(b"<html><body>Error</body></html>").err(),
        Some(OwlError::NotRdf)
    );
    let empty = br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>"#;
    assert_eq!(owl::parse(empty).err(), Some(OwlError::Empty));
}

#[test]
fn tsv_release_needs_its_columns() {
    use service_registry::edam::tsv;
    let ok = "Class ID\tPreferred Label\tSynonyms\tDefinitions\tObsolete\tParents\n\
              http://edamontology.org/topic_0121\tProteomics\tA|B|A\t\"Def \"\"quoted\"\"|Other\"\tFALSE\thttp://x.org/y|http://edamontology.org/topic_3391\n";
    let r = tsv::parse(ok.as_bytes(), "1.0").expect("parse");
    assert_eq!(r.terms[0].synonyms, ["A", "B"]);
    assert_eq!(r.terms[0].definition, "Def \"quoted\"");
    assert_eq!(
        r.terms[0].parent_uri.as_deref(),
        Some("http://edamontology.org/topic_3391")
    );
    let missing = "Class ID\tLabel\n";
    assert!(matches!(
        tsv::parse(missing.as_bytes(), ""),
        Err(tsv::TsvError::MissingColumn(_))
    ));
}
