//! The handler shells of the four order kinds: the named functions with literal paths and
//! documents that utoipa reads (`order_handlers!`, one invocation per kind), each calling the
//! generic body in the parent module. This is the only place that names an order kind's routes.

use actix_web::{delete, get, patch, post};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::imaging::{
    CreateImagingOrder, ImagingOrderFilter, ImagingOrderView, ImagingOrders, UpdateImagingOrder,
};
use super::lab::{CreateLabOrder, LabOrderFilter, LabOrderView, LabOrders, UpdateLabOrder};
use super::prescriptions::{
    CreatePrescription, PrescriptionFilter, PrescriptionView, Prescriptions, UpdatePrescription,
};
use super::surgical::{
    CreateSurgicalCase, SurgicalCaseFilter, SurgicalCaseView, SurgicalCases, UpdateSurgicalCase,
};
use super::{ApprovalFilter, OrderFilter, OrderResource};
use crate::base::state::AppState;
use crate::domain::orders::OrderKind;
use crate::domain::orders::lifecycle::{
    PrescriptionStatus, ServiceOrderStatus, SurgicalCaseStatus,
};
use crate::http::problems::*;
use crate::request::auth::Caller;
use crate::request::extract::{IfMatch, Query, ValidJson};
use crate::request::list::{ListParams, Page};
use crate::request::problem::ApiError;

/// Each kind as a resource: its table, statuses and bodies.
macro_rules! order_resources {
    ($($resource:ident: $kind:ident, $entity:path, $status:ident, $view:ident, $create:ident, $update:ident, $filter:ident;)+) => {$(
        impl OrderResource for $resource {
            const KIND: OrderKind = OrderKind::$kind;
            type Entity = $entity;
            type Status = $status;
            type View = $view;
            type Create = $create;
            type Update = $update;
            type Filter = $filter;
        }
    )+};
}

order_resources! {
    LabOrders: Lab, entity::lab_order::Entity, ServiceOrderStatus, LabOrderView, CreateLabOrder, UpdateLabOrder, LabOrderFilter;
    ImagingOrders: Imaging, entity::imaging_order::Entity, ServiceOrderStatus, ImagingOrderView, CreateImagingOrder, UpdateImagingOrder, ImagingOrderFilter;
    Prescriptions: Pharmacy, entity::prescription::Entity, PrescriptionStatus, PrescriptionView, CreatePrescription, UpdatePrescription, PrescriptionFilter;
    SurgicalCases: Surgery, entity::surgical_case::Entity, SurgicalCaseStatus, SurgicalCaseView, CreateSurgicalCase, UpdateSurgicalCase, SurgicalCaseFilter;
}

/// Registers the handlers of every kind, in the order the document lists them.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_lab_orders)
        .service(create_lab_order)
        .service(get_lab_order)
        .service(update_lab_order)
        .service(delete_lab_order)
        .service(list_imaging_orders)
        .service(create_imaging_order)
        .service(get_imaging_order)
        .service(update_imaging_order)
        .service(delete_imaging_order)
        .service(list_prescriptions)
        .service(create_prescription)
        .service(get_prescription)
        .service(update_prescription)
        .service(delete_prescription)
        .service(list_surgical_cases)
        .service(create_surgical_case)
        .service(get_surgical_case)
        .service(update_surgical_case)
        .service(delete_surgical_case);
}

/// Writes each kind's handler shells: the named functions with literal paths and documents that
/// utoipa reads, each calling the generic body above, and the kind's `configure`. The kind's
/// module imports `actix_web::{delete, get, patch, post}`: utoipa recognises the route
/// attributes by those names.
macro_rules! order_handlers {
    (
        resource: $resource:ident,
        tag: $tag:literal,
        collection: $collection:literal,
        item: $item:literal,
        id: $id_doc:literal,
        view: $view:ident,
        create_body: $create_body:ident,
        update_body: $update_body:ident,
        filter: $filter:ident,
        page_doc: $page_doc:literal,
        new_doc: $new_doc:literal,
        one_doc: $one_doc:literal,
        updated_doc: $updated_doc:literal,
        $(#[$list_meta:meta])* list: $list:ident,
        $(#[$create_meta:meta])* create: $create:ident,
        $(#[$get_meta:meta])* get: $get:ident,
        $(#[$update_meta:meta])* update: $update:ident,
        $(#[$delete_meta:meta])* delete: $delete:ident $(,)?
    ) => {
        $(#[$list_meta])*
        #[utoipa::path(
            tag = $tag,
            params(ListParams, OrderFilter, $filter, ApprovalFilter),
            responses(
                (status = 200, description = $page_doc, body = Page<$view>),
                ListProblems
            )
        )]
        #[get($collection)]
        pub async fn $list(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            page: Query<ListParams>,
            common: Query<OrderFilter>,
            filter: Query<$filter>,
            approval: Query<ApprovalFilter>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            super::list::<$resource>(&caller, &state, &page, &common, &filter, &approval).await
        }

        $(#[$create_meta])*
        #[utoipa::path(
            tag = $tag,
            request_body = $create_body,
            responses(
                (status = 201, description = $new_doc, body = $view,
                    headers(("Location" = String), ("ETag" = String))),
                CreateProblems
            )
        )]
        #[post($collection)]
        pub async fn $create(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            body: ValidJson<$create_body>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            super::create::<$resource>(&caller, &state, body).await
        }

        $(#[$get_meta])*
        #[utoipa::path(
            tag = $tag,
            params(("id" = Uuid, Path, description = $id_doc)),
            responses(
                (status = 200, description = $one_doc, body = $view, headers(("ETag" = String))),
                ReadProblems
            )
        )]
        #[get($item)]
        pub async fn $get(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            id: actix_web::web::Path<Uuid>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            super::get::<$resource>(&caller, &state, *id).await
        }

        $(#[$update_meta])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
            ),
            request_body(content = $update_body, content_type = "application/merge-patch+json"),
            responses(
                (status = 200, description = $updated_doc, body = $view, headers(("ETag" = String))),
                UpdateProblems
            )
        )]
        #[patch($item)]
        pub async fn $update(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            id: actix_web::web::Path<Uuid>,
            if_match: IfMatch,
            patch: ValidJson<$update_body>,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            super::update::<$resource>(&caller, &state, *id, if_match, patch).await
        }

        $(#[$delete_meta])*
        #[utoipa::path(
            tag = $tag,
            params(
                ("id" = Uuid, Path, description = $id_doc),
                ("If-Match" = Option<String>, Header, description = "The version you read, as in `ETag`.")
            ),
            responses(
                (status = 204, description = "Deleted."),
                DeleteProblems
            )
        )]
        #[delete($item)]
        pub async fn $delete(
            caller: Caller,
            state: actix_web::web::Data<AppState>,
            id: actix_web::web::Path<Uuid>,
            if_match: IfMatch,
        ) -> Result<actix_web::HttpResponse, ApiError> {
            super::delete::<$resource>(&caller, &state, *id, if_match).await
        }
    };
}

order_handlers! {
    resource: LabOrders,
    tag: "lab-orders",
    collection: "/lab-orders",
    item: "/lab-orders/{id}",
    id: "The lab order's id.",
    view: LabOrderView,
    create_body: CreateLabOrder,
    update_body: UpdateLabOrder,
    filter: LabOrderFilter,
    page_doc: "A page of lab orders.",
    new_doc: "The new lab order.",
    one_doc: "The lab order.",
    updated_doc: "The updated lab order.",
    /// List lab orders
    ///
    /// Filter by patient, status, priority, ordering provider and the computed approval
    /// fields; `from`/`to` apply to the day of `collection_datetime`.
    list: list_lab_orders,
    /// Create a lab order (CLINICIAN, ADMIN)
    ///
    /// Created PENDING with the next lab order number; the patient and the ordering provider must
    /// be the tenant's. The answer carries the computed approval fields.
    create: create_lab_order,
    /// Get a lab order
    ///
    /// One lab order with its computed approval fields and its `ETag`.
    get: get_lab_order,
    /// Change a lab order (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along PENDING → SCHEDULED → IN_PROGRESS → COMPLETED (or
    /// CANCELLED), and a move the lifecycle does not allow answers 409 with the allowed statuses.
    update: update_lab_order,
    /// Delete a lab order (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to the order: cancel it instead.
    delete: delete_lab_order,
}

order_handlers! {
    resource: ImagingOrders,
    tag: "imaging-orders",
    collection: "/imaging-orders",
    item: "/imaging-orders/{id}",
    id: "The imaging order's id.",
    view: ImagingOrderView,
    create_body: CreateImagingOrder,
    update_body: UpdateImagingOrder,
    filter: ImagingOrderFilter,
    page_doc: "A page of imaging orders.",
    new_doc: "The new imaging order.",
    one_doc: "The imaging order.",
    updated_doc: "The updated imaging order.",
    /// List imaging orders
    ///
    /// Filter by patient, status, modality, STAT, ordering provider and the computed approval
    /// fields; `from`/`to` apply to the day of `requested_datetime`.
    list: list_imaging_orders,
    /// Create an imaging order (CLINICIAN, ADMIN)
    ///
    /// Created PENDING with the next imaging order number; the patient and the ordering provider
    /// must be the tenant's. The answer carries the computed approval fields.
    create: create_imaging_order,
    /// Get an imaging order
    ///
    /// One imaging order with its computed approval fields and its `ETag`.
    get: get_imaging_order,
    /// Change an imaging order (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along PENDING → SCHEDULED → IN_PROGRESS → COMPLETED (or
    /// CANCELLED), and a move the lifecycle does not allow answers 409 with the allowed statuses.
    update: update_imaging_order,
    /// Delete an imaging order (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to the order: cancel it instead.
    delete: delete_imaging_order,
}

order_handlers! {
    resource: Prescriptions,
    tag: "prescriptions",
    collection: "/prescriptions",
    item: "/prescriptions/{id}",
    id: "The prescription's id.",
    view: PrescriptionView,
    create_body: CreatePrescription,
    update_body: UpdatePrescription,
    filter: PrescriptionFilter,
    page_doc: "A page of prescriptions.",
    new_doc: "The new prescription.",
    one_doc: "The prescription.",
    updated_doc: "The updated prescription.",
    /// List prescriptions
    ///
    /// Filter by patient, status, medication, prescriber, prior authorization and the computed
    /// approval fields; `from`/`to` apply to `date_written`.
    list: list_prescriptions,
    /// Create a prescription (CLINICIAN, ADMIN)
    ///
    /// Created ACTIVE with the next prescription number; the patient, the prescriber and the
    /// medication must be the tenant's. The answer carries the computed approval fields.
    create: create_prescription,
    /// Get a prescription
    ///
    /// One prescription with its computed approval fields and its `ETag`.
    get: get_prescription,
    /// Change a prescription (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along ACTIVE → DISPENSED → COMPLETED (or CANCELLED), and a
    /// move the lifecycle does not allow answers 409 with the allowed statuses.
    update: update_prescription,
    /// Delete a prescription (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to it: cancel it instead.
    delete: delete_prescription,
}

order_handlers! {
    resource: SurgicalCases,
    tag: "surgical-cases",
    collection: "/surgical-cases",
    item: "/surgical-cases/{id}",
    id: "The surgical case's id.",
    view: SurgicalCaseView,
    create_body: CreateSurgicalCase,
    update_body: UpdateSurgicalCase,
    filter: SurgicalCaseFilter,
    page_doc: "A page of surgical cases.",
    new_doc: "The new surgical case.",
    one_doc: "The surgical case.",
    updated_doc: "The updated surgical case.",
    /// List surgical cases
    ///
    /// Filter by patient, status, emergency, primary surgeon and the computed approval fields;
    /// `from`/`to` apply to the day of `scheduled_start`.
    list: list_surgical_cases,
    /// Create a surgical case (CLINICIAN, ADMIN)
    ///
    /// Created SCHEDULED with the next case number of its day; the patient and the primary
    /// surgeon must be the tenant's. The answer carries the computed approval fields.
    create: create_surgical_case,
    /// Get a surgical case
    ///
    /// One surgical case with its computed approval fields and its `ETag`.
    get: get_surgical_case,
    /// Change a surgical case (CLINICIAN, ADMIN)
    ///
    /// A JSON merge patch; `status` moves along SCHEDULED → CONFIRMED → PREP → IN_PROGRESS →
    /// COMPLETED (DELAYED and POSTPONED on the way, CANCELLED before IN_PROGRESS), and a move the
    /// lifecycle does not allow answers 409 with the allowed statuses.
    update: update_surgical_case,
    /// Delete a surgical case (CLINICIAN, ADMIN)
    ///
    /// Refused with 409 `order_in_use` while approval requests refer to the case: cancel it instead.
    delete: delete_surgical_case,
}
