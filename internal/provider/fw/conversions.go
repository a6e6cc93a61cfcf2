package fw

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func StringMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// StringList returns nil for a null or unknown list (so Incus applies its default).
func StringList(ctx context.Context, l types.List, diags *diag.Diagnostics) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	out := []string{}
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

func StringListValue(in []string) types.List {
	vals := make([]attr.Value, 0, len(in))
	for _, s := range in {
		vals = append(vals, types.StringValue(s))
	}
	return types.ListValueMust(types.StringType, vals)
}

// KnownString is the value of a string that may be unknown at plan time ("" then).
func KnownString(v types.String) string {
	if v.IsUnknown() {
		return ""
	}
	return v.ValueString()
}

// OrDefault is v, or fallback when v is empty.
func OrDefault(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}
