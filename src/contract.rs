//! The API contract as served at `/openapi.json`, and the one place that explains refused input
//! with it.
//!
//! poem-openapi writes the document from the handlers' types; [`document`] then makes it one that
//! client generators accept without dropping anything (see [`normalise`]) and adds the public
//! routes that live outside `/api/v1` (calendar feeds, unsubscribe links). The same document
//! tells [`Contract::explain`] what a parameter or a body should have been when the framework
//! refused it, so every invalid value is answered as a 422 naming its field, in our words.

use std::collections::HashMap;

use poem::http::{Method, StatusCode};
use poem::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::{FieldError, Problem};

/// The served document: poem-openapi's, normalised, with the public routes added.
pub fn document(generated: &str) -> Value {
    let mut doc: Value = serde_json::from_str(generated).unwrap_or_default();
    normalise(&mut doc);
    if let Some(paths) = doc["paths"].as_object_mut()
        && let Value::Object(public) = public_routes()
    {
        paths.extend(public);
    }
    if let Some(tags) = doc["tags"].as_array_mut() {
        tags.push(json!({
            "name": "Public",
            "description": "Addresses outside /api/v1 that calendar apps and mail links open, without sign-in."
        }));
    }
    doc
}

/// Rewrites what generators stumble on, without changing what the API accepts:
/// - a field with a description around a reference (`allOf: [{$ref}, {description}]`) becomes
///   the reference with the description beside it; openapi-python-client cannot take `allOf` of
///   an enum and dropped every operation using one;
/// - `naive-date` (poem-openapi's name) becomes the standard `date` format, so generated clients
///   read dates as dates.
pub fn normalise(v: &mut Value) {
    match v {
        Value::Object(o) => {
            let folded = match o.get("allOf").and_then(Value::as_array) {
                Some(all)
                    if all.first().is_some_and(|f| f.get("$ref").is_some())
                        && all[1..].iter().all(|x| {
                            x.as_object()
                                .is_some_and(|x| x.keys().all(|k| k == "description"))
                        }) =>
                {
                    all[0].get("$ref").cloned()
                }
                _ => None,
            };
            if let Some(reference) = folded {
                o.remove("allOf");
                o.insert("$ref".into(), reference);
            }
            if o.get("format").and_then(Value::as_str) == Some("naive-date") {
                o.insert("format".into(), "date".into());
            }
            o.values_mut().for_each(normalise);
        }
        Value::Array(a) => a.iter_mut().for_each(normalise),
        _ => {}
    }
}

/// The routes outside `/api/v1`, described by hand since they are plain poem handlers (their
/// addresses end in `.ics`, which an OpenAPI route cannot express in poem-openapi).
fn public_routes() -> Value {
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        })
    };
    let feed_headers = json!({
        "ETag": {"description": "Changes when the feed does; send it back in If-None-Match.", "schema": {"type": "string"}},
        "Cache-Control": {"description": "`no-cache`: calendar apps revalidate with the ETag.", "schema": {"type": "string"}},
        "Vary": {"description": "`Accept-Encoding`: the feed is gzipped when the client accepts it.", "schema": {"type": "string"}}
    });
    let feed = |description: &str| {
        json!({
            "description": description,
            "headers": feed_headers,
            "content": {"text/calendar; charset=utf-8": {"schema": {"type": "string"}}}
        })
    };
    let not_modified = json!({"description": "The client's copy (If-None-Match) is current."});
    let filter = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}});
    let page = |description: &str| json!({"description": description, "content": {"text/html; charset=utf-8": {"schema": {"type": "string"}}}});
    let key = json!({
        "name": "key", "in": "path", "required": true,
        "description": "The key from the newsletter's List-Unsubscribe header or footer link.",
        "schema": {"type": "string"}
    });
    json!({
        "/calendar.ics": {"get": {
            "tags": ["Public"],
            "summary": "Public calendar feed",
            "description": "Every published event open to everybody, as iCalendar (RFC 5545), for calendar apps to subscribe to (also as `webcal://`). No sign-in. Filters combine.",
            "operationId": "public_calendar",
            "parameters": [
                filter("tag", "Only events with this tag."),
                filter("organiser", "Only events by this organiser (`ecl`, `aachen`, `maastricht`)."),
                filter("audience", "Only events open to this audience (`everyone`, `members`, `partners`, `families`, `alumni`).")
            ],
            "responses": {
                "200": feed("The feed."),
                "304": not_modified,
                "422": problem("A filter has a value that does not exist; `errors` names it.")
            }
        }},
        "/calendar/{token}.ics": {"get": {
            "tags": ["Public"],
            "summary": "Personal calendar feed",
            "description": "The events a member's household is registered for, and those open to them. The address is the secret: whoever has it can read the feed, so it is shown only to the member (`GET /api/v1/me/calendar`) and can be replaced (`POST /api/v1/me/calendar/rotate`), after which this address answers 404.",
            "operationId": "personal_calendar",
            "parameters": [{
                "name": "token", "in": "path", "required": true,
                "description": "The secret part of the member's calendar address.",
                "schema": {"type": "string"}
            }],
            "responses": {
                "200": feed("The feed."),
                "304": not_modified,
                "404": problem("No calendar has this address (or it was replaced).")
            }
        }},
        "/unsubscribe/{key}": {
            "get": {
                "tags": ["Public"],
                "summary": "Unsubscribe page",
                "description": "A page with one button that unsubscribes from the list the mail came from. Opening the link changes nothing (mail scanners open links).",
                "operationId": "unsubscribe_page",
                "parameters": [key],
                "responses": {
                    "200": page("The page, in the subscriber's language."),
                    "404": problem("No subscription has this key.")
                }
            },
            "post": {
                "tags": ["Public"],
                "summary": "Unsubscribe (one click)",
                "description": "Unsubscribes from the list the mail came from (RFC 8058 one-click: mail apps post `List-Unsubscribe=One-Click`). Idempotent. No sign-in.",
                "operationId": "unsubscribe",
                "parameters": [key],
                "responses": {
                    "200": page("Done, in the subscriber's language."),
                    "303": {"description": "Pressed on the unsubscribe page itself (its form token came with it): back to that page, which now says it is done."},
                    "404": problem("No subscription has this key.")
                }
            }
        }
    })
}

/// What the contract says one operation takes.
struct Operation {
    /// Query and path parameters by name, with their schema.
    parameters: HashMap<String, Value>,
    /// Path parameter names in the order they appear in the template (poem-openapi reports a
    /// bad path segment as `param0`, `param1`, …).
    path_order: Vec<String>,
    body: Option<jsonschema::Validator>,
}

/// The served document, and per operation what its input should be.
pub struct Contract {
    pub json: String,
    templates: Vec<(Vec<String>, String)>,
    operations: HashMap<(Method, String), Operation>,
}

impl Contract {
    pub fn new(doc: &Value) -> Self {
        let json = serde_json::to_string_pretty(doc).unwrap_or_default();
        let mut templates = Vec::new();
        let mut operations = HashMap::new();
        for (template, item) in doc["paths"].as_object().into_iter().flatten() {
            templates.push((
                template.split('/').map(str::to_owned).collect(),
                template.clone(),
            ));
            for (method, op) in item.as_object().into_iter().flatten() {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                operations.insert(
                    (method, template.clone()),
                    Operation::new(doc, template, op),
                );
            }
        }
        Contract {
            json,
            templates,
            operations,
        }
    }

    fn template(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.templates
            .iter()
            .find(|(pattern, _)| {
                pattern.len() == parts.len()
                    && pattern
                        .iter()
                        .zip(&parts)
                        .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
            })
            .map(|(_, t)| t.as_str())
    }

    /// The answer to an error the framework raised for this request: input it refused becomes
    /// a 422 naming each field, a body that is not JSON a 400; anything else keeps its status.
    pub fn explain(
        &self,
        method: &Method,
        path: &str,
        body: Option<&[u8]>,
        err: poem::Error,
    ) -> Response {
        use poem_openapi::error::{
            AuthorizationError, ParseParamError, ParsePathError, ParseRequestPayloadError,
        };
        let op = self
            .template(path)
            .and_then(|t| self.operations.get(&(method.clone(), t.to_owned())));
        let invalid = |errors: Vec<FieldError>| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "some fields are invalid",
                errors,
            )
            .into_response()
        };
        if let Some(e) = err.downcast_ref::<ParseParamError>() {
            let schema = op.and_then(|o| o.parameters.get(e.name));
            return invalid(vec![FieldError {
                field: e.name.to_owned(),
                message: schema.map_or_else(|| "has an invalid value".into(), expected),
            }]);
        }
        if let Some(e) = err.downcast_ref::<ParsePathError>() {
            let name = op
                .and_then(|o| {
                    let i: usize = e.name.strip_prefix("param")?.parse().ok()?;
                    o.path_order.get(i)
                })
                .cloned()
                .unwrap_or_else(|| e.name.to_owned());
            let schema = op.and_then(|o| o.parameters.get(&name));
            return invalid(vec![FieldError {
                message: schema.map_or_else(|| "has an invalid value".into(), expected),
                field: name,
            }]);
        }
        if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
            let parsed = body.map(serde_json::from_slice::<Value>);
            let value = match parsed {
                Some(Ok(v)) => v,
                Some(Err(json_error)) => {
                    return Problem::new(
                        StatusCode::BAD_REQUEST,
                        format!("the body is not valid JSON: {json_error}"),
                        vec![],
                    )
                    .into_response();
                }
                None => {
                    return Problem::new(
                        StatusCode::BAD_REQUEST,
                        "the body is empty; send a JSON document",
                        vec![],
                    )
                    .into_response();
                }
            };
            let mut errors = op
                .and_then(|o| o.body.as_ref())
                .map(|schema| body_errors(schema, &value))
                .unwrap_or_default();
            if errors.is_empty() {
                // The schema cannot say everything the types check (a number's range, say):
                // name the field when the framework did.
                let message = if e.reason.contains("unknown field") {
                    "is not a field of this request"
                } else {
                    "has an invalid value"
                };
                errors.push(FieldError {
                    field: field_named_in(&e.reason).unwrap_or_else(|| "body".into()),
                    message: message.into(),
                });
            }
            return invalid(errors);
        }
        if err.downcast_ref::<AuthorizationError>().is_some() {
            return crate::error::ApiError::from(crate::error::Error::Unauthenticated)
                .into_response();
        }
        crate::error::problem_from_poem(err)
    }
}

impl Operation {
    fn new(doc: &Value, template: &str, op: &Value) -> Self {
        let mut parameters = HashMap::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            if let Some(name) = p["name"].as_str() {
                parameters.insert(name.to_owned(), resolve(doc, &p["schema"]).clone());
            }
        }
        let path_order = template
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_owned)
            .collect();
        let body = op["requestBody"]["content"]["application/json; charset=utf-8"]["schema"]
            .as_object()
            .or_else(|| op["requestBody"]["content"]["application/json"]["schema"].as_object())
            .and_then(|schema| {
                // The body's schema with the document's components beside it, so its
                // `#/components/schemas/…` references resolve.
                let mut root = Value::Object(schema.clone());
                root["components"] = doc["components"].clone();
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft7)
                    .should_validate_formats(true)
                    .build(&root)
                    .ok()
            });
        Operation {
            parameters,
            path_order,
            body,
        }
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(schema),
        None => schema,
    }
}

/// Drops `null` members: the API reads them as absent, which the schema cannot say in
/// OpenAPI 3.0 without `nullable` everywhere.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Every field of `value` the schema refuses, with what was expected, in plain words.
fn body_errors(schema: &jsonschema::Validator, value: &Value) -> Vec<FieldError> {
    use jsonschema::error::ValidationErrorKind as K;
    let value = without_nulls(value);
    let mut errors: Vec<FieldError> = Vec::new();
    for e in schema.iter_errors(&value) {
        let mut field: Vec<String> = e.instance_path().iter().map(|s| s.to_string()).collect();
        let message = match e.kind() {
            K::Required { property } => {
                field.push(property.as_str().unwrap_or_default().to_owned());
                "is required".to_owned()
            }
            K::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    let mut f = field.clone();
                    f.push(name.clone());
                    errors.push(FieldError {
                        field: f.join("."),
                        message: "is not a field of this request".into(),
                    });
                }
                continue;
            }
            K::Enum { options } => one_of(options),
            K::Type { kind } => format!("must be {}", type_name(&format!("{kind:?}"))),
            K::MaxLength { limit } => format!("must be at most {limit} characters"),
            K::MinLength { limit } if *limit == 1 => "must not be empty".into(),
            K::MinLength { limit } => format!("must be at least {limit} characters"),
            K::Maximum { limit } => format!("must be at most {}", number(limit)),
            K::Minimum { limit } => format!("must be at least {}", number(limit)),
            K::MaxItems { limit } => format!("must have at most {limit} items"),
            K::MinItems { limit } => format!("must have at least {limit} items"),
            K::UniqueItems => "must not repeat an item".into(),
            K::Format { format } => format_words(format).into(),
            K::Pattern { .. } => "does not have the expected form".into(),
            _ => "has an invalid value".into(),
        };
        errors.push(FieldError {
            field: if field.is_empty() {
                "body".into()
            } else {
                field.join(".")
            },
            message,
        });
    }
    // One message per field, in a stable order.
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors.dedup_by(|a, b| a.field == b.field);
    errors
}

fn type_name(kind: &str) -> &'static str {
    let k = kind.to_ascii_lowercase();
    if k.contains("integer") {
        "a whole number"
    } else if k.contains("number") {
        "a number"
    } else if k.contains("boolean") {
        "true or false"
    } else if k.contains("array") {
        "a list"
    } else if k.contains("object") {
        "an object"
    } else {
        "text"
    }
}

fn format_words(format: &str) -> &'static str {
    match format {
        "date" => "must be a date like 2027-06-12",
        "date-time" => "must be a date and time like 2027-06-12T19:30:00Z",
        "uuid" => "must be an id (a UUID)",
        "email" => "must be an e-mail address",
        "uri" => "must be an address like https://example.org",
        _ => "does not have the expected form",
    }
}

/// `5`, not `5.0`, for whole limits.
fn number(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => v.to_string(),
    }
}

fn one_of(options: &Value) -> String {
    let list: Vec<String> = options
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_owned))
        .collect();
    format!("must be one of: {}", list.join(", "))
}

/// What a parameter's schema expects, in plain words.
fn expected(schema: &Value) -> String {
    if let Some(options) = schema.get("enum") {
        return one_of(options);
    }
    if let Some(format) = schema["format"].as_str() {
        let words = format_words(format);
        if words != "does not have the expected form" {
            return words.to_owned();
        }
    }
    match schema["type"].as_str() {
        Some("integer") => match (schema["minimum"].as_i64(), schema["maximum"].as_i64()) {
            (Some(lo), Some(hi)) => format!("must be a whole number from {lo} to {hi}"),
            (Some(lo), None) => format!("must be a whole number of at least {lo}"),
            _ => "must be a whole number".into(),
        },
        Some("number") => "must be a number".into(),
        Some("boolean") => "must be true or false".into(),
        _ => "has an invalid value".into(),
    }
}

/// poem-openapi names the field in some of its messages (``field `x` verification failed``).
fn field_named_in(reason: &str) -> Option<String> {
    let rest = reason.split("field `").nth(1)?;
    Some(rest.split('`').next()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_described_reference_loses_its_all_of() {
        let mut v = json!({"properties": {"status": {
            "description": "d",
            "allOf": [{"$ref": "#/components/schemas/S"}, {"description": "d"}]
        }}});
        normalise(&mut v);
        assert_eq!(
            v,
            json!({"properties": {"status": {"description": "d", "$ref": "#/components/schemas/S"}}})
        );
    }

    #[test]
    fn a_real_composition_is_kept() {
        let all = json!({"allOf": [{"$ref": "#/a"}, {"type": "object", "properties": {}}]});
        let mut v = all.clone();
        normalise(&mut v);
        assert_eq!(v, all);
    }

    #[test]
    fn parameters_say_what_they_expect() {
        assert_eq!(
            expected(&json!({"type": "string", "format": "date"})),
            "must be a date like 2027-06-12"
        );
        assert_eq!(
            expected(&json!({"type": "integer", "minimum": 1, "maximum": 200})),
            "must be a whole number from 1 to 200"
        );
        assert_eq!(
            expected(&json!({"type": "string", "enum": ["a", "b"]})),
            "must be one of: a, b"
        );
    }
}
