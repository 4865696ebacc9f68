//! The API contract (`/openapi.json`) is one that client generators accept, and the API answers
//! refused input the way it says: 422 naming each field, 400 only for a body that is not JSON.

use serde_json::{Value, json};

use crate::helpers::TestApp;

fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.to_uppercase(), path.clone(), op));
        }
    }
    ops
}

#[tokio::test]
async fn every_operation_and_parameter_is_described_once_per_status() {
    let t = TestApp::spawn().await;
    let spec = t.get("/openapi.json", None).await.json();
    let mut missing = Vec::new();
    for (method, path, op) in operations(&spec) {
        if op["description"].as_str().is_none_or(str::is_empty) {
            missing.push(format!("{method} {path}: no description"));
        }
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["description"].as_str().is_none_or(str::is_empty) {
                missing.push(format!(
                    "{method} {path}: parameter {} undocumented",
                    p["name"]
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));

    // JSON and CSV are two media types of one 200 (a second "200" key broke generators).
    for path in ["/api/v1/stats", "/api/v1/events/{id}/registrations"] {
        let content = &spec["paths"][path]["get"]["responses"]["200"]["content"];
        assert!(
            content["application/json; charset=utf-8"].is_object(),
            "{path}: {content}"
        );
        assert!(
            content["text/csv; charset=utf-8"].is_object(),
            "{path}: {content}"
        );
    }

    // Nothing a generator drops an operation for: no allOf wrapped around a reference, no
    // non-standard date format.
    let text = spec.to_string();
    assert!(!text.contains("naive-date"), "naive-date left in the spec");
    fn no_wrapped_refs(v: &Value, at: &str) {
        match v {
            Value::Object(o) => {
                if let Some(all) = o.get("allOf").and_then(Value::as_array) {
                    assert!(
                        !(all.len() <= 2 && all[0].get("$ref").is_some()),
                        "{at}: allOf around a reference: {v}"
                    );
                }
                for (k, v) in o {
                    no_wrapped_refs(v, &format!("{at}/{k}"));
                }
            }
            Value::Array(a) => a.iter().for_each(|v| no_wrapped_refs(v, at)),
            _ => {}
        }
    }
    no_wrapped_refs(&spec, "");
    // The kinds of problem are documented in the spec's description.
    let description = spec["info"]["description"].as_str().unwrap();
    for kind in ["/problems/invalid-fields", "/problems/malformed-request"] {
        assert!(description.contains(kind), "{description}");
    }
}

/// Asserts a 422 naming exactly these fields, each with a message in plain words.
fn assert_fields(r: &crate::helpers::Resp, fields: &[&str]) {
    let p = r.assert_problem(422);
    assert_eq!(p["type"], "/problems/invalid-fields", "{p}");
    let named: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, fields, "{p}");
    for e in p["errors"].as_array().unwrap() {
        let m = e["message"].as_str().unwrap();
        for framework in [
            "parse",
            "string_",
            "optional_",
            "Expected input type",
            "maxLength",
        ] {
            assert!(!m.contains(framework), "framework words in {m:?}: {p}");
        }
    }
}

#[tokio::test]
async fn every_invalid_value_is_a_422_naming_its_field_and_only_broken_json_a_400() {
    let t = TestApp::spawn().await;
    let staff = t
        .staff(
            "staff@expatcentre.test",
            limburgers_worldwide::values::Role::Staff,
        )
        .await;
    let ana = t.member("ana@example.org", "Ana", "Silva").await;

    // Query parameters of every type.
    for (url, field) in [
        ("/api/v1/events?from=notadate", "from"),
        ("/api/v1/events?to=2027-13-01", "to"),
        ("/api/v1/events?limit=abc", "limit"),
        ("/api/v1/events?audience=martians", "audience"),
        ("/api/v1/members?phase=nowhere", "phase"),
        ("/api/v1/members?limit=0", "limit"),
        ("/api/v1/stats?from=2026-02-30", "from"),
    ] {
        assert_fields(&t.get(url, Some(&staff)).await, &[field]);
    }
    // A path segment that cannot be an id is named by the path's parameter.
    assert_fields(
        &t.get("/api/v1/members/notauuid", Some(&staff)).await,
        &["id"],
    );
    assert_fields(
        &t.get("/api/v1/programmes/x/matches", Some(&staff)).await,
        &["id"],
    );

    // Bodies: a value of the wrong kind, out of range, too long, not allowed, or unknown.
    let r = t
        .patch(
            "/api/v1/me",
            json!({"language": "pt", "country_of_origin": "NLD"}),
            Some(&ana),
        )
        .await;
    assert_fields(&r, &["country_of_origin", "language"]);
    let p = r.json();
    assert_eq!(p["errors"][0]["message"], "must be at most 2 characters");
    assert_eq!(p["errors"][1]["message"], "must be one of: en, nl, de, fr");
    assert_fields(
        &t.patch("/api/v1/me", json!({"role": "admin"}), Some(&ana))
            .await,
        &["role"],
    );
    assert_fields(
        &t.post(
            "/api/v1/events",
            json!({"title": "T", "starts_at": "2031-01-01T10:00", "ends_at": "2031-01-01T11:00", "status": "nope"}),
            Some(&staff),
        )
        .await,
        &["status"],
    );
    assert_fields(
        &t.post(
            "/api/v1/auth/magic-link",
            json!({"email": ["not", "text"]}),
            None,
        )
        .await,
        &["email"],
    );
    assert_fields(
        &t.post("/api/v1/members/verify", json!({"consent": {}}), None)
            .await,
        &["consent.privacy_policy", "token"],
    );

    // The public feed: a bad filter is named; what calendar apps add is ignored.
    assert_fields(
        &t.get("/calendar.ics?audience=martians", None).await,
        &["audience"],
    );
    t.get("/calendar.ics?tag=family&x=1700000000", None)
        .await
        .assert(200);

    // Only a body that is not JSON at all is a 400.
    let r = t
        .raw(
            "PATCH",
            "/api/v1/me",
            "application/json",
            b"{bad json".to_vec(),
            Some(&ana),
        )
        .await;
    let p = r.assert_problem(400);
    assert_eq!(p["type"], "/problems/malformed-request", "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("not valid JSON"),
        "{p}"
    );

    // One wording for every 401, whoever refuses.
    let none = t.get("/api/v1/me", None).await.assert_problem(401);
    let wrong = t
        .get_with("/api/v1/me", None, ("authorization", "Bearer nope"))
        .await
        .assert_problem(401);
    assert_eq!(none["detail"], wrong["detail"]);
    assert_eq!(none["type"], "/problems/unauthenticated");
    assert_eq!(wrong["type"], "/problems/unauthenticated");
}
