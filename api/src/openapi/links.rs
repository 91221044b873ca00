//! OpenAPI links, read from the paths (no list to keep up): from each create's 201 to every
//! operation under the new resource's path, with its id (`$response.body#/id`) and the path ids
//! of the create itself; and from each answer that carries an `ETag` to the writes of the same
//! resource that take `If-Match` (`$response.header.ETag`). Client generators and Schemathesis'
//! stateful tests follow them.

use serde_json::{Map, Value, json};

use super::METHODS;

/// A segment of a path template.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Fixed(String),
    Id(String),
}

/// What a link needs to know of an operation.
#[derive(Debug)]
struct Operation {
    path: String,
    method: &'static str,
    id: String,
    summary: String,
    segments: Vec<Segment>,
    /// Whether it takes `If-Match`.
    if_match: bool,
    /// Its success status (200 or 201) and the schema its answer refers to.
    success: Option<(String, String)>,
    /// Whether its success answer carries an `ETag`.
    etag: bool,
}

impl Operation {
    /// The path with every id as `{}`.
    fn shape(&self) -> String {
        shape(&self.segments)
    }

    /// Whether the operation acts on `resource` (a path shape) or on something under it.
    fn is_under(&self, resource: &str) -> bool {
        let shape = self.shape();
        shape == resource || shape.starts_with(&format!("{resource}/"))
    }
}

fn shape(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|segment| match segment {
            Segment::Fixed(name) => name.as_str(),
            Segment::Id(_) => "{}",
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn operations(document: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = document["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let segments = path
                .split('/')
                .map(|segment| match segment.strip_prefix('{') {
                    Some(name) => Segment::Id(name.trim_end_matches('}').to_owned()),
                    None => Segment::Fixed(segment.to_owned()),
                })
                .collect();
            let if_match = operation["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["in"] == "header" && p["name"] == "If-Match")
            });
            let answer = ["201", "200"]
                .into_iter()
                .find_map(|status| Some((status, operation["responses"].get(status)?)));
            let success = answer.and_then(|(status, response)| {
                let schema = response["content"]["application/json"]["schema"]["$ref"].as_str()?;
                Some((status.to_owned(), schema.to_owned()))
            });
            let etag =
                answer.is_some_and(|(_, response)| response["headers"].get("ETag").is_some());
            out.push(Operation {
                path: path.clone(),
                method,
                id: operation["operationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                summary: operation["summary"].as_str().unwrap_or_default().to_owned(),
                segments,
                if_match,
                success,
                etag,
            });
        }
    }
    out
}

pub fn add(document: &mut Value) {
    let operations = operations(document);
    // A resource's path, by the schema its GET answers: `/api/v1/patients/{}` for PatientView.
    let resources: Vec<(&str, String)> = operations
        .iter()
        .filter(|op| op.method == "get" && matches!(op.segments.last(), Some(Segment::Id(_))))
        .filter_map(|op| {
            let (status, schema) = op.success.as_ref()?;
            (status == "200").then(|| (schema.as_str(), op.shape()))
        })
        .collect();
    // The resource an operation acts on: the longest resource path it is under, or its own.
    let resource_of = |op: &Operation| {
        resources
            .iter()
            .map(|(_, resource)| resource)
            .filter(|resource| op.is_under(resource))
            .max_by_key(|resource| resource.len())
            .cloned()
            .unwrap_or_else(|| op.shape())
    };
    for source in &operations {
        let Some((status, schema)) = &source.success else {
            continue;
        };
        let mut links = Map::new();
        if status == "201" {
            let Some((_, created)) = resources.iter().find(|(s, _)| s == schema) else {
                continue;
            };
            let id_at = created.split('/').count() - 1;
            for target in operations.iter().filter(|t| t.is_under(created)) {
                let Some(mut parameters) = path_parameters(source, target, Some(id_at)) else {
                    continue;
                };
                if target.if_match && source.etag {
                    parameters.insert("header.If-Match".into(), json!("$response.header.ETag"));
                }
                let description = format!("{}, with the new resource's `id`.", target.summary);
                links.insert(target.id.clone(), link(target, parameters, description));
            }
        } else if source.etag {
            let resource = resource_of(source);
            let targets = operations
                .iter()
                .filter(|t| t.if_match && resource_of(t) == resource);
            for target in targets {
                let Some(mut parameters) = path_parameters(source, target, None) else {
                    continue;
                };
                parameters.insert("header.If-Match".into(), json!("$response.header.ETag"));
                let description = format!("{}, with this version in `If-Match`.", target.summary);
                links.insert(target.id.clone(), link(target, parameters, description));
            }
        }
        if links.is_empty() {
            continue;
        }
        if let Some(response) = document["paths"]
            .get_mut(&source.path)
            .and_then(|item| item.get_mut(source.method))
            .and_then(|operation| operation["responses"].get_mut(status.as_str()))
            .and_then(Value::as_object_mut)
        {
            response.insert("links".to_owned(), Value::Object(links));
        }
    }
}

/// The path ids of `target`, each taken from `source`'s request path where `source` has the
/// same id, or from the new resource's `id` at segment `id_at`; `None` when one cannot be had.
fn path_parameters(
    source: &Operation,
    target: &Operation,
    id_at: Option<usize>,
) -> Option<Map<String, Value>> {
    let mut parameters = Map::new();
    for (at, segment) in target.segments.iter().enumerate() {
        let Segment::Id(name) = segment else {
            continue;
        };
        let value = if Some(at) == id_at {
            "$response.body#/id".to_owned()
        } else {
            let same_place = source.segments.len() > at
                && shape(&source.segments[..at]) == shape(&target.segments[..at]);
            match source.segments.get(at) {
                Some(Segment::Id(from)) if same_place => format!("$request.path.{from}"),
                _ => return None,
            }
        };
        parameters.insert(format!("path.{name}"), json!(value));
    }
    Some(parameters)
}

fn link(target: &Operation, parameters: Map<String, Value>, description: String) -> Value {
    json!({
        "operationId": target.id,
        "parameters": parameters,
        "description": description,
    })
}
