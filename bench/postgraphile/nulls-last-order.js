// Adds MembersOrderBy.LAST_VISIT_AT_NULLS_LAST_{ASC,DESC}: last_visit_at with NULLS LAST,
// so the Segment page ("most recently seen first, never seen last") orders like the CRM's
// coalesce(last_visit_at, '1900-01-01') DESC. Plain LAST_VISIT_AT_DESC puts NULLs first.
const { makeAddPgTableOrderByPlugin, orderByAscDesc } = require("graphile-utils");

module.exports = makeAddPgTableOrderByPlugin("public", "member", () =>
  orderByAscDesc("LAST_VISIT_AT_NULLS_LAST", "last_visit_at", { nulls: "last" }),
);
