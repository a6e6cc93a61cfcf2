package incusattr

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// ResolvedScope fills in the default remote and project; the scope is kept
// as it is when the remote is unknown (the error surfaces on the request).
func ResolvedScope(c *incus.Client, s incus.Scope) incus.Scope {
	resolved, err := c.Resolve(s)
	if err != nil {
		return s
	}
	return resolved
}

// RemoteAttribute is the `remote` attribute of an Incus resource type.
func RemoteAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true, Computed: true,
		Description:   fmt.Sprintf("Incus remote (see the provider's `incus_remote` blocks). Defaults to the provider's default remote. Changing it replaces the %s.", what),
		Validators:    []validator.String{fw.BlockNameValidator},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
	}
}

// ProjectAttribute is the `project` attribute of an Incus resource type
// whose objects live in a project.
func ProjectAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true, Computed: true,
		Description:   fmt.Sprintf("Incus project. Defaults to the remote's project, else `default`. Changing it replaces the %s.", what),
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
	}
}

// PlanScope resolves at plan time where a new object goes: the remote and
// project left out of the configuration become the provider's default
// remote and its project, so the plan shows them and an unknown remote
// fails before apply. remote and project are the planned values, updated
// in place; project is nil for types outside projects. It returns false
// when a diagnostic was added.
func PlanScope(ctx context.Context, c *incus.Client, req resource.ModifyPlanRequest, diags *diag.Diagnostics, remote, project *types.String) bool {
	var cfgRemote, cfgProject types.String
	diags.Append(req.Config.GetAttribute(ctx, path.Root("remote"), &cfgRemote)...)
	if project != nil {
		diags.Append(req.Config.GetAttribute(ctx, path.Root("project"), &cfgProject)...)
	}
	if diags.HasError() {
		return false
	}
	creating := req.State.Raw.IsNull()
	r := *remote
	if r.IsUnknown() && creating && !cfgRemote.IsUnknown() {
		r = cfgRemote // null: the default remote
	}
	if r.IsUnknown() {
		return true
	}
	scope, err := c.Resolve(incus.Scope{Remote: r.ValueString(), Project: fw.KnownString(cfgProject)})
	if err != nil {
		fw.AddAttributeError(diags, path.Root("remote"), "Unknown Incus remote", err)
		return false
	}
	if creating {
		*remote = types.StringValue(scope.Remote)
		if project != nil && !cfgProject.IsUnknown() {
			*project = types.StringValue(scope.Project)
		}
	}
	return true
}
