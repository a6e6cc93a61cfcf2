package incusattr

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
)

// The expires_at attribute of snapshots (volume and instance snapshots):
// an RFC 3339 time or null (never), where the same instant spelt another
// way is no change.

// ExpiryPlan plans expires_at as configured (null: never), but keeps the
// state's spelling of the same instant: an import reads it in UTC, and a
// configured "+01:00" of the same time is no change. (The attribute is
// Computed only so that the plan may keep the state's spelling.)
func ExpiryPlan() planmodifier.String { return expiryPlan{} }

type expiryPlan struct{}

func (expiryPlan) Description(context.Context) string {
	return "the configured expiry; the same instant spelt another way is no change"
}
func (p expiryPlan) MarkdownDescription(ctx context.Context) string { return p.Description(ctx) }
func (expiryPlan) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.ConfigValue.IsUnknown() {
		return
	}
	resp.PlanValue = req.ConfigValue
	if req.ConfigValue.IsNull() || req.StateValue.IsNull() || req.StateValue.IsUnknown() {
		return
	}
	planned, err1 := time.Parse(time.RFC3339, req.ConfigValue.ValueString())
	state, err2 := time.Parse(time.RFC3339, req.StateValue.ValueString())
	if err1 == nil && err2 == nil && planned.Equal(state) {
		resp.PlanValue = req.StateValue
	}
}

// ExpiryToAPI is the time of an expires_at value; null is the zero time (never).
func ExpiryToAPI(v timetypes.RFC3339, diags *diag.Diagnostics) time.Time {
	s := v.ValueString()
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		diags.AddError("Invalid Snapshot Expiry", fmt.Sprintf("expires_at %q is not an RFC 3339 time: %s", s, err))
	}
	return t
}

// ExpiryFromAPI is the expires_at of a server's expiry (zero: never). The
// prior value is kept when it is the same instant, spelt as configured.
func ExpiryFromAPI(prior timetypes.RFC3339, t time.Time) timetypes.RFC3339 {
	if t.IsZero() {
		return timetypes.NewRFC3339Null()
	}
	was, _ := prior.ValueRFC3339Time()
	if prior.IsNull() || prior.IsUnknown() || !was.Equal(t) {
		return timetypes.NewRFC3339TimeValue(t.UTC())
	}
	return prior
}
