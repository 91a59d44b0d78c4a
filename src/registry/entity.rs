//! SeaORM entities for the reference data: service categories, service centres and principal
//! investigators.

pub mod service_category {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "service_categories")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "String(StringLen::N(100))", unique)]
        pub name: String,
        pub is_active: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod service_center {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "service_centers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(50))")]
        pub short_name: String,
        #[sea_orm(column_type = "String(StringLen::N(300))")]
        pub full_name: String,
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub website: String,
        pub is_active: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod principal_investigator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "principal_investigators")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub last_name: String,
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub first_name: String,
        /// Never public; only admin screens and the admin-key API show it.
        #[sea_orm(column_type = "String(StringLen::N(254))")]
        pub email: String,
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub institute: String,
        #[sea_orm(column_type = "String(StringLen::N(30))")]
        pub orcid: String,
        pub is_active: bool,
        pub is_associated_partner: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
