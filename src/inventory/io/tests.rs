//! Tests of reading and writing inventory files, whole and streamed.

use crate::inventory::io;
use crate::inventory::skim;
use crate::inventory::*;
use crate::kinds::{ResourceBatch, ResourceKind};
use std::path::PathBuf;

fn demo() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-inventory.json")
}

/// Stream a file in batches of 2 resources; returns the batches.
fn stream_all(path: &std::path::Path) -> Result<Vec<ResourceBatch<'static>>, crate::error::Error> {
    let mut got = Vec::new();
    io::InventoryFile::read(path)?.stream_resources(2, &mut |b| {
        got.push(b);
        Ok(())
    })?;
    Ok(got)
}

#[test]
fn head_and_streamed_resources_are_the_loaded_inventory() {
    let inv = io::load(&demo()).unwrap();
    assert!(inv.regions.len() > 1);
    assert_eq!(
        io::InventoryFile::read(&demo()).unwrap().head().unwrap(),
        inv.head()
    );
    let batches = stream_all(&demo()).unwrap();
    // A batch holds up to 2 resources of one kind.
    assert!(
        batches
            .iter()
            .all(|b| !b.resources.is_empty() && b.resources.len() <= 2)
    );
    assert!(batches.iter().any(|b| b.resources.len() == 2));
    assert!(
        batches
            .iter()
            .any(|b| b.resources.kind() == ResourceKind::TransitGateway)
    );
    let mut regions: Vec<Vec<Vpc>> = vec![Vec::new(); inv.regions.len()];
    let mut tgws: Vec<Vec<TransitGateway>> = vec![Vec::new(); inv.regions.len()];
    let mut last = (0, ResourceKind::Vpc);
    for b in batches {
        let at = (b.region, b.resources.kind());
        assert!(at >= last, "batches come in file order");
        last = at;
        match b.resources.kind() {
            ResourceKind::Vpc => regions[b.region].extend(b.resources.into_vec::<Vpc>().unwrap()),
            ResourceKind::TransitGateway => {
                tgws[b.region].extend(b.resources.into_vec::<TransitGateway>().unwrap())
            }
        }
    }
    let expected: Vec<Vec<Vpc>> = inv.regions.iter().map(|r| r.vpcs.clone()).collect();
    assert_eq!(regions, expected);
    let expected: Vec<Vec<TransitGateway>> = inv
        .regions
        .iter()
        .map(|r| r.transit_gateways.clone())
        .collect();
    assert_eq!(tgws, expected);
}

#[test]
fn a_large_file_read_in_parts_is_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    // Not a multiple of any part size, and different in every part.
    let data: Vec<u8> = (0..40_000_003u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    assert!(io::read_file(&path).unwrap() == data);
    let small = dir.path().join("small");
    std::fs::write(&small, b"{}").unwrap();
    assert_eq!(io::read_file(&small).unwrap(), b"{}");
    assert!(io::read_file(&dir.path().join("missing")).is_err());
}

#[test]
fn the_head_is_read_from_the_text_without_its_resources_whatever_they_hold() {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo()).unwrap()).unwrap();
    // Brackets, quotes and backslashes in strings, and `vpcs` as a tag key and a nested key.
    let vpc = v["regions"][0]["vpcs"][0].as_object_mut().unwrap();
    vpc.insert(
        "tags".into(),
        serde_json::json!({"vpcs": "]}\"[{", "x\\": "\\\"", "vpcs]": "{\"vpcs\": []}"}),
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("pretty.json", serde_json::to_string_pretty(&v).unwrap()),
        ("compact.json", serde_json::to_string(&v).unwrap()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let reduced = skim::without_resources(text.as_bytes()).expect("the expected shape");
        let mut expected = v.clone();
        for r in expected["regions"].as_array_mut().unwrap() {
            for kind in ResourceKind::ALL {
                if let Some(list) = r.get_mut(kind.field()) {
                    *list = serde_json::json!([]);
                }
            }
        }
        let got: serde_json::Value = serde_json::from_slice(&reduced).unwrap();
        assert_eq!(got, expected, "{name}");
        let full = io::load(&path).unwrap();
        assert_eq!(
            io::InventoryFile::read(&path).unwrap().head().unwrap(),
            full.head()
        );
    }
    // Anything else is left to the parser.
    for odd in [
        "[]",
        "{\"regions\": 3}",
        "{\"regions\": [1]}",
        "{\"a\" 1}",
        "{\"regions\": [{\"vpcs\": [}",
    ] {
        assert!(skim::without_resources(odd.as_bytes()).is_none(), "{odd}");
    }
}

/// The demo inventory with one VPC field of the last region renamed, in a temporary file.
fn broken_last_region() -> (tempfile::TempDir, PathBuf, usize) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo()).unwrap()).unwrap();
    let regions = v["regions"].as_array_mut().unwrap();
    let last = regions.len() - 1;
    let vpc = regions[last]["vpcs"][0].as_object_mut().unwrap();
    let state = vpc.remove("state").unwrap();
    vpc.insert("stat".into(), state);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.json");
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    (dir, path, last)
}

#[test]
fn a_malformed_region_met_while_streaming_gets_the_positioned_error() {
    let (_dir, path, last) = broken_last_region();
    // The head does not read the VPCs.
    assert!(io::InventoryFile::read(&path).unwrap().head().is_ok());
    let mut seen = std::collections::BTreeSet::new();
    let err = io::InventoryFile::read(&path)
        .unwrap()
        .stream_resources(1, &mut |b| {
            seen.insert(b.region);
            Ok(())
        })
        .unwrap_err()
        .to_string();
    assert_eq!(
        seen,
        (0..last).collect(),
        "the VPCs before the broken one were handed over"
    );
    assert!(err.starts_with(&format!("{}:", path.display())), "{err}");
    assert!(err.contains(&format!("regions[{last}].vpcs[0]")), "{err}");
    assert!(err.contains("stat"), "{err}");
    assert!(err.contains("fix:"), "{err}");
}

#[test]
fn an_error_from_the_callback_stops_the_reading_and_is_returned() {
    let mut calls = 0;
    let err = io::InventoryFile::read(&demo())
        .unwrap()
        .stream_resources(1, &mut |_| {
            calls += 1;
            Err(crate::error::Error::fatal("disk full"))
        })
        .unwrap_err();
    assert_eq!(calls, 1);
    assert_eq!(err.to_string(), "disk full");
}

#[test]
fn a_value_of_the_wrong_shape_is_refused_on_every_load_path_with_its_position() {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo()).unwrap()).unwrap();
    let last = v["regions"].as_array().unwrap().len() - 1;
    v["regions"][last]["vpcs"][1]["id"] = serde_json::json!("vpc-$(touch x)");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.json");
    let text = serde_json::to_string_pretty(&v).unwrap();
    std::fs::write(&path, &text).unwrap();
    let at = text.find("\"vpc-$(touch x)\"").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').unwrap();
    let expected = format!(
        "{}:{line}:{column}: invalid inventory at `regions[{last}].vpcs[1].id`: expected `vpc-` followed by 8 or more lowercase hex digits, found \"vpc-$(touch x)\"\n  fix:",
        path.display()
    );
    let file = io::InventoryFile::read(&path).unwrap();
    let whole = file.load().unwrap_err().to_string();
    assert!(whole.starts_with(&expected), "{whole}");
    let text_err = io::from_str(&text, &path.display().to_string())
        .unwrap_err()
        .to_string();
    assert_eq!(text_err, whole);
    // The head does not hold the VPCs; the streamed VPCs stop at the refused one, after
    // handing on the regions before it, and never the refused VPC.
    assert!(file.head().is_ok());
    let mut handed = Vec::new();
    let streamed = file
        .stream_resources(1, &mut |b| {
            handed.extend(b.resources.iter().map(|v| v.id().to_string()));
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(streamed, crate::error::Error::Input(_)));
    assert_eq!(streamed.to_string(), whole);
    assert!(!handed.is_empty());
    assert!(handed.iter().all(|id| !id.contains('$')), "{handed:?}");

    // A refused value in the head, and in `other_flow_logs`, read streamed.
    let mut h = v.clone();
    h["regions"][last]["vpcs"][1]["id"] = serde_json::json!("vpc-0123abcd");
    h["errors"][0]["account_id"] = serde_json::json!("1234");
    std::fs::write(&path, serde_json::to_string(&h).unwrap()).unwrap();
    let err = io::InventoryFile::read(&path)
        .unwrap()
        .head()
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}:1:", path.display()))
            && err.contains(
                "at `errors[0].account_id`: expected an account id of 12 digits, found \"1234\""
            ),
        "{err}"
    );
    let mut o = h.clone();
    o["errors"][0]["account_id"] = serde_json::json!("111122223333");
    let log = v["regions"][1]["vpcs"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|vpc| vpc["flow_logs"].as_array().unwrap().first().cloned())
        .unwrap();
    let mut log = log;
    log["resource_id"] = serde_json::json!("eni-\u{202e}0123abcd");
    o["regions"][0]["other_flow_logs"] = serde_json::json!([log]);
    std::fs::write(&path, serde_json::to_string_pretty(&o).unwrap()).unwrap();
    let file = io::InventoryFile::read(&path).unwrap();
    assert!(file.head().is_ok());
    let err = file
        .stream_resources(2, &mut |_| Ok(()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("at `regions[0].other_flow_logs[0].resource_id`: expected a resource id")
            && err.contains("\"eni-\\u{202e}0123abcd\""),
        "{err}"
    );
    assert_eq!(file.load().unwrap_err().to_string(), err);
}

#[test]
fn locate_follows_a_path_in_pretty_and_compact_text() {
    let v = serde_json::json!({
        "schema": "s",
        "regions": [
            {"a": [1, {"x": "]"}], "vpcs": [{"id": "v0"}, {"id": "v1", "flow_logs": [{"id": "f"}]}]},
            {"vpcs": []}
        ],
        "errors": [{"region": null}]
    });
    for text in [
        serde_json::to_string_pretty(&v).unwrap(),
        serde_json::to_string(&v).unwrap(),
    ] {
        let b = text.as_bytes();
        let at = |p: &str| skim::locate(b, p).map(|i| &text[i..]);
        let starts = |p: &str, with: &str| {
            let got = at(p).unwrap_or_else(|| panic!("{p} not found in {text}"));
            assert!(got.starts_with(with), "{p}: {got}");
        };
        starts("regions[0].vpcs[1].id", "\"v1\"");
        starts("regions[0].vpcs[1].flow_logs[0].id", "\"f\"");
        starts("errors[0].region", "null");
        starts("schema", "\"s\"");
        assert_eq!(at("regions[0].vpcs[2].id"), None);
        assert_eq!(at("regions[2]"), None);
        assert_eq!(at("nothing"), None);
        assert_eq!(at("schema.x"), None);
    }
}

#[test]
fn a_head_with_a_wrong_schema_or_a_bad_error_entry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(demo()).unwrap();
    let wrong = dir.path().join("schema.json");
    std::fs::write(
        &wrong,
        text.replace(INVENTORY_SCHEMA, "flowaudit/inventory/v9"),
    )
    .unwrap();
    let err = io::InventoryFile::read(&wrong)
        .unwrap()
        .head()
        .unwrap_err()
        .to_string();
    assert!(err.contains("flowaudit/inventory/v9"), "{err}");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"schema\": \"flowaudit/inventory/v1\", \"scan\": 3}",
    )
    .unwrap();
    let err = io::InventoryFile::read(&bad)
        .unwrap()
        .head()
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&format!("{}:1:", bad.display())), "{err}");
    assert!(err.contains("`scan`"), "{err}");
}
