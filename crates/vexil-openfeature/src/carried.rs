//! Downstream of a gateway that decided once (DISTRIBUTION.md §5): a
//! provider that answers flags present in the carried, verified decision set
//! from the set and delegates every other flag to the provider it wraps.
//!
//! The token travels in the evaluation context's string field
//! `vexilDecisions` ([`crate::CARRIED_FIELD`]), taken from the
//! `Vexil-Decisions` header of the request or message that carried the work.
//! A token that does not verify (or has expired) never decides: the flag
//! goes to the wrapped provider and the refusal to `on_refused`. A carried
//! decision answers with its value, variant and reason (PREREQUISITE_FAILED →
//! DEFAULT), and metadata `carried`, `ruleset`, `ruleset_version`,
//! `decided_at`, `cid`?, `rule`?; a requested type that is not the carried
//! value's is TYPE_MISMATCH. The same as the JavaScript `carried-provider.mjs`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use open_feature::provider::{FeatureProvider, ProviderMetadata, ProviderStatus, ResolutionDetails};
use open_feature::{EvaluationContext, EvaluationErrorCode, EvaluationResult, FlagMetadata, StructValue, async_trait};
use vexil::decision::{FlagValue, Reason};
use vexil_sign::{Claims, VerifyError, VerifyOptions};

use crate::mapping::{self, FromFlagValue};

/// How many verified tokens are remembered (a workflow asks several flags with one token).
const REMEMBERED: usize = 1000;

type OnRefused = Box<dyn Fn(&VerifyError) + Send + Sync>;

/// Wraps `delegate`: carried decisions first, then the delegate.
pub struct CarriedDecisions<P> {
    delegate: P,
    keys: String,
    options: VerifyOptions,
    metadata: ProviderMetadata,
    verified: Mutex<HashMap<String, Arc<Claims>>>,
    on_refused: OnRefused,
}

impl<P> std::fmt::Debug for CarriedDecisions<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CarriedDecisions").field("metadata", &self.metadata).finish_non_exhaustive()
    }
}

impl<P: FeatureProvider> CarriedDecisions<P> {
    /// `keys`: the gateway's public JWK Set (`vexil keys public`), as JSON text.
    pub fn new(delegate: P, keys: impl Into<String>) -> CarriedDecisions<P> {
        let metadata = ProviderMetadata::new(format!("vexil-carried+{}", delegate.metadata().name));
        CarriedDecisions {
            delegate,
            keys: keys.into(),
            options: VerifyOptions::default(),
            metadata,
            verified: Mutex::new(HashMap::new()),
            on_refused: Box::new(|_| {}),
        }
    }

    /// Told of every token that does not verify; the delegate decides instead.
    pub fn on_refused(mut self, report: impl Fn(&VerifyError) + Send + Sync + 'static) -> CarriedDecisions<P> {
        self.on_refused = Box::new(report);
        self
    }

    /// Verification options (leeway; a fixed `now` for replays and tests).
    pub fn with_options(mut self, options: VerifyOptions) -> CarriedDecisions<P> {
        self.options = options;
        self
    }

    fn claims(&self, token: &str) -> Option<Arc<Claims>> {
        let cached = self.verified.lock().unwrap_or_else(PoisonError::into_inner).get(token).cloned();
        // Remembered tokens are still checked for expiry by verifying again once they are old.
        if let Some(claims) = cached
            && vexil_sign::still_valid(&claims, &self.options)
        {
            return Some(claims);
        }
        match vexil_sign::verify(token, &self.keys, &self.options) {
            Ok(claims) => {
                let claims = Arc::new(claims);
                let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
                if verified.len() >= REMEMBERED {
                    verified.clear();
                }
                verified.insert(token.to_owned(), claims.clone());
                Some(claims)
            }
            Err(error) => {
                self.verified.lock().unwrap_or_else(PoisonError::into_inner).remove(token);
                (self.on_refused)(&error);
                None
            }
        }
    }

    /// The carried answer for `flag`, if the context carries a set that holds it.
    fn carried<T: FromFlagValue>(
        &self,
        flag: &str,
        context: &EvaluationContext,
        type_name: &str,
    ) -> Option<EvaluationResult<ResolutionDetails<T>>> {
        let token = context.custom_fields.get(crate::CARRIED_FIELD)?.as_str()?;
        if token.is_empty() {
            return None;
        }
        let claims = self.claims(token)?;
        let carried = claims.vexil.decisions.get(flag)?;
        let mut metadata = FlagMetadata::default()
            .with_value("carried", true)
            .with_value("ruleset", claims.vexil.ruleset.clone())
            .with_value("ruleset_version", claims.vexil.ruleset_version.clone())
            .with_value("decided_at", claims.vexil.now.clone());
        if let Some(cid) = &claims.cid {
            metadata = metadata.with_value("cid", cid.clone());
        }
        if let Some(rule) = &carried.rule {
            metadata = metadata.with_value("rule", rule.clone());
        }
        let value = carried.value.as_ref().and_then(T::from_flag_value);
        Some(match value {
            Some(value) => Ok(ResolutionDetails {
                value,
                variant: carried.variant.clone(),
                reason: Some(mapping::reason(if carried.reason == Reason::PrerequisiteFailed {
                    Reason::Default
                } else {
                    carried.reason
                })),
                flag_metadata: Some(metadata),
            }),
            None => Err(mapping::error(
                EvaluationErrorCode::TypeMismatch,
                format!("the carried {flag} is {}, not a {type_name}", carried.value.as_ref().map_or("absent", kind)),
            )),
        })
    }
}

fn kind(value: &FlagValue) -> &'static str {
    match value {
        FlagValue::Bool(_) => "a bool",
        FlagValue::Int(_) => "an int",
        FlagValue::Float(_) => "a float",
        FlagValue::String(_) => "a string",
    }
}

#[async_trait]
impl<P: FeatureProvider> FeatureProvider for CarriedDecisions<P> {
    async fn initialize(&mut self, context: &EvaluationContext) {
        self.delegate.initialize(context).await;
    }

    fn status(&self) -> ProviderStatus {
        self.delegate.status()
    }

    fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    async fn resolve_bool_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<bool>> {
        match self.carried(flag, context, "bool") {
            Some(answer) => answer,
            None => {
                self.delegate
                    .resolve_bool_value(flag, &crate::context::without_field(context, crate::CARRIED_FIELD))
                    .await
            }
        }
    }

    async fn resolve_int_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<i64>> {
        match self.carried(flag, context, "int") {
            Some(answer) => answer,
            None => {
                self.delegate
                    .resolve_int_value(flag, &crate::context::without_field(context, crate::CARRIED_FIELD))
                    .await
            }
        }
    }

    async fn resolve_float_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<f64>> {
        match self.carried(flag, context, "float") {
            Some(answer) => answer,
            None => {
                self.delegate
                    .resolve_float_value(flag, &crate::context::without_field(context, crate::CARRIED_FIELD))
                    .await
            }
        }
    }

    async fn resolve_string_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<String>> {
        match self.carried(flag, context, "string") {
            Some(answer) => answer,
            None => {
                self.delegate
                    .resolve_string_value(flag, &crate::context::without_field(context, crate::CARRIED_FIELD))
                    .await
            }
        }
    }

    async fn resolve_struct_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<StructValue>> {
        match self.carried(flag, context, "struct") {
            Some(answer) => answer,
            None => {
                self.delegate
                    .resolve_struct_value(flag, &crate::context::without_field(context, crate::CARRIED_FIELD))
                    .await
            }
        }
    }
}
