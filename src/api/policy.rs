//! The machine's IT policy (`managed`) in force in the core: what it pins wins over what
//! administrators saved, and changing a pinned setting is refused with a message that says who
//! decides it. The views mark pinned settings so the UI shows them as locked.

use std::sync::Arc;

use super::Core;
use crate::channel::whatsapp::client::ChannelConfig;
use crate::error::{Error, Result};
use crate::managed::Policy;

/// The refusal for a change to something IT's policy pins.
pub(super) fn pinned(what: &str) -> Error {
    Error::NotAllowed(format!(
        "{what} is set by your IT department's policy on this computer and cannot be changed here"
    ))
}

impl Core {
    /// This core under `policy` (the machine's, read by the front end at start).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// The policy in force (empty when IT deployed none).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The channel settings, unless the policy does not allow their Graph address: then the
    /// channel is treated as not set up (nothing is sent to or fetched from it).
    pub(super) async fn channel_in_force(&self) -> Result<Option<ChannelConfig>> {
        let channel = self.store.find_channel().await?;
        Ok(channel.filter(|c| {
            let allowed = self.policy.allows_graph_url(&c.graph_base_url);
            if !allowed {
                tracing::warn!(
                    "the channel's Graph address is not allowed by the IT policy: the channel is off"
                );
            }
            allowed
        }))
    }

    /// Refuses an export when the policy turns exports off.
    pub(super) fn exports_allowed(&self) -> Result<()> {
        match self.policy.allow_export {
            Some(false) => Err(pinned("Exporting")),
            _ => Ok(()),
        }
    }
}
