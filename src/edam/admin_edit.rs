//! Editing one EDAM term in the admin portal (superusers: `edam.change_edamterm`, which no role
//! holds): label, definition, synonyms and the obsolete flag; the URI, accession, branch, parent,
//! order and release stay as the ontology has them. The change and its audit row commit together,
//! then this process's search index is rebuilt (other processes reload theirs within two minutes).
//! A later EDAM sync writes upstream's text again where upstream differs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use super::entity::edam_term as term;
use crate::admin::form::CsrfFields;
use crate::admin::{Cap, Staff, audit, flash_and_redirect, path, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::text::clean_text;
use crate::web::PageContext;

const LABEL_MAX: usize = 200;
const SYNONYM_MAX: usize = 200;
const SYNONYMS_MAX: usize = 100;
const DEFINITION_MAX: usize = 10_000;

/// What the form holds, parsed.
struct Edit {
    label: String,
    definition: String,
    synonyms: Vec<String>,
    is_obsolete: bool,
}

fn synonyms_of(t: &term::Model) -> Vec<String> {
    t.synonyms
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads and checks the form; the messages name the field.
fn parse(f: &crate::admin::form::Fields) -> Result<Edit, Vec<String>> {
    let mut errors = Vec::new();
    let label = clean_text(f.get("label"));
    if label.is_empty() {
        errors.push("Label: this field is required.".to_string());
    } else if label.chars().count() > LABEL_MAX {
        errors.push(format!("Label: at most {LABEL_MAX} characters."));
    }
    let definition = clean_text(f.get("definition"));
    if definition.chars().count() > DEFINITION_MAX {
        errors.push(format!("Definition: at most {DEFINITION_MAX} characters."));
    }
    let mut synonyms: Vec<String> = Vec::new();
    for line in f.get("synonyms").lines() {
        let s = clean_text(line);
        if s.is_empty() || synonyms.iter().any(|k| k.eq_ignore_ascii_case(&s)) {
            continue;
        }
        if s.chars().count() > SYNONYM_MAX {
            errors.push(format!(
                "Synonyms: each at most {SYNONYM_MAX} characters (“{}…”).",
                s.chars().take(30).collect::<String>()
            ));
        }
        synonyms.push(s);
    }
    if synonyms.len() > SYNONYMS_MAX {
        errors.push(format!("Synonyms: at most {SYNONYMS_MAX}, one per line."));
    }
    if errors.is_empty() {
        Ok(Edit {
            label,
            definition,
            synonyms,
            is_obsolete: f.get("is_obsolete") == "on",
        })
    } else {
        Err(errors)
    }
}

async fn find(state: &AppState, id: &str) -> Result<term::Model, AppError> {
    let not_found = || AppError::NotFound("No EDAM term matches the given query.".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    term::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)
}

fn form(
    state: &AppState,
    pc: &PageContext,
    staff: &Staff,
    t: &term::Model,
    values: (String, String, String, bool),
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (label, definition, synonyms, is_obsolete) = values;
    let ctx = minijinja::context! {
        t => minijinja::context! {
            id => t.id, uri => t.uri, accession => t.accession, branch => t.branch,
            edam_version => t.edam_version, sort_order => t.sort_order,
        },
        label => label, definition => definition, synonyms => synonyms,
        is_obsolete => is_obsolete, errors => errors,
    };
    render(state, pc, Some(staff), "admin/edam_term.html", ctx, status)
}

pub(super) async fn page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::EditEdam)?;
    let t = find(&state, &id).await?;
    let values = (
        t.label.clone(),
        t.definition.clone(),
        synonyms_of(&t).join("\n"),
        t.is_obsolete,
    );
    form(&state, &pc, &staff, &t, values, Vec::new(), StatusCode::OK)
}

pub(super) async fn save(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::EditEdam)?;
    let edit = match parse(&f) {
        Ok(e) => e,
        Err(errors) => {
            let t = find(&state, &id).await?;
            let values = (
                f.get("label").to_string(),
                f.get("definition").to_string(),
                f.get("synonyms").to_string(),
                f.get("is_obsolete") == "on",
            );
            return form(
                &state,
                &pc,
                &staff,
                &t,
                values,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let not_found = || AppError::NotFound("No EDAM term matches the given query.".into());
    let t = term::Entity::find_by_id(id.parse::<i64>().map_err(|_| not_found())?)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let mut changed = Vec::new();
    if t.label != edit.label {
        changed.push("label");
    }
    if t.definition != edit.definition {
        changed.push("definition");
    }
    if synonyms_of(&t) != edit.synonyms {
        changed.push("synonyms");
    }
    if t.is_obsolete != edit.is_obsolete {
        changed.push("obsolete");
    }
    let back = path(&state.config.admin_url_prefix, "edam/");
    if changed.is_empty() {
        drop(txn);
        return flash_and_redirect(&state, &staff, "info", "No fields changed.", &back).await;
    }
    let (accession, label) = (t.accession.clone(), edit.label.clone());
    let mut am = t.into_active_model();
    am.label = Set(edit.label);
    am.definition = Set(edit.definition);
    am.synonyms = Set(serde_json::json!(edit.synonyms));
    am.is_obsolete = Set(edit.is_obsolete);
    am.update(&txn).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: "edam_term",
            object_id: &accession,
            object_repr: &format!("{accession} {label}"),
            message: &format!("Changed {}.", changed.join(", ")),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    // The pickers and the term API answer from the index: show the edit at once here.
    if let Err(e) = state.edam.rebuild(&state.db).await {
        tracing::warn!(error = %e, "EDAM index rebuild after an admin edit failed; the periodic refresh retries");
    }
    flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("“{accession} {label}” was saved."),
        &back,
    )
    .await
}
