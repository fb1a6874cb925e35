//! Channels messages arrive on and leave by. The WhatsApp Cloud API is the only one.

pub mod whatsapp;
