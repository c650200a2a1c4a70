//! The harness itself works: moto starts, seeds, and records the calls made to it.

use crate::support::harness::*;
use serde_json::json;

#[test]
fn moto_seeds_and_records() {
    let moto = Moto::start();
    let ids = moto.seed(&json!([
        {"op": "vpc", "region": "eu-west-1", "key": "v", "cidr": "10.1.0.0/16", "tags": {"Name": "smoke"}}
    ]));
    assert!(ids["v"].starts_with("vpc-"), "{ids:?}");
    let calls = moto.recorded_calls();
    assert!(
        calls
            .iter()
            .any(|c| c.operation == "CreateVpc" && c.region == "eu-west-1" && c.service == "ec2"),
        "{calls:?}"
    );
    moto.reset_recording();
    assert!(moto.recorded_calls().is_empty());
}
