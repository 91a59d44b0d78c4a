//! SeaORM entities for staff authentication and authorisation: users, groups, permissions and
//! their links, admin API keys, login sessions and login attempts.

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(150))", unique)]
        pub username: String,
        #[sea_orm(column_type = "String(StringLen::N(254))")]
        pub email: String,
        #[sea_orm(column_type = "String(StringLen::N(150))")]
        pub first_name: String,
        #[sea_orm(column_type = "String(StringLen::N(150))")]
        pub last_name: String,
        /// Argon2 PHC string. Never serialised, so a user rendered into a page or a log cannot
        /// leak it.
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        #[serde(skip_serializing)]
        pub password_hash: String,
        pub is_active: bool,
        pub is_staff: bool,
        /// Holds every permission without being granted any.
        pub is_superuser: bool,
        pub date_joined: DateTimeUtc,
        pub last_login: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::user_group::Entity")]
        UserGroup,
        #[sea_orm(has_many = "super::user_permission::Entity")]
        UserPermission,
        #[sea_orm(has_many = "super::session::Entity")]
        Session,
    }

    impl Related<super::user_group::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::UserGroup.def()
        }
    }

    impl Related<super::user_permission::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::UserPermission.def()
        }
    }

    impl Related<super::session::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Session.def()
        }
    }

    impl Related<super::group::Entity> for Entity {
        fn to() -> RelationDef {
            super::user_group::Relation::Group.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::user_group::Relation::User.def().rev())
        }
    }

    /// The permissions granted to the user directly (not through a group).
    impl Related<super::permission::Entity> for Entity {
        fn to() -> RelationDef {
            super::user_permission::Relation::Permission.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::user_permission::Relation::User.def().rev())
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod group {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "groups")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(column_type = "String(StringLen::N(150))", unique)]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::group_permission::Entity")]
        GroupPermission,
        #[sea_orm(has_many = "super::user_group::Entity")]
        UserGroup,
    }

    impl Related<super::group_permission::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::GroupPermission.def()
        }
    }

    impl Related<super::user_group::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::UserGroup.def()
        }
    }

    impl Related<super::permission::Entity> for Entity {
        fn to() -> RelationDef {
            super::group_permission::Relation::Permission.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::group_permission::Relation::Group.def().rev())
        }
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            super::user_group::Relation::User.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::user_group::Relation::Group.def().rev())
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod permission {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "permissions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Full dotted name, e.g. `submissions.view_servicesubmission`.
        #[sea_orm(column_type = "String(StringLen::N(150))", unique)]
        pub codename: String,
        /// Human-readable description.
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::group_permission::Entity")]
        GroupPermission,
        #[sea_orm(has_many = "super::user_permission::Entity")]
        UserPermission,
    }

    impl Related<super::group_permission::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::GroupPermission.def()
        }
    }

    impl Related<super::user_permission::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::UserPermission.def()
        }
    }

    impl Related<super::group::Entity> for Entity {
        fn to() -> RelationDef {
            super::group_permission::Relation::Group.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::group_permission::Relation::Permission.def().rev())
        }
    }

    /// Users holding the permission directly (not through a group).
    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            super::user_permission::Relation::User.def()
        }

        fn via() -> Option<RelationDef> {
            Some(super::user_permission::Relation::Permission.def().rev())
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod group_permission {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "group_permissions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub group_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub permission_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::group::Entity",
            from = "Column::GroupId",
            to = "super::group::Column::Id",
            on_delete = "Cascade"
        )]
        Group,
        #[sea_orm(
            belongs_to = "super::permission::Entity",
            from = "Column::PermissionId",
            to = "super::permission::Column::Id",
            on_delete = "Cascade"
        )]
        Permission,
    }

    impl Related<super::group::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Group.def()
        }
    }

    impl Related<super::permission::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Permission.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user_group {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "user_groups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub group_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        User,
        #[sea_orm(
            belongs_to = "super::group::Entity",
            from = "Column::GroupId",
            to = "super::group::Column::Id",
            on_delete = "Cascade"
        )]
        Group,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl Related<super::group::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Group.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user_permission {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "user_permissions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub permission_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        User,
        #[sea_orm(
            belongs_to = "super::permission::Entity",
            from = "Column::PermissionId",
            to = "super::permission::Column::Id",
            on_delete = "Cascade"
        )]
        Permission,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl Related<super::permission::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Permission.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod admin_api_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "admin_api_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Hex SHA-256 of the plaintext key; the plaintext is never stored.
        #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
        pub key_hash: String,
        #[sea_orm(column_type = "String(StringLen::N(100))")]
        pub label: String,
        /// `read` (safe methods only) or `full`.
        #[sea_orm(column_type = "String(StringLen::N(10))")]
        pub scope: String,
        /// False once revoked; revoked keys are kept for the audit trail.
        pub is_active: bool,
        /// Username of the creator, kept as text so the key's history survives the user.
        #[sea_orm(column_type = "String(StringLen::N(150))")]
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        /// SHA-256 hex of the session token: the cookie's value is never stored.
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(64))"
        )]
        pub id: String,
        pub user_id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub csrf_token: String,
        /// JSON object of per-session values (e.g. flash messages).
        #[sea_orm(column_type = "JsonBinary")]
        pub data: Json,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id",
            on_delete = "Cascade"
        )]
        User,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "login_attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// As typed, whether or not such a user exists.
        #[sea_orm(column_type = "String(StringLen::N(150))")]
        pub username: String,
        #[sea_orm(column_type = "String(StringLen::N(45))")]
        pub client_ip: String,
        pub attempted_at: DateTimeUtc,
        pub succeeded: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
