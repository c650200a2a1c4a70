use super::*;

fn event(id: &str, impacts: Vec<Impact>) -> Event {
    Event {
        id: id.into(),
        name: "X".into(),
        account: "123456789012".into(),
        region: "eu-west-1".into(),
        failed: false,
        impacts,
    }
}

#[test]
fn events_map_to_resources_or_to_their_whole_region() {
    let s = State::default();
    let vpc = "vpc-0123456789abcdef0".to_string();
    let plan = s.plan(&[
        event("a", vec![Impact::Resource(ResourceKind::Vpc, vpc.clone())]),
        event("b", vec![Impact::Resource(ResourceKind::Vpc, vpc.clone())]),
        // A flow log nobody knows, with no resource named: the region is read.
        event("c", vec![Impact::FlowLog("fl-0123456789abcdef0".into())]),
    ]);
    let place = ("123456789012".to_string(), "eu-west-1".to_string());
    let check = &plan[&place];
    assert_eq!(plan.len(), 1);
    assert_eq!(
        check.resources[&(ResourceKind::Vpc, vpc.clone())],
        BTreeSet::from(["a".to_string(), "b".to_string()]),
        "two events for one resource are one re-check"
    );
    assert_eq!(check.whole, BTreeSet::from(["c".to_string()]));
    assert_eq!(
        check.events_for(ResourceKind::Vpc, &vpc),
        vec!["a", "b", "c"]
    );
}

#[test]
fn failed_calls_ask_for_nothing() {
    let s = State::default();
    let mut e = event("a", vec![]);
    e.failed = true;
    assert!(s.plan(&[e]).is_empty());
}

#[test]
fn a_destination_event_where_destinations_are_unknown_reads_the_region_whole() {
    let s = State::default();
    let plan = s.plan(&[event("d", vec![Impact::LogGroup("/vpc/flow".into())])]);
    let place = ("123456789012".to_string(), "eu-west-1".to_string());
    assert_eq!(plan[&place].whole, BTreeSet::from(["d".to_string()]));
}
