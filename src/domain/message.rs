//! Messages as the inbox understands them. WhatsApp has many message types; the inbox renders
//! the ones it knows and keeps the rest whole (the raw JSON is stored with every message), so a
//! type Countersign learns later is never lost in the meantime.

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// From the business (a staff reply, or an echo from the WhatsApp Business app).
    Outbound,
}

impl Direction {
    /// Stable name in the store and views.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "inbound" => Some(Self::Inbound),
            "outbound" => Some(Self::Outbound),
            _ => None,
        }
    }
}

/// The WhatsApp message type (`type` in the payload), kept as sent for types we do not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageKind(String);

impl MessageKind {
    /// A plain text message.
    pub fn text() -> Self {
        Self("text".to_owned())
    }
    /// The kind as WhatsApp names it (`"unknown"` when the payload had none).
    pub fn from_wire(kind: Option<&str>) -> Self {
        Self(kind.unwrap_or("unknown").to_owned())
    }
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// A reaction, edit or deletion of another message rather than a message of its own.
    pub fn is_annotation(&self) -> bool {
        matches!(self.0.as_str(), "reaction" | "edit" | "revoke")
    }
}

/// Delivery progress of an outbound message. Webhooks arrive out of order (a `read` may come
/// before, or without, `delivered`), so a status only ever moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeliveryStatus {
    /// Committed to the outbox, not yet accepted by the Cloud API.
    Queued,
    /// Accepted by the Cloud API.
    Accepted,
    /// Sent to the customer's phone.
    Sent,
    /// Arrived on the phone.
    Delivered,
    /// Read by the customer.
    Read,
    /// Voice message played.
    Played,
    /// Not delivered; final.
    Failed,
}

impl DeliveryStatus {
    /// Stable name (WhatsApp's, plus `queued` and `accepted`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Accepted => "accepted",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Played => "played",
            Self::Failed => "failed",
        }
    }
    /// Parses WhatsApp's status name; `None` for names we do not know (they are still stored).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "accepted" => Self::Accepted,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "played" => Self::Played,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
    /// The status after `incoming` arrives: never moves backwards.
    pub fn advance(current: Option<Self>, incoming: Self) -> Self {
        current.map_or(incoming, |c| c.max(incoming))
    }
}

/// How WhatsApp identifies a customer. Since 2026 a business-scoped user id may arrive without
/// any phone number, so neither part alone is the key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerRef {
    /// The customer's WhatsApp id (their phone number, digits only), when sent.
    pub wa_id: Option<String>,
    /// The business-scoped user id (`US.…`), when sent.
    pub user_id: Option<String>,
    /// The profile name the customer chose, when sent.
    pub profile_name: Option<String>,
    /// The customer's WhatsApp user name, when sent.
    pub username: Option<String>,
}

impl CustomerRef {
    /// Whether there is anything to identify the customer by.
    pub fn is_identified(&self) -> bool {
        self.wa_id.is_some() || self.user_id.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::in_order(Some(DeliveryStatus::Sent), DeliveryStatus::Delivered, DeliveryStatus::Delivered)]
    #[case::read_before_delivered(
        Some(DeliveryStatus::Read),
        DeliveryStatus::Delivered,
        DeliveryStatus::Read
    )]
    #[case::first_status(None, DeliveryStatus::Sent, DeliveryStatus::Sent)]
    #[case::failure_is_final(Some(DeliveryStatus::Read), DeliveryStatus::Failed, DeliveryStatus::Failed)]
    fn statuses_only_move_forward(
        #[case] current: Option<DeliveryStatus>,
        #[case] incoming: DeliveryStatus,
        #[case] expected: DeliveryStatus,
    ) {
        assert_eq!(DeliveryStatus::advance(current, incoming), expected);
    }
}

/// How long after the customer's last message a free-form reply is allowed (WhatsApp's
/// customer-service window); after it only approved templates may be sent (error 131047).
pub const REPLY_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// Whether a free-form reply is allowed at `now`.
pub fn reply_window_open(
    last_inbound_at: Option<crate::clock::Timestamp>,
    now: crate::clock::Timestamp,
) -> bool {
    last_inbound_at.is_some_and(|t| now < t.plus_millis(REPLY_WINDOW_MS))
}

#[cfg(test)]
mod window_tests {
    use super::*;
    use crate::clock::Timestamp;
    use rstest::rstest;

    #[rstest]
    #[case::never_wrote(None, 0, false)]
    #[case::just_wrote(Some(0), 1, true)]
    #[case::almost_a_day(Some(0), REPLY_WINDOW_MS - 1, true)]
    #[case::a_day_later(Some(0), REPLY_WINDOW_MS, false)]
    fn window(#[case] last: Option<i64>, #[case] now: i64, #[case] open: bool) {
        assert_eq!(reply_window_open(last.map(Timestamp::from_millis), Timestamp::from_millis(now)), open);
    }
}
