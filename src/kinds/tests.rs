//! Tests of the resource kinds: their names, and that each kind's facets agree.

use super::*;
use crate::inventory::Inventory;
use crate::rules::cel_values::val_to_json;

fn demo() -> Inventory {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-inventory.json");
    crate::inventory::io::load(&path).unwrap()
}

#[test]
fn every_kind_round_trips_its_name_and_has_its_place() {
    for (i, kind) in ResourceKind::ALL.into_iter().enumerate() {
        assert_eq!(ResourceKind::parse(kind.name()), Some(kind));
        assert_eq!(kind.index(), i);
        assert_eq!(ResourceKind::NAMES[i], kind.name());
        assert_eq!(kind.variable(), kind.name());
        assert_eq!(crate::rules::RESOURCE_KINDS[i], kind.name());
    }
    assert_eq!(ResourceKind::parse("subnet"), None);
    assert_eq!(ResourceKind::parse("VPC"), None);
    assert_eq!(ResourceKind::Vpc.noun_capitalized(), "VPC");
    assert_eq!(
        ResourceKind::TransitGateway.noun_capitalized(),
        "Transit gateway"
    );
    // Each region entry field is the one the inventory is written with.
    let json = serde_json::to_value(&demo().regions[0]).unwrap();
    for kind in ResourceKind::ALL {
        assert!(
            json.get(kind.field()).is_some() || kind.optional_in_region_entry(),
            "{}",
            kind.field()
        );
    }
}

#[test]
fn each_kinds_reference_cel_value_and_template_data_agree() {
    let inv = demo();
    let mut seen = [0usize; 2];
    for r in &inv.regions {
        for kind in ResourceKind::ALL {
            for x in kind.listed(r).iter() {
                seen[kind.index()] += 1;
                let reference = x.resource_ref(&r.region, &r.account_id);
                let cel = val_to_json(x.cel_value(&r.region, &r.account_id).as_ref());
                let json = x.template_json(&r.region, &r.account_id);
                assert_eq!(reference.kind, kind.name());
                assert_eq!(reference.id, x.id());
                for (what, v) in [("cel", &cel), ("template", &json)] {
                    assert_eq!(v["id"], reference.id.as_str(), "{what}");
                    assert_eq!(v["arn"], reference.arn.as_str(), "{what}");
                    assert_eq!(v["region"], reference.region.as_str(), "{what}");
                    assert_eq!(v["account_id"], reference.account_id.as_str(), "{what}");
                }
                assert_eq!(reference.region, r.region);
                assert_eq!(reference.account_id, r.account_id);
                assert!(x.validate().is_ok());
                let target = x.fix_target(&crate::fix::plan::tests::settings(
                    "s3://flow-bucket",
                    |_| {},
                ));
                assert_eq!((target.id, target.noun), (x.id(), kind.noun()));
            }
        }
    }
    assert!(
        seen.iter().all(|n| *n > 0),
        "the demo has every kind: {seen:?}"
    );
}

#[test]
fn each_kinds_test_defaults_make_a_resource_of_the_case_region_and_account() {
    for kind in ResourceKind::ALL {
        let mut entry = RegionInventory::new("123456789012", "eu-west-1");
        let full = kind.test_defaults(
            &serde_json::json!({"flow_logs": [{}]}),
            "123456789012",
            "eu-west-1",
        );
        kind.push_json(&mut entry, &full).unwrap();
        let listed = kind.listed(&entry);
        assert_eq!(listed.len(), 1);
        let x = listed.iter().next().unwrap();
        assert_eq!(x.id(), full["id"].as_str().unwrap());
        let reference = x.resource_ref("eu-west-1", "123456789012");
        assert!(
            reference.arn.starts_with(&format!(
                "arn:aws:ec2:eu-west-1:123456789012:{}/",
                kind.arn_type()
            )),
            "{}",
            reference.arn
        );
        // The other kinds' lists stay empty.
        for other in ResourceKind::ALL.into_iter().filter(|k| *k != kind) {
            assert!(other.listed(&entry).is_empty());
        }
        drop(listed);
        // A fragment of the wrong type names its field.
        let err = kind
            .push_json(&mut entry, &serde_json::json!({"id": 3}))
            .unwrap_err();
        assert_eq!(err.path().to_string(), "id");
    }
}

#[test]
fn a_listing_failure_leaves_incomplete_only_the_kinds_that_need_it() {
    use ResourceKind::*;
    for (op, vpc, tgw) in [
        ("DescribeFlowLogs", true, true),
        ("DescribeSubnets", true, false),
        ("DescribeVpcs", true, false),
        ("DescribeTransitGateways", false, true),
        ("DescribeTransitGatewayAttachments", false, true),
    ] {
        assert_eq!(Vpc.needs_listing(op), vpc, "{op}");
        assert_eq!(TransitGateway.needs_listing(op), tgw, "{op}");
    }
}

#[test]
fn every_flow_log_of_a_region_is_visited_once_and_invalid_resources_are_found() {
    let mut inv = demo();
    let r = inv
        .regions
        .iter_mut()
        .find(|r| !r.transit_gateways.is_empty())
        .unwrap();
    let want = r
        .vpcs
        .iter()
        .map(|v| v.flow_logs.len() + v.subnets.iter().map(|s| s.flow_logs.len()).sum::<usize>())
        .sum::<usize>()
        + r.other_flow_logs.len()
        + r.transit_gateways
            .iter()
            .map(|t| t.flow_logs.len() + t.attachment_flow_logs.len())
            .sum::<usize>();
    let mut ids = Vec::new();
    each_flow_log_mut(r, &mut |l| ids.push(l.id.clone()));
    assert_eq!(ids.len(), want);
    assert!(want > 0);

    assert_eq!(ResourceKind::TransitGateway.first_invalid(r), None);
    r.transit_gateways.last_mut().unwrap().arn = "not an arn".into();
    let last = r.transit_gateways.len() - 1;
    let bad = ResourceKind::TransitGateway.first_invalid(r).unwrap();
    assert_eq!(bad.path, format!("transit_gateways[{last}].arn"));
    ResourceKind::TransitGateway.clear(r);
    assert!(r.transit_gateways.is_empty());
    assert!(!r.vpcs.is_empty());
}
