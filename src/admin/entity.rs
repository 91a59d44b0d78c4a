//! The admin shell's tables: TOTP enrolments, hashed recovery codes and the audit trail.

pub mod totp {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admin_totp")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// Base32 secret; the authenticator app holds the same value.
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub secret: String,
        /// Set once the user proved the app works; an unconfirmed row is an enrolment in progress.
        pub confirmed_at: Option<DateTimeUtc>,
        pub last_step: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod recovery_code {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admin_recovery_codes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: Uuid,
        /// SHA-256 hex of the normalised code; the code itself is shown once and never stored.
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub code_hash: String,
        pub used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "admin_audit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        /// `admin:<username>`.
        #[sea_orm(column_type = "String(StringLen::N(160))")]
        pub actor: String,
        /// `add`, `change`, `delete`, `login`, …
        #[sea_orm(column_type = "String(StringLen::N(32))")]
        pub action: String,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub object_type: String,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub object_id: String,
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub object_repr: String,
        #[sea_orm(column_type = "Text")]
        pub message: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
