import { emptyApi as api } from "./emptyApi";
export const addTagTypes = [
  "activities",
  "ai",
  "api-keys",
  "auth",
  "custom-fields",
  "customers",
  "privacy",
  "dashboards",
  "deals",
  "events",
  "imports",
  "pipelines",
  "products",
  "teams",
  "transactions",
  "users",
  "views",
  "webhooks",
] as const;
const injectedRtkApi = api
  .enhanceEndpoints({
    addTagTypes,
  })
  .injectEndpoints({
    endpoints: (build) => ({
      listActivities: build.query<
        ListActivitiesApiResponse,
        ListActivitiesApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/activities`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            kind: queryArg.kind,
            customer_id: queryArg.customerId,
            deal_id: queryArg.dealId,
            assignee_id: queryArg.assigneeId,
            owner_id: queryArg.ownerId,
            mine: queryArg.mine,
            open: queryArg.open,
            overdue: queryArg.overdue,
            due_after: queryArg.dueAfter,
            due_before: queryArg.dueBefore,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["activities"],
      }),
      createActivity: build.mutation<
        CreateActivityApiResponse,
        CreateActivityApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/activities`,
          method: "POST",
          body: queryArg.activityCreate,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["activities"],
      }),
      exportActivities: build.query<
        ExportActivitiesApiResponse,
        ExportActivitiesApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/activities/export`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            kind: queryArg.kind,
            customer_id: queryArg.customerId,
            deal_id: queryArg.dealId,
            assignee_id: queryArg.assigneeId,
            owner_id: queryArg.ownerId,
            mine: queryArg.mine,
            open: queryArg.open,
            overdue: queryArg.overdue,
            due_after: queryArg.dueAfter,
            due_before: queryArg.dueBefore,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["activities"],
      }),
      readActivity: build.query<ReadActivityApiResponse, ReadActivityApiArg>({
        query: (queryArg) => ({ url: `/api/v1/activities/${queryArg.id}` }),
        providesTags: ["activities"],
      }),
      deleteActivity: build.mutation<
        DeleteActivityApiResponse,
        DeleteActivityApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/activities/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["activities"],
      }),
      updateActivity: build.mutation<
        UpdateActivityApiResponse,
        UpdateActivityApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/activities/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.activityUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["activities"],
      }),
      activityHistory: build.query<
        ActivityHistoryApiResponse,
        ActivityHistoryApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/activities/${queryArg.id}/history`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["activities"],
      }),
      restoreActivity: build.mutation<
        RestoreActivityApiResponse,
        RestoreActivityApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/activities/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["activities"],
      }),
      aiRevenueForecast: build.query<
        AiRevenueForecastApiResponse,
        AiRevenueForecastApiArg
      >({
        query: () => ({ url: `/api/v1/ai/forecast/revenue` }),
        providesTags: ["ai"],
      }),
      aiModels: build.query<AiModelsApiResponse, AiModelsApiArg>({
        query: () => ({ url: `/api/v1/ai/models` }),
        providesTags: ["ai"],
      }),
      aiSegments: build.query<AiSegmentsApiResponse, AiSegmentsApiArg>({
        query: () => ({ url: `/api/v1/ai/segments` }),
        providesTags: ["ai"],
      }),
      aiSentiment: build.mutation<AiSentimentApiResponse, AiSentimentApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/ai/sentiment`,
          method: "POST",
          body: queryArg.sentimentRequest,
        }),
        invalidatesTags: ["ai"],
      }),
      aiTrain: build.mutation<AiTrainApiResponse, AiTrainApiArg>({
        query: () => ({ url: `/api/v1/ai/training`, method: "POST" }),
        invalidatesTags: ["ai"],
      }),
      listApiKeys: build.query<ListApiKeysApiResponse, ListApiKeysApiArg>({
        query: () => ({ url: `/api/v1/api-keys` }),
        providesTags: ["api-keys"],
      }),
      createApiKey: build.mutation<CreateApiKeyApiResponse, CreateApiKeyApiArg>(
        {
          query: (queryArg) => ({
            url: `/api/v1/api-keys`,
            method: "POST",
            body: queryArg.apiKeyCreate,
          }),
          invalidatesTags: ["api-keys"],
        },
      ),
      revokeApiKey: build.mutation<RevokeApiKeyApiResponse, RevokeApiKeyApiArg>(
        {
          query: (queryArg) => ({
            url: `/api/v1/api-keys/${queryArg.id}`,
            method: "DELETE",
          }),
          invalidatesTags: ["api-keys"],
        },
      ),
      login: build.mutation<LoginApiResponse, LoginApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/auth/login`,
          method: "POST",
          body: queryArg.loginRequest,
        }),
        invalidatesTags: ["auth"],
      }),
      logout: build.mutation<LogoutApiResponse, LogoutApiArg>({
        query: () => ({ url: `/api/v1/auth/logout`, method: "POST" }),
        invalidatesTags: ["auth"],
      }),
      me: build.query<MeApiResponse, MeApiArg>({
        query: () => ({ url: `/api/v1/auth/me` }),
        providesTags: ["auth"],
      }),
      changePassword: build.mutation<
        ChangePasswordApiResponse,
        ChangePasswordApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/auth/password`,
          method: "POST",
          body: queryArg.changePasswordRequest,
        }),
        invalidatesTags: ["auth"],
      }),
      refresh: build.mutation<RefreshApiResponse, RefreshApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/auth/refresh`,
          method: "POST",
          body: queryArg.refreshRequest,
        }),
        invalidatesTags: ["auth"],
      }),
      listCustomFields: build.query<
        ListCustomFieldsApiResponse,
        ListCustomFieldsApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/custom-fields`,
          params: {
            entity: queryArg.entity,
            deleted: queryArg.deleted,
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["custom-fields"],
      }),
      createCustomField: build.mutation<
        CreateCustomFieldApiResponse,
        CreateCustomFieldApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/custom-fields`,
          method: "POST",
          body: queryArg.customFieldCreate,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["custom-fields"],
      }),
      readCustomField: build.query<
        ReadCustomFieldApiResponse,
        ReadCustomFieldApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/custom-fields/${queryArg.id}`,
          headers: {
            "If-None-Match": queryArg["If-None-Match"],
          },
        }),
        providesTags: ["custom-fields"],
      }),
      deleteCustomField: build.mutation<
        DeleteCustomFieldApiResponse,
        DeleteCustomFieldApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/custom-fields/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["custom-fields"],
      }),
      updateCustomField: build.mutation<
        UpdateCustomFieldApiResponse,
        UpdateCustomFieldApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/custom-fields/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.customFieldUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["custom-fields"],
      }),
      restoreCustomField: build.mutation<
        RestoreCustomFieldApiResponse,
        RestoreCustomFieldApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/custom-fields/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["custom-fields"],
      }),
      listCustomers: build.query<ListCustomersApiResponse, ListCustomersApiArg>(
        {
          query: (queryArg) => ({
            url: `/api/v1/customers`,
            params: {
              limit: queryArg.limit,
              cursor: queryArg.cursor,
              sort: queryArg.sort,
              status: queryArg.status,
              kind: queryArg.kind,
              owner_id: queryArg.ownerId,
              team_id: queryArg.teamId,
              company_id: queryArg.companyId,
              tag: queryArg.tag,
              segment: queryArg.segment,
              created_after: queryArg.createdAfter,
              created_before: queryArg.createdBefore,
              updated_after: queryArg.updatedAfter,
              updated_before: queryArg.updatedBefore,
              q: queryArg.q,
              deleted: queryArg.deleted,
            },
          }),
          providesTags: ["customers"],
        },
      ),
      createCustomer: build.mutation<
        CreateCustomerApiResponse,
        CreateCustomerApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers`,
          method: "POST",
          body: queryArg.customerCreate,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["customers"],
      }),
      createCustomersBatch: build.mutation<
        CreateCustomersBatchApiResponse,
        CreateCustomersBatchApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/batch`,
          method: "POST",
          body: queryArg.customerBatch,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["customers"],
      }),
      exportCustomers: build.query<
        ExportCustomersApiResponse,
        ExportCustomersApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/export`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            status: queryArg.status,
            kind: queryArg.kind,
            owner_id: queryArg.ownerId,
            team_id: queryArg.teamId,
            company_id: queryArg.companyId,
            tag: queryArg.tag,
            segment: queryArg.segment,
            created_after: queryArg.createdAfter,
            created_before: queryArg.createdBefore,
            updated_after: queryArg.updatedAfter,
            updated_before: queryArg.updatedBefore,
            q: queryArg.q,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["customers"],
      }),
      readCustomer: build.query<ReadCustomerApiResponse, ReadCustomerApiArg>({
        query: (queryArg) => ({ url: `/api/v1/customers/${queryArg.id}` }),
        providesTags: ["customers"],
      }),
      deleteCustomer: build.mutation<
        DeleteCustomerApiResponse,
        DeleteCustomerApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["customers"],
      }),
      updateCustomer: build.mutation<
        UpdateCustomerApiResponse,
        UpdateCustomerApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.customerUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["customers"],
      }),
      customerAggregates: build.query<
        CustomerAggregatesApiResponse,
        CustomerAggregatesApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}/aggregates`,
        }),
        providesTags: ["customers"],
      }),
      eraseCustomer: build.mutation<
        EraseCustomerApiResponse,
        EraseCustomerApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}/erase`,
          method: "POST",
        }),
        invalidatesTags: ["privacy"],
      }),
      customerHistory: build.query<
        CustomerHistoryApiResponse,
        CustomerHistoryApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}/history`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["customers"],
      }),
      customerInsights: build.query<
        CustomerInsightsApiResponse,
        CustomerInsightsApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}/insights`,
        }),
        providesTags: ["ai"],
      }),
      exportCustomerData: build.query<
        ExportCustomerDataApiResponse,
        ExportCustomerDataApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}/privacy-export`,
        }),
        providesTags: ["privacy"],
      }),
      restoreCustomer: build.mutation<
        RestoreCustomerApiResponse,
        RestoreCustomerApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["customers"],
      }),
      customerTimeline: build.query<
        CustomerTimelineApiResponse,
        CustomerTimelineApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/customers/${queryArg.id}/timeline`,
          params: {
            kind: queryArg.kind,
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["customers"],
      }),
      dashboardActivity: build.query<
        DashboardActivityApiResponse,
        DashboardActivityApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/dashboards/activity`,
          params: {
            from: queryArg["from"],
            to: queryArg.to,
          },
        }),
        providesTags: ["dashboards"],
      }),
      dashboardNewCustomers: build.query<
        DashboardNewCustomersApiResponse,
        DashboardNewCustomersApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/dashboards/new-customers`,
          params: {
            period: queryArg.period,
            from: queryArg["from"],
            to: queryArg.to,
          },
        }),
        providesTags: ["dashboards"],
      }),
      dashboardPipeline: build.query<
        DashboardPipelineApiResponse,
        DashboardPipelineApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/dashboards/pipeline`,
          params: {
            pipeline_id: queryArg.pipelineId,
          },
        }),
        providesTags: ["dashboards"],
      }),
      dashboardRevenue: build.query<
        DashboardRevenueApiResponse,
        DashboardRevenueApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/dashboards/revenue`,
          params: {
            from: queryArg["from"],
            to: queryArg.to,
          },
        }),
        providesTags: ["dashboards"],
      }),
      dashboardTopCustomers: build.query<
        DashboardTopCustomersApiResponse,
        DashboardTopCustomersApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/dashboards/top-customers`,
          params: {
            currency: queryArg.currency,
            limit: queryArg.limit,
          },
        }),
        providesTags: ["dashboards"],
      }),
      listDeals: build.query<ListDealsApiResponse, ListDealsApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            pipeline_id: queryArg.pipelineId,
            stage_id: queryArg.stageId,
            status: queryArg.status,
            owner_id: queryArg.ownerId,
            team_id: queryArg.teamId,
            customer_id: queryArg.customerId,
            expected_close_from: queryArg.expectedCloseFrom,
            expected_close_to: queryArg.expectedCloseTo,
            q: queryArg.q,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["deals"],
      }),
      createDeal: build.mutation<CreateDealApiResponse, CreateDealApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals`,
          method: "POST",
          body: queryArg.dealCreate,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["deals"],
      }),
      exportDeals: build.query<ExportDealsApiResponse, ExportDealsApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals/export`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            pipeline_id: queryArg.pipelineId,
            stage_id: queryArg.stageId,
            status: queryArg.status,
            owner_id: queryArg.ownerId,
            team_id: queryArg.teamId,
            customer_id: queryArg.customerId,
            expected_close_from: queryArg.expectedCloseFrom,
            expected_close_to: queryArg.expectedCloseTo,
            q: queryArg.q,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["deals"],
      }),
      readDeal: build.query<ReadDealApiResponse, ReadDealApiArg>({
        query: (queryArg) => ({ url: `/api/v1/deals/${queryArg.id}` }),
        providesTags: ["deals"],
      }),
      deleteDeal: build.mutation<DeleteDealApiResponse, DeleteDealApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["deals"],
      }),
      updateDeal: build.mutation<UpdateDealApiResponse, UpdateDealApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.dealUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["deals"],
      }),
      dealHistory: build.query<DealHistoryApiResponse, DealHistoryApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals/${queryArg.id}/history`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["deals"],
      }),
      moveDeal: build.mutation<MoveDealApiResponse, MoveDealApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals/${queryArg.id}/move`,
          method: "POST",
          body: queryArg.dealMoveBody,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["deals"],
      }),
      restoreDeal: build.mutation<RestoreDealApiResponse, RestoreDealApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/deals/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["deals"],
      }),
      dealStageHistory: build.query<
        DealStageHistoryApiResponse,
        DealStageHistoryApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/deals/${queryArg.id}/stage-history`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["deals"],
      }),
      listEvents: build.query<ListEventsApiResponse, ListEventsApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/events`,
          params: {
            after: queryArg.after,
            limit: queryArg.limit,
          },
        }),
        providesTags: ["events"],
      }),
      listImports: build.query<ListImportsApiResponse, ListImportsApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/imports`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["imports"],
      }),
      uploadImport: build.mutation<UploadImportApiResponse, UploadImportApiArg>(
        {
          query: (queryArg) => ({
            url: `/api/v1/imports`,
            method: "POST",
            body: queryArg.body,
            params: {
              entity: queryArg.entity,
              file_name: queryArg.fileName,
            },
          }),
          invalidatesTags: ["imports"],
        },
      ),
      listImportFields: build.query<
        ListImportFieldsApiResponse,
        ListImportFieldsApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/imports/fields`,
          params: {
            entity: queryArg.entity,
          },
        }),
        providesTags: ["imports"],
      }),
      readImport: build.query<ReadImportApiResponse, ReadImportApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/imports/${queryArg.id}`,
          headers: {
            "If-None-Match": queryArg["If-None-Match"],
          },
        }),
        providesTags: ["imports"],
      }),
      cancelImport: build.mutation<CancelImportApiResponse, CancelImportApiArg>(
        {
          query: (queryArg) => ({
            url: `/api/v1/imports/${queryArg.id}/cancel`,
            method: "POST",
            headers: {
              "If-Match": queryArg["If-Match"],
            },
          }),
          invalidatesTags: ["imports"],
        },
      ),
      listImportRejections: build.query<
        ListImportRejectionsApiResponse,
        ListImportRejectionsApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/imports/${queryArg.id}/rejections`,
          params: {
            after: queryArg.after,
            limit: queryArg.limit,
          },
        }),
        providesTags: ["imports"],
      }),
      startImport: build.mutation<StartImportApiResponse, StartImportApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/imports/${queryArg.id}/start`,
          method: "POST",
          body: queryArg.importStart,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["imports"],
      }),
      listPipelines: build.query<ListPipelinesApiResponse, ListPipelinesApiArg>(
        {
          query: (queryArg) => ({
            url: `/api/v1/pipelines`,
            params: {
              limit: queryArg.limit,
              cursor: queryArg.cursor,
              sort: queryArg.sort,
              deleted: queryArg.deleted,
            },
          }),
          providesTags: ["pipelines"],
        },
      ),
      createPipeline: build.mutation<
        CreatePipelineApiResponse,
        CreatePipelineApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/pipelines`,
          method: "POST",
          body: queryArg.pipelineCreate,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["pipelines"],
      }),
      readPipeline: build.query<ReadPipelineApiResponse, ReadPipelineApiArg>({
        query: (queryArg) => ({ url: `/api/v1/pipelines/${queryArg.id}` }),
        providesTags: ["pipelines"],
      }),
      deletePipeline: build.mutation<
        DeletePipelineApiResponse,
        DeletePipelineApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/pipelines/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["pipelines"],
      }),
      updatePipeline: build.mutation<
        UpdatePipelineApiResponse,
        UpdatePipelineApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/pipelines/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.pipelineUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["pipelines"],
      }),
      restorePipeline: build.mutation<
        RestorePipelineApiResponse,
        RestorePipelineApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/pipelines/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["pipelines"],
      }),
      listProducts: build.query<ListProductsApiResponse, ListProductsApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/products`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            active: queryArg.active,
            category: queryArg.category,
            currency: queryArg.currency,
            q: queryArg.q,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["products"],
      }),
      createProduct: build.mutation<
        CreateProductApiResponse,
        CreateProductApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/products`,
          method: "POST",
          body: queryArg.productCreate,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["products"],
      }),
      exportProducts: build.query<
        ExportProductsApiResponse,
        ExportProductsApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/products/export`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            active: queryArg.active,
            category: queryArg.category,
            currency: queryArg.currency,
            q: queryArg.q,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["products"],
      }),
      readProduct: build.query<ReadProductApiResponse, ReadProductApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/products/${queryArg.id}`,
          headers: {
            "If-None-Match": queryArg["If-None-Match"],
          },
        }),
        providesTags: ["products"],
      }),
      deleteProduct: build.mutation<
        DeleteProductApiResponse,
        DeleteProductApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/products/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["products"],
      }),
      updateProduct: build.mutation<
        UpdateProductApiResponse,
        UpdateProductApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/products/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.productUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["products"],
      }),
      productBoughtTogether: build.query<
        ProductBoughtTogetherApiResponse,
        ProductBoughtTogetherApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/products/${queryArg.id}/bought-together`,
        }),
        providesTags: ["ai"],
      }),
      restoreProduct: build.mutation<
        RestoreProductApiResponse,
        RestoreProductApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/products/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["products"],
      }),
      listTeams: build.query<ListTeamsApiResponse, ListTeamsApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/teams`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["teams"],
      }),
      createTeam: build.mutation<CreateTeamApiResponse, CreateTeamApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/teams`,
          method: "POST",
          body: queryArg.teamInput,
        }),
        invalidatesTags: ["teams"],
      }),
      readTeam: build.query<ReadTeamApiResponse, ReadTeamApiArg>({
        query: (queryArg) => ({ url: `/api/v1/teams/${queryArg.id}` }),
        providesTags: ["teams"],
      }),
      deleteTeam: build.mutation<DeleteTeamApiResponse, DeleteTeamApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/teams/${queryArg.id}`,
          method: "DELETE",
        }),
        invalidatesTags: ["teams"],
      }),
      renameTeam: build.mutation<RenameTeamApiResponse, RenameTeamApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/teams/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.teamInput,
        }),
        invalidatesTags: ["teams"],
      }),
      listTransactions: build.query<
        ListTransactionsApiResponse,
        ListTransactionsApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/transactions`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            customer_id: queryArg.customerId,
            status: queryArg.status,
            currency: queryArg.currency,
            product_id: queryArg.productId,
            external_ref: queryArg.externalRef,
            occurred_after: queryArg.occurredAfter,
            occurred_before: queryArg.occurredBefore,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["transactions"],
      }),
      createTransaction: build.mutation<
        CreateTransactionApiResponse,
        CreateTransactionApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/transactions`,
          method: "POST",
          body: queryArg.transactionCreate,
          headers: {
            "Idempotency-Key": queryArg["Idempotency-Key"],
          },
        }),
        invalidatesTags: ["transactions"],
      }),
      exportTransactions: build.query<
        ExportTransactionsApiResponse,
        ExportTransactionsApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/transactions/export`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
            sort: queryArg.sort,
            customer_id: queryArg.customerId,
            status: queryArg.status,
            currency: queryArg.currency,
            product_id: queryArg.productId,
            external_ref: queryArg.externalRef,
            occurred_after: queryArg.occurredAfter,
            occurred_before: queryArg.occurredBefore,
            deleted: queryArg.deleted,
          },
        }),
        providesTags: ["transactions"],
      }),
      readTransaction: build.query<
        ReadTransactionApiResponse,
        ReadTransactionApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/transactions/${queryArg.id}`,
          headers: {
            "If-None-Match": queryArg["If-None-Match"],
          },
        }),
        providesTags: ["transactions"],
      }),
      deleteTransaction: build.mutation<
        DeleteTransactionApiResponse,
        DeleteTransactionApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/transactions/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["transactions"],
      }),
      updateTransaction: build.mutation<
        UpdateTransactionApiResponse,
        UpdateTransactionApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/transactions/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.transactionUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["transactions"],
      }),
      restoreTransaction: build.mutation<
        RestoreTransactionApiResponse,
        RestoreTransactionApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/transactions/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["transactions"],
      }),
      listUsers: build.query<ListUsersApiResponse, ListUsersApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/users`,
          params: {
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["users"],
      }),
      createUser: build.mutation<CreateUserApiResponse, CreateUserApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/users`,
          method: "POST",
          body: queryArg.userCreate,
        }),
        invalidatesTags: ["users"],
      }),
      readUser: build.query<ReadUserApiResponse, ReadUserApiArg>({
        query: (queryArg) => ({ url: `/api/v1/users/${queryArg.id}` }),
        providesTags: ["users"],
      }),
      updateUser: build.mutation<UpdateUserApiResponse, UpdateUserApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/users/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.userUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["users"],
      }),
      listViews: build.query<ListViewsApiResponse, ListViewsApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/views`,
          params: {
            resource: queryArg.resource,
            deleted: queryArg.deleted,
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["views"],
      }),
      createView: build.mutation<CreateViewApiResponse, CreateViewApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/views`,
          method: "POST",
          body: queryArg.viewCreate,
        }),
        invalidatesTags: ["views"],
      }),
      readView: build.query<ReadViewApiResponse, ReadViewApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/views/${queryArg.id}`,
          headers: {
            "If-None-Match": queryArg["If-None-Match"],
          },
        }),
        providesTags: ["views"],
      }),
      deleteView: build.mutation<DeleteViewApiResponse, DeleteViewApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/views/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["views"],
      }),
      updateView: build.mutation<UpdateViewApiResponse, UpdateViewApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/views/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.viewUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["views"],
      }),
      restoreView: build.mutation<RestoreViewApiResponse, RestoreViewApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/views/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["views"],
      }),
      readWebhookDelivery: build.query<
        ReadWebhookDeliveryApiResponse,
        ReadWebhookDeliveryApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhook-deliveries/${queryArg.id}`,
        }),
        providesTags: ["webhooks"],
      }),
      replayWebhookDelivery: build.mutation<
        ReplayWebhookDeliveryApiResponse,
        ReplayWebhookDeliveryApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhook-deliveries/${queryArg.id}/replay`,
          method: "POST",
        }),
        invalidatesTags: ["webhooks"],
      }),
      listWebhooks: build.query<ListWebhooksApiResponse, ListWebhooksApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/webhooks`,
          params: {
            deleted: queryArg.deleted,
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["webhooks"],
      }),
      createWebhook: build.mutation<
        CreateWebhookApiResponse,
        CreateWebhookApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhooks`,
          method: "POST",
          body: queryArg.webhookCreate,
        }),
        invalidatesTags: ["webhooks"],
      }),
      readWebhook: build.query<ReadWebhookApiResponse, ReadWebhookApiArg>({
        query: (queryArg) => ({
          url: `/api/v1/webhooks/${queryArg.id}`,
          headers: {
            "If-None-Match": queryArg["If-None-Match"],
          },
        }),
        providesTags: ["webhooks"],
      }),
      deleteWebhook: build.mutation<
        DeleteWebhookApiResponse,
        DeleteWebhookApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhooks/${queryArg.id}`,
          method: "DELETE",
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["webhooks"],
      }),
      updateWebhook: build.mutation<
        UpdateWebhookApiResponse,
        UpdateWebhookApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhooks/${queryArg.id}`,
          method: "PATCH",
          body: queryArg.webhookUpdate,
          headers: {
            "If-Match": queryArg["If-Match"],
          },
        }),
        invalidatesTags: ["webhooks"],
      }),
      listWebhookDeliveries: build.query<
        ListWebhookDeliveriesApiResponse,
        ListWebhookDeliveriesApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhooks/${queryArg.id}/deliveries`,
          params: {
            status: queryArg.status,
            limit: queryArg.limit,
            cursor: queryArg.cursor,
          },
        }),
        providesTags: ["webhooks"],
      }),
      restoreWebhook: build.mutation<
        RestoreWebhookApiResponse,
        RestoreWebhookApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhooks/${queryArg.id}/restore`,
          method: "POST",
        }),
        invalidatesTags: ["webhooks"],
      }),
      rotateWebhookSecret: build.mutation<
        RotateWebhookSecretApiResponse,
        RotateWebhookSecretApiArg
      >({
        query: (queryArg) => ({
          url: `/api/v1/webhooks/${queryArg.id}/rotate-secret`,
          method: "POST",
          body: queryArg.body,
        }),
        invalidatesTags: ["webhooks"],
      }),
    }),
    overrideExisting: false,
  });
export { injectedRtkApi as nexusApi };
export type ListActivitiesApiResponse = /** status 200  */ ActivityList;
export type ListActivitiesApiArg = {
  limit?: number;
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `due_at` (undated last) or `cf.<key>`
    (a custom field; activities without a value come last); prefix `-` for descending. */
  sort?: string;
  /** One or more kinds, comma-separated. */
  kind?: string;
  customerId?: CustomerId;
  dealId?: DealId;
  assigneeId?: UserId;
  ownerId?: UserId;
  /** `true`: assigned to you, or unassigned and owned by you. */
  mine?: boolean;
  /** `true`: not done; `false`: done. */
  open?: boolean;
  /** `true`: not done and due before now; `false`: the others. */
  overdue?: boolean;
  dueAfter?: string;
  dueBefore?: string;
  deleted?: string;
};
export type CreateActivityApiResponse = /** status 201  */ Activity;
export type CreateActivityApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  activityCreate: ActivityCreate;
};
export type ExportActivitiesApiResponse = /** status 200  */ string;
export type ExportActivitiesApiArg = {
  limit?: number;
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `due_at` (undated last) or `cf.<key>`
    (a custom field; activities without a value come last); prefix `-` for descending. */
  sort?: string;
  /** One or more kinds, comma-separated. */
  kind?: string;
  customerId?: CustomerId;
  dealId?: DealId;
  assigneeId?: UserId;
  ownerId?: UserId;
  /** `true`: assigned to you, or unassigned and owned by you. */
  mine?: boolean;
  /** `true`: not done; `false`: done. */
  open?: boolean;
  /** `true`: not done and due before now; `false`: the others. */
  overdue?: boolean;
  dueAfter?: string;
  dueBefore?: string;
  deleted?: string;
};
export type ReadActivityApiResponse = /** status 200  */ Activity;
export type ReadActivityApiArg = {
  id: ActivityId;
};
export type DeleteActivityApiResponse = unknown;
export type DeleteActivityApiArg = {
  id: ActivityId;
  "If-Match"?: string | null;
};
export type UpdateActivityApiResponse = /** status 200  */ Activity;
export type UpdateActivityApiArg = {
  id: ActivityId;
  "If-Match"?: string | null;
  activityUpdate: ActivityUpdate;
};
export type ActivityHistoryApiResponse = /** status 200  */ EventList;
export type ActivityHistoryApiArg = {
  id: ActivityId;
  limit?: number;
  cursor?: string;
};
export type RestoreActivityApiResponse = /** status 200  */ Activity;
export type RestoreActivityApiArg = {
  id: ActivityId;
};
export type AiRevenueForecastApiResponse = /** status 200  */ RevenueForecast;
export type AiRevenueForecastApiArg = void;
export type AiModelsApiResponse = /** status 200  */ ModelVersions;
export type AiModelsApiArg = void;
export type AiSegmentsApiResponse = /** status 200  */ Segmentation;
export type AiSegmentsApiArg = void;
export type AiSentimentApiResponse = /** status 200  */ SentimentResponse;
export type AiSentimentApiArg = {
  sentimentRequest: SentimentRequest;
};
export type AiTrainApiResponse = /** status 202  */ TrainingStarted;
export type AiTrainApiArg = void;
export type ListApiKeysApiResponse = /** status 200  */ ApiKeyList;
export type ListApiKeysApiArg = void;
export type CreateApiKeyApiResponse = /** status 201  */ ApiKeyCreated;
export type CreateApiKeyApiArg = {
  apiKeyCreate: ApiKeyCreate;
};
export type RevokeApiKeyApiResponse = unknown;
export type RevokeApiKeyApiArg = {
  id: ApiKeyId;
};
export type LoginApiResponse = /** status 200  */ TokenResponse;
export type LoginApiArg = {
  loginRequest: LoginRequest;
};
export type LogoutApiResponse = unknown;
export type LogoutApiArg = void;
export type MeApiResponse = /** status 200  */ User;
export type MeApiArg = void;
export type ChangePasswordApiResponse = unknown;
export type ChangePasswordApiArg = {
  changePasswordRequest: ChangePasswordRequest;
};
export type RefreshApiResponse = /** status 200  */ TokenResponse;
export type RefreshApiArg = {
  refreshRequest: RefreshRequest;
};
export type ListCustomFieldsApiResponse = /** status 200  */ CustomFieldList;
export type ListCustomFieldsApiArg = {
  entity?: CustomFieldEntity;
  /** only | exclude (default) */
  deleted?: string;
  limit?: number;
  cursor?: string;
};
export type CreateCustomFieldApiResponse = /** status 201  */ CustomField;
export type CreateCustomFieldApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  customFieldCreate: CustomFieldCreate;
};
export type ReadCustomFieldApiResponse = /** status 200  */ CustomField;
export type ReadCustomFieldApiArg = {
  id: CustomFieldId;
  "If-None-Match"?: string | null;
};
export type DeleteCustomFieldApiResponse = unknown;
export type DeleteCustomFieldApiArg = {
  id: CustomFieldId;
  "If-Match"?: string | null;
};
export type UpdateCustomFieldApiResponse = /** status 200  */ CustomField;
export type UpdateCustomFieldApiArg = {
  id: CustomFieldId;
  "If-Match"?: string | null;
  customFieldUpdate: CustomFieldUpdate;
};
export type RestoreCustomFieldApiResponse = /** status 200  */ CustomField;
export type RestoreCustomFieldApiArg = {
  id: CustomFieldId;
};
export type ListCustomersApiResponse = /** status 200  */ CustomerList;
export type ListCustomersApiArg = {
  /** 1 to 500, default 50. */
  limit?: number;
  /** Opaque cursor from `next_cursor`. */
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `name`, `email` or `cf.<key>` (a
    custom field; records without a value come last); prefix `-` for descending. */
  sort?: string;
  /** One or more statuses, comma-separated. */
  status?: string;
  kind?: CustomerKind;
  ownerId?: UserId;
  teamId?: TeamId;
  companyId?: CustomerId;
  tag?: string;
  segment?: string;
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  /** Substring search over name, email, company and phone. */
  q?: string;
  /** `only` lists soft-deleted customers instead of live ones. */
  deleted?: string;
};
export type CreateCustomerApiResponse = /** status 201  */ Customer;
export type CreateCustomerApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  customerCreate: CustomerCreate;
};
export type CreateCustomersBatchApiResponse = /** status 201  */ CustomerList;
export type CreateCustomersBatchApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  customerBatch: CustomerBatch;
};
export type ExportCustomersApiResponse = /** status 200  */ string;
export type ExportCustomersApiArg = {
  /** 1 to 500, default 50. */
  limit?: number;
  /** Opaque cursor from `next_cursor`. */
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `name`, `email` or `cf.<key>` (a
    custom field; records without a value come last); prefix `-` for descending. */
  sort?: string;
  /** One or more statuses, comma-separated. */
  status?: string;
  kind?: CustomerKind;
  ownerId?: UserId;
  teamId?: TeamId;
  companyId?: CustomerId;
  tag?: string;
  segment?: string;
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  /** Substring search over name, email, company and phone. */
  q?: string;
  /** `only` lists soft-deleted customers instead of live ones. */
  deleted?: string;
};
export type ReadCustomerApiResponse = /** status 200  */ Customer;
export type ReadCustomerApiArg = {
  id: CustomerId;
};
export type DeleteCustomerApiResponse = unknown;
export type DeleteCustomerApiArg = {
  id: CustomerId;
  "If-Match"?: string | null;
};
export type UpdateCustomerApiResponse = /** status 200  */ Customer;
export type UpdateCustomerApiArg = {
  id: CustomerId;
  "If-Match"?: string | null;
  customerUpdate: CustomerUpdate;
};
export type CustomerAggregatesApiResponse =
  /** status 200  */ CustomerAggregates;
export type CustomerAggregatesApiArg = {
  id: CustomerId;
};
export type EraseCustomerApiResponse = /** status 200  */ Erasure;
export type EraseCustomerApiArg = {
  id: CustomerId;
};
export type CustomerHistoryApiResponse = /** status 200  */ EventList;
export type CustomerHistoryApiArg = {
  id: CustomerId;
  limit?: number;
  cursor?: string;
};
export type CustomerInsightsApiResponse = /** status 200  */ CustomerInsights;
export type CustomerInsightsApiArg = {
  id: CustomerId;
};
export type ExportCustomerDataApiResponse = /** status 200  */ PrivacyExport;
export type ExportCustomerDataApiArg = {
  id: CustomerId;
};
export type RestoreCustomerApiResponse = /** status 200  */ Customer;
export type RestoreCustomerApiArg = {
  id: CustomerId;
};
export type CustomerTimelineApiResponse = /** status 200  */ Timeline;
export type CustomerTimelineApiArg = {
  id: CustomerId;
  /** Repeatable: activity, transaction, deal, customer (default: all) */
  kind?: string[];
  limit?: number;
  cursor?: string;
};
export type DashboardActivityApiResponse = /** status 200  */ ActivityReport;
export type DashboardActivityApiArg = {
  /** Start, RFC 3339 (default: 30 days before `to`). */
  from?: string;
  /** End, exclusive, RFC 3339 (default: now). At most 366 days after `from`. */
  to?: string;
};
export type DashboardNewCustomersApiResponse =
  /** status 200  */ NewCustomersReport;
export type DashboardNewCustomersApiArg = {
  /** `day`, `week` (starting Monday) or `month` (default). */
  period?: Period;
  /** First day, `YYYY-MM-DD` (default: the first day of the month eleven months before `to`). */
  from?: string;
  /** Last day, inclusive (default: today, UTC). At most 3,660 days. */
  to?: string;
};
export type DashboardPipelineApiResponse = /** status 200  */ PipelineSummary;
export type DashboardPipelineApiArg = {
  /** Default: the default pipeline. */
  pipelineId?: PipelineId;
};
export type DashboardRevenueApiResponse = /** status 200  */ RevenueReport;
export type DashboardRevenueApiArg = {
  /** First month, `YYYY-MM` (default: eleven months before `to`). */
  from?: string;
  /** Last month, `YYYY-MM`, inclusive (default: the current month). At most 120 months. */
  to?: string;
};
export type DashboardTopCustomersApiResponse =
  /** status 200  */ TopCustomersReport;
export type DashboardTopCustomersApiArg = {
  /** ISO 4217 code (default: the currency with the most revenue). */
  currency?: Currency;
  /** 1 to 100, default 10. */
  limit?: number;
};
export type ListDealsApiResponse = /** status 200  */ DealList;
export type ListDealsApiArg = {
  limit?: number;
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `value`, `title`,
    `expected_close_date` (undated last), `stage` (board order: pipeline, stage, position) or
    `cf.<key>` (a custom field; deals without a value come last); prefix `-` for descending. */
  sort?: string;
  pipelineId?: PipelineId;
  stageId?: StageId;
  /** One or more statuses, comma-separated. */
  status?: string;
  ownerId?: UserId;
  teamId?: TeamId;
  customerId?: CustomerId;
  /** Expected close on or after this date. */
  expectedCloseFrom?: string;
  /** Expected close on or before this date. */
  expectedCloseTo?: string;
  /** Case-insensitive substring of the title. */
  q?: string;
  deleted?: string;
};
export type CreateDealApiResponse = /** status 201  */ Deal;
export type CreateDealApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  dealCreate: DealCreate;
};
export type ExportDealsApiResponse = /** status 200  */ string;
export type ExportDealsApiArg = {
  limit?: number;
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `value`, `title`,
    `expected_close_date` (undated last), `stage` (board order: pipeline, stage, position) or
    `cf.<key>` (a custom field; deals without a value come last); prefix `-` for descending. */
  sort?: string;
  pipelineId?: PipelineId;
  stageId?: StageId;
  /** One or more statuses, comma-separated. */
  status?: string;
  ownerId?: UserId;
  teamId?: TeamId;
  customerId?: CustomerId;
  /** Expected close on or after this date. */
  expectedCloseFrom?: string;
  /** Expected close on or before this date. */
  expectedCloseTo?: string;
  /** Case-insensitive substring of the title. */
  q?: string;
  deleted?: string;
};
export type ReadDealApiResponse = /** status 200  */ Deal;
export type ReadDealApiArg = {
  id: DealId;
};
export type DeleteDealApiResponse = unknown;
export type DeleteDealApiArg = {
  id: DealId;
  "If-Match"?: string | null;
};
export type UpdateDealApiResponse = /** status 200  */ Deal;
export type UpdateDealApiArg = {
  id: DealId;
  "If-Match"?: string | null;
  dealUpdate: DealUpdate;
};
export type DealHistoryApiResponse = /** status 200  */ EventList;
export type DealHistoryApiArg = {
  id: DealId;
  limit?: number;
  cursor?: string;
};
export type MoveDealApiResponse = /** status 200  */ Deal;
export type MoveDealApiArg = {
  id: DealId;
  "If-Match"?: string | null;
  dealMoveBody: DealMoveBody;
};
export type RestoreDealApiResponse = /** status 200  */ Deal;
export type RestoreDealApiArg = {
  id: DealId;
};
export type DealStageHistoryApiResponse = /** status 200  */ StageChangeList;
export type DealStageHistoryApiArg = {
  id: DealId;
  limit?: number;
  cursor?: string;
};
export type ListEventsApiResponse = /** status 200  */ EventList;
export type ListEventsApiArg = {
  /** Sequence number of the last event already seen */
  after?: number;
  limit?: number;
};
export type ListImportsApiResponse = /** status 200  */ ImportList;
export type ListImportsApiArg = {
  limit?: number;
  cursor?: string;
};
export type UploadImportApiResponse = /** status 201  */ ImportJob;
export type UploadImportApiArg = {
  /** customers, products or transactions */
  entity: string;
  /** The file's name, for display */
  fileName?: string;
  /** The CSV file */
  body: string;
};
export type ListImportFieldsApiResponse = /** status 200  */ FieldList;
export type ListImportFieldsApiArg = {
  /** customers, products or transactions */
  entity: string;
};
export type ReadImportApiResponse = /** status 200  */ ImportJob;
export type ReadImportApiArg = {
  id: ImportId;
  "If-None-Match"?: string | null;
};
export type CancelImportApiResponse = /** status 200  */ ImportJob;
export type CancelImportApiArg = {
  id: ImportId;
  "If-Match"?: string | null;
};
export type ListImportRejectionsApiResponse = /** status 200  */ RejectionList;
export type ListImportRejectionsApiArg = {
  id: ImportId;
  /** Row number to continue after */
  after?: number;
  limit?: number;
};
export type StartImportApiResponse = /** status 202  */ ImportJob;
export type StartImportApiArg = {
  id: ImportId;
  "If-Match"?: string | null;
  importStart: ImportStart;
};
export type ListPipelinesApiResponse = /** status 200  */ PipelineList;
export type ListPipelinesApiArg = {
  limit?: number;
  cursor?: string;
  /** `created_at` (default, oldest first) or `name`; prefix `-` for descending. */
  sort?: string;
  /** `only` lists deleted pipelines instead of live ones. */
  deleted?: string;
};
export type CreatePipelineApiResponse = /** status 201  */ Pipeline;
export type CreatePipelineApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  pipelineCreate: PipelineCreate;
};
export type ReadPipelineApiResponse = /** status 200  */ Pipeline;
export type ReadPipelineApiArg = {
  id: PipelineId;
};
export type DeletePipelineApiResponse = unknown;
export type DeletePipelineApiArg = {
  id: PipelineId;
  "If-Match"?: string | null;
};
export type UpdatePipelineApiResponse = /** status 200  */ Pipeline;
export type UpdatePipelineApiArg = {
  id: PipelineId;
  "If-Match"?: string | null;
  pipelineUpdate: PipelineUpdate;
};
export type RestorePipelineApiResponse = /** status 200  */ Pipeline;
export type RestorePipelineApiArg = {
  id: PipelineId;
};
export type ListProductsApiResponse = /** status 200  */ ProductList;
export type ListProductsApiArg = {
  /** 1 to 500, default 50. */
  limit?: number;
  /** Opaque cursor from `next_cursor`. */
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `name`, `sku`, `price` or `cf.<key>`
    (a custom field; products without a value come last); prefix `-` for descending. */
  sort?: string;
  active?: boolean;
  /** Exact category, case-insensitive. */
  category?: string;
  currency?: Currency;
  /** Case-insensitive substring of the name or the SKU. */
  q?: string;
  /** `only` lists soft-deleted products instead of live ones. */
  deleted?: string;
};
export type CreateProductApiResponse = /** status 201  */ Product;
export type CreateProductApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  productCreate: ProductCreate;
};
export type ExportProductsApiResponse = /** status 200  */ string;
export type ExportProductsApiArg = {
  /** 1 to 500, default 50. */
  limit?: number;
  /** Opaque cursor from `next_cursor`. */
  cursor?: string;
  /** `created_at` (default, newest first), `updated_at`, `name`, `sku`, `price` or `cf.<key>`
    (a custom field; products without a value come last); prefix `-` for descending. */
  sort?: string;
  active?: boolean;
  /** Exact category, case-insensitive. */
  category?: string;
  currency?: Currency;
  /** Case-insensitive substring of the name or the SKU. */
  q?: string;
  /** `only` lists soft-deleted products instead of live ones. */
  deleted?: string;
};
export type ReadProductApiResponse = /** status 200  */ Product;
export type ReadProductApiArg = {
  id: ProductId;
  "If-None-Match"?: string | null;
};
export type DeleteProductApiResponse = unknown;
export type DeleteProductApiArg = {
  id: ProductId;
  "If-Match"?: string | null;
};
export type UpdateProductApiResponse = /** status 200  */ Product;
export type UpdateProductApiArg = {
  id: ProductId;
  "If-Match"?: string | null;
  productUpdate: ProductUpdate;
};
export type ProductBoughtTogetherApiResponse =
  /** status 200  */ RecommendationsInsight;
export type ProductBoughtTogetherApiArg = {
  id: ProductId;
};
export type RestoreProductApiResponse = /** status 200  */ Product;
export type RestoreProductApiArg = {
  id: ProductId;
};
export type ListTeamsApiResponse = /** status 200  */ TeamList;
export type ListTeamsApiArg = {
  limit?: number;
  cursor?: string;
};
export type CreateTeamApiResponse = /** status 201  */ Team;
export type CreateTeamApiArg = {
  teamInput: TeamInput;
};
export type ReadTeamApiResponse = /** status 200  */ Team;
export type ReadTeamApiArg = {
  id: TeamId;
};
export type DeleteTeamApiResponse = unknown;
export type DeleteTeamApiArg = {
  id: TeamId;
};
export type RenameTeamApiResponse = /** status 200  */ Team;
export type RenameTeamApiArg = {
  id: TeamId;
  teamInput: TeamInput;
};
export type ListTransactionsApiResponse = /** status 200  */ TransactionList;
export type ListTransactionsApiArg = {
  /** 1 to 500, default 50. */
  limit?: number;
  /** Opaque cursor from `next_cursor`. */
  cursor?: string;
  /** `occurred_at` (default, newest first), `created_at`, `total` or `cf.<key>` (a custom
    field; transactions without a value come last); prefix `-` for descending. */
  sort?: string;
  customerId?: CustomerId;
  /** One or more statuses, comma-separated. */
  status?: string;
  currency?: Currency;
  /** Transactions with at least one line of this product. */
  productId?: ProductId;
  /** The transaction with exactly this `external_ref`. */
  externalRef?: string;
  /** `occurred_at` on or after this time. */
  occurredAfter?: string;
  /** `occurred_at` strictly before this time. */
  occurredBefore?: string;
  /** `only` lists soft-deleted transactions instead of live ones. */
  deleted?: string;
};
export type CreateTransactionApiResponse = /** status 201  */ Transaction;
export type CreateTransactionApiArg = {
  /** Makes a retried POST return the first response */
  "Idempotency-Key"?: string | null;
  transactionCreate: TransactionCreate;
};
export type ExportTransactionsApiResponse = /** status 200  */ string;
export type ExportTransactionsApiArg = {
  /** 1 to 500, default 50. */
  limit?: number;
  /** Opaque cursor from `next_cursor`. */
  cursor?: string;
  /** `occurred_at` (default, newest first), `created_at`, `total` or `cf.<key>` (a custom
    field; transactions without a value come last); prefix `-` for descending. */
  sort?: string;
  customerId?: CustomerId;
  /** One or more statuses, comma-separated. */
  status?: string;
  currency?: Currency;
  /** Transactions with at least one line of this product. */
  productId?: ProductId;
  /** The transaction with exactly this `external_ref`. */
  externalRef?: string;
  /** `occurred_at` on or after this time. */
  occurredAfter?: string;
  /** `occurred_at` strictly before this time. */
  occurredBefore?: string;
  /** `only` lists soft-deleted transactions instead of live ones. */
  deleted?: string;
};
export type ReadTransactionApiResponse = /** status 200  */ Transaction;
export type ReadTransactionApiArg = {
  id: TransactionId;
  "If-None-Match"?: string | null;
};
export type DeleteTransactionApiResponse = unknown;
export type DeleteTransactionApiArg = {
  id: TransactionId;
  "If-Match"?: string | null;
};
export type UpdateTransactionApiResponse = /** status 200  */ Transaction;
export type UpdateTransactionApiArg = {
  id: TransactionId;
  "If-Match"?: string | null;
  transactionUpdate: TransactionUpdate;
};
export type RestoreTransactionApiResponse = /** status 200  */ Transaction;
export type RestoreTransactionApiArg = {
  id: TransactionId;
};
export type ListUsersApiResponse = /** status 200  */ UserList;
export type ListUsersApiArg = {
  limit?: number;
  cursor?: string;
};
export type CreateUserApiResponse = /** status 201  */ User;
export type CreateUserApiArg = {
  userCreate: UserCreate;
};
export type ReadUserApiResponse = /** status 200  */ User;
export type ReadUserApiArg = {
  id: UserId;
};
export type UpdateUserApiResponse = /** status 200  */ User;
export type UpdateUserApiArg = {
  id: UserId;
  "If-Match"?: string | null;
  userUpdate: UserUpdate;
};
export type ListViewsApiResponse = /** status 200  */ ViewList;
export type ListViewsApiArg = {
  resource?: ViewResource;
  /** only | exclude (default) */
  deleted?: string;
  limit?: number;
  cursor?: string;
};
export type CreateViewApiResponse = /** status 201  */ View;
export type CreateViewApiArg = {
  viewCreate: ViewCreate;
};
export type ReadViewApiResponse = /** status 200  */ View;
export type ReadViewApiArg = {
  id: ViewId;
  "If-None-Match"?: string | null;
};
export type DeleteViewApiResponse = unknown;
export type DeleteViewApiArg = {
  id: ViewId;
  "If-Match"?: string | null;
};
export type UpdateViewApiResponse = /** status 200  */ View;
export type UpdateViewApiArg = {
  id: ViewId;
  "If-Match"?: string | null;
  viewUpdate: ViewUpdate;
};
export type RestoreViewApiResponse = /** status 200  */ View;
export type RestoreViewApiArg = {
  id: ViewId;
};
export type ReadWebhookDeliveryApiResponse = /** status 200  */ DeliveryDetail;
export type ReadWebhookDeliveryApiArg = {
  id: DeliveryId;
};
export type ReplayWebhookDeliveryApiResponse = /** status 202  */ Delivery;
export type ReplayWebhookDeliveryApiArg = {
  id: DeliveryId;
};
export type ListWebhooksApiResponse = /** status 200  */ WebhookList;
export type ListWebhooksApiArg = {
  /** only | exclude (default) */
  deleted?: string;
  limit?: number;
  cursor?: string;
};
export type CreateWebhookApiResponse = /** status 201  */ WebhookWithSecret;
export type CreateWebhookApiArg = {
  webhookCreate: WebhookCreate;
};
export type ReadWebhookApiResponse = /** status 200  */ Webhook;
export type ReadWebhookApiArg = {
  id: WebhookId;
  "If-None-Match"?: string | null;
};
export type DeleteWebhookApiResponse = unknown;
export type DeleteWebhookApiArg = {
  id: WebhookId;
  "If-Match"?: string | null;
};
export type UpdateWebhookApiResponse = /** status 200  */ Webhook;
export type UpdateWebhookApiArg = {
  id: WebhookId;
  "If-Match"?: string | null;
  webhookUpdate: WebhookUpdate;
};
export type ListWebhookDeliveriesApiResponse = /** status 200  */ DeliveryList;
export type ListWebhookDeliveriesApiArg = {
  id: WebhookId;
  status?: DeliveryStatus;
  limit?: number;
  cursor?: string;
};
export type RestoreWebhookApiResponse = /** status 200  */ Webhook;
export type RestoreWebhookApiArg = {
  id: WebhookId;
};
export type RotateWebhookSecretApiResponse =
  /** status 200  */ WebhookWithSecret;
export type RotateWebhookSecretApiArg = {
  id: WebhookId;
  /** Optional: the new secret */
  body: null | SecretRotate;
};
export type ActivityId = string;
export type ActivityKind = "note" | "call" | "email" | "meeting" | "task";
export type UserId = string;
export type CustomerId = string;
export type DealId = string;
export type TeamId = string;
export type Activity = {
  id: ActivityId;
  kind: ActivityKind;
  subject: string;
  body?: string | null;
  due_at?: string | null;
  done: boolean;
  /** When it was done; set exactly when `done` is true. */
  completed_at?: string | null;
  assignee_id?: null | UserId;
  /** Always set: given, or the customer of the linked deal. */
  customer_id: CustomerId;
  deal_id?: null | DealId;
  owner_id: UserId;
  team_id?: null | TeamId;
  /** VADER compound score of the body (−1 most negative … +1 most positive), computed by the
    AI layer when the body is written; `null` without a body or while the AI layer is down. */
  sentiment?: number | null;
  /** Custom-field values under their keys (see `/api/v1/custom-fields`, entity `activity`),
    and any other JSON the client keeps with the activity. */
  attributes?: object;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type ActivityList = {
  data: Activity[];
  next_cursor?: string | null;
};
export type FieldError = {
  field: string;
  code: string;
  message: string;
};
export type Problem = {
  /** A URI reference naming the problem type. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Stable, snake_case machine-readable code. */
  code: string;
  /** One entry per invalid field (422), with its JSON path. */
  errors?: FieldError[];
  /** The request id, to quote when reporting a server error. */
  request_id?: string | null;
};
export type ActivityCreate = {
  kind: ActivityKind;
  subject: string;
  body?: string | null;
  due_at?: string | null;
  /** Defaults to false for tasks, meetings and anything with a due date, true otherwise. */
  done?: boolean | null;
  /** When it was done (implies `done`); defaults to now for done activities. */
  completed_at?: string | null;
  assignee_id?: null | UserId;
  customer_id?: null | CustomerId;
  deal_id?: null | DealId;
  owner_id?: null | UserId;
  /** Custom-field values under their keys (`GET /api/v1/custom-fields?entity=activity`):
    checked against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a
    value of a unique field that another activity holds). Other keys are kept as they are. */
  attributes?: object | null;
};
export type ActivityUpdate = {
  kind?: null | ActivityKind;
  subject?: string | null;
  body?: string | null;
  due_at?: string | null;
  done?: boolean | null;
  completed_at?: string | null;
  assignee_id?: null | UserId;
  customer_id?: null | CustomerId;
  deal_id?: null | DealId;
  owner_id?: null | UserId;
  /** Replaces the whole object (`null` clears it); custom-field values are checked as on
    create, values unchanged from the stored ones pass. */
  attributes?: object | null;
};
export type EventId = string;
export type Event = {
  id: EventId;
  /** Position in the global log, increasing in commit order. Assigned right after commit, so it
    is `null` for a few milliseconds on a freshly written event. */
  seq?: number | null;
  /** `<resource>.<action>`, e.g. `customer.updated`. */
  type: string;
  entity: string;
  entity_id: string;
  action: string;
  actor_id?: null | UserId;
  owner_id?: null | UserId;
  team_id?: null | TeamId;
  /** Changed fields: `{"field": {"before": …, "after": …}}`. */
  changes: object;
  occurred_at: string;
};
export type EventList = {
  data: Event[];
  next_cursor?: string | null;
};
export type HistoryMonth = {
  month: string;
  revenue: number;
};
export type ForecastMonth = {
  /** `YYYY-MM`. */
  month: string;
  mean: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
};
export type Provenance = {
  /** The model version (`segments@3`), or `vader-3.3.2` for sentiment. */
  model: string;
  trained_at?: string | null;
  computed_at: string;
};
export type RevenueForecast = {
  currency: string;
  history: HistoryMonth[];
  forecast: ForecastMonth[];
  /** Holdout evaluation of the model (MASE, MAPE, seasonal-naive MASE). */
  metrics: object;
  source: Provenance;
};
export type ModelKind =
  "segments" | "tier" | "clv" | "forecast" | "recommend" | "win";
export type ModelStatus = "serving" | "retired" | "rejected";
export type ModelInfo = {
  id: string;
  model: ModelKind;
  /** 1, 2, … per model. */
  version: number;
  status: ModelStatus;
  /** Evaluation of this version (and, for comparison, of the version serving when it was
    trained) on the data of its training run. */
  metrics: object;
  /** Why the version was rejected. */
  reason?: string | null;
  /** Records the model was fitted on. */
  training_rows: number;
  fit_ms: number;
  trained_at: string;
  promoted_at?: string | null;
};
export type ModelVersions = {
  /** Where the AI layer runs: `in-process` or the AI service's URL. */
  location: string;
  serving: ModelInfo[];
  /** Recorded versions, newest first (at most 200). */
  versions: ModelInfo[];
};
export type SegmentSummary = {
  name: string;
  /** Customers in it at training time. */
  customers: number;
  /** Centroid: days since the last purchase, purchases, revenue (major units). */
  recency_days: number;
  frequency: number;
  monetary: number;
};
export type Segmentation = {
  currency: string;
  segments: SegmentSummary[];
  metrics: object;
  source: Provenance;
};
export type SentimentScore = {
  /** VADER compound score, −1..1. */
  compound: number;
  positive: number;
  neutral: number;
  negative: number;
};
export type SentimentResponse = {
  /** One score per text, in order. */
  results: SentimentScore[];
  /** `vader-3.3.2`. */
  model: string;
};
export type SentimentRequest = {
  /** 1 to 100 texts of at most 10,000 characters. */
  texts: string[];
};
export type TrainingStarted = {
  /** Always `started`; follow the result in `GET /api/v1/ai/models`. */
  status: string;
};
export type ApiKeyId = string;
export type Role = "admin" | "manager" | "sales_rep" | "support" | "viewer";
export type ApiKey = {
  id: ApiKeyId;
  name: string;
  /** The first characters of the key, to recognise it in lists. */
  prefix: string;
  role: Role;
  /** The user the key acts for; records it creates are owned by this user. */
  user_id: UserId;
  team_id?: null | TeamId;
  created_at: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  revoked_at?: string | null;
};
export type ApiKeyList = {
  data: ApiKey[];
};
export type ApiKeyCreated = ApiKey & {
  /** The secret. It is shown only in this response. */
  secret: string;
};
export type ApiKeyCreate = {
  name: string;
  /** The role the key acts with; at most the role of the user it acts for. */
  role: Role;
  user_id?: null | UserId;
  expires_at?: string | null;
};
export type TokenResponse = {
  access_token: string;
  refresh_token: string;
  /** Always `Bearer`. */
  token_type: string;
  /** Lifetime of the access token in seconds. */
  expires_in: number;
};
export type LoginRequest = {
  email: string;
  password: string;
};
export type User = {
  id: UserId;
  email: string;
  name: string;
  role: Role;
  team_id?: null | TeamId;
  active: boolean;
  /** When the current password stops working; `null` when it does not expire. */
  password_expires_at?: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  last_login_at?: string | null;
};
export type ChangePasswordRequest = {
  /** Only when not signed in (to replace an expired password). */
  email?: string | null;
  current_password: string;
  new_password: string;
};
export type RefreshRequest = {
  refresh_token: string;
};
export type CustomFieldId = string;
export type CustomFieldEntity =
  "customer" | "deal" | "product" | "activity" | "transaction";
export type FieldType =
  | "text"
  | "number"
  | "date"
  | "boolean"
  | "select"
  | "multi_select"
  | "currency";
export type CustomField = {
  id: CustomFieldId;
  entity: CustomFieldEntity;
  /** snake_case name of the value in the record's `attributes`; cannot change. */
  key: string;
  label: string;
  field_type: FieldType;
  /** The choices of a `select` or `multi_select` field (empty otherwise). */
  options: string[];
  /** The currency of a `currency` field's amounts (null otherwise). */
  currency?: string | null;
  /** Writes without a value are refused (422). */
  required: boolean;
  /** No two live records hold the same value (409); text compares case-insensitively. */
  unique: boolean;
  /** Display order (ascending). */
  position: number;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type CustomFieldList = {
  data: CustomField[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  next_cursor?: string | null;
};
export type Currency = string;
export type CustomFieldCreate = {
  entity: CustomFieldEntity;
  /** snake_case; the value lives in the record's `attributes.<key>`. Unique among the live
    fields of the entity (409 `key_taken`); cannot change. */
  key: string;
  label: string;
  field_type: FieldType;
  /** Choices of a `select` or `multi_select` field (required for them, refused for others). */
  options?: string[] | null;
  currency?: null | Currency;
  /** Default `false`: writes without a value are refused (422 naming `attributes.<key>`). */
  required?: boolean | null;
  /** Default `false`: no two live records hold the same value (409); not for `boolean` and
    `multi_select`. */
  unique?: boolean | null;
  /** Display order, default 0. */
  position?: number | null;
};
export type CustomFieldUpdate = {
  label?: string | null;
  field_type?: null | FieldType;
  options?: string[] | null;
  currency?: null | Currency;
  required?: boolean | null;
  unique?: boolean | null;
  position?: number | null;
};
export type CustomerKind = "person" | "company";
export type CustomerStatus = "lead" | "prospect" | "customer" | "churned";
export type SegmentStatus = "assigned" | "pending" | "unscored";
export type Customer = {
  id: CustomerId;
  kind: CustomerKind;
  name: string;
  email?: string | null;
  phone?: string | null;
  company_id?: null | CustomerId;
  /** Company name as shown and searched (the linked company's name at write time, or free text). */
  company_name?: string | null;
  status: CustomerStatus;
  owner_id: UserId;
  team_id?: null | TeamId;
  tags: string[];
  /** Custom attributes: any JSON object. */
  attributes: object;
  /** Segment assigned by the AI layer: from purchase behaviour (RFM k-means) once the
    customer has bought, from the profile before that. */
  segment?: string | null;
  segment_status: SegmentStatus;
  /** The model's confidence in `segment` (0..1), for a segment predicted from the profile. */
  segment_confidence?: number | null;
  /** Increases by one on every change; the ETag is derived from it. */
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type CustomerList = {
  data: Customer[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  next_cursor?: string | null;
};
export type CustomerCreate = {
  kind?: null | CustomerKind;
  name: string;
  email?: string | null;
  phone?: string | null;
  company_id?: null | CustomerId;
  company_name?: string | null;
  status?: null | CustomerStatus;
  owner_id?: null | UserId;
  team_id?: null | TeamId;
  tags?: string[] | null;
  attributes?: object | null;
};
export type CustomerBatch = {
  items: CustomerCreate[];
};
export type CustomerUpdate = {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  company_id?: null | CustomerId;
  company_name?: string | null;
  status?: null | CustomerStatus;
  owner_id?: null | UserId;
  team_id?: null | TeamId;
  tags?: string[] | null;
  attributes?: object | null;
};
export type CurrencyRevenue = {
  currency: Currency;
  /** Sum of the totals of completed transactions, in minor units. */
  revenue: number;
  /** Number of completed transactions. */
  purchase_count: number;
  /** Sum of the totals of refunded transactions (not part of `revenue`). */
  refunded_amount: number;
  refund_count: number;
};
export type CustomerAggregates = {
  customer_id: CustomerId;
  /** Completed transactions, all currencies. */
  purchase_count: number;
  /** Refunded transactions, all currencies. */
  refund_count: number;
  /** `occurred_at` of the earliest completed transaction. */
  first_purchase_at?: string | null;
  /** `occurred_at` of the latest completed transaction. */
  last_purchase_at?: string | null;
  /** One entry per currency with completed or refunded transactions, ordered by currency. */
  revenue: CurrencyRevenue[];
  /** Increases with every transaction write of this customer; 0 before the first. */
  version: number;
  /** When a transaction of this customer was last written. */
  updated_at?: string | null;
};
export type Erasure = {
  customer_id: CustomerId;
  erased_at: string;
};
export type Factor = {
  name: string;
  value: number;
  /** How this value reads, e.g. "bought 12 days ago (segment typical: 30 days)". */
  note: string;
};
export type SegmentInsight = {
  name: string;
  /** `behaviour` (RFM k-means over purchases) or `profile` (predicted before any purchase). */
  basis: string;
  /** For a profile prediction, its probability. */
  confidence?: number | null;
  /** Classic RFM scores, 1 (worst) to 5 (best), for customers with purchases. */
  r_score?: number | null;
  f_score?: number | null;
  m_score?: number | null;
  factors: Factor[];
  source: Provenance;
};
export type ValueInsight = {
  currency: string;
  /** Discounted value of the next 12 months, major units. */
  clv_12_months: number;
  /** Probability that the customer is still active (BG/NBD). */
  probability_alive: number;
  /** Expected purchases in the next 90 days. */
  expected_purchases_90_days: number;
  /** Probability of no purchase in the next 90 days (BG/NBD: dropped out, or alive and quiet). */
  churn_risk: number;
  /** `low` (< 0.3), `medium` or `high` (≥ 0.6). */
  churn_level: string;
  factors: Factor[];
  source: Provenance;
};
export type SentimentInsight = {
  /** Scored activities. */
  n: number;
  /** Exponentially weighted mean compound score (half-life 30 days). */
  level: number;
  /** Change of the compound score per 30 days. */
  slope_per_30_days: number;
  last: number;
  /** `improving`, `declining` or `steady`. */
  direction: string;
  source: Provenance;
};
export type ProductId = string;
export type Recommendation = {
  product_id: ProductId;
  /** Filled in by the service from the catalogue. */
  name?: string | null;
  sku?: string | null;
  score: number;
  /** `similar_to_purchases` (item-kNN) or `popular` (for a customer without purchases). */
  reason: string;
};
export type RecommendationsInsight = {
  items: Recommendation[];
  source: Provenance;
};
export type CustomerScores = {
  segment?: null | SegmentInsight;
  value?: null | ValueInsight;
  sentiment?: null | SentimentInsight;
  recommendations?: null | RecommendationsInsight;
};
export type CustomerInsights = CustomerScores & {
  customer_id: CustomerId;
  /** How the segment stored on the customer was reached (`pending` while the AI layer was
    down when it was written). `segment` below is the serving models' view now. */
  segment_status: SegmentStatus;
};
export type TransactionId = string;
export type TransactionStatus =
  "pending" | "completed" | "refunded" | "cancelled";
export type LineItem = {
  product_id: ProductId;
  sku: string;
  name: string;
  quantity: number;
  /** Minor units of the transaction's currency. */
  unit_price: number;
  /** `quantity × unit_price`, computed by the server. */
  line_total: number;
};
export type Transaction = {
  id: TransactionId;
  /** The customer it belongs to; who may see or change the transaction follows this customer. */
  customer_id: CustomerId;
  status: TransactionStatus;
  currency: Currency;
  occurred_at: string;
  /** The order number in another system, if any. */
  reference?: string | null;
  /** The order's key in another system, unique among live transactions: a CSV import skips an
    order whose `order_ref` a live transaction holds here (409 `external_ref_taken` on a
    create or change that would repeat one). */
  external_ref?: string | null;
  items: LineItem[];
  /** Sum of the line totals, in minor units; computed by the server, never taken from clients. */
  total: number;
  created_by?: null | UserId;
  /** Custom-field values under their keys (see `/api/v1/custom-fields`, entity
    `transaction`), and any other JSON the client keeps with the transaction. */
  attributes?: object;
  /** Increases by one on every change; the ETag is derived from it. */
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type PipelineId = string;
export type StageId = string;
export type DealStatus = "open" | "won" | "lost";
export type Deal = {
  id: DealId;
  title: string;
  customer_id: CustomerId;
  /** Amount in minor units of `currency` (cents for EUR, yen for JPY). */
  value: number;
  currency: Currency;
  pipeline_id: PipelineId;
  stage_id: StageId;
  status: DealStatus;
  /** Why the deal was lost; set exactly when `status` is `lost`. */
  lost_reason?: string | null;
  owner_id: UserId;
  team_id?: null | TeamId;
  expected_close_date?: string | null;
  /** When the deal was won or lost; `null` while open. */
  closed_at?: string | null;
  /** Order inside the stage, ascending (kanban). Assigned by the server on create and on
    moves; the server may renumber a stage, always keeping its order. */
  position: number;
  /** Custom-field values under their keys (see `/api/v1/custom-fields`, entity `deal`), and
    any other JSON the client keeps with the deal. */
  attributes: object;
  /** The win model's probability that this open deal is won (1 won, 0 lost), computed when
    the deal is read; `null` before the model is trained or while the AI layer is down. Not
    stored, and not part of the deal's change history. */
  win_probability?: number | null;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type PrivacyExport = {
  generated_at: string;
  customer: Customer;
  aggregates: CustomerAggregates;
  /** Every transaction, deleted ones included, oldest first. */
  transactions: Transaction[];
  /** Every deal, deleted ones included. */
  deals: Deal[];
  /** Every activity, deleted ones included. */
  activities: Activity[];
  /** The customer's change history, oldest first. */
  history: Event[];
};
export type TimelineKind = "activity" | "transaction" | "deal" | "customer";
export type TimelineItem = {
  kind: TimelineKind;
  /** The entry's id: the activity or transaction id, or the event id of a change. */
  id: string;
  at: string;
  /** Activities: their kind (`call`, …); transactions: their status; changes: the event's
    action (`created`, `updated`, `stage_changed`, `deleted`, …). */
  action: string;
  /** The id of the activity, transaction, deal or customer the entry is about. */
  subject_id: string;
  /** Activity subject, transaction reference or deal title. */
  title?: string | null;
  /** The first 280 characters of an activity's body. */
  excerpt?: string | null;
  /** Transactions: total in minor units. */
  amount?: number | null;
  currency?: null | Currency;
  actor_id?: null | UserId;
  /** Changes: `{field: [before, after]}`. */
  changes?: object | null;
};
export type Timeline = {
  data: TimelineItem[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor?: string | null;
};
export type RepActivity = {
  user_id: UserId;
  name: string;
  total: number;
  /** Counts per kind (`note`, `call`, `email`, `meeting`, `task`); kinds without any are left
    out. */
  by_kind: {
    [key: string]: number;
  };
};
export type ActivityReport = {
  from: string;
  to: string;
  /** One entry per rep with activities in the window, most active first. */
  data: RepActivity[];
};
export type Period = "day" | "week" | "month";
export type SignupCount = {
  /** First day of the period (weeks start on Monday). */
  period_start: string;
  customers: number;
};
export type NewCustomersReport = {
  period: Period;
  from: string;
  to: string;
  /** Every period of the range, oldest first. */
  data: SignupCount[];
};
export type StageKind = "open" | "won" | "lost";
export type StageValue = {
  currency: Currency;
  /** Σ deal value, minor units. */
  value: number;
  /** Σ value × stage probability, minor units (rounded half up). */
  weighted_value: number;
};
export type StageSummary = {
  stage_id: StageId;
  name: string;
  kind: StageKind;
  /** Win probability of the stage, percent. */
  probability: number;
  deals: number;
  /** One entry per currency of the stage's deals, ordered by currency. */
  totals: StageValue[];
};
export type PipelineSummary = {
  pipeline_id: PipelineId;
  name: string;
  stages: StageSummary[];
};
export type RevenueMonth = {
  /** `YYYY-MM`. */
  month: string;
  currency: Currency;
  /** Minor units. */
  revenue: number;
  /** Completed transactions. */
  purchases: number;
};
export type RevenueReport = {
  from: string;
  to: string;
  /** Every month of the range for each currency with revenue in it, by currency then month. */
  data: RevenueMonth[];
};
export type TopCustomer = {
  customer_id: CustomerId;
  name: string;
  currency: Currency;
  /** Lifetime revenue of live completed transactions, minor units. */
  revenue: number;
  purchases: number;
};
export type TopCustomersReport = {
  currency?: null | Currency;
  data: TopCustomer[];
};
export type DealList = {
  data: Deal[];
  next_cursor?: string | null;
};
export type DealCreate = {
  title: string;
  /** A live customer you can read. */
  customer_id: CustomerId;
  /** Minor units of `currency` (e.g. cents); default 0. */
  value?: number | null;
  /** ISO 4217 code. */
  currency: string;
  pipeline_id?: null | PipelineId;
  stage_id?: null | StageId;
  status?: null | DealStatus;
  /** Required when the deal is created lost. */
  lost_reason?: string | null;
  owner_id?: null | UserId;
  team_id?: null | TeamId;
  expected_close_date?: string | null;
  /** Custom-field values under their keys (`GET /api/v1/custom-fields?entity=deal`): checked
    against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a value of
    a unique field that another deal holds). Other keys are kept as they are. */
  attributes?: object | null;
};
export type DealUpdate = {
  title?: string | null;
  customer_id?: null | CustomerId;
  value?: number | null;
  currency?: string | null;
  pipeline_id?: null | PipelineId;
  stage_id?: null | StageId;
  status?: null | DealStatus;
  lost_reason?: string | null;
  owner_id?: null | UserId;
  team_id?: null | TeamId;
  expected_close_date?: string | null;
  /** Replaces the whole object (`null` clears it); custom-field values are checked as on
    create, values unchanged from the stored ones pass. */
  attributes?: object | null;
};
export type DealMoveBody = {
  stage_id: StageId;
  before_id?: null | DealId;
  after_id?: null | DealId;
  /** Required when moving into a lost stage (unless the deal was lost already). */
  lost_reason?: string | null;
};
export type StageChangeId = string;
export type StageChange = {
  id: StageChangeId;
  deal_id: DealId;
  pipeline_id: PipelineId;
  from_stage_id?: null | StageId;
  /** Stage names as they were at the time of the change. */
  from_stage_name?: string | null;
  to_stage_id: StageId;
  to_stage_name: string;
  actor_id?: null | UserId;
  changed_at: string;
};
export type StageChangeList = {
  data: StageChange[];
  next_cursor?: string | null;
};
export type ImportProgress = {
  /** Bytes of the file read and committed (the checkpoint: the next batch starts here). */
  bytes_processed: number;
  /** Data rows read (accepted + updated + rejected + duplicates). */
  rows_processed: number;
  /** Rows committed as new records (transactions: as line items of new transactions). */
  rows_accepted: number;
  /** Rows merged into an existing record (`on_duplicate=update`), also when that left the
    record as it was. */
  rows_updated: number;
  /** Rows refused by validation (see the job's rejections for the reasons). */
  rows_rejected: number;
  /** Rows skipped because their key (e-mail, SKU, order_ref) was taken (also listed among
    the rejections). */
  rows_duplicate: number;
};
export type ImportId = string;
export type ImportEntity = "customers" | "products" | "transactions";
export type ImportStatus =
  "uploaded" | "queued" | "running" | "completed" | "failed" | "cancelled";
export type OnDuplicate = "skip" | "update" | "reject";
export type ImportJob = ImportProgress & {
  id: ImportId;
  entity: ImportEntity;
  status: ImportStatus;
  /** The uploaded file's name, as the client gave it. */
  file_name: string;
  file_bytes: number;
  /** The header row of the file. */
  columns: string[];
  /** The first data rows, for checking the mapping. */
  preview: string[][];
  /** Column → field; columns left out are ignored. Set when the job is started. */
  mapping?:
    | {
        [key: string]: string;
      }
    | {
        [key: string]: string;
      };
  /** A mapping proposed from the column names (what `start` uses when given none). */
  suggested_mapping: {
    [key: string]: string;
  };
  on_duplicate: OnDuplicate;
  /** Why the job failed. */
  error?: string | null;
  created_by: UserId;
  version: number;
  created_at: string;
  updated_at: string;
  started_at?: string | null;
  finished_at?: string | null;
};
export type ImportList = {
  data: ImportJob[];
  next_cursor?: string | null;
};
export type ImportField = {
  name: string;
  required: boolean;
  description: string;
};
export type FieldList = {
  data: ImportField[];
};
export type RowError = {
  field: string;
  /** The column the field was mapped from (absent for a field no column maps). */
  column?: string | null;
  code: string;
  message: string;
};
export type ImportRejection = {
  /** Line of the row in the file, counting the header as line 1. */
  row: number;
  /** The e-mail was taken: skipped as a duplicate rather than refused. */
  duplicate: boolean;
  /** What is wrong; `field` names the resource field, `column` the file's column. */
  errors: RowError[];
  /** The row as read, column → value. */
  values: object;
};
export type RejectionList = {
  data: ImportRejection[];
  /** Pass as `after` for the next page (absent on the last one). */
  next_after?: number | null;
};
export type ImportStart = {
  /** Column → field (`name`, `email`, …, `cf.<key>`); columns left out are ignored. Default:
    the job's `suggested_mapping`. */
  mapping?:
    | {
        [key: string]: string;
      }
    | {
        [key: string]: string;
      };
  on_duplicate?: null | OnDuplicate;
};
export type Stage = {
  id: StageId;
  name: string;
  /** Win probability of deals in this stage, in percent (won stages 100, lost stages 0). */
  probability: number;
  kind: StageKind;
};
export type Pipeline = {
  id: PipelineId;
  name: string;
  /** New deals without a pipeline go to the default pipeline; exactly one pipeline is. */
  is_default: boolean;
  stages: Stage[];
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type PipelineList = {
  data: Pipeline[];
  next_cursor?: string | null;
};
export type StageInput = {
  id?: null | StageId;
  name: string;
  /** Defaults to 100 for won stages and 0 otherwise; won stages must have 100, lost ones 0. */
  probability?: number | null;
  kind?: null | StageKind;
};
export type PipelineCreate = {
  name: string;
  /** Make this the default pipeline (the previous default stops being one). */
  is_default?: boolean | null;
  /** 1 to 30 stages with distinct names, at least one of each kind. */
  stages: StageInput[];
};
export type PipelineUpdate = {
  name?: string | null;
  /** Only `true`: make another pipeline the default to stop this one being it. */
  is_default?: boolean | null;
  stages?: StageInput[] | null;
};
export type Product = {
  id: ProductId;
  /** Stock-keeping unit: unique among live products, compared case-insensitively. */
  sku: string;
  name: string;
  description?: string | null;
  category?: string | null;
  /** List price in minor units of `currency` (cents for EUR, yen for JPY). */
  price: number;
  currency: Currency;
  /** Inactive products stay readable but cannot be added to new transactions. */
  active: boolean;
  /** Custom-field values under their keys (see `/api/v1/custom-fields`, entity `product`),
    and any other JSON the client keeps with the product. */
  attributes: object;
  /** Increases by one on every change; the ETag is derived from it. */
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type ProductList = {
  data: Product[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  next_cursor?: string | null;
};
export type ProductCreate = {
  /** Unique among live products, case-insensitively (409 `sku_taken`). */
  sku: string;
  name: string;
  description?: string | null;
  category?: string | null;
  /** List price in minor units of `currency` (an integer: 1999 = 19.99 EUR). */
  price: number;
  /** ISO 4217 code (any case; stored upper case). */
  currency: Currency;
  /** Default `true`. Inactive products cannot be added to new transactions. */
  active?: boolean | null;
  /** Custom-field values under their keys (`GET /api/v1/custom-fields?entity=product`):
    checked against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a
    value of a unique field that another product holds). Other keys are kept as they are. */
  attributes?: object | null;
};
export type ProductUpdate = {
  sku?: string | null;
  name?: string | null;
  description?: string | null;
  category?: string | null;
  price?: number | null;
  currency?: null | Currency;
  active?: boolean | null;
  /** Replaces the whole object (`null` clears it); custom-field values are checked as on
    create, values unchanged from the stored ones pass. */
  attributes?: object | null;
};
export type Team = {
  id: TeamId;
  name: string;
  version: number;
  created_at: string;
  updated_at: string;
};
export type TeamList = {
  data: Team[];
  next_cursor?: string | null;
};
export type TeamInput = {
  name: string;
};
export type TransactionList = {
  data: Transaction[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  next_cursor?: string | null;
};
export type LineItemInput = {
  /** A live, active product priced in the transaction's currency. */
  product_id: ProductId;
  quantity: number;
  /** Minor units; defaults to the product's current price. */
  unit_price?: number | null;
};
export type TransactionCreate = {
  /** A live customer you may write (422 `unknown_customer` if out of reach). */
  customer_id: CustomerId;
  status?: null | TransactionStatus;
  currency?: null | Currency;
  /** Default: now. */
  occurred_at?: string | null;
  reference?: string | null;
  /** The order's key in another system; unique among live transactions (409
    `external_ref_taken`). */
  external_ref?: string | null;
  items: LineItemInput[];
  /** Custom-field values under their keys (`GET /api/v1/custom-fields?entity=transaction`):
    checked against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a
    value of a unique field that another transaction holds). Other keys are kept as they are. */
  attributes?: object | null;
};
export type TransactionUpdate = {
  status?: null | TransactionStatus;
  occurred_at?: string | null;
  reference?: string | null;
  /** Unique among live transactions (409 `external_ref_taken`); `null` clears it. */
  external_ref?: string | null;
  items?: LineItemInput[] | null;
  /** Replaces the whole object (`null` clears it); custom-field values are checked as on
    create (also with a status move), values unchanged from the stored ones pass. */
  attributes?: object | null;
};
export type UserList = {
  data: User[];
  next_cursor?: string | null;
};
export type UserCreate = {
  email: string;
  name: string;
  role: Role;
  team_id?: null | TeamId;
  /** 12 to 256 characters. */
  password: string;
};
export type UserUpdate = {
  name?: string | null;
  role?: null | Role;
  team_id?: null | TeamId;
  /** `false` deactivates the user and ends their sessions. */
  active?: boolean | null;
  /** Sets a new password (ends the user's sessions). */
  password?: string | null;
};
export type ViewId = string;
export type ViewResource =
  "customers" | "deals" | "activities" | "products" | "transactions";
export type Visibility = "private" | "team";
export type View = {
  id: ViewId;
  name: string;
  resource: ViewResource;
  /** Query parameters of the resource's list endpoint: a string or a list of strings each. */
  filters: object;
  /** A sort of the resource's list endpoint (`-created_at`, `name`, …), or null for its default. */
  sort?: string | null;
  /** Columns to show, in order: field names of the resource. */
  columns: string[];
  visibility: Visibility;
  owner_id: UserId;
  team_id?: null | TeamId;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type ViewList = {
  data: View[];
  next_cursor?: string | null;
};
export type ViewCreate = {
  name: string;
  resource: ViewResource;
  /** Query parameters of the resource's list endpoint (`{"status": ["lead", "prospect"], "tag": "vip"}`); not `cursor`, `limit` or `sort`. */
  filters?: object | null;
  /** A sort of the list endpoint (`-created_at`). */
  sort?: string | null;
  /** Field names of the resource, in display order (1 to 50). */
  columns?: string[] | null;
  visibility?: null | Visibility;
};
export type ViewUpdate = {
  name?: string | null;
  filters?: object | null;
  sort?: string | null;
  columns?: string[] | null;
  visibility?: null | Visibility;
};
export type DeliveryId = string;
export type WebhookId = string;
export type DeliveryStatus = "pending" | "succeeded" | "failed";
export type Delivery = {
  /** Also the `webhook-id` header of every attempt (stable across retries and replays). */
  id: DeliveryId;
  webhook_id: WebhookId;
  event_id: EventId;
  event_seq: number;
  event_type: string;
  /** The JSON body sent: `{"type", "timestamp", "data"}`. */
  payload: object;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (pending deliveries). */
  next_attempt_at?: string | null;
  /** HTTP status of the last attempt, if it got a response. */
  last_status?: number | null;
  last_error?: string | null;
  /** A replay was requested: the next attempt is a single manual one. */
  manual: boolean;
  created_at: string;
  updated_at: string;
};
export type AttemptId = string;
export type AttemptTrigger = "scheduled" | "replay";
export type DeliveryAttempt = {
  id: AttemptId;
  delivery_id: DeliveryId;
  /** 1 for the first attempt. */
  attempt: number;
  trigger: AttemptTrigger;
  started_at: string;
  duration_ms: number;
  /** The receiver's HTTP status, if it answered. */
  status_code?: number | null;
  /** Why the attempt failed without a (2xx) answer: connection error, timeout, refusal. */
  error?: string | null;
  /** The first bytes of the receiver's answer. */
  response_excerpt?: string | null;
};
export type DeliveryDetail = Delivery & {
  attempt_log: DeliveryAttempt[];
};
export type Webhook = {
  id: WebhookId;
  /** Absolute `http(s)` URL receiving `POST`s. */
  url: string;
  description?: string | null;
  /** Event types: exact (`customer.created`), all of a resource (`customer.*`) or all (`*`). */
  events: string[];
  /** Inactive endpoints receive nothing (their pending deliveries wait until re-enabled). */
  active: boolean;
  /** When the endpoint was disabled because its deliveries kept failing. */
  disabled_at?: string | null;
  disabled_reason?: string | null;
  /** Deliveries that failed for good in a row (reset by a success or by re-enabling). */
  consecutive_failures: number;
  created_by: UserId;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at?: string | null;
};
export type WebhookList = {
  data: Webhook[];
  next_cursor?: string | null;
};
export type WebhookWithSecret = Webhook & {
  /** `whsec_…`: verify each delivery's `webhook-signature` with it. */
  secret: string;
};
export type WebhookCreate = {
  /** Absolute http(s) URL. Private, loopback and link-local addresses are refused unless the
    server allows them (`webhook_allow_private_targets`). */
  url: string;
  /** Event types: `customer.created`, `customer.*` (all of a resource) or `*`. */
  events: string[];
  description?: string | null;
  /** Default true. */
  active?: boolean | null;
  /** A `whsec_` secret (base64 of 24 to 64 bytes); generated when absent. */
  secret?: string | null;
};
export type WebhookUpdate = {
  url?: string | null;
  events?: string[] | null;
  description?: string | null;
  active?: boolean | null;
};
export type DeliveryList = {
  data: Delivery[];
  next_cursor?: string | null;
};
export type SecretRotate = {
  /** A `whsec_` secret; a random one when absent. */
  secret?: string | null;
};
export const {
  useListActivitiesQuery,
  useLazyListActivitiesQuery,
  useCreateActivityMutation,
  useExportActivitiesQuery,
  useLazyExportActivitiesQuery,
  useReadActivityQuery,
  useLazyReadActivityQuery,
  useDeleteActivityMutation,
  useUpdateActivityMutation,
  useActivityHistoryQuery,
  useLazyActivityHistoryQuery,
  useRestoreActivityMutation,
  useAiRevenueForecastQuery,
  useLazyAiRevenueForecastQuery,
  useAiModelsQuery,
  useLazyAiModelsQuery,
  useAiSegmentsQuery,
  useLazyAiSegmentsQuery,
  useAiSentimentMutation,
  useAiTrainMutation,
  useListApiKeysQuery,
  useLazyListApiKeysQuery,
  useCreateApiKeyMutation,
  useRevokeApiKeyMutation,
  useLoginMutation,
  useLogoutMutation,
  useMeQuery,
  useLazyMeQuery,
  useChangePasswordMutation,
  useRefreshMutation,
  useListCustomFieldsQuery,
  useLazyListCustomFieldsQuery,
  useCreateCustomFieldMutation,
  useReadCustomFieldQuery,
  useLazyReadCustomFieldQuery,
  useDeleteCustomFieldMutation,
  useUpdateCustomFieldMutation,
  useRestoreCustomFieldMutation,
  useListCustomersQuery,
  useLazyListCustomersQuery,
  useCreateCustomerMutation,
  useCreateCustomersBatchMutation,
  useExportCustomersQuery,
  useLazyExportCustomersQuery,
  useReadCustomerQuery,
  useLazyReadCustomerQuery,
  useDeleteCustomerMutation,
  useUpdateCustomerMutation,
  useCustomerAggregatesQuery,
  useLazyCustomerAggregatesQuery,
  useEraseCustomerMutation,
  useCustomerHistoryQuery,
  useLazyCustomerHistoryQuery,
  useCustomerInsightsQuery,
  useLazyCustomerInsightsQuery,
  useExportCustomerDataQuery,
  useLazyExportCustomerDataQuery,
  useRestoreCustomerMutation,
  useCustomerTimelineQuery,
  useLazyCustomerTimelineQuery,
  useDashboardActivityQuery,
  useLazyDashboardActivityQuery,
  useDashboardNewCustomersQuery,
  useLazyDashboardNewCustomersQuery,
  useDashboardPipelineQuery,
  useLazyDashboardPipelineQuery,
  useDashboardRevenueQuery,
  useLazyDashboardRevenueQuery,
  useDashboardTopCustomersQuery,
  useLazyDashboardTopCustomersQuery,
  useListDealsQuery,
  useLazyListDealsQuery,
  useCreateDealMutation,
  useExportDealsQuery,
  useLazyExportDealsQuery,
  useReadDealQuery,
  useLazyReadDealQuery,
  useDeleteDealMutation,
  useUpdateDealMutation,
  useDealHistoryQuery,
  useLazyDealHistoryQuery,
  useMoveDealMutation,
  useRestoreDealMutation,
  useDealStageHistoryQuery,
  useLazyDealStageHistoryQuery,
  useListEventsQuery,
  useLazyListEventsQuery,
  useListImportsQuery,
  useLazyListImportsQuery,
  useUploadImportMutation,
  useListImportFieldsQuery,
  useLazyListImportFieldsQuery,
  useReadImportQuery,
  useLazyReadImportQuery,
  useCancelImportMutation,
  useListImportRejectionsQuery,
  useLazyListImportRejectionsQuery,
  useStartImportMutation,
  useListPipelinesQuery,
  useLazyListPipelinesQuery,
  useCreatePipelineMutation,
  useReadPipelineQuery,
  useLazyReadPipelineQuery,
  useDeletePipelineMutation,
  useUpdatePipelineMutation,
  useRestorePipelineMutation,
  useListProductsQuery,
  useLazyListProductsQuery,
  useCreateProductMutation,
  useExportProductsQuery,
  useLazyExportProductsQuery,
  useReadProductQuery,
  useLazyReadProductQuery,
  useDeleteProductMutation,
  useUpdateProductMutation,
  useProductBoughtTogetherQuery,
  useLazyProductBoughtTogetherQuery,
  useRestoreProductMutation,
  useListTeamsQuery,
  useLazyListTeamsQuery,
  useCreateTeamMutation,
  useReadTeamQuery,
  useLazyReadTeamQuery,
  useDeleteTeamMutation,
  useRenameTeamMutation,
  useListTransactionsQuery,
  useLazyListTransactionsQuery,
  useCreateTransactionMutation,
  useExportTransactionsQuery,
  useLazyExportTransactionsQuery,
  useReadTransactionQuery,
  useLazyReadTransactionQuery,
  useDeleteTransactionMutation,
  useUpdateTransactionMutation,
  useRestoreTransactionMutation,
  useListUsersQuery,
  useLazyListUsersQuery,
  useCreateUserMutation,
  useReadUserQuery,
  useLazyReadUserQuery,
  useUpdateUserMutation,
  useListViewsQuery,
  useLazyListViewsQuery,
  useCreateViewMutation,
  useReadViewQuery,
  useLazyReadViewQuery,
  useDeleteViewMutation,
  useUpdateViewMutation,
  useRestoreViewMutation,
  useReadWebhookDeliveryQuery,
  useLazyReadWebhookDeliveryQuery,
  useReplayWebhookDeliveryMutation,
  useListWebhooksQuery,
  useLazyListWebhooksQuery,
  useCreateWebhookMutation,
  useReadWebhookQuery,
  useLazyReadWebhookQuery,
  useDeleteWebhookMutation,
  useUpdateWebhookMutation,
  useListWebhookDeliveriesQuery,
  useLazyListWebhookDeliveriesQuery,
  useRestoreWebhookMutation,
  useRotateWebhookSecretMutation,
} = injectedRtkApi;

// Runtime lists of the enums named in openapi-config.cjs (`runtimeEnums`).
export const customFieldEntityValues: readonly CustomFieldEntity[] = ["customer","deal","product","activity","transaction"];
export const fieldTypeValues: readonly FieldType[] = ["text","number","date","boolean","select","multi_select","currency"];
