//! SeaORM entities for the durable job queue and the named cron schedules.

pub mod job {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Name of the job type that knows how to run the payload.
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub kind: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub payload: Json,
        /// `queued`, `running`, `done` or `failed`.
        #[sea_orm(column_type = "String(StringLen::N(20))")]
        pub state: String,
        pub attempts: i32,
        pub max_attempts: i32,
        pub timeout_secs: i32,
        /// Not before this time (initial delay or retry backoff).
        pub run_at: DateTimeUtc,
        /// Worker that holds the lease while the job runs.
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub locked_by: Option<String>,
        /// When the lease expires; a job still `running` after it is considered abandoned.
        pub locked_until: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text")]
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod schedule {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "schedules")]
    pub struct Model {
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(100))"
        )]
        pub name: String,
        /// Cron expression the scheduler evaluates.
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub cron: String,
        pub last_fired_at: Option<DateTimeUtc>,
        pub next_run_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
