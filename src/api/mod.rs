//! THE surface every front end calls: desktop commands, the HTTP server, the CLI and tests
//! (DESIGN §1–2). Every call takes a session token (or, for IT, runs as the operator who
//! holds the data key) and a plain request, and returns a View. No callbacks, no borrowed
//! data, so the same call works in-process, over Tauri IPC and over HTTPS.

pub mod access_reviews;
pub mod audit;
pub mod backup;
pub mod channel;
pub mod compose;
pub mod contact_fields;
pub mod contact_state;
pub mod contacts;
pub mod escalations;
pub mod import;
pub mod inbox;
pub mod intake;
pub mod keys;
pub mod labels;
pub mod load;
pub mod lock;
pub mod masking;
pub mod media;
pub mod mfa;
pub mod network;
pub mod offboard;
pub mod operator;
pub mod outbox;
pub mod people;
pub mod policy;
pub mod privacy;
pub mod quick_replies;
pub mod retention;
pub mod reveal;
pub mod roles;
pub mod routing;
pub mod search;
pub mod session;
pub mod sessions;
pub mod sso;
pub mod sso_settings;
pub mod teams;
pub mod templates;
pub mod users;
pub mod views;
pub mod workflow;

use crate::audit::Kind;
use std::path::Path;
use std::sync::Arc;

use crate::audit::AuditEvent;
use crate::authz::{
    act, audit_actor, authorize, authorize_list, authorize_on, Act, Actor, Authorized, Denied, Listing,
    Placement,
};
use crate::channel::whatsapp::client::CloudApi;
use crate::clock::{Clock, OsRandom, RandomSource, SystemClock};
use crate::domain::{ContactId, ConversationId};
use crate::error::{Error, Result};
use crate::keys::{DataKey, KeySource};
use crate::store::intake::StoreStats;
use crate::store::{OpenMode, Store};

/// The core: the store plus injected time, randomness and the Cloud API client.
#[derive(Debug, Clone)]
pub struct Core {
    store: Store,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    cloud: CloudApi,
    outbox: Arc<outbox::Outbox>,
    patterns: Arc<masking::PatternCache>,
    sso_sign_ins: Arc<sso::SignIns>,
    policy: Arc<crate::managed::Policy>,
    /// Held while a retention purge runs: one at a time.
    purging: Arc<tokio::sync::Mutex<()>>,
    /// Webhook deliveries gathering for the next group commit.
    intake: Arc<intake::GroupCommit>,
}

impl Core {
    /// Creates a new encrypted store in `data_dir` with a fresh data key kept at `key_source`.
    pub async fn init(data_dir: &Path, key_source: &KeySource) -> Result<Self> {
        create_private_dir(data_dir)?;
        if crate::store::db_path(data_dir).exists() {
            return Err(Error::AlreadyInitialized(data_dir.display().to_string()));
        }
        let key = DataKey::generate(&OsRandom);
        key_source.store_new(&key)?;
        let store = Store::open(data_dir, &key, OpenMode::Create).await?;
        let core = Self::with_parts(store, Arc::new(SystemClock), Arc::new(OsRandom))?;
        let proof = core.allow::<act::ConfigureChannel>(&Actor::Operator, ()).await?;
        let mut tx = core.store.write().await?;
        tx.audit(&AuditEvent::new(proof.actor().clone(), Kind::StoreInit), core.clock.now()).await?;
        tx.commit().await?;
        Ok(core)
    }

    /// Opens the existing store in `data_dir` with the key at `key_source`.
    pub async fn open(data_dir: &Path, key_source: &KeySource) -> Result<Self> {
        if !crate::store::db_path(data_dir).exists() {
            return Err(Error::NotInitialized(data_dir.display().to_string()));
        }
        let key = key_source.load()?;
        let store = Store::open(data_dir, &key, OpenMode::Existing).await?;
        Self::with_parts(store, Arc::new(SystemClock), Arc::new(OsRandom))
    }

    /// A core over an open store with the given clock and randomness (tests pin both).
    pub fn with_parts(store: Store, clock: Arc<dyn Clock>, rng: Arc<dyn RandomSource>) -> Result<Self> {
        Ok(Self {
            store,
            clock,
            rng,
            cloud: CloudApi::new()?,
            outbox: Arc::new(outbox::Outbox::new(outbox::OutboxPolicy::default())),
            patterns: Arc::default(),
            sso_sign_ins: Arc::default(),
            policy: Arc::default(),
            purging: Arc::default(),
            intake: Arc::default(),
        })
    }

    /// Counts of what the store holds (no personal data).
    pub async fn stats(&self) -> Result<StoreStats> {
        self.store.stats().await
    }

    /// Closes the store, checkpointing its WAL.
    pub async fn close(self) {
        self.store.close().await;
    }

    /// The store, for diagnostics and tests of the storage layer.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// Creates `dir` (and parents) readable only by its owner.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Error::Invalid(format!("cannot create data directory {}: {}", dir.display(), e.kind())))
}

impl Core {
    /// Authorizes an action that concerns no single conversation or contact. A refusal is
    /// recorded in the audit trail and answered with `Forbidden`.
    pub(crate) async fn allow<A: Act>(&self, actor: &Actor, resource: A::Resource) -> Result<Authorized<A>> {
        match authorize::<A>(actor, resource) {
            Ok(proof) => Ok(proof),
            Err(denied) => Err(self.refused(actor, denied, None, Error::Forbidden).await),
        }
    }

    /// Authorizes a list action; the proof holds the scope the list is cut to.
    pub(crate) async fn allow_list<A: Listing>(&self, actor: &Actor) -> Result<Authorized<A>> {
        match authorize_list::<A>(actor) {
            Ok(proof) => Ok(proof),
            Err(denied) => Err(self.refused(actor, denied, None, Error::Forbidden).await),
        }
    }

    /// Authorizes `A` on conversation `id`. A conversation the actor may not see (or that does
    /// not exist) is `NotFound`, one they see but may not do this to is `Forbidden`.
    pub(crate) async fn allow_on_conversation<A: Act<Resource = ConversationId>>(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> Result<Authorized<A>> {
        let target = format!("conversation:{}", id.get());
        let placement = self.store.conversation_placement(id).await?.ok_or(Error::NotFound)?;
        self.allow_placed::<act::ReadConversation, A>(actor, id, &placement, target).await
    }

    /// Authorizes `A` on contact `id`, like [`Core::allow_on_conversation`].
    pub(crate) async fn allow_on_contact<A: Act<Resource = ContactId>>(
        &self,
        actor: &Actor,
        id: ContactId,
    ) -> Result<Authorized<A>> {
        let target = format!("contact:{}", id.get());
        let placement = self.store.contact_placement(id).await?.ok_or(Error::NotFound)?;
        self.allow_placed::<act::ReadContact, A>(actor, id, &placement, target).await
    }

    async fn allow_placed<V, A: Act>(
        &self,
        actor: &Actor,
        id: A::Resource,
        placement: &Placement,
        target: String,
    ) -> Result<Authorized<A>>
    where
        V: Act<Resource = A::Resource>,
    {
        if let Err(denied) = authorize_on::<V>(actor, id.clone(), placement) {
            return Err(self.refused(actor, denied, Some(target), Error::NotFound).await);
        }
        match authorize_on::<A>(actor, id, placement) {
            Ok(proof) => Ok(proof),
            Err(denied) => Err(self.refused(actor, denied, Some(target), Error::Forbidden).await),
        }
    }

    /// Refuses a send a label rules out ([`crate::authz::sending`]): recorded in the audit
    /// trail like any refusal, and answered with the rule's reason (the contact is visible to
    /// the actor, and so are its labels).
    async fn refused_by_label(
        &self,
        actor: &Actor,
        action: crate::authz::Action,
        id: ConversationId,
        refusal: &crate::authz::sending::Refusal,
    ) -> Error {
        let denied = Denied { action, reason: crate::authz::DenyReason::LabelRule };
        let target = Some(format!("conversation:{}", id.get()));
        self.refused(actor, denied, target, Error::NotAllowed(refusal.to_string())).await
    }

    /// Records a refusal in the audit trail (in its own transaction: there is no change to go
    /// with it) and returns `answer`. Failing to record is logged, never shown.
    async fn refused(&self, actor: &Actor, denied: Denied, target: Option<String>, answer: Error) -> Error {
        let mut event = AuditEvent::new(audit_actor(actor), Kind::AccessDenied)
            .detail("action", format!("{:?}", denied.action))
            .detail("reason", format!("{:?}", denied.reason));
        if let Some(target) = target {
            event = event.target(target);
        }
        let now = self.clock.now();
        let recorded = async {
            let mut tx = self.store.write().await?;
            tx.audit(&event, now).await?;
            tx.commit().await
        };
        if let Err(e) = recorded.await {
            tracing::error!(error = %e, "could not record a refusal in the audit trail");
        }
        answer
    }
}
