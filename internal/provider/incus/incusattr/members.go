package incusattr

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
)

// MemberConfigAttribute is the `member_config` attribute of an object that a
// cluster defines member by member (a storage pool, a network): a map of
// member name to that member's config. what names the object ("pool");
// description says what it holds. A change replaces the object, unless the
// object was imported (state null): it exists, keep it.
func MemberConfigAttribute(what, description string) schema.MapAttribute {
	replaces := "A change replaces the " + what + ", unless it was imported."
	return schema.MapAttribute{Optional: true, ElementType: types.MapType{ElemType: types.StringType},
		Description: description,
		Validators: []validator.Map{
			mapvalidator.ConflictsWith(path.MatchRoot("target")),
			mapvalidator.ValueMapsAre(mapvalidator.KeysAre(ConfigKeyValidator{})),
		},
		PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = !req.StateValue.IsNull()
		}, replaces, replaces)},
	}
}

// MemberConfigs reads a member_config value: member -> its config; nil
// when it is unset.
func MemberConfigs(ctx context.Context, v types.Map, diags *diag.Diagnostics) map[string]map[string]string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	out := map[string]map[string]string{}
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out
}

// MemberConfigFromAPI is member_config after a read: the member-specific
// keys are not read back, so a value unknown in the plan becomes null.
func MemberConfigFromAPI(v types.Map) types.Map {
	if v.IsUnknown() {
		return types.MapNull(types.MapType{ElemType: types.StringType})
	}
	return v
}

// ForEachMember calls define for each member, in name order, with s
// targeting it: the first step of creating a cluster-wide object.
func ForEachMember(s incus.Scope, members map[string]map[string]string, define func(at incus.Scope, config map[string]string) error) error {
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, member := range names {
		at := s
		at.Target = member
		if err := define(at, members[member]); err != nil {
			return err
		}
	}
	return nil
}

// KeepFilled adds to put the keys Incus filled in (and volatile.*) that the
// configuration leaves out: incusd replaces the whole config on a PUT, and
// refuses or changes what a PUT drops (a pool's `source`, a bridge's
// address).
func KeepFilled(put, server map[string]string, filled func(string) bool) {
	for k, v := range server {
		if _, set := put[k]; !set && (strings.HasPrefix(k, "volatile.") || filled(k)) {
			put[k] = v
		}
	}
}
