//! The dashboard: the frame around pages, shared components, and the pages by area.

pub mod components;
pub mod forms;
pub mod layout;
pub mod live;
pub mod pages;
