//! The macros that declare an order kind's view and merge-patch body: the fields every order
//! has are written here once, each kind lists only its own.

/// Declares an order kind's view: `id`, the kind's own fields, then what every order shows
/// (`status`, the instants, `version`, and the computed approval fields), and its making from a
/// row and the row's computed fields.
#[macro_export]
macro_rules! order_view {
    (
        $(#[$meta:meta])*
        pub struct $view:ident from $model:path, status $status:ident, number $number:ident = $number_doc:literal {
            $( $(#[$field_meta:meta])* pub $field:ident: $ty:ty, )*
        }
    ) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        $(#[$meta])*
        pub struct $view {
            pub id: Uuid,
            #[doc = $number_doc]
            pub $number: String,
            pub patient_id: Uuid,
            /// Who the order is for.
            pub patient: $crate::http::views::PatientSummary,
            $( $(#[$field_meta])* pub $field: $ty, )*
            #[schema(value_type = $status)]
            pub status: String,
            pub created_at: chrono::DateTime<chrono::Utc>,
            pub updated_at: chrono::DateTime<chrono::Utc>,
            /// Optimistic-lock version, also sent as `ETag`.
            pub version: i32,
            /// The computed approval fields: whether approval is still required, whether a valid
            /// approval exists, where the order stands with the payer, and the approval it proceeds
            /// under.
            #[serde(flatten)]
            pub approval: $crate::domain::approval::fields::ApprovalFields,
        }

        impl
            From<(
                $model,
                $crate::domain::approval::fields::ApprovalFields,
                $crate::http::views::PatientSummary,
            )> for $view
        {
            fn from(
                (m, approval, patient): (
                    $model,
                    $crate::domain::approval::fields::ApprovalFields,
                    $crate::http::views::PatientSummary,
                ),
            ) -> Self {
                Self {
                    id: m.id,
                    $number: m.$number,
                    patient_id: m.patient_id,
                    patient,
                    $( $field: m.$field, )*
                    status: m.status,
                    created_at: m.created_at,
                    updated_at: m.updated_at,
                    version: m.version,
                    approval,
                }
            }
        }
    };
}

/// Declares an order kind's merge-patch body: `patient_id` (refused: it never changes), the
/// kind's own fields, each a merge-patch value (absent: unchanged; `null`: cleared or refused),
/// then `status`; and the [`OrderPatch`] the generic update reads.
///
/// A field is published as its type; `field: Vec<String> as Vec<ProcedureCode>` publishes it as
/// another (a list whose items have their own schema). A field's `#[schema(...)]` attributes
/// (`max_length`…) add to the published one.
#[macro_export]
macro_rules! order_patch {
    (
        $(#[$meta:meta])*
        pub struct $patch:ident, status $status:ident {
            $($fields:tt)*
        }
    ) => {
        $crate::order_patch!(@fields [$(#[$meta])*] $patch $status [] $($fields)*);
    };
    // Each field becomes `[attributes] name (type) (published type)`.
    (@fields $metas:tt $patch:ident $status:ident [$($done:tt)*]
        $(#[$field_meta:meta])* $field:ident: $ty:ty as $schema:ty, $($rest:tt)*
    ) => {
        $crate::order_patch!(@fields $metas $patch $status
            [$($done)* [$(#[$field_meta])*] $field ($ty) ($schema)] $($rest)*);
    };
    (@fields $metas:tt $patch:ident $status:ident [$($done:tt)*]
        $(#[$field_meta:meta])* $field:ident: $ty:ty, $($rest:tt)*
    ) => {
        $crate::order_patch!(@fields $metas $patch $status
            [$($done)* [$(#[$field_meta])*] $field ($ty) ($ty)] $($rest)*);
    };
    (@fields [$(#[$meta:meta])*] $patch:ident $status:ident
        [$([$(#[$field_meta:meta])*] $field:ident ($ty:ty) ($schema:ty))*]
    ) => {
        #[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        $(#[$meta])*
        pub struct $patch {
            #[serde(default, with = "::serde_with::rust::double_option")]
            #[schema(value_type = Option<Uuid>)]
            pub patient_id: Option<Option<Uuid>>,
            $(
                #[serde(default, with = "::serde_with::rust::double_option")]
                #[schema(value_type = Option<$schema>)]
                $(#[$field_meta])*
                pub $field: Option<Option<$ty>>,
            )*
            #[serde(default, with = "::serde_with::rust::double_option")]
            #[schema(value_type = Option<$status>)]
            pub status: Option<Option<$status>>,
        }

        impl $crate::http::orders::OrderPatch for $patch {
            type Status = $status;
            fn patient_id(&self) -> &Option<Option<Uuid>> {
                &self.patient_id
            }
            fn status(&self) -> Option<Option<$status>> {
                self.status
            }
        }
    };
}
