use super::*;

const REGION: &[(&str, &str)] = &[("RegionId", "cn-hangzhou")];

fn line(scenario: &mut Scenario, text: &str) -> Answer {
    scenario
        .apply_line(text.as_bytes())
        .expect("a JSON line always answers")
}

#[test]
fn signing_key_matches_fault_filters_without_changing_the_caller() {
    let mut scenario = Scenario::new();
    let now = scenario.simulation().clock();
    let declared = line(
        &mut scenario,
        r#"{"Action":"Sim.InjectFault","Fault":"Throttling","Target":"DescribeDBInstances","AccessKeyId":"testid","Times":5}"#,
    );
    assert_eq!(declared.http_status, 200, "{}", declared.body_text());
    // No key at all: the fault does not match; the call is served as the default root.
    let plain = scenario.call_api("DescribeDBInstances", REGION, now);
    assert_eq!(plain.http_status, 200, "{}", plain.body_text());
    assert_eq!(plain.fault, None);
    // Another start-up key: no match either.
    let other = scenario.call_api_signed("DescribeDBInstances", REGION, now, Some("otherid"));
    assert_eq!(other.http_status, 200, "{}", other.body_text());
    // The filtered key: the fault fires.
    let signed = scenario.call_api_signed("DescribeDBInstances", REGION, now, Some("testid"));
    assert_eq!(signed.http_status, 400);
    assert_eq!(signed.body_json()["Code"], "Throttling.User");
    assert_eq!(signed.fault.map(|f| f.fault_id()), Some("f-1".to_owned()));
    // `testid` is not a declared identity, yet it was not refused as unknown: the call
    // still acts as the default root, so only the fault answered.
    assert_eq!(scenario.simulation().faults.list()[0].fired, 1);
}
