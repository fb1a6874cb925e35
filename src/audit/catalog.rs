//! Every kind of audit event, with its stable name, its risk and its outcome (issue 7,
//! point 1). One table: a new kind cannot be written without saying how risky it is, and the
//! viewer offers exactly these to filter by.

use std::fmt;

/// How much an event matters to someone reviewing the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Risk {
    /// Routine work.
    Low,
    /// Worth a look in a review: failures, refusals, changes of settings.
    Medium,
    /// Sees or moves personal data, changes who may do what, or looks like an attack.
    High,
}

impl Risk {
    /// Every level, lowest first.
    pub const ALL: [Self; 3] = [Self::Low, Self::Medium, Self::High];

    /// As stored and shown: `low`, `medium`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// The level named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Whether what the event records went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It happened.
    Success,
    /// It was tried and did not work (a wrong password, a rejected token).
    Failure,
    /// It was refused by a rule (a permission, the network allowlist, a throttle).
    Denied,
}

impl Outcome {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

macro_rules! catalog {
    ($($kind:ident = $name:literal, $risk:ident, $outcome:ident, $label:literal;)*) => {
        /// What an audit event records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind {
            $(#[doc = $label] $kind,)*
        }

        impl Kind {
            /// Every kind, in the order of the table.
            pub const ALL: &'static [Self] = &[$(Self::$kind,)*];

            /// The stable name stored in the trail, such as `session.login`.
            pub fn name(self) -> &'static str {
                match self { $(Self::$kind => $name,)* }
            }

            /// How much it matters.
            pub fn risk(self) -> Risk {
                match self { $(Self::$kind => Risk::$risk,)* }
            }

            /// Whether it went through.
            pub fn outcome(self) -> Outcome {
                match self { $(Self::$kind => Outcome::$outcome,)* }
            }

            /// What it means, for the viewer.
            pub fn label(self) -> &'static str {
                match self { $(Self::$kind => $label,)* }
            }
        }
    };
}

catalog! {
    // Authentication.
    SessionLogin = "session.login", Low, Success, "Signed in";
    SessionLoginFailed = "session.login_failed", Medium, Failure, "Sign-in failed";
    SessionSsoFailed = "session.sso_failed", Medium, Failure, "Single sign-on failed";
    SessionSsoRequired = "session.sso_required", Medium, Denied, "Password sign-in refused: single sign-on only";
    SessionLoginThrottled = "session.login_throttled", Medium, Denied, "Sign-in refused: too many attempts";
    SessionLoginNetworkDenied = "session.login_network_denied", High, Denied, "Sign-in refused: network not allowed";
    SessionLogout = "session.logout", Low, Success, "Signed out";
    SessionSecondFactor = "session.second_factor", Low, Success, "Second factor proven";
    SessionSecondFactorFailed = "session.second_factor_failed", Medium, Failure, "Second factor failed";
    SessionStepUp = "session.step_up", Low, Success, "Identity confirmed again";
    SessionLocked = "session.locked", Low, Success, "Screen locked";
    SessionUnlocked = "session.unlocked", Low, Success, "Screen unlocked";
    SessionUnlockFailed = "session.unlock_failed", Medium, Failure, "Unlock failed";
    SessionRevoked = "session.revoked", Medium, Success, "Session ended";
    SessionRevokedOthers = "session.revoked_others", Medium, Success, "Other sessions ended";
    SessionRevokedAll = "session.revoked_all", High, Success, "All of a user's sessions ended";
    SessionRevokedMisused = "session.revoked_misused", High, Denied, "Session ended: its token was used from elsewhere";
    UserLocked = "user.locked", High, Denied, "Account locked after failed sign-ins";
    UserUnlocked = "user.unlocked", Medium, Success, "Account unlocked";
    UserPasswordChanged = "user.password_changed", Medium, Success, "Password changed";
    UserPasswordReset = "user.password_reset", High, Success, "Password reset by an administrator";
    UserPasswordRehashed = "user.password_rehashed", Low, Success, "Password hash upgraded";
    MfaTotpEnrolmentStarted = "mfa.totp_enrolment_started", Low, Success, "Authenticator app set-up started";
    MfaTotpEnrolled = "mfa.totp_enrolled", Medium, Success, "Authenticator app added";
    MfaTotpRemoved = "mfa.totp_removed", High, Success, "Authenticator app removed";
    MfaSecurityKeyAdded = "mfa.security_key_added", Medium, Success, "Security key added";
    MfaSecurityKeyRemoved = "mfa.security_key_removed", High, Success, "Security key removed";
    MfaSecurityKeyRefused = "mfa.security_key_refused", Medium, Failure, "Security key refused";
    MfaRecoveryCodesRegenerated = "mfa.recovery_codes_regenerated", Medium, Success, "Recovery codes replaced";
    MfaRecoveryCodeUsed = "mfa.recovery_code_used", High, Success, "Recovery code used";
    // Access to data and to the trail.
    DataReveal = "data.reveal", High, Success, "Masked data revealed";
    AccessDenied = "access.denied", Medium, Denied, "Refused by a permission or rule";
    AuditViewed = "audit.viewed", Medium, Success, "Audit trail searched";
    AuditExported = "audit.exported", High, Success, "Audit trail exported";
    AuditVerified = "audit.verified", Low, Success, "Audit trail verified";
    AuditAlert = "audit.alert", High, Success, "Unusual activity";
    AuditAlertAcknowledged = "audit.alert_acknowledged", Low, Success, "Alert acknowledged";
    AuditPurged = "audit.purged", High, Success, "Old audit events purged";
    LoadGenerated = "load.generated", High, Success, "Made-up conversations generated to measure the store";
    // Administration.
    StoreInit = "store.init", Medium, Success, "Store created";
    BackupCreated = "backup.created", High, Success, "Encrypted backup written";
    BackupRestored = "backup.restored", High, Success, "Store restored from a backup";
    UserAdd = "user.add", High, Success, "User added";
    UserRole = "user.role", High, Success, "User's role changed";
    UserDisable = "user.disable", High, Success, "User disabled";
    UserEnable = "user.enable", High, Success, "User enabled";
    UserOffboarded = "user.offboarded", High, Success, "User offboarded: disabled, signed out everywhere, their work handed on";
    UserProvisioned = "user.provisioned", High, Success, "User created at their first single sign-on";
    UserRoleSynced = "user.role_synced", High, Success, "User's role changed to follow their groups at the identity provider";
    TeamMemberSynced = "team.member_synced", Medium, Success, "Team membership changed to follow groups at the identity provider";
    RoleCreate = "role.create", High, Success, "Role created";
    RoleUpdate = "role.update", High, Success, "Role's permissions changed";
    RoleDelete = "role.delete", High, Success, "Role deleted";
    TeamCreate = "team.create", Medium, Success, "Team created";
    TeamRename = "team.rename", Low, Success, "Team renamed";
    TeamHours = "team.hours", Low, Success, "Team's business hours changed";
    TeamDelete = "team.delete", Medium, Success, "Team deleted";
    TeamMemberAdd = "team.member_add", Medium, Success, "Added to a team";
    TeamMemberRemove = "team.member_remove", Medium, Success, "Removed from a team";
    LabelCreate = "label.create", Medium, Success, "Label created";
    LabelUpdate = "label.update", Medium, Success, "Label changed";
    LabelDelete = "label.delete", Medium, Success, "Label deleted";
    SettingsSecurity = "settings.security", High, Success, "Security settings changed";
    SettingsAuditRetention = "settings.audit_retention", High, Success, "Audit trail retention changed";
    SettingsRetention = "settings.retention", High, Success, "Message and file retention changed";
    RetentionHoldPlaced = "retention.hold_placed", Medium, Success, "Legal hold placed";
    RetentionHoldReleased = "retention.hold_released", High, Success, "Legal hold released";
    RetentionRunStarted = "retention.run_started", Medium, Success, "Retention purge started";
    RetentionPurged = "retention.purged", Medium, Success, "Content past retention removed (one batch)";
    RetentionRunFinished = "retention.run_finished", High, Success, "Retention purge finished";
    AccessReviewStarted = "access_review.started", Medium, Success, "Access review started";
    AccessReviewDecided = "access_review.decided", Medium, Success, "Access confirmed or revoked in a review";
    AccessReviewReminded = "access_review.reminded", Low, Success, "Reviewer reminded of an overdue access review";
    AccessReviewClosed = "access_review.closed", Medium, Success, "Access review closed";
    AccessReviewExported = "access_review.exported", Medium, Success, "Access review report exported";
    PrivacyExported = "privacy.exported", High, Success, "Everything held about a contact exported (privacy request)";
    PrivacyErased = "privacy.erased", High, Success, "A contact erased (privacy request): their data deleted, the trail's mentions of them pseudonymised";
    SettingsAllowlist = "settings.allowlist", High, Success, "Network allowlist changed";
    SettingsSso = "settings.sso", High, Success, "Single sign-on settings changed";
    ChannelSet = "channel.set", High, Success, "WhatsApp channel settings changed";
    ChannelTokenRejected = "channel.token_rejected", High, Failure, "WhatsApp access token rejected";
    ChannelDesktopIntake = "channel.desktop_intake", Medium, Success, "Desktop webhook intake switched";
    TemplateSaved = "template.saved", Medium, Success, "Message template saved";
    TemplateAudience = "template.audience", Medium, Success, "Template audience changed";
    TemplatesSynced = "templates.synced", Low, Success, "Templates synchronised";
    ContactFieldSave = "contact_field.save", Medium, Success, "Contact field defined";
    ContactFieldDelete = "contact_field.delete", High, Success, "Contact field deleted with its values";
    QuickReplySaved = "quick_reply.saved", Low, Success, "Quick reply saved";
    QuickReplyDeleted = "quick_reply.deleted", Low, Success, "Quick reply deleted";
    RoutingRuleSaved = "routing.rule_saved", Medium, Success, "Routing rule saved";
    RoutingRuleDeleted = "routing.rule_deleted", Medium, Success, "Routing rule deleted";
    RoutingDefaultTeam = "routing.default_team", Medium, Success, "Default team for unrouted chats changed";
    // Messaging.
    WebhookDelivery = "webhook.delivery", Low, Success, "Webhook delivery received";
    MessageReceived = "message.received", Low, Success, "Message received";
    MessageEchoed = "message.echoed", Low, Success, "Message sent from another device";
    MessageSent = "message.sent", Low, Success, "Message sent";
    MessageSendFailed = "message.send_failed", Low, Failure, "Message could not be sent";
    ConversationAssign = "conversation.assign", Low, Success, "Conversation assigned";
    ConversationTransfer = "conversation.transfer", Low, Success, "Conversation transferred";
    ConversationStatus = "conversation.status", Low, Success, "Conversation status changed";
    ConversationPriority = "conversation.priority", Low, Success, "Conversation priority changed";
    NoteAdded = "note.added", Low, Success, "Private note written";
    ConversationRouted = "conversation.routed", Low, Success, "Conversation routed by a rule";
    ContactAssign = "contact.assign", Low, Success, "Contact assigned";
    ContactFieldSet = "contact.field_set", Low, Success, "Contact detail changed";
    ContactsImport = "contacts.import", High, Success, "Contacts imported from a file";
    ContactMerge = "contact.merge", High, Success, "Contacts merged";
    ContactLifecycle = "contact.lifecycle", Low, Success, "Contact's stage changed";
    ContactConsent = "contact.consent", Medium, Success, "Marketing consent recorded";
    ContactLabelAdd = "contact.label_add", Low, Success, "Label put on a contact";
    ContactLabelRemove = "contact.label_remove", Low, Success, "Label taken off a contact";
    EscalationRequested = "escalation.requested", Low, Success, "Manager's approval asked";
    EscalationApproved = "escalation.approved", Medium, Success, "Request approved";
    EscalationRejected = "escalation.rejected", Low, Success, "Request rejected";
}

impl Kind {
    /// The kind stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(*kind));
        }
    }

    #[test]
    fn what_touches_data_or_power_is_high_risk() {
        for kind in
            [Kind::DataReveal, Kind::AuditExported, Kind::RoleUpdate, Kind::UserRole, Kind::SettingsSecurity]
        {
            assert_eq!(kind.risk(), Risk::High, "{kind}");
        }
        for kind in Kind::ALL.iter().filter(|k| k.outcome() == Outcome::Denied) {
            assert!(kind.risk() >= Risk::Medium, "a refusal is worth a look: {kind}");
        }
    }
}
