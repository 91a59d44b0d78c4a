//! SeaORM entity for EDAM ontology terms (topics, operations, data, formats, identifiers).

pub mod edam_term {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "edam_terms")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// e.g. `http://edamontology.org/topic_0091`
        #[sea_orm(column_type = "String(StringLen::N(200))", unique)]
        pub uri: String,
        /// e.g. `topic_0091`
        #[sea_orm(column_type = "String(StringLen::N(40))", unique)]
        pub accession: String,
        /// `topic`, `operation`, `data`, `format` or `identifier`.
        #[sea_orm(column_type = "String(StringLen::N(20))")]
        pub branch: String,
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub label: String,
        #[sea_orm(column_type = "Text")]
        pub definition: String,
        /// JSON list of strings.
        #[sea_orm(column_type = "JsonBinary")]
        pub synonyms: Json,
        pub parent_id: Option<i64>,
        pub is_obsolete: bool,
        /// Numeric part of the accession, for the natural listing order.
        pub sort_order: i32,
        /// EDAM release this row was last written from.
        #[sea_orm(column_type = "String(StringLen::N(20))")]
        pub edam_version: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "Entity",
            from = "Column::ParentId",
            to = "Column::Id",
            on_delete = "SetNull"
        )]
        Parent,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
