pub mod bucket;
