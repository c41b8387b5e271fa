//! flagd flag definitions → Vexil (in progress).

use crate::{ImportError, Imported};

/// Imports flagd flag definitions.
pub fn import(_json: &str) -> Result<Imported, ImportError> {
    Err(ImportError::Input("flagd import: not yet".into()))
}
