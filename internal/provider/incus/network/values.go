package network

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Conversions from the server's objects that several network types share.

// listOrNull is the server's n entries as a list; none is null unless the
// configuration gave an empty list (prior).
func listOrNull(n int, prior types.List, typ types.ObjectType, diags *diag.Diagnostics, entry func(i int) map[string]attr.Value) types.List {
	if n == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.ListNull(typ)
	}
	elems := make([]attr.Value, n)
	for i := range n {
		obj, d := types.ObjectValue(typ.AttrTypes, entry(i))
		diags.Append(d...)
		elems[i] = obj
	}
	out, d := types.ListValue(typ, elems)
	diags.Append(d...)
	return out
}

// nullIfEmpty is a string field the server leaves empty when unset: null,
// as when the configuration leaves it out.
func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
