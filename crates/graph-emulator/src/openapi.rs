//! Checks JSON bodies against Microsoft's OpenAPI description (`shared/graph/
//! openapi-subset.yaml`): the schema of an operation's request body or of its response,
//! converted from OpenAPI 3.0 to JSON Schema and validated with `jsonschema`.
//!
//! The conversion follows shared/graph/README.md: `nullable` becomes a `null` type, and
//! `anyOf: [{$ref: X}, {type: object, nullable: true}]` means "null, or a valid X" (a
//! plain validator would accept any object there).

use serde_json::{json, Map, Value};

/// Why the OpenAPI description has no answer for a request.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("{path}: {detail}")]
    Load { path: String, detail: String },
    #[error("{method} {path} is not in the OpenAPI subset")]
    NotInSubset { method: String, path: String },
    #[error("{method} {path} declares no {key} response")]
    NoResponse {
        method: String,
        path: String,
        key: &'static str,
    },
    #[error("{method} {path} takes no request body")]
    NoRequestBody { method: String, path: String },
    #[error("{method} {path} has no JSON request schema")]
    NoJsonSchema { method: String, path: String },
}

pub struct OpenApi {
    doc: Value,
    defs: Value,
}

impl OpenApi {
    pub fn load(path: &std::path::Path) -> Result<OpenApi, OpenApiError> {
        let load = |detail: String| OpenApiError::Load {
            path: path.display().to_string(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| load(e.to_string()))?;
        let doc: Value = serde_yaml::from_str(&text).map_err(|e| load(e.to_string()))?;
        let schemas = doc
            .pointer("/components/schemas")
            .cloned()
            .unwrap_or(Value::Null);
        let defs = match schemas {
            Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, convert(&v))).collect())
            }
            _ => json!({}),
        };
        Ok(OpenApi { doc, defs })
    }

    /// The operation for a concrete path such as `/directory/onPremisesSynchronization/abc`.
    fn operation(&self, method: &str, path: &str) -> Option<&Value> {
        let paths = self.doc.get("paths")?.as_object()?;
        let (_, item) = paths
            .iter()
            .find(|(template, _)| matches_template(template, path))?;
        item.get(method.to_ascii_lowercase())
    }

    /// The JSON Schema of `method path`'s response with `status`, if it has a body.
    pub fn response_schema(
        &self,
        method: &str,
        path: &str,
        status: u16,
    ) -> Result<Option<Value>, OpenApiError> {
        let op = self
            .operation(method, path)
            .ok_or_else(|| OpenApiError::NotInSubset {
                method: method.to_string(),
                path: path.to_string(),
            })?;
        let key = if (200..300).contains(&status) {
            "2XX"
        } else {
            "default"
        };
        let Some(response) = op.pointer(&format!("/responses/{key}")) else {
            return Err(OpenApiError::NoResponse {
                method: method.to_string(),
                path: path.to_string(),
                key,
            });
        };
        let response = self.deref(response);
        Ok(response
            .pointer("/content/application~1json/schema")
            .map(convert))
    }

    /// The JSON Schema of `method path`'s request body.
    pub fn request_schema(&self, method: &str, path: &str) -> Result<Value, OpenApiError> {
        let (m, p) = (method.to_string(), path.to_string());
        let op = self
            .operation(method, path)
            .ok_or_else(|| OpenApiError::NotInSubset {
                method: m.clone(),
                path: p.clone(),
            })?;
        let body = op
            .get("requestBody")
            .ok_or_else(|| OpenApiError::NoRequestBody {
                method: m.clone(),
                path: p.clone(),
            })?;
        self.deref(body)
            .pointer("/content/application~1json/schema")
            .map(convert)
            .ok_or(OpenApiError::NoJsonSchema { method: m, path: p })
    }

    fn deref<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(pointer) => self.doc.pointer(pointer).unwrap_or(v),
            None => v,
        }
    }

    /// Every way `instance` breaks `schema`, as `path: message`.
    pub fn errors(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let mut root = schema.clone();
        if let Value::Object(m) = &mut root {
            m.insert("$defs".into(), self.defs.clone());
        } else {
            root = json!({"allOf": [schema], "$defs": self.defs});
        }
        match jsonschema::validator_for(&root) {
            Ok(v) => v
                .iter_errors(instance)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect(),
            Err(e) => vec![format!("the schema does not compile: {e}")],
        }
    }
}

fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}')) || a == b)
}

fn is_null_object(v: &Value) -> bool {
    v.get("nullable") == Some(&Value::Bool(true))
        && v.get("type") == Some(&json!("object"))
        && v.get("properties").is_none()
        && v.get("$ref").is_none()
}

/// OpenAPI 3.0 schema -> JSON Schema (2020-12).
pub fn convert(v: &Value) -> Value {
    let Value::Object(m) = v else {
        return v.clone();
    };
    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
        return json!({"$ref": r.replace("#/components/schemas/", "#/$defs/")});
    }
    let mut out = Map::new();
    for (k, val) in m {
        if k.starts_with("x-")
            || matches!(
                k.as_str(),
                "nullable" | "discriminator" | "example" | "xml" | "externalDocs"
            )
        {
            continue;
        }
        let converted = match k.as_str() {
            "properties" => Value::Object(
                val.as_object()
                    .map(|p| p.iter().map(|(n, s)| (n.clone(), convert(s))).collect())
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" | "not" if val.is_object() => convert(val),
            "allOf" | "oneOf" | "anyOf" => Value::Array(
                val.as_array()
                    .map(|a| {
                        a.iter()
                            .map(|s| {
                                if is_null_object(s) {
                                    json!({"type": "null"})
                                } else {
                                    convert(s)
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            _ => val.clone(),
        };
        out.insert(k.clone(), converted);
    }
    if m.get("nullable") == Some(&Value::Bool(true)) {
        match out.get("type").cloned() {
            Some(Value::String(t)) => {
                out.insert("type".into(), json!([t, "null"]));
                if let Some(Value::Array(e)) = out.get_mut("enum") {
                    e.push(Value::Null);
                }
            }
            _ if out.contains_key("anyOf")
                || out.contains_key("allOf")
                || out.contains_key("$ref") =>
            {
                return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
            _ => {}
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_ref_means_null_or_the_ref() {
        let s = convert(
            &json!({"anyOf": [{"$ref": "#/components/schemas/x"}, {"type": "object", "nullable": true}]}),
        );
        assert_eq!(
            s,
            json!({"anyOf": [{"$ref": "#/$defs/x"}, {"type": "null"}]})
        );
        assert_eq!(
            convert(&json!({"type": "boolean", "nullable": true})),
            json!({"type": ["boolean", "null"]})
        );
    }

    #[test]
    fn templates() {
        assert!(matches_template(
            "/directory/onPremisesSynchronization/{id}",
            "/directory/onPremisesSynchronization/abc"
        ));
        assert!(!matches_template(
            "/directory/onPremisesSynchronization/{id}",
            "/directory/onPremisesSynchronization"
        ));
    }
}
