//! What Countersign accepts of the media customers send: WhatsApp's own size limits per kind, a
//! MIME allowlist (nothing executable, no HTML or SVG that a viewer could run), and the SHA-256
//! WhatsApp declared. Pure; the fetcher in `api::media` applies it before anything is kept.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::domain::MediaKind;

/// Why a file is not kept. The view explains each in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Larger than WhatsApp allows for its kind.
    TooLarge,
    /// A type outside the allowlist.
    TypeNotAllowed,
    /// The bytes do not match the SHA-256 WhatsApp declared.
    ChecksumMismatch,
}

impl Refusal {
    /// Stable code in the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::TypeNotAllowed => "type_not_allowed",
            Self::ChecksumMismatch => "checksum_mismatch",
        }
    }
}

/// The largest file of `kind` WhatsApp delivers (its documented limits).
pub const fn max_bytes(kind: MediaKind) -> u64 {
    const MB: u64 = 1024 * 1024;
    match kind {
        MediaKind::Image => 5 * MB,
        MediaKind::Video | MediaKind::Audio | MediaKind::Voice => 16 * MB,
        MediaKind::Document => 100 * MB,
        MediaKind::Sticker => 500 * 1024,
    }
}

/// MIME types kept, by kind. Documents are office files, PDFs and plain text only.
const ALLOWED: &[(MediaKind, &[&str])] = &[
    (MediaKind::Image, &["image/jpeg", "image/png"]),
    (MediaKind::Sticker, &["image/webp"]),
    (MediaKind::Video, &["video/mp4", "video/3gpp"]),
    (MediaKind::Audio, &["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"]),
    (MediaKind::Voice, &["audio/ogg", "audio/aac", "audio/amr", "audio/mp4", "audio/mpeg"]),
    (
        MediaKind::Document,
        &[
            "application/pdf",
            "text/plain",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ],
    ),
];

/// The MIME type without parameters, lower-cased (`audio/ogg; codecs=opus` → `audio/ogg`).
pub fn essence(mime: &str) -> String {
    mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// Whether a file of `kind` with MIME type `mime` may be kept.
pub fn allowed(kind: MediaKind, mime: &str) -> bool {
    let mime = essence(mime);
    ALLOWED.iter().any(|(k, types)| *k == kind && types.contains(&mime.as_str()))
}

/// The kind a file to send is, by its MIME type: photos, videos and audio as such, anything
/// else as a document.
pub fn kind_for(mime: &str) -> MediaKind {
    let mime = essence(mime);
    if allowed(MediaKind::Image, &mime) {
        MediaKind::Image
    } else if allowed(MediaKind::Video, &mime) {
        MediaKind::Video
    } else if allowed(MediaKind::Audio, &mime) {
        MediaKind::Audio
    } else {
        MediaKind::Document
    }
}

/// Whether `bytes` match `declared`, which WhatsApp writes as base64 in webhooks and as hex
/// in media URL answers.
pub fn checksum_matches(bytes: &[u8], declared: &str) -> bool {
    let digest = Sha256::digest(bytes);
    let declared = declared.trim();
    if declared.len() == 64 && declared.chars().all(|c| c.is_ascii_hexdigit()) {
        return hex::encode(digest).eq_ignore_ascii_case(declared);
    }
    base64::engine::general_purpose::STANDARD
        .decode(declared)
        .is_ok_and(|d| d.as_slice() == digest.as_slice())
}

/// Checks a downloaded file: its size, its type and its checksum, in that order.
pub fn check(
    kind: MediaKind,
    mime: &str,
    bytes: &[u8],
    declared_sha256: Option<&str>,
) -> Result<(), Refusal> {
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes(kind) {
        return Err(Refusal::TooLarge);
    }
    if !allowed(kind, mime) {
        return Err(Refusal::TypeNotAllowed);
    }
    match declared_sha256 {
        Some(declared) if !checksum_matches(bytes, declared) => Err(Refusal::ChecksumMismatch),
        _ => Ok(()),
    }
}

/// The SHA-256 of `bytes` as WhatsApp writes it in webhooks (base64).
pub fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const PHOTO: &[u8] = b"\x89PNG not really";

    #[rstest]
    #[case::photo(MediaKind::Image, "image/jpeg", true)]
    #[case::voice_with_codec(MediaKind::Voice, "audio/ogg; codecs=opus", true)]
    #[case::upper_case(MediaKind::Document, "Application/PDF", true)]
    #[case::svg_as_image(MediaKind::Image, "image/svg+xml", false)]
    #[case::html_as_document(MediaKind::Document, "text/html", false)]
    #[case::program_as_document(MediaKind::Document, "application/x-msdownload", false)]
    #[case::video_as_image(MediaKind::Image, "video/mp4", false)]
    fn only_allowlisted_types_are_kept(#[case] kind: MediaKind, #[case] mime: &str, #[case] kept: bool) {
        assert_eq!(allowed(kind, mime), kept);
    }

    #[rstest]
    #[case::base64_as_in_webhooks(sha256_base64(PHOTO), true)]
    #[case::hex_as_in_media_urls(hex::encode(Sha256::digest(PHOTO)), true)]
    #[case::another_file(sha256_base64(b"other"), false)]
    #[case::garbage("not a hash".to_owned(), false)]
    fn the_declared_checksum_is_checked_in_either_spelling(#[case] declared: String, #[case] ok: bool) {
        assert_eq!(checksum_matches(PHOTO, &declared), ok);
    }

    #[rstest]
    #[case::photo("image/jpeg", MediaKind::Image)]
    #[case::clip("video/mp4", MediaKind::Video)]
    #[case::song("audio/mpeg", MediaKind::Audio)]
    #[case::pdf("application/pdf", MediaKind::Document)]
    #[case::svg_goes_as_a_document_and_is_then_refused("image/svg+xml", MediaKind::Document)]
    fn a_file_to_send_goes_as_its_kind(#[case] mime: &str, #[case] kind: MediaKind) {
        assert_eq!(kind_for(mime), kind);
    }

    #[test]
    fn a_sticker_over_its_limit_is_refused_before_anything_else() {
        let big = vec![0_u8; 500 * 1024 + 1];
        assert_eq!(check(MediaKind::Sticker, "text/html", &big, None), Err(Refusal::TooLarge));
        assert_eq!(check(MediaKind::Image, "image/png", PHOTO, Some("AAAA")), Err(Refusal::ChecksumMismatch));
        assert_eq!(check(MediaKind::Image, "image/png", PHOTO, Some(&sha256_base64(PHOTO))), Ok(()));
    }
}
