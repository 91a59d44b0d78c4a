//! SeaORM entity for the SPDX licence list.

pub mod spdx_license {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "spdx_licenses")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The SPDX identifier, e.g. `Apache-2.0`.
        #[sea_orm(column_type = "String(StringLen::N(80))", unique)]
        pub license_id: String,
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub name: String,
        #[sea_orm(column_type = "String(StringLen::N(500))")]
        pub reference_url: String,
        /// JSON list of URLs.
        #[sea_orm(column_type = "JsonBinary")]
        pub see_also: Json,
        pub is_osi_approved: bool,
        pub is_fsf_libre: bool,
        /// Also set for licences that disappeared upstream: rows are never deleted.
        pub is_deprecated: bool,
        /// SPDX licence-list version this row was last written from.
        #[sea_orm(column_type = "String(StringLen::N(20))")]
        pub spdx_version: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
