//! SeaORM entities for metadata mirrored from bio.tools: one record per submission and the tool's
//! functions.

pub mod biotools_record {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "biotools_records")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// At most one record per submission, and a record belongs to exactly one submission.
        #[sea_orm(unique)]
        pub submission_id: Uuid,
        /// Not unique: two submissions may point at the same bio.tools entry.
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub biotools_id: String,
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        #[sea_orm(column_type = "String(StringLen::N(500))")]
        pub homepage: String,
        /// Up to five versions joined with `", "`.
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub version: String,
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub license: String,
        #[sea_orm(column_type = "String(StringLen::N(50))")]
        pub maturity: String,
        #[sea_orm(column_type = "String(StringLen::N(50))")]
        pub cost: String,
        /// JSON list of strings.
        #[sea_orm(column_type = "JsonBinary")]
        pub tool_type: Json,
        /// JSON list of strings.
        #[sea_orm(column_type = "JsonBinary")]
        pub operating_system: Json,
        /// JSON list of `{pmid, doi, pmcid, type, note}`.
        #[sea_orm(column_type = "JsonBinary")]
        pub publications: Json,
        /// JSON list of `{url, type}`.
        #[sea_orm(column_type = "JsonBinary")]
        pub documentation: Json,
        /// JSON list of `{url, type, version}`.
        #[sea_orm(column_type = "JsonBinary")]
        pub download: Json,
        /// JSON list of `{url, type}`.
        #[sea_orm(column_type = "JsonBinary")]
        pub links: Json,
        /// JSON list of EDAM topic URIs.
        #[sea_orm(column_type = "JsonBinary")]
        pub edam_topic_uris: Json,
        /// The whole bio.tools response.
        #[sea_orm(column_type = "JsonBinary")]
        pub raw_json: Json,
        pub last_synced_at: Option<DateTimeUtc>,
        /// Empty after a successful sync; otherwise the error, at most 2000 characters.
        #[sea_orm(column_type = "Text")]
        pub sync_error: String,
        /// bio.tools' `ETag` for the stored data (empty when it sent none): sent back as `If-None-Match`.
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub etag: String,
        /// bio.tools' `Last-Modified` for the stored data, verbatim: sent back as `If-Modified-Since`.
        #[sea_orm(column_type = "String(StringLen::N(200))")]
        pub last_modified: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "crate::submissions::entity::service_submission::Entity",
            from = "Column::SubmissionId",
            to = "crate::submissions::entity::service_submission::Column::Id",
            on_delete = "Cascade"
        )]
        Submission,
        #[sea_orm(has_many = "super::biotools_function::Entity")]
        Function,
    }

    impl Related<crate::submissions::entity::service_submission::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Submission.def()
        }
    }

    impl Related<super::biotools_function::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Function.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod biotools_function {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "biotools_functions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub record_id: i64,
        /// 0-based position in the tool's function list; unique per record.
        pub position: i32,
        /// JSON list of `{uri, term}`.
        #[sea_orm(column_type = "JsonBinary")]
        pub operations: Json,
        /// JSON list of `{data: {uri, term}, formats: [{uri, term}]}`.
        #[sea_orm(column_type = "JsonBinary")]
        pub inputs: Json,
        /// Same shape as `inputs`.
        #[sea_orm(column_type = "JsonBinary")]
        pub outputs: Json,
        #[sea_orm(column_type = "Text")]
        pub cmd: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::biotools_record::Entity",
            from = "Column::RecordId",
            to = "super::biotools_record::Column::Id",
            on_delete = "Cascade"
        )]
        Record,
    }

    impl Related<super::biotools_record::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Record.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}
