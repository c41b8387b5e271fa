//! The in-process provider: the native engine behind `FeatureProvider`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use open_feature::provider::{FeatureProvider, ProviderMetadata, ProviderStatus, ResolutionDetails};
use open_feature::{EvaluationContext, EvaluationErrorCode, EvaluationResult, StructValue, async_trait};
use vexil::{LiveRuleset, Ruleset, Timestamp};
use vexil_sync::{Follower, Readiness, Serving};

use crate::mapping::{self, FromFlagValue, Requested};

/// Where the provider's ruleset comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// One compiled ruleset, for the provider's lifetime.
    Fixed(Arc<Ruleset>),
    /// A ruleset your code reloads ([`LiveRuleset::reload`]).
    Live(Arc<LiveRuleset>),
    /// The holder a [`Follower`] feeds (a file or a NATS key, `vexil_sync`);
    /// with the follower, the provider's status is the follower's readiness.
    Followed { serving: Arc<Serving>, follower: Option<Arc<Follower>> },
}

impl Source {
    fn snapshot(&self) -> Option<Arc<Ruleset>> {
        match self {
            Source::Fixed(ruleset) => Some(ruleset.clone()),
            Source::Live(live) => Some(live.snapshot()),
            Source::Followed { serving, .. } => serving.snapshot(),
        }
    }
}

/// An OpenFeature provider evaluating flags with the native Vexil engine.
#[derive(Debug)]
pub struct VexilProvider {
    source: Source,
    metadata: ProviderMetadata,
    now: Option<Timestamp>,
}

impl VexilProvider {
    /// A provider over one compiled ruleset.
    pub fn new(ruleset: Ruleset) -> VexilProvider {
        VexilProvider::from_source(Source::Fixed(Arc::new(ruleset)))
    }

    /// A provider over a ruleset a follower keeps current (`vexil_sync::file::follow_file`,
    /// `vexil_sync::nats::follow`); it is NOT_READY until the first ruleset
    /// loads and STALE while the follower has lost its source.
    pub fn following(serving: Arc<Serving>, follower: Arc<Follower>) -> VexilProvider {
        VexilProvider::from_source(Source::Followed { serving, follower: Some(follower) })
    }

    pub fn from_source(source: Source) -> VexilProvider {
        VexilProvider { source, metadata: ProviderMetadata::new("vexil"), now: None }
    }

    /// Decides as of `now` instead of the clock (replays, tests).
    pub fn at(mut self, now: Timestamp) -> VexilProvider {
        self.now = Some(now);
        self
    }

    fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(|| {
            let millis = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            Timestamp::from_millis(millis).unwrap_or(Timestamp::MIN)
        })
    }

    fn resolve<T: FromFlagValue>(
        &self,
        flag: &str,
        context: &EvaluationContext,
        requested: Requested,
    ) -> EvaluationResult<ResolutionDetails<T>> {
        let Some(ruleset) = self.source.snapshot() else {
            return Err(mapping::error(EvaluationErrorCode::ProviderNotReady, "no ruleset has loaded yet"));
        };
        let context_json = crate::context::to_json(context)
            .map_err(|message| mapping::error(EvaluationErrorCode::InvalidContext, message))?;
        let decision = ruleset.evaluate_json(flag, &context_json, self.now());
        let flag_type = ruleset.flags().iter().find(|f| f.key == flag).map(|f| f.ty.as_str());
        mapping::resolution(&decision, flag_type, requested)
    }
}

#[async_trait]
impl FeatureProvider for VexilProvider {
    fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    fn status(&self) -> ProviderStatus {
        match &self.source {
            Source::Followed { follower: Some(follower), .. } => match follower.status().readiness {
                Readiness::Ready => ProviderStatus::Ready,
                Readiness::Stale => ProviderStatus::STALE,
                Readiness::NotReady => ProviderStatus::NotReady,
                Readiness::Error => ProviderStatus::Error,
            },
            source if source.snapshot().is_none() => ProviderStatus::NotReady,
            _ => ProviderStatus::Ready,
        }
    }

    async fn resolve_bool_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<bool>> {
        self.resolve(flag, context, Requested::Bool)
    }

    async fn resolve_int_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<i64>> {
        self.resolve(flag, context, Requested::Int)
    }

    async fn resolve_float_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<f64>> {
        self.resolve(flag, context, Requested::Float)
    }

    async fn resolve_string_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<String>> {
        self.resolve(flag, context, Requested::String)
    }

    async fn resolve_struct_value(
        &self,
        flag: &str,
        context: &EvaluationContext,
    ) -> EvaluationResult<ResolutionDetails<StructValue>> {
        self.resolve(flag, context, Requested::Struct)
    }
}
